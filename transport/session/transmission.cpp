#include "transport/session/transmission.hpp"

#include <algorithm>
#include <cmath>

namespace ssu2::session {

// ---- RttEstimator ----
void RttEstimator::sample(Micros rtt) {
  double r = double(std::max<int64_t>(rtt.count(), 0));
  min_rtt_ = has_sample_ ? std::min(min_rtt_, Micros(int64_t(r))) : Micros(int64_t(r));
  if (!has_sample_) {
    srtt_ = r;
    rttvar_ = r / 2;
    has_sample_ = true;
  } else {
    rttvar_ = 0.75 * rttvar_ + 0.25 * std::fabs(srtt_ - r);
    srtt_ = 0.875 * srtt_ + 0.125 * r;
  }
  auto rto = int64_t(std::ceil(srtt_ + std::max(double(kGranularity.count()), 4 * rttvar_)));
  rto_ = std::clamp(Micros(rto), kMinRto, kMaxRto);
}

// ---- DeliveryTracker ----
const char* to_string(DeliveryFailure f) {
  switch (f) {
    case DeliveryFailure::dropped: return "dropped";
    case DeliveryFailure::expired: return "expired";
    case DeliveryFailure::session_closed: return "session closed";
    case DeliveryFailure::queue_full: return "queue full";
    case DeliveryFailure::too_large: return "too large";
  }
  return "?";
}

DeliveryTracker::Handle DeliveryTracker::add(std::optional<uint64_t> feedback_id, size_t fragments,
                                             uint32_t expiration) {
  Handle h = next_++;
  pending_[h] = Entry{feedback_id, fragments, expiration, std::nullopt};
  return h;
}

bool DeliveryTracker::worth_sending(Handle h, uint64_t unix_s) const {
  auto it = pending_.find(h);
  return it != pending_.end() && uint64_t(it->second.expiration) >= unix_s;
}

void DeliveryTracker::fragment_acked(Handle h) {
  auto it = pending_.find(h);
  if (it == pending_.end()) return;  // already failed or finished
  if (it->second.remaining > 0) --it->second.remaining;
  if (it->second.remaining == 0) {
    if (it->second.feedback_id) results_.push_back({*it->second.feedback_id, true, {}});
    pending_.erase(it);
  }
}

void DeliveryTracker::fail(Handle h, DeliveryFailure why) {
  auto it = pending_.find(h);
  if (it == pending_.end()) return;
  if (it->second.feedback_id) results_.push_back({*it->second.feedback_id, false, why});
  pending_.erase(it);
}

std::optional<uint64_t> DeliveryTracker::forget(Handle h) {
  auto it = pending_.find(h);
  if (it == pending_.end()) return std::nullopt;
  auto id = it->second.feedback_id;
  pending_.erase(it);
  return id;
}

void DeliveryTracker::hold(Handle h, I2npMessage msg) {
  if (auto it = pending_.find(h); it != pending_.end()) it->second.msg = std::move(msg);
}

std::vector<DeliveryTracker::Held> DeliveryTracker::take_held() {
  std::vector<Held> out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (!it->second.msg) {
      ++it;
      continue;
    }
    out.push_back(Held{it->first, std::move(*it->second.msg), it->second.feedback_id});
    it = pending_.erase(it);
  }
  std::sort(out.begin(), out.end(), [](const Held& a, const Held& b) { return a.handle < b.handle; });
  return out;
}

void DeliveryTracker::fail_all(DeliveryFailure why) {
  for (auto& [h, e] : pending_)
    if (e.feedback_id) results_.push_back({*e.feedback_id, false, why});
  pending_.clear();
}

std::vector<DeliveryResult> DeliveryTracker::take_results() {
  std::vector<DeliveryResult> out;
  out.swap(results_);
  return out;
}

// ---- TransmissionManager ----
void TransmissionManager::put_slot(uint32_t pn, PacketRef ref, uint64_t serial, TimePoint sent) {
  if (slots_.empty()) base_ = pn;
  if (pn < base_) return;  // cannot happen: numbers only grow
  size_t i = pn - base_;
  if (i >= slots_.size()) slots_.resize(i + 1);
  slots_[i] = Slot{ref, serial, sent};
}

SentPacket& TransmissionManager::on_sent(TimePoint now, uint32_t pn) {
  PacketRef ref;
  if (!free_.empty()) {
    ref = free_.back();
    free_.pop_back();
  } else {
    ref = PacketRef(pool_.size());
    pool_.emplace_back();
  }
  Record& r = pool_[ref];
  r.serial = next_serial_++;
  r.live_pos = uint32_t(live_.size());
  live_.push_back(ref);
  r.p.pn = pn;
  r.p.first_sent = r.p.last_sent = now;
  r.p.times_sent = 1;
  r.p.blocks.clear();
  r.p.messages.clear();
  put_slot(pn, ref, r.serial, now);
  return r.p;
}

void TransmissionManager::on_sent(TimePoint now, uint32_t pn, ByteSpan blocks,
                                  std::vector<DeliveryTracker::Handle> msgs) {
  SentPacket& p = on_sent(now, pn);
  p.blocks.assign(blocks.begin(), blocks.end());
  p.messages = std::move(msgs);
}

void TransmissionManager::release(PacketRef ref) {
  Record& r = pool_[ref];
  r.serial = 0;
  PacketRef moved = live_.back();
  live_[r.live_pos] = moved;
  pool_[moved].live_pos = r.live_pos;
  live_.pop_back();
  free_.push_back(ref);
}

void TransmissionManager::trim() {
  while (!slots_.empty()) {
    Record* r = resolve(slots_.front());
    // A live packet's current slot holds the base; an old slot of a resent packet only
    // until kSlotHorizon newer numbers exist.
    if (r && (r->p.pn == base_ || slots_.size() <= kSlotHorizon)) break;
    slots_.pop_front();
    ++base_;
  }
  if (live_.empty()) {
    slots_.clear();
    base_ = next_pn_;
    // Idle: give the buffers back, a quiet session should cost little memory.
    if (pool_.size() > 32) {
      pool_.clear();
      pool_.shrink_to_fit();
      free_.clear();
      free_.shrink_to_fit();
    }
  }
}

TransmissionManager::AckOutcome TransmissionManager::on_ack(TimePoint now, const AckInfo& ack) {
  AckOutcome out;
  if (slots_.empty()) return out;
  const uint64_t top = uint64_t(base_) + slots_.size() - 1;
  for_each_acked_run(ack, [&](uint32_t hi, uint32_t lo) {
    if (hi < base_ || lo > top) return;
    uint64_t from = std::max<uint64_t>(lo, base_), to = std::min<uint64_t>(hi, top);
    for (uint64_t pn = from; pn <= to; ++pn) {
      Slot& s = slots_[size_t(pn - base_)];
      Record* r = resolve(s);
      s.serial = 0;
      if (!r) continue;
      // The sample is that of the newest transmission the ACK covers (the smallest), as
      // RFC 9002 takes the largest acknowledged number's.
      Micros sample = now - s.sent;
      if (r->p.pn != pn) ++spurious_;  // an older number of a resent packet: it had arrived
      if (!out.rtt_sample || sample < *out.rtt_sample) out.rtt_sample = sample;
      for (auto h : r->p.messages) deliveries_.fragment_acked(h);
      release(s.ref);
      ++out.newly_acked;
    }
  });
  if (out.rtt_sample) rtt_.sample(*out.rtt_sample);
  if (out.newly_acked) window_.on_acked(out.newly_acked, rtt_.rtt(), rtt_.min_rtt());
  trim();
  return out;
}

TransmissionManager::Expired TransmissionManager::take_expired(TimePoint now, bool peer_alive,
                                                              uint64_t unix_s) {
  Expired out;
  bool new_loss_event = false;
  for (size_t i = 0; i < live_.size();) {
    PacketRef ref = live_[i];
    SentPacket& p = pool_[ref].p;
    if (deadline_of(p) > now) {
      ++i;
      continue;
    }
    if (!recovery_start_ || p.last_sent > *recovery_start_) new_loss_event = true;
    bool keep = peer_alive && std::any_of(p.messages.begin(), p.messages.end(), [&](auto h) {
      return deliveries_.worth_sending(h, unix_s);
    });
    if (p.times_sent >= kMaxSends && !keep) {
      for (auto h : p.messages)
        deliveries_.fail(h, deliveries_.worth_sending(h, unix_s) ? DeliveryFailure::dropped
                                                                   : DeliveryFailure::expired);
      if (!p.messages.empty() && (!out.dropped_first_sent || p.first_sent < *out.dropped_first_sent))
        out.dropped_first_sent = p.first_sent;
      ++out.dropped;
      release(ref);  // moves the last live record to position i: look at i again
      continue;
    }
    out.resend.push_back(ref);
    ++i;
  }
  if (new_loss_event) {
    window_.on_loss();
    recovery_start_ = now;
  }
  if (out.dropped) trim();
  return out;
}

void TransmissionManager::on_resent(TimePoint now, PacketRef ref, uint32_t new_pn) {
  Record& r = pool_[ref];
  r.p.pn = new_pn;
  r.p.last_sent = now;
  if (r.p.times_sent < 255) ++r.p.times_sent;
  ++retransmissions_;
  put_slot(new_pn, ref, r.serial, now);  // the old slot stays: a late ACK of it still counts
}

std::optional<TimePoint> TransmissionManager::next_deadline() const {
  std::optional<TimePoint> best;
  for (PacketRef ref : live_) {
    TimePoint d = deadline_of(pool_[ref].p);
    if (!best || d < *best) best = d;
  }
  return best;
}

void TransmissionManager::abandon(DeliveryFailure why) {
  while (!live_.empty()) release(live_.back());
  trim();
  deliveries_.fail_all(why);
}

}  // namespace ssu2::session
