// The node's reachability, one ReachabilityMachine per address family it listens on, and
// the choices that span them: when the next automatic test is due (the earlier family), which
// established peer serves as Bob for each due family (round robin over that family's
// sessions), what the combined router cap is, and whether anything must be republished.
// Sans-IO: time and the list of candidate Bobs come in as arguments.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <vector>

#include "transport/nat/reachability.hpp"

namespace ssu2::nat {

class ReachabilitySet {
 public:
  ReachabilitySet(const ReachabilityConfig& cfg, TimePoint start, const std::optional<Address>& v4,
                  const std::optional<Address>& v6);

  struct Candidate {  // an established session that may serve as Bob
    RouterHash peer;
    uint8_t ip_len = 4;
  };
  struct DueTest {
    RouterHash bob;
    Address tested;  // the address Bob saw for us (Bob rejects another IP)
  };
  // The tests due now, at most one per family; each due family is marked started (its
  // result re-arms it, or it is retried soon), also when no Bob of its family is available.
  std::vector<DueTest> take_due_tests(TimePoint now, const std::vector<Candidate>& bobs);

  void on_peer_test(TimePoint now, const PeerTestDone& d);
  void on_address_report(TimePoint now, const RouterHash& peer, const Address& seen);

  std::optional<TimePoint> poll_timeout() const;
  // True once after any family changed what we publish.
  bool take_republish();
  // The external addresses the NAT engine should use as ours (Charlie's address in a Relay
  // Response, Alice's in a Relay Request, the tested one): each family's as the quorum of
  // peers sees it, reachable or firewalled; not behind a symmetric NAT, whose port differs
  // per peer (Alice then takes the Hole Punch's source, ssu2.rst "Response Handling").
  std::vector<Address> known_externals() const;

  // The first family (IPv4 if we listen on it): what the RouterInfo's address publishes.
  const ReachabilityMachine* primary() const { return v4_ ? &*v4_ : v6_ ? &*v6_ : nullptr; }
  const ReachabilityMachine* v4() const { return v4_ ? &*v4_ : nullptr; }
  const ReachabilityMachine* v6() const { return v6_ ? &*v6_ : nullptr; }
  char router_cap() const { return combined_router_cap(v4(), v6()); }
  // Some family is firewalled (not behind a symmetric NAT): it needs introducers.
  bool firewalled() const {
    for (const auto* m : {v4(), v6()})
      if (m && m->state() == Reachability::Firewalled) return true;
    return false;
  }

 private:
  std::optional<ReachabilityMachine> v4_, v6_;
  size_t next_bob_ = 0;
};

}  // namespace ssu2::nat
