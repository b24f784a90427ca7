// The node's clocks as the sans-IO core takes them: monotonic time (ssu2::TimePoint, µs) and
// wall time since the Unix epoch, together as one ssu2::Now (`core_now(self)`). The one place
// actors read a clock.
//
// Actors read the clock of their actor system (`steady_now(self)`, `unix_now_ms(self)`): the
// real clocks in a node; under CAF's test coordinator its virtual clock, so a whole node runs
// in virtual time (tests/unit/node_world.hpp). Wall time there is the real wall time when
// the process first asked plus the virtual time elapsed, so both clocks advance together.
// Only code outside any actor (the socket's reader thread, start-up) uses the real clocks
// directly (the overloads without an argument).
#pragma once
#include <chrono>
#include <cstdint>

#include <caf/actor_clock.hpp>

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

inline ssu2::TimePoint steady_now(const caf::actor_clock& clock) {
  return std::chrono::duration_cast<ssu2::Micros>(clock.now().time_since_epoch());
}
uint64_t unix_now_ms(const caf::actor_clock& clock);
inline uint32_t unix_now_s(const caf::actor_clock& clock) {
  return uint32_t(unix_now_ms(clock) / 1000);
}

// From inside an actor (any self pointer).
template <class Self>
ssu2::TimePoint steady_now(Self* self) {
  return steady_now(self->clock());
}
template <class Self>
uint64_t unix_now_ms(Self* self) {
  return unix_now_ms(self->clock());
}
template <class Self>
uint32_t unix_now_s(Self* self) {
  return unix_now_s(self->clock());
}
// Both clocks as the core's inputs take them (transport/common/time.hpp).
template <class Self>
ssu2::Now core_now(Self* self) {
  return ssu2::Now{steady_now(self), unix_now_s(self)};
}

}  // namespace ssu2d
