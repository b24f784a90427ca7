// Time in the core is a value passed in by the caller: the core never reads a clock.
#pragma once
#include <chrono>
#include <cstdint>

namespace ssu2 {
using Millis = std::chrono::milliseconds;
using Micros = std::chrono::microseconds;
// Microseconds since an arbitrary epoch chosen by the caller (steady clock in the node,
// virtual time in tests). Wall-clock time (for DateTime blocks, RouterInfo dates) is passed
// separately as seconds or milliseconds since the Unix epoch where a message needs it.
// Durations may be given in any std::chrono unit (Millis converts implicitly).
using TimePoint = Micros;

// Whole milliseconds of a time point or duration (truncated toward zero), for outputs in ms.
constexpr int64_t to_ms(Micros t) { return std::chrono::duration_cast<Millis>(t).count(); }
}  // namespace ssu2
