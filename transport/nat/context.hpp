// State shared by the peer-test and relay machines of one router: who we are, what we know
// about other routers and which sessions are up, the nonce replay filter, randomness, the
// outgoing action queue and the drop counters. Owned by NatEngine; the machines hold a
// reference.
#pragma once
#include <deque>
#include <functional>
#include <map>
#include <set>

#include "transport/common/random.hpp"
#include "transport/nat/nonce_filter.hpp"
#include "transport/nat/types.hpp"

namespace ssu2::nat {

struct Config {
  uint32_t max_skew_s = 120;              // spec "Replay Prevention": +/- 2 minutes
  Millis peer_test_timeout{20'000};       // Alice concludes a test after this
  Millis msg6_delay{3'000};               // Alice waits this long after msg 4 for msg 5
  Millis msg6_resend{3'000};              // then resends msg 6 at this interval ...
  int msg6_max_sends = 3;                 // ... at most this often
  int msg7_max_sends = 3;                 // Charlie answers at most this many msg 6
  Millis forward_ttl{60'000};             // Bob's/Charlie's per-nonce state lifetime
  Millis introduction_timeout{15'000};    // relay Alice gives up after this
  size_t max_active = 64;                 // concurrent entries per role and table
  size_t max_tags = 1024;                 // relay tags Bob hands out
  size_t max_known_peers = 4096;          // PeerInfo directory bound
};

// Fills the span with random bytes. Production: crypto::random_bytes; tests: a seeded PRNG.

class Context {
 public:
  Context(LocalIdentity local, Config cfg, RandomFn rng);

  LocalIdentity local;
  Config cfg;
  Counters counters;
  NonceFilter nonces;

  // ---- directory of routers and sessions ----
  void learn_peer(PeerInfo p);
  const PeerInfo* peer(const RouterHash& h) const;
  void session_up(const RouterHash& h, const Address& remote) {
    sessions_[h] = remote;
    sessionless_.erase(h);
  }
  void session_down(const RouterHash& h) {
    sessions_.erase(h);
    if (peers_.count(h)) sessionless_.insert(h);
  }
  size_t known_peers() const { return peers_.size(); }
  const Address* session(const RouterHash& h) const;
  const std::map<RouterHash, Address>& sessions() const { return sessions_; }

  // ---- helpers ----
  uint32_t random_u32();
  uint32_t random_nonzero_u32();
  uint64_t random_nonzero_u64();
  // True when a signed/DateTime timestamp is within the allowed skew of our wall clock.
  bool fresh(uint32_t ts, const Now& now) const;

  void emit(Action a) { actions_.push_back(std::move(a)); }
  std::vector<Action> take_actions();

 private:
  RandomFn rng_;
  std::map<RouterHash, PeerInfo> peers_;
  std::map<RouterHash, Address> sessions_;
  // Keys of peers_ without a session: the eviction candidates, so that learning a router
  // with a full directory is O(log n) (it walked the whole directory when every known
  // router had a session, i.e. on every session start beyond max_known_peers sessions).
  std::set<RouterHash> sessionless_;
  std::deque<Action> actions_;
};

}  // namespace ssu2::nat
