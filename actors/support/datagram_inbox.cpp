#include "actors/support/datagram_inbox.hpp"

namespace ssu2d {

DatagramInbox::DatagramInbox(size_t bound, Counter* dropped, Gauge* size,
                             std::shared_ptr<const void> keep)
    : bound_(bound ? bound : 1), dropped_(dropped), size_(size), keep_(std::move(keep)) {}

DatagramInbox::~DatagramInbox() {
  if (size_ && n_) size_->add(-int64_t(n_));  // what nobody took leaves the gauge too
}

DatagramInbox::Push DatagramInbox::push(const ssu2::Address& from, uint64_t conn_id,
                                        std::span<const uint8_t> bytes) {
  std::lock_guard<std::mutex> lk(mu_);
  if (n_ >= bound_) {
    dropped_n_++;
    if (dropped_) dropped_->inc();
    return Push::dropped;
  }
  if (n_ == q_.size()) q_.emplace_back();
  auto& slot = q_[n_++];
  slot.from = from;
  slot.conn_id = conn_id;
  slot.bytes.assign(bytes.begin(), bytes.end());
  if (size_) size_->add(1);
  return n_ == 1 ? Push::queued_wake : Push::queued;
}

size_t DatagramInbox::take(std::vector<InboundDatagram>& batch) {
  std::lock_guard<std::mutex> lk(mu_);
  size_t n = n_;
  q_.swap(batch);
  n_ = 0;
  // Spare slots beyond the bound are never needed again: keep the memory bounded too.
  if (q_.size() > bound_) q_.resize(bound_);
  if (size_ && n) size_->add(-int64_t(n));
  return n;
}

size_t DatagramInbox::size() const {
  std::lock_guard<std::mutex> lk(mu_);
  return n_;
}

uint64_t DatagramInbox::dropped() const {
  std::lock_guard<std::mutex> lk(mu_);
  return dropped_n_;
}

std::shared_ptr<DatagramInbox> make_session_inbox(std::shared_ptr<MetricsRegistry> m,
                                                  size_t bound) {
  if (!m) m = std::make_shared<MetricsRegistry>();
  auto* dropped = &m->counter("ssu2_datagrams_dropped_total",
                             "Inbound datagrams dropped before reaching a session",
                             {{"reason", "inbox_full"}});
  auto* size = &m->gauge("ssu2_session_inbox_datagrams",
                        "Datagrams waiting in session inboxes (all sessions)");
  return std::make_shared<DatagramInbox>(bound, dropped, size, std::move(m));
}

}  // namespace ssu2d
