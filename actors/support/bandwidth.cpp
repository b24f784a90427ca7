#include "actors/support/bandwidth.hpp"

namespace ssu2d {

namespace {
constexpr std::array<ssu2::Millis, 3> kWindows{ssu2::Millis{1000}, ssu2::Millis{15'000},
                                               ssu2::Millis{300'000}};
constexpr std::array<const char*, 3> kWindowNames{"1s", "15s", "5m"};
}  // namespace

BandwidthRates::BandwidthRates(MetricsRegistry& m)
    : in_total_(&m.counter("ssu2_bytes_received_total", "UDP payload bytes received")),
      out_total_(&m.counter("ssu2_bytes_sent_total", "UDP payload bytes sent")) {
  const char* help = "UDP payload bytes per second over a trailing window";
  for (size_t i = 0; i < kWindows.size(); ++i) {
    in_gauges_[i] = &m.gauge("ssu2_bandwidth_bytes_per_second", help,
                             {{"direction", "in"}, {"window", kWindowNames[i]}});
    out_gauges_[i] = &m.gauge("ssu2_bandwidth_bytes_per_second", help,
                              {{"direction", "out"}, {"window", kWindowNames[i]}});
  }
}

void BandwidthRates::sample(ssu2::TimePoint now) {
  in_.sample(now, in_total_->value());
  out_.sample(now, out_total_->value());
  for (size_t i = 0; i < kWindows.size(); ++i) {
    in_gauges_[i]->set(int64_t(in_.per_second(kWindows[i])));
    out_gauges_[i]->set(int64_t(out_.per_second(kWindows[i])));
  }
}

void BandwidthRates::fill(node_status& s) const {
  s.in_bps_1s = uint64_t(in_.per_second(kWindows[0]));
  s.in_bps_15s = uint64_t(in_.per_second(kWindows[1]));
  s.in_bps_5m = uint64_t(in_.per_second(kWindows[2]));
  s.out_bps_1s = uint64_t(out_.per_second(kWindows[0]));
  s.out_bps_15s = uint64_t(out_.per_second(kWindows[1]));
  s.out_bps_5m = uint64_t(out_.per_second(kWindows[2]));
}

}  // namespace ssu2d
