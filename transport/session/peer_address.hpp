// The peer's UDP endpoint as a plain value: the session core never touches sockets, it only
// compares, stores and hands back addresses. One address type for the whole core.
#pragma once
#include "transport/common/address.hpp"

namespace ssu2::session {
// ssu2::Address under the session's name: the same type (an alias), not a separate concept.
using PeerAddress = ssu2::Address;
}  // namespace ssu2::session
