#include "transport/nat/reachability_set.hpp"

namespace ssu2::nat {

ReachabilitySet::ReachabilitySet(const ReachabilityConfig& cfg, TimePoint start,
                                 const std::optional<Address>& v4,
                                 const std::optional<Address>& v6) {
  if (v4) v4_.emplace(cfg, 4, start, v4);
  if (v6) v6_.emplace(cfg, 16, start, v6);
}

std::vector<ReachabilitySet::DueTest> ReachabilitySet::take_due_tests(
    TimePoint now, const std::vector<Candidate>& bobs) {
  std::vector<DueTest> out;
  for (auto* m : {&v4_, &v6_}) {
    if (!*m || !(*m)->test_due(now)) continue;
    (*m)->on_test_started(now);
    std::vector<const RouterHash*> family;
    for (const auto& c : bobs)
      if (c.ip_len == (*m)->ip_len()) family.push_back(&c.peer);
    if (family.empty()) continue;
    const RouterHash& bob = *family[next_bob_++ % family.size()];
    if (auto tested = (*m)->test_address_for(bob)) out.push_back(DueTest{bob, *tested});
  }
  return out;
}

void ReachabilitySet::on_peer_test(TimePoint now, const PeerTestDone& d) {
  for (auto* m : {&v4_, &v6_})
    if (*m) (*m)->on_peer_test(now, d);
}

void ReachabilitySet::on_address_report(TimePoint now, const RouterHash& peer,
                                        const Address& seen) {
  for (auto* m : {&v4_, &v6_})
    if (*m) (*m)->on_address_report(now, peer, seen);
}

std::optional<TimePoint> ReachabilitySet::poll_timeout() const {
  std::optional<TimePoint> next;
  for (auto* m : {&v4_, &v6_})
    if (*m)
      if (auto t = (*m)->poll_timeout(); t && (!next || *t < *next)) next = t;
  return next;
}

bool ReachabilitySet::take_republish() {
  bool r = false;
  for (auto* m : {&v4_, &v6_})
    if (*m && (*m)->take_republish()) r = true;
  return r;
}

std::vector<Address> ReachabilitySet::known_externals() const {
  std::vector<Address> out;
  for (auto* m : {&v4_, &v6_})
    if (*m && (*m)->state() != Reachability::SymmetricNat && !(*m)->symmetric_evidence())
      if (auto e = (*m)->external(); e && e->port != 0) out.push_back(*e);
  return out;
}

}  // namespace ssu2::nat
