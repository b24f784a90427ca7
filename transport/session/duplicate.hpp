// Time-bounded duplicate filters. Two sets rotate every `period`: an entry lives in the
// current set until the next rotation, then one more period in the previous set, so it is
// remembered for between one and two periods (60..120 s by default). Each set is bounded;
// when the current set is full it rotates early, so memory stays bounded under a flood at
// the cost of a shorter memory for the oldest entries.
//
// Message IDs and peer-test/relay nonces get separate filter types (and so separate
// instances): sharing one filter lets a nonce collide with, and suppress, a message ID.
#pragma once
#include <cstddef>
#include <cstdint>
#include <unordered_set>

#include "transport/common/time.hpp"

namespace ssu2::session {

namespace detail {
template <class T>
class RotatingSet {
 public:
  static constexpr Millis kDefaultPeriod{60'000};
  static constexpr size_t kDefaultMaxPerSet = 50'000;

  explicit RotatingSet(TimePoint now, Millis period = kDefaultPeriod,
                       size_t max_per_set = kDefaultMaxPerSet)
      : period_(period), max_per_set_(max_per_set), rotated_at_(now) {}

  // Returns true if `v` was not seen recently (and remembers it), false for a duplicate.
  bool insert(TimePoint now, T v) {
    maybe_rotate(now);
    if (contains(v)) return false;
    if (current_.size() >= max_per_set_) rotate(now);
    current_.insert(v);
    return true;
  }
  bool contains(T v) const { return current_.count(v) || previous_.count(v); }
  // Drops stale entries; call from the owner's timer (insert also rotates lazily).
  void on_timer(TimePoint now) { maybe_rotate(now); }
  TimePoint next_deadline() const { return rotated_at_ + period_; }
  size_t size() const { return current_.size() + previous_.size(); }

 private:
  void maybe_rotate(TimePoint now) {
    if (now - rotated_at_ >= 2 * period_) {  // long silence: everything is stale
      previous_.clear();
      current_.clear();
      rotated_at_ = now;
    } else if (now - rotated_at_ >= period_) {
      rotate(now);
    }
  }
  void rotate(TimePoint now) {
    previous_ = std::move(current_);
    current_.clear();
    rotated_at_ = now;
  }

  Millis period_;
  size_t max_per_set_;
  TimePoint rotated_at_;
  std::unordered_set<T> current_, previous_;
};
}  // namespace detail

// I2NP message IDs (32 bit).
class MessageIdFilter : public detail::RotatingSet<uint32_t> {
 public:
  using RotatingSet::RotatingSet;
};

// Peer-test and relay nonces (32 bit on the wire, kept wide for future use).
class NonceFilter : public detail::RotatingSet<uint64_t> {
 public:
  using RotatingSet::RotatingSet;
};

}  // namespace ssu2::session
