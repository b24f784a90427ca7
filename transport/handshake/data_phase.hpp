// The one conversion from a completed handshake (handshake::SessionContext) to the data
// phase's input (session::SessionContext). Header key 1 of each direction is the
// receiver's intro key (session_context.hpp), so it is taken from the side that receives.
#pragma once
#include <cstdint>

#include "transport/common/time.hpp"
#include "transport/handshake/session_context.hpp"
#include "transport/session/session.hpp"

namespace ssu2::handshake {

// `now` is the monotonic time the session starts at, `unix_ms` the wall clock at that moment.
session::SessionContext to_session_context(const SessionContext& hs, TimePoint now,
                                           uint64_t unix_ms);

}  // namespace ssu2::handshake
