#include "actors/support/bandwidth_limiter.hpp"

namespace ssu2d {

namespace {
// The inbound policer drops what exceeds its bucket, and a sender's whole window arrives as
// one burst (up to ~100 packets on a short path): a bucket of 50 ms would drop most of every
// window and the sender's NewReno would settle near half the limit. Half a second of the
// rate (at least 64 KiB) absorbs a window, so the drops come only when the average is over.
ssu2::TokenBucket inbound_bucket(uint64_t bytes_per_s) {
  auto out = ssu2::TokenBucket::for_rate(bytes_per_s);
  return ssu2::TokenBucket(bytes_per_s, std::max<uint64_t>(bytes_per_s / 2, 64 * 1024), out.grab_cap());
}
}  // namespace

BandwidthLimiter::BandwidthLimiter(uint64_t bytes_per_s, const std::string& direction,
                                   MetricsRegistry* m)
    : unlimited_(bytes_per_s == 0),
      rate_(bytes_per_s),
      cap_(ssu2::TokenBucket::for_rate(bytes_per_s).grab_cap()),
      bucket_(direction == "in" ? inbound_bucket(bytes_per_s) : ssu2::TokenBucket::for_rate(bytes_per_s)) {
  if (!m) return;
  Labels l{{"direction", direction}};
  m->gauge("ssu2_bandwidth_limit_bytes_per_second", "Configured bandwidth limit (0 = unlimited)", l)
      .set(int64_t(bytes_per_s));
  fill_ = &m->gauge("ssu2_bandwidth_bucket_bytes",
                    "Tokens in the bandwidth limit's bucket (negative: booked by waiting sessions)", l);
  refused_bytes_ = &m->counter("ssu2_bandwidth_refused_bytes_total",
                               "Bytes over the bandwidth limit (in: dropped; out: waited for)", l);
  if (direction == "in")
    drops_ = &m->counter("ssu2_datagrams_dropped_total", "Inbound datagrams dropped before reaching a session",
                         {{"reason", "bandwidth_limit"}});
  else
    holds_ = &m->counter("ssu2_bandwidth_holds_total",
                         "Times a session held packets back for the bandwidth limit", l);
  fill_->set(bucket_.balance());
}

void BandwidthLimiter::publish_locked() {
  if (fill_) fill_->set(bucket_.balance());
}

uint64_t BandwidthLimiter::take(ssu2::TimePoint now, uint64_t want) {
  if (unlimited_) return want;
  std::lock_guard<std::mutex> lk(mu_);
  uint64_t n = bucket_.take(now, want);
  publish_locked();
  return n;
}

void BandwidthLimiter::settle(uint64_t granted, uint64_t used) {
  if (unlimited_) return;
  std::lock_guard<std::mutex> lk(mu_);
  bucket_.settle(granted, used);
  publish_locked();
}

ssu2::TimePoint BandwidthLimiter::reserve(ssu2::TimePoint now, uint64_t bytes) {
  if (unlimited_) return now;
  std::lock_guard<std::mutex> lk(mu_);
  auto at = bucket_.reserve(now, bytes);
  refused_ += std::min(bytes, cap_);
  if (refused_bytes_) refused_bytes_->inc(std::min(bytes, cap_));
  if (holds_) holds_->inc();
  publish_locked();
  return at;
}

bool BandwidthLimiter::admit(ssu2::TimePoint now, uint64_t bytes) {
  if (unlimited_) return true;
  std::lock_guard<std::mutex> lk(mu_);
  bool ok = bucket_.admit(now, bytes);
  if (!ok) {
    refused_ += bytes;
    if (refused_bytes_) refused_bytes_->inc(bytes);
    if (drops_) drops_->inc();
  }
  publish_locked();
  return ok;
}

void BandwidthLimiter::charge(ssu2::TimePoint now, uint64_t bytes) {
  if (unlimited_) return;
  std::lock_guard<std::mutex> lk(mu_);
  bucket_.charge(now, bytes);
  publish_locked();
}

int64_t BandwidthLimiter::balance(ssu2::TimePoint now) {
  if (unlimited_) return 0;
  std::lock_guard<std::mutex> lk(mu_);
  return bucket_.balance(now);
}

void fill_limits(node_status& s, BandwidthLimiter* in, BandwidthLimiter* out, ssu2::TimePoint now) {
  if (in) {
    s.limit_in_bps = in->rate();
    s.bucket_in = in->balance(now);
    s.refused_in_bytes = in->refused_bytes();
  }
  if (out) {
    s.limit_out_bps = out->rate();
    s.bucket_out = out->balance(now);
    s.refused_out_bytes = out->refused_bytes();
  }
}

uint64_t BandwidthLimiter::refused_bytes() const {
  std::lock_guard<std::mutex> lk(mu_);
  return refused_;
}

}  // namespace ssu2d
