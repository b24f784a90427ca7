// Sending from a statically typed actor to a dynamically typed one (socket, handshake, nat)
// without losing the sender: CAF's send() refuses that pairing at compile time and
// anon_send() leaves current_sender() empty, but these receivers use it (the socket reports
// a failed send back to it, the handshake and nat actors tell one session from a newer one
// for the same peer). The message is checked by the receiver's handlers at run time, as
// any message to a dynamically typed actor is.
#pragma once

#include <caf/local_actor.hpp>
#include <caf/send.hpp>

namespace ssu2d {

template <class Dest, class... Ts>
void send_as_self(caf::local_actor* self, const Dest& dest, Ts&&... xs) {
  caf::unsafe_send_as(self, dest, std::forward<Ts>(xs)...);
}

}  // namespace ssu2d
