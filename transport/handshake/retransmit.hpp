// Retransmission timer of one handshake message (ssu2.rst "Handshake Retransmission"): the
// same bytes are resent after `first`, then after doubling intervals (1.25 s, 2.5 s, 5 s ...).
#pragma once
#include <optional>
#include <vector>

#include "transport/common/bytes.hpp"
#include "transport/common/time.hpp"

namespace ssu2::handshake {

class Retransmit {
 public:
  // Starts over with new packets, sent now.
  void arm(std::vector<Bytes> packets, TimePoint now, Millis first) {
    packets_ = std::move(packets);
    interval_ = first;
    next_ = now + first;
    sends_ = 1;
  }
  void disarm() { packets_.clear(); }
  bool armed() const { return !packets_.empty(); }
  bool due(TimePoint now) const { return armed() && now >= next_; }
  // Called when the packets are resent at `now`: doubles the interval.
  const std::vector<Bytes>& fire(TimePoint now) {
    interval_ *= 2;
    next_ = now + interval_;
    ++sends_;
    return packets_;
  }
  const std::vector<Bytes>& packets() const { return packets_; }
  std::optional<TimePoint> next() const { return armed() ? std::optional<TimePoint>(next_) : std::nullopt; }
  unsigned sends() const { return sends_; }

 private:
  std::vector<Bytes> packets_;
  Millis interval_{0};
  TimePoint next_{0};
  unsigned sends_ = 0;
};

inline bool clock_skew_ok(uint32_t theirs_s, uint32_t ours_s, uint32_t max_s) {
  uint32_t d = theirs_s > ours_s ? theirs_s - ours_s : ours_s - theirs_s;
  return d <= max_s;
}

}  // namespace ssu2::handshake
