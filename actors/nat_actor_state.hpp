// The nat actor's state, shared by its three files: nat_actor.cpp (the behaviour, peer tests,
// relay tags, reachability), nat_drain.cpp (the engine's actions onto sends) and
// nat_introduce.cpp (connects through introducers, Alice, and Charlie's relay tokens). Not an
// interface: only those include it.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "actors/nat_actor.hpp"
#include "actors/support/deadline_timer.hpp"
#include "actors/support/introductions.hpp"
#include "actors/support/nat_requests.hpp"
#include "transport/nat/engine.hpp"
#include "transport/nat/reachability_set.hpp"

namespace ssu2d::nat_detail {

namespace nat = ssu2::nat;

struct nat_state {
  static inline const char* name = "ssu2d.nat";
  std::unique_ptr<nat::NatEngine> engine;
  NatActorOptions opts;
  std::map<router_hash, nat_session_actor> sessions;
  std::map<router_hash, uint8_t> session_family;      // 4 or 16: the session's IP version
  std::optional<nat::ReachabilitySet> reach;          // one machine per family we listen on
  DeadlineTimer reach_timer;                          // the machines' next automatic test
  NatRequests requests;                               // peer tests, relay tags waiting
  Introductions introductions;                        // our connects through introducers
  DeadlineTimer timer;                                // the engine's next deadline
  bool wants_tags = false;                            // told to the handshake actor
  uint64_t blocks_in = 0, packets_in = 0, unroutable = 0;
  nat::Counters exported;  // the engine's drop counters as far as metrics have them
};
using nat_t = nat_actor::stateful_base<nat_state>;

void count(nat_t* self, const std::string& name, const std::string& help);
// Carries out every action the engine produced, then re-arms its timer (nat_drain.cpp).
void drain(nat_t* self);

// ---- nat_actor.cpp, for drain() ----
void on_peer_test_done(nat_t* self, const nat::PeerTestDone& d);
void on_tag_granted(nat_t* self, const nat::RelayTagGranted& g);
// A firewalled family short of introducers: outbound handshakes ask for a tag; told to the
// handshake actor when that changes.
void update_tag_wish(nat_t* self);
// Our RouterInfo rebuilt (reachability, introducers) and told to the engine and handshake actor.
void republish(nat_t* self);
// After a peer test or address report: the machines' view into the engine, republish if due.
void after_reachability(nat_t* self);
void arm_timer(nat_t* self);

// ---- nat_introduce.cpp ----
// (introduce_atom, RouterInfo bytes) from the handshake actor: a firewalled router.
caf::result<router_hash> introduce(nat_t* self, std::vector<uint8_t>& router_info);
void on_introduction_ready(nat_t* self, const nat::IntroductionReady& r);
void on_introduction_failed(nat_t* self, const nat::IntroductionFailed& f);
void on_token_issued(nat_t* self, const nat::TokenIssued& t);
// A session came up: attempts that wait for it as their introducer go on.
void introductions_on_session(nat_t* self, const router_hash& peer);
// The attempt's deadline (introduce_atom, charlie, serial) passed.
void introduction_deadline(nat_t* self, const router_hash& charlie, uint64_t serial);

}  // namespace ssu2d::nat_detail
