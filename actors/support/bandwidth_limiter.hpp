// The node's bandwidth limits (config bandwidth.in_kbytes_s / out_kbytes_s): one TokenBucket
// (transport/common/token_bucket) per direction, shared by every session, behind a mutex
// (sessions run on several scheduler threads; the inbound one is used by the reader thread).
//
// Out: each session actor holds a BucketShare over the outbound limiter; its DataSession
// gets the share's budget in poll_transmit and holds (never drops) what does not fit; the
// actor's deadline timer wakes it when its booked tokens are due.
// In: the reader thread admits a datagram for an established session only while the inbound
// bucket has tokens; beyond the limit it is dropped before it is decrypted (a policer, as
// I2P routers drop what exceeds their inbound limit) and counted in
// ssu2_datagrams_dropped_total{reason="bandwidth_limit"}; the peer sees a loss and its
// congestion control backs off. Dropping rather than reading later: a delayed read would
// stall every session and the handshakes behind the one reader thread, and the kernel
// would then drop at random once its buffer is full. Handshake, peer test and relay
// datagrams are charged but never dropped.
//
// Metrics: ssu2_bandwidth_limit_bytes_per_second{direction} (0 = unlimited),
// ssu2_bandwidth_bucket_bytes{direction} (tokens on hand, negative = booked by waiting
// sessions), ssu2_bandwidth_refused_bytes_total{direction} (in: dropped bytes; out: bytes
// booked by sessions that had to wait), ssu2_bandwidth_holds_total{direction="out"}.
#pragma once
#include <memory>
#include <mutex>
#include <string>

#include "actors/support/metrics.hpp"
#include "messages/messages.hpp"
#include "transport/common/token_bucket.hpp"

namespace ssu2d {

class BandwidthLimiter {
 public:
  // bytes_per_s 0 = unlimited; `direction` "in" or "out" labels the metrics (may be null).
  BandwidthLimiter(uint64_t bytes_per_s, const std::string& direction, MetricsRegistry* m);

  bool unlimited() const { return unlimited_; }
  uint64_t rate() const { return rate_; }
  uint64_t grab_cap() const { return cap_; }
  uint64_t take(ssu2::TimePoint now, uint64_t want);
  void settle(uint64_t granted, uint64_t used);
  ssu2::TimePoint reserve(ssu2::TimePoint now, uint64_t bytes);
  // Inbound policer: false = drop (counted with its bytes).
  bool admit(ssu2::TimePoint now, uint64_t bytes);
  // For datagrams that are never dropped (handshakes): charged, may go into debt.
  void charge(ssu2::TimePoint now, uint64_t bytes);
  int64_t balance(ssu2::TimePoint now);
  uint64_t refused_bytes() const;

 private:
  void publish_locked();
  const bool unlimited_;
  const uint64_t rate_, cap_;
  mutable std::mutex mu_;
  ssu2::TokenBucket bucket_;
  uint64_t refused_ = 0;
  Gauge* fill_ = nullptr;
  Counter* refused_bytes_ = nullptr;
  Counter* drops_ = nullptr;
  Counter* holds_ = nullptr;
};

// The limits' figures for `status` (null = unlimited).
void fill_limits(node_status& s, BandwidthLimiter* in, BandwidthLimiter* out, ssu2::TimePoint now);

using SessionBandwidth = ssu2::BucketShare<BandwidthLimiter>;

}  // namespace ssu2d
