#include "transport/handshake/admission.hpp"

#include <algorithm>

namespace ssu2::handshake {

Prefix Prefix::of(const Address& a) {
  Prefix p;
  p.family = a.is_v6() ? 6 : 4;
  size_t n = a.is_v6() ? 8 : 3;
  for (size_t i = 0; i < n; ++i) p.bits = (p.bits << 8) | a.ip[i];
  return p;
}

AdmissionControl::Bucket& AdmissionControl::bucket(const Prefix& p, TimePoint now) {
  if (auto it = buckets_.find(p); it != buckets_.end()) {
    lru_.splice(lru_.end(), lru_, it->second.lru);
    return it->second;
  }
  while (buckets_.size() >= std::max<size_t>(limits_.max_prefixes, 1)) {
    buckets_.erase(lru_.front());
    lru_.pop_front();
    ++forgotten_;
  }
  lru_.push_back(p);
  auto& b = buckets_[p];
  b.tokens[0] = limits_.token_request_burst;
  b.tokens[1] = limits_.session_request_burst;
  b.last = now;
  b.lru = std::prev(lru_.end());
  return b;
}

bool AdmissionControl::admit(Kind kind, const Address& from, TimePoint now) {
  auto& b = bucket(Prefix::of(from), now);
  double elapsed_s = std::max<int64_t>(0, (now - b.last).count()) / 1e6;
  b.last = std::max(b.last, now);
  b.tokens[0] = std::min(limits_.token_request_burst,
                         b.tokens[0] + elapsed_s * limits_.token_requests_per_s);
  b.tokens[1] = std::min(limits_.session_request_burst,
                         b.tokens[1] + elapsed_s * limits_.session_requests_per_s);
  double& t = b.tokens[kind == Kind::token_request ? 0 : 1];
  if (t < 1.0) return false;
  t -= 1.0;
  return true;
}

bool AdmissionControl::room_for_pending(const Address& from) const {
  auto it = pending_.find(Prefix::of(from));
  return it == pending_.end() || it->second < limits_.max_pending_per_prefix;
}

void AdmissionControl::pending_started(const Address& from) { ++pending_[Prefix::of(from)]; }

void AdmissionControl::pending_ended(const Address& from) {
  auto it = pending_.find(Prefix::of(from));
  if (it != pending_.end() && --it->second == 0) pending_.erase(it);
}

}  // namespace ssu2::handshake
