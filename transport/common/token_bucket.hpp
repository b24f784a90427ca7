// A byte token bucket for the node's bandwidth limits (issue "Operator-ready node"), sans-IO:
// time is passed in. Tokens accrue at `rate` bytes per second up to `burst`; the balance may
// go below zero (debt), which is how it stays fair between the sessions sharing it:
//
//   take(now, want)     grants up to min(want, per-grab cap) of the tokens on hand, only
//                       while nobody waits (the balance is positive);
//   settle(granted, used) gives back what a grant did not use, or charges what went beyond
//                       it (a packet is never split: a grant is overdrawn by at most one);
//   reserve(now, bytes) for a caller that found no tokens: books `bytes` (at most the cap)
//                       now, into debt, and answers when they are covered. Callers that
//                       reserve later are covered later, so waiting callers are served in
//                       the order they asked, one cap each: round robin, a busy caller
//                       cannot starve the others.
//
// admit(now, bytes) is the policer form (inbound): true and charged when the balance is
// positive, false (nothing charged) otherwise; charge(now, bytes) charges what is never
// refused.
//
// Arithmetic is in nanotokens (bytes x 1e9) and nanoseconds, so any TimePoint resolution
// (ms or µs) gives the exact long-run rate.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "transport/common/time.hpp"

namespace ssu2 {

class TokenBucket {
 public:
  // rate 0 = unlimited (every call grants everything, nothing is counted as refused).
  TokenBucket(uint64_t bytes_per_s, uint64_t burst_bytes, uint64_t grab_cap_bytes)
      : rate_(bytes_per_s),
        burst_(scaled(std::max<uint64_t>(burst_bytes, 1))),
        cap_(std::max<uint64_t>(grab_cap_bytes, 1)),
        balance_(burst_) {}

  // The sizes the node uses for a limit: a burst of 50 ms of the rate and a per-grab cap of
  // 1/4 of that (5 ms... 12.5 ms of traffic), both at least a few full packets so that a
  // slow limit still sends whole packets.
  static TokenBucket for_rate(uint64_t bytes_per_s) {
    uint64_t burst = std::max<uint64_t>(bytes_per_s / 20, 6 * 1500);
    uint64_t cap = std::max<uint64_t>(burst / 4, 2 * 1500);
    return TokenBucket(bytes_per_s, burst, cap);
  }

  bool unlimited() const { return rate_ == 0; }
  uint64_t rate() const { return rate_; }
  uint64_t burst() const { return uint64_t(burst_ / kScale); }
  uint64_t grab_cap() const { return cap_; }

  uint64_t take(TimePoint now, uint64_t want) {
    if (unlimited()) return want;
    refill(now);
    if (balance_ <= 0) return 0;
    uint64_t n = std::min({want, cap_, uint64_t(balance_ / kScale)});
    balance_ -= scaled(n);
    return n;
  }

  void settle(uint64_t granted, uint64_t used) {
    if (unlimited()) return;
    if (used < granted) balance_ = std::min(balance_ + scaled(granted - used), burst_);
    else balance_ -= scaled(used - granted);
  }

  // Books min(bytes, cap) and returns when they are covered (now when they already are).
  TimePoint reserve(TimePoint now, uint64_t bytes) {
    if (unlimited()) return now;
    refill(now);
    balance_ -= scaled(std::min(bytes, cap_));
    return covered_at(now);
  }

  bool admit(TimePoint now, uint64_t bytes) {
    if (unlimited()) return true;
    refill(now);
    if (balance_ <= 0) return false;
    balance_ -= scaled(bytes);
    return true;
  }

  // Charges bytes that are never refused (may go into debt).
  void charge(TimePoint now, uint64_t bytes) {
    if (unlimited()) return;
    refill(now);
    balance_ -= scaled(bytes);
  }

  // Whole bytes on hand now (negative: owed to reservations); without `now`, as of the
  // latest call.
  int64_t balance(TimePoint now) {
    refill(now);
    return balance_ / kScale;
  }
  int64_t balance() const { return balance_ / kScale; }

 private:
  static constexpr int64_t kScale = 1'000'000'000;  // nanotokens per byte
  static int64_t scaled(uint64_t bytes) { return int64_t(bytes) * kScale; }

  void refill(TimePoint now) {
    auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
    if (!started_) {
      started_ = true;
      last_ns_ = now_ns;
      return;
    }
    if (now_ns <= last_ns_) return;  // clock went back or no time passed
    // rate [B/s] x elapsed [ns] = nanotokens; elapsed is bounded by the time that fills the
    // bucket, so the product cannot overflow.
    int64_t fill_ns = (burst_ - balance_) / int64_t(rate_) + 1;
    int64_t elapsed = std::min<int64_t>(now_ns - last_ns_, fill_ns);
    last_ns_ = now_ns;
    balance_ = std::min(balance_ + int64_t(rate_) * elapsed, burst_);
  }

  // When the balance reaches zero again, rounded up to the TimePoint's resolution.
  TimePoint covered_at(TimePoint now) const {
    if (balance_ >= 0) return now;
    int64_t ns = (-balance_ + int64_t(rate_) - 1) / int64_t(rate_);
    return now + std::chrono::ceil<TimePoint>(std::chrono::nanoseconds(ns));
  }

  uint64_t rate_;
  int64_t burst_;
  uint64_t cap_;
  int64_t balance_;
  bool started_ = false;
  int64_t last_ns_ = 0;
};

// One sender's use of a shared bucket (a session's, in the node), sans-IO. Each round of
// sending: open() gives the byte budget for it (a reservation that came due, topped up from
// the tokens on hand, at most one grab cap), close() settles what was built and, when the
// sender stopped at the budget with more to send (`held`), books the next cap and answers
// when to try again. A sender that is not held books nothing, so an idle one costs nothing
// and is never woken. `Bucket` is TokenBucket or a locked wrapper with the same calls.
template <class Bucket>
class BucketShare {
 public:
  explicit BucketShare(Bucket* b = nullptr) : bucket_(b) {}
  BucketShare(const BucketShare&) = delete;
  BucketShare& operator=(const BucketShare&) = delete;
  ~BucketShare() {
    if (bucket_ && reserved_) bucket_->settle(reserved_, 0);  // unused booking goes back
  }

  // SIZE_MAX without a bucket or with an unlimited one.
  size_t open(TimePoint now) {
    if (!bucket_ || bucket_->unlimited()) return SIZE_MAX;
    if (ready_at_ && now < *ready_at_) return granted_ = 0;  // our turn has not come
    uint64_t cap = bucket_->grab_cap();
    granted_ = reserved_ + (reserved_ < cap ? bucket_->take(now, cap - reserved_) : 0);
    reserved_ = 0;
    ready_at_.reset();
    return size_t(granted_);
  }

  // `used`: bytes built since open(). Returns when to open again (nullopt: not needed).
  std::optional<TimePoint> close(TimePoint now, uint64_t used, bool held) {
    if (!bucket_ || bucket_->unlimited()) return std::nullopt;
    bucket_->settle(granted_, used);
    granted_ = 0;
    if (held && !ready_at_) {
      reserved_ = bucket_->grab_cap();
      ready_at_ = bucket_->reserve(now, reserved_);
      ++holds_;
    }
    return ready_at_;  // also when not held: a booking still due is used or given back then
  }

  uint64_t holds() const { return holds_; }  // times this sender had to wait for tokens

 private:
  Bucket* bucket_;
  uint64_t granted_ = 0, reserved_ = 0, holds_ = 0;
  std::optional<TimePoint> ready_at_;
};

}  // namespace ssu2
