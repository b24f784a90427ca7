#include "actors/support/session_summary.hpp"

#include <cstdio>

namespace ssu2d {

std::string session_end_summary(const session_info& s, const std::string& reason) {
  char age[32];
  std::snprintf(age, sizeof age, "%.1f s", double(s.established_ms_ago) / 1000.0);
  auto pair = [](uint64_t a, uint64_t b) { return std::to_string(a) + "/" + std::to_string(b); };
  return "session " + short_hash(s.peer) + ": ended (" + reason + "): " +
         (s.outbound ? "outbound " : "inbound ") + (s.remote.empty() ? "-" : s.remote) + ", " +
         age + ", bytes in/out " + pair(s.bytes_in, s.bytes_out) + ", packets in/out " +
         pair(s.packets_in, s.packets_out) + ", retransmissions " +
         std::to_string(s.retransmissions);
}

}  // namespace ssu2d
