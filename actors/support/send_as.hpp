// Sending from a statically typed actor without losing the sender where CAF's send() refuses
// it at compile time: to a dynamically typed receiver (the handshake actor), or to a typed
// one whose reply the sender's interface does not take (the socket's unregister -> bool);
// and from a plain caf::local_actor*, which has no send() (datagram_path). anon_send() would
// leave current_sender() empty, but these receivers use it (the socket reports a failed send
// back to it, the handshake actor tells one session from a newer one for the same peer).
// To a dynamically typed receiver the message is checked by its handlers at run time, as
// any message to such an actor is.
#pragma once

#include <caf/local_actor.hpp>
#include <caf/send.hpp>

namespace ssu2d {

template <class Dest, class... Ts>
void send_as_self(caf::local_actor* self, const Dest& dest, Ts&&... xs) {
  caf::unsafe_send_as(self, dest, std::forward<Ts>(xs)...);
}

}  // namespace ssu2d
