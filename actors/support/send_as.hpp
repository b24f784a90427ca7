// Sending without losing the sender where CAF's send() refuses it at compile time: from a
// typed actor to a typed one whose reply the sender's interface does not take (a session's
// unregister at the socket -> bool), to a dynamically typed receiver, and from a plain
// caf::local_actor*, which has no send() (datagram_path's send_atom). anon_send() would leave
// current_sender() empty, but the socket uses it: it reports a failed send back to the
// sender. Nothing checks the message at compile time here: the receiver's handlers match it
// at run time.
#pragma once

#include <caf/local_actor.hpp>
#include <caf/send.hpp>

namespace ssu2d {

template <class Dest, class... Ts>
void send_as_self(caf::local_actor* self, const Dest& dest, Ts&&... xs) {
  caf::unsafe_send_as(self, dest, std::forward<Ts>(xs)...);
}

}  // namespace ssu2d
