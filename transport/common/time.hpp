// Time in the core is a value passed in by the caller: the core never reads a clock.
#pragma once
#include <chrono>
#include <cstdint>

namespace ssu2 {
using Millis = std::chrono::milliseconds;
using Micros = std::chrono::microseconds;
// Microseconds since an arbitrary epoch chosen by the caller (steady clock in the node,
// virtual time in tests). Durations may be given in any std::chrono unit (Millis converts
// implicitly).
using TimePoint = Micros;

// Both clocks a core input needs: the monotonic one for timers and deadlines, the wall clock
// (seconds since the Unix epoch) for signed timestamps, DateTime blocks and token expiry.
// Helpers and values that need one clock only take `now.mono` or `now.unix_s`.
struct Now {
  TimePoint mono{0};
  uint32_t unix_s = 0;
};

// Whole milliseconds of a time point or duration (truncated toward zero), for outputs in ms.
constexpr int64_t to_ms(Micros t) { return std::chrono::duration_cast<Millis>(t).count(); }
}  // namespace ssu2
