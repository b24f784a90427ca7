// One self-addressed timer per core deadline, as every actor drives its sans-IO core: arm()
// with the core's poll_timeout() sends (atom, deadline_ms) to the actor at that deadline,
// unless an earlier one is already armed; fired() tells the handler that the armed one came
// (later messages of superseded deadlines still arrive and simply poll the core once more).
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>

#include <caf/all.hpp>

#include "actors/support/clock.hpp"

namespace ssu2d {

class DeadlineTimer {
 public:
  template <class Self, class Atom>
  void arm(Self* self, std::optional<ssu2::TimePoint> next, Atom atom) {
    if (!next || (armed_ && *armed_ <= *next)) return;
    armed_ = *next;
    auto delay = std::max<ssu2::Micros>(*next - steady_now(self), ssu2::Millis{1});
    self->delayed_send(self, delay, atom, int64_t(next->count()));
  }
  // Call with the deadline the message carried.
  void fired(int64_t deadline) {
    if (armed_ && armed_->count() == deadline) armed_.reset();
  }

 private:
  std::optional<ssu2::TimePoint> armed_;
};

}  // namespace ssu2d
