// The one info line a node logs when a session ends: who, which way, how long, how much.
#pragma once
#include <string>

#include "messages/messages.hpp"

namespace ssu2d {

// "session AbCdEfGh: ended (REASON): outbound 1.2.3.4:5, 12.3 s, bytes in/out 10/20,
//  packets in/out 1/2, retransmissions 0" (the peer's base64 hash shortened to 8 chars).
std::string session_end_summary(const session_info& s, const std::string& reason);

}  // namespace ssu2d
