// The handshake actor's metrics: handshakes established / failed by direction and reason,
// the listener's refusals by reason, and the endpoint's table sizes as gauges. The failure
// counts by reason are also kept for `status` (handshake_stats::failures).
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "actors/support/metrics.hpp"
#include "transport/handshake/endpoint.hpp"

namespace ssu2d {

class HandshakeMetrics {
 public:
  explicit HandshakeMetrics(MetricsRegistry& m);
  void on_done(const ssu2::handshake::HandshakeDone& d);
  void on_failure(const char* direction, const std::string& reason);
  // The listener's counters (deltas since the last call) and the table sizes: O(1).
  void export_from(const ssu2::handshake::HandshakeEndpoint& ep);
  const std::map<std::string, uint64_t>& failures() const { return failures_; }

 private:
  MetricsRegistry& m_;
  Gauge *pending_, *retry_tokens_, *new_tokens_, *replay_, *prefixes_;
  std::map<std::string, uint64_t> failures_;  // reason -> count, both directions
  ssu2::handshake::ListenerStats exported_;   // listener counters already in metrics
};

}  // namespace ssu2d
