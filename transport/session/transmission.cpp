#include "transport/session/transmission.hpp"

#include <algorithm>
#include <cmath>

namespace ssu2::session {

// ---- RttEstimator ----
void RttEstimator::sample(Millis rtt) {
  double r = double(std::max<int64_t>(rtt.count(), 0));
  if (!has_sample_) {
    srtt_ = r;
    rttvar_ = r / 2;
    has_sample_ = true;
  } else {
    rttvar_ = 0.75 * rttvar_ + 0.25 * std::fabs(srtt_ - r);
    srtt_ = 0.875 * srtt_ + 0.125 * r;
  }
  auto rto = int64_t(std::ceil(srtt_ + std::max(1.0, 4 * rttvar_)));
  rto_ = std::clamp(Millis(rto), kMinRto, kMaxRto);
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

DeliveryTracker::Handle DeliveryTracker::add(std::optional<uint64_t> feedback_id, size_t fragments) {
  Handle h = next_++;
  pending_[h] = Entry{feedback_id, fragments};
  return h;
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
void TransmissionManager::on_sent(TimePoint now, uint32_t pn, Bytes blocks,
                                  std::vector<DeliveryTracker::Handle> msgs) {
  SentPacket p;
  p.pn = pn;
  p.last_sent = now;
  p.times_sent = 1;
  p.blocks = std::move(blocks);
  p.messages = std::move(msgs);
  in_flight_.emplace(pn, std::move(p));
}

void TransmissionManager::forget_aliases_of(uint32_t pn) {
  for (auto it = alias_.begin(); it != alias_.end();)
    it = it->second == pn ? alias_.erase(it) : std::next(it);
}

TransmissionManager::AckOutcome TransmissionManager::on_ack(TimePoint now, const AckInfo& ack) {
  AckOutcome out;
  for_each_acked(ack, [&](uint32_t pn) {
    auto it = in_flight_.find(pn);
    if (it == in_flight_.end()) {
      auto a = alias_.find(pn);
      if (a == alias_.end()) return;
      it = in_flight_.find(a->second);
      alias_.erase(a);
      if (it == in_flight_.end()) return;
    } else if (it->second.times_sent == 1) {
      // Karn: a packet sent once gives an unambiguous sample; take the newest one.
      Millis s = now - it->second.last_sent;
      if (!out.rtt_sample || s < *out.rtt_sample) out.rtt_sample = s;
    }
    for (auto h : it->second.messages) deliveries_.fragment_acked(h);
    if (it->second.times_sent > 1) forget_aliases_of(it->first);
    in_flight_.erase(it);
    ++out.newly_acked;
  });
  if (out.rtt_sample) rtt_.sample(*out.rtt_sample);
  window_.on_acked(out.newly_acked);
  return out;
}

TransmissionManager::Expired TransmissionManager::take_expired(TimePoint now) {
  Expired out;
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (deadline_of(it->second) > now) {
      ++it;
      continue;
    }
    if (it->second.times_sent >= kMaxSends) {
      for (auto h : it->second.messages) deliveries_.fail(h, DeliveryFailure::dropped);
      forget_aliases_of(it->first);
      ++out.dropped;
    } else {
      out.resend.push_back(std::move(it->second));
    }
    it = in_flight_.erase(it);
  }
  if (!out.resend.empty() || out.dropped) window_.on_loss();
  return out;
}

void TransmissionManager::on_resent(TimePoint now, SentPacket pkt, uint32_t new_pn) {
  // Aliases pointing at the old number now point at the new one.
  for (auto& [old, cur] : alias_)
    if (cur == pkt.pn) cur = new_pn;
  alias_[pkt.pn] = new_pn;
  pkt.pn = new_pn;
  pkt.last_sent = now;
  ++pkt.times_sent;
  ++retransmissions_;
  in_flight_.emplace(new_pn, std::move(pkt));
}

std::optional<TimePoint> TransmissionManager::next_deadline() const {
  std::optional<TimePoint> best;
  for (const auto& [pn, p] : in_flight_) {
    TimePoint d = deadline_of(p);
    if (!best || d < *best) best = d;
  }
  return best;
}

void TransmissionManager::abandon(DeliveryFailure why) {
  in_flight_.clear();
  alias_.clear();
  deliveries_.fail_all(why);
}

}  // namespace ssu2::session
