#include "transport/nat/reachability.hpp"

#include <algorithm>
#include <vector>

namespace ssu2::nat {

ReachabilityMachine::ReachabilityMachine(ReachabilityConfig cfg, uint8_t ip_len, TimePoint start,
                                         std::optional<Address> local)
    : cfg_(cfg), ip_len_(ip_len == 16 ? 16 : 4), local_(local), next_test_(start + cfg.first_test) {
  if (cfg_.confirmations < 1) cfg_.confirmations = 1;
  if (cfg_.address_quorum < 1) cfg_.address_quorum = 1;
  if (cfg_.max_reports < 1) cfg_.max_reports = 1;
}

std::optional<TimePoint> ReachabilityMachine::poll_timeout() const {
  if (!next_test_) return std::nullopt;
  if (in_flight_until_ && *in_flight_until_ > *next_test_) return in_flight_until_;
  return next_test_;
}

bool ReachabilityMachine::test_due(TimePoint now) const {
  if (in_flight_until_ && now < *in_flight_until_) return false;
  return next_test_ && *next_test_ <= now;
}

std::optional<Address> ReachabilityMachine::test_address() const {
  if (external_) return external_;
  if (external_ip_) return external_ip_;
  return local_;
}

std::optional<Address> ReachabilityMachine::test_address_for(const RouterHash& bob) const {
  if (auto it = reports_.find(bob); it != reports_.end()) return it->second.seen;
  return test_address();
}

PublishedAddress ReachabilityMachine::published() const {
  PublishedAddress p;
  switch (state_) {
    case Reachability::Reachable:
      p.host = external_;
      p.router_cap = 'R';
      break;
    case Reachability::Firewalled:
    case Reachability::SymmetricNat:
      // Not reachable at any address: no host/port, the family digit (spec: an address
      // without host must say 4 or 6), no B/C (as Charlie we could not be probed).
      p.publish_host = false;
      p.address_caps = ip_len_ == 16 ? "6" : "4";
      p.router_cap = 'U';
      break;
    case Reachability::Unknown:
      break;
  }
  return p;
}

void ReachabilityMachine::changed(const PublishedAddress& before) {
  if (!(published() == before)) republish_ = true;
}

void ReachabilityMachine::vote(TimePoint, Reachability r) {
  const auto before = published();
  if (r == state_) {
    candidate_ = state_;
    candidate_votes_ = 0;
    return;
  }
  if (r == candidate_) {
    ++candidate_votes_;
  } else {
    candidate_ = r;
    candidate_votes_ = 1;
  }
  if (candidate_votes_ >= cfg_.confirmations) {
    state_ = r;
    candidate_votes_ = 0;
  }
  changed(before);
}

void ReachabilityMachine::on_peer_test(TimePoint now, const PeerTestDone& d) {
  if (d.tested.ip_len != ip_len_) return;
  in_flight_until_.reset();
  const bool retest_now = retest_after_flight_;
  retest_after_flight_ = false;
  Reachability r = d.result;
  // Peers seeing us at different ports is the symmetric NAT's mark even when a single test
  // happened to see the port it asked for.
  if (r == Reachability::Firewalled && symmetric_evidence_) r = Reachability::SymmetricNat;
  history_.push_back(TestRecord{now, r, d.observed, d.reject_code});
  while (history_.size() > cfg_.history) history_.pop_front();
  if (r == Reachability::Unknown) {
    next_test_ = retest_now ? now : now + cfg_.retest_soon;
    return;
  }
  vote(now, r);
  const bool settling = state_ == Reachability::Unknown || candidate_votes_ > 0;
  next_test_ = retest_now ? now : now + (settling ? cfg_.retest_soon : cfg_.test_interval);
}

void ReachabilityMachine::on_test_started(TimePoint now) {
  next_test_ = now + cfg_.retest_soon;
  in_flight_until_ = now + cfg_.test_timeout;
}

void ReachabilityMachine::test_now(TimePoint now) {
  next_test_ = next_test_ ? std::min(*next_test_, now) : now;
  if (in_flight_until_ && now < *in_flight_until_) retest_after_flight_ = true;
}

void ReachabilityMachine::on_address_report(TimePoint now, const RouterHash& peer,
                                            const Address& seen) {
  if (seen.ip_len != ip_len_) return;
  reports_[peer] = Report{seen, now};
  for (auto it = reports_.begin(); it != reports_.end();)
    it = it->second.at + cfg_.report_ttl < now ? reports_.erase(it) : std::next(it);
  while (reports_.size() > cfg_.max_reports) {
    auto oldest = std::min_element(reports_.begin(), reports_.end(), [](auto& a, auto& b) {
      return a.second.at < b.second.at;
    });
    reports_.erase(oldest);
  }
  const auto before = published();
  const auto old_external = external_;
  const bool old_symmetric = symmetric_evidence_;
  recompute_external(now);
  // A new external address (first learned or changed), or new evidence of a symmetric NAT:
  // test now (after the running test, if one runs).
  if (external_ != old_external && external_) test_now(now);
  if (symmetric_evidence_ && !old_symmetric && state_ != Reachability::SymmetricNat) test_now(now);
  changed(before);
}

void ReachabilityMachine::recompute_external(TimePoint) {
  // Votes per IP and per IP+port, each peer counted once (its latest report).
  struct Ip {
    Address latest;
    TimePoint latest_at{0};
    size_t peers = 0;
    std::vector<std::pair<uint16_t, size_t>> ports;
  };
  std::vector<Ip> ips;
  for (const auto& entry : reports_) {
    const auto& r = entry.second;  // a plain reference: clang 14 cannot capture a binding
    auto it = std::find_if(ips.begin(), ips.end(), [&](const Ip& x) {
      return std::equal(x.latest.ip.begin(), x.latest.ip.begin() + ip_len_, r.seen.ip.begin());
    });
    if (it == ips.end()) {
      ips.push_back(Ip{r.seen, r.at, 0, {}});
      it = std::prev(ips.end());
    }
    ++it->peers;
    if (r.at >= it->latest_at) {
      it->latest = r.seen;
      it->latest_at = r.at;
    }
    auto p = std::find_if(it->ports.begin(), it->ports.end(),
                          [&](auto& x) { return x.first == r.seen.port; });
    if (p == it->ports.end()) it->ports.push_back({r.seen.port, 1});
    else ++p->second;
  }
  external_.reset();
  external_ip_.reset();
  symmetric_evidence_ = false;
  auto best = std::max_element(ips.begin(), ips.end(),
                               [](const Ip& a, const Ip& b) { return a.peers < b.peers; });
  if (best == ips.end() || best->peers < cfg_.address_quorum) return;
  external_ip_ = best->latest;
  auto top = std::max_element(best->ports.begin(), best->ports.end(),
                              [](auto& a, auto& b) { return a.second < b.second; });
  if (top->second >= cfg_.address_quorum) {
    Address e = best->latest;
    e.port = top->first;
    external_ = e;
  } else if (best->ports.size() >= 2) {
    symmetric_evidence_ = true;  // same IP, every peer its own port
  }
}

char combined_router_cap(const ReachabilityMachine* v4, const ReachabilityMachine* v6) {
  bool any = false, all_unreachable = true;
  for (const auto* m : {v4, v6}) {
    if (!m) continue;
    any = true;
    if (m->state() == Reachability::Reachable) return 'R';
    if (m->state() == Reachability::Unknown) all_unreachable = false;
  }
  return any && all_unreachable ? 'U' : 0;
}

}  // namespace ssu2::nat
