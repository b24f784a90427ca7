// Time in the core is a value passed in by the caller: the core never reads a clock.
#pragma once
#include <chrono>
#include <cstdint>

namespace ssu2 {
using Millis = std::chrono::milliseconds;
// Milliseconds since an arbitrary epoch chosen by the caller (steady clock in the node,
// virtual time in tests). Wall-clock time (for DateTime blocks, RouterInfo dates) is passed
// separately as seconds or milliseconds since the Unix epoch where a message needs it.
using TimePoint = Millis;
}  // namespace ssu2
