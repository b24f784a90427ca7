// The node's bandwidth: the UDP byte totals of the socket path (ssu2_bytes_received_total /
// ssu2_bytes_sent_total) sampled once a second into RateMeters, as rates over 1 s, 15 s and
// 5 min in `status`, /api/status, the console and the gauges
// ssu2_bandwidth_bytes_per_second{direction, window}.
#pragma once
#include <array>

#include "actors/support/metrics.hpp"
#include "messages/messages.hpp"
#include "transport/common/rate_meter.hpp"

namespace ssu2d {

class BandwidthRates {
 public:
  explicit BandwidthRates(MetricsRegistry& m);
  void sample(ssu2::TimePoint now);  // about once a second
  void fill(node_status& s) const;

 private:
  Counter *in_total_, *out_total_;
  ssu2::RateMeter in_, out_;
  std::array<Gauge*, 3> in_gauges_{}, out_gauges_{};
};

}  // namespace ssu2d
