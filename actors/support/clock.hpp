// The node's clocks as the sans-IO core takes them: monotonic time (ssu2::TimePoint, µs) and
// wall time since the Unix epoch. The one place actors read a clock.
#pragma once
#include <chrono>
#include <cstdint>

#include "transport/common/time.hpp"

namespace ssu2d {

inline ssu2::TimePoint steady_now() {
  return std::chrono::duration_cast<ssu2::Micros>(
      std::chrono::steady_clock::now().time_since_epoch());
}

inline uint64_t unix_now_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

inline uint32_t unix_now_s() { return uint32_t(unix_now_ms() / 1000); }

}  // namespace ssu2d
