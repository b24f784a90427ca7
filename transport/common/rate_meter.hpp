// Rates of a growing byte total over trailing windows (1 s, 15 s, 5 min for the node's
// bandwidth figures). Sans-IO: the caller samples the total with its clock, typically once
// a second; a sample less than `resolution` after the one before the newest replaces the
// newest, so kept samples are about `resolution` apart and the history holds about
// span / resolution + 2 entries (a few more when sampled just under the resolution apart)
// whatever the sampling rate.
#pragma once
#include <cstdint>
#include <deque>

#include "transport/common/time.hpp"

namespace ssu2 {

class RateMeter {
 public:
  explicit RateMeter(Millis span = Millis{300'000}, Millis resolution = Millis{1000})
      : span_(span), resolution_(resolution) {}

  void sample(TimePoint now, uint64_t total) {
    if (!samples_.empty() && now < samples_.back().at) return;  // clock went back: ignore
    if (samples_.size() >= 2 && now - samples_[samples_.size() - 2].at < resolution_)
      samples_.back() = {now, total};
    else
      samples_.push_back({now, total});
    while (samples_.size() > 2 && now - samples_[1].at >= span_) samples_.pop_front();
  }

  // Bytes per second over the last `window` (or over what the history covers when it is
  // shorter); 0 without two samples.
  double per_second(Millis window) const {
    if (samples_.size() < 2) return 0;
    const auto& last = samples_.back();
    const Sample* from = &samples_.front();
    for (const auto& s : samples_)
      if (last.at - s.at >= window) from = &s;
      else break;
    auto dt = (last.at - from->at).count();  // µs
    if (dt <= 0 || last.total < from->total) return 0;
    return double(last.total - from->total) * 1e6 / double(dt);
  }
  size_t size() const { return samples_.size(); }

 private:
  struct Sample {
    TimePoint at;
    uint64_t total;
  };
  Millis span_, resolution_;
  std::deque<Sample> samples_;
};

}  // namespace ssu2
