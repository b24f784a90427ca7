// NatEngine: the one object a node holds for peer testing and relaying. It owns the shared
// Context and the two machines and routes input to them:
//   - every block received in a session (RouterInfo blocks teach it the sender's peers;
//     PeerTest / Relay* / RelayTag* blocks drive the machines; other blocks are ignored),
//   - out-of-session packets of type 7 (Peer Test) and 11 (Hole Punch), opened with our
//     intro key,
//   - commands, session up/down, the reachability of each family's published address
//     (introducers of that family are gathered while it is firewalled), and timer ticks.
// Output is the action queue (take_actions()) and next_deadline().
#pragma once
#include "transport/nat/context.hpp"
#include "transport/nat/introducer_set.hpp"
#include "transport/nat/peer_test.hpp"
#include "transport/nat/relay.hpp"

namespace ssu2::nat {

class NatEngine {
 public:
  explicit NatEngine(LocalIdentity local, Config cfg = {}, RandomFn rng = {},
                     IntroducerConfig intro = {});
  NatEngine(const NatEngine&) = delete;
  NatEngine& operator=(const NatEngine&) = delete;

  // ---- directory ----
  void learn_peer(PeerInfo p) { ctx_.learn_peer(std::move(p)); }
  // Parses (gunzips if flagged) and verifies a RouterInfo block, then learns it.
  Status learn_router_info(const wire::RouterInfoBlock& b);
  // A RouterInfo whose signature the caller already checked (the handshake's exact bytes):
  // parsed only, no second Ed25519 verify (it was ~11% of the node's CPU per handshake).
  Status learn_verified_router_info(ByteSpan bytes);
  // `tags`: what the session's handshake asked for and carried (Relay::on_handshake); a
  // tag granted there may make the peer one of our introducers.
  void session_established(const Now& now, const RouterHash& peer, const Address& remote,
                           const HandshakeTags& tags = {});
  void session_closed(const Now& now, const RouterHash& peer);
  // The reachability of the published address of family `ip_len` (4 or 16): drives that
  // family's introducers.
  void set_reachability(const Now& now, Reachability r, uint8_t ip_len) {
    introducers_.set_reachability(now, r, ip_len);
  }

  // ---- input ----
  // The data-phase blocks this engine acts on (PeerTest, Relay*, RelayTag*); a RouterInfo
  // block is learnt too, but a session hands those over as such.
  static bool takes(const wire::Block& b);
  void on_block(const Now& now, const RouterHash& from, const wire::Block& b);
  void on_blocks(const Now& now, const RouterHash& from, const std::vector<wire::Block>& bs) {
    for (const auto& b : bs) on_block(now, from, b);
  }
  // An out-of-session packet for us. Errors say why it was not ours or not valid (and it
  // was counted); ok means it was handled (which may still mean "dropped and counted").
  Status on_packet(const Now& now, const Address& src, ByteSpan packet);

  // ---- commands ----
  Result<uint32_t> start_peer_test(const Now& now, const RouterHash& bob, const Address& tested) {
    return peer_test_.start(now, bob, tested);
  }
  Status request_relay_tag(const Now& now, const RouterHash& introducer) {
    return relay_.request_tag(now, introducer);
  }
  Result<uint32_t> request_introduction(const Now& now, const RouterHash& bob,
                                        const RouterHash& charlie, uint32_t tag,
                                        const Address& our_endpoint) {
    return relay_.request_introduction(now, bob, charlie, tag, our_endpoint);
  }

  // ---- time and output ----
  void on_timer(const Now& now);
  std::optional<TimePoint> next_deadline() const;
  std::vector<Action> take_actions() { return ctx_.take_actions(); }

  const Counters& counters() const { return ctx_.counters; }
  const PeerTest& peer_test() const { return peer_test_; }
  const Relay& relay() const { return relay_; }
  const IntroducerSet& introducers() const { return introducers_; }
  const LocalIdentity& local() const { return ctx_.local; }
  // Our addresses may change (e.g. after a peer test); Charlie uses them in his answers.
  void set_local_endpoint(const Address& e) { (e.ip_len == 16 ? ctx_.local.v6 : ctx_.local.v4) = e; }
  // Our RouterInfo was republished: Bob forwards the new one to Charlie.
  void set_local_router_info(Bytes ri) { ctx_.local.router_info = std::move(ri); }

 private:
  Context ctx_;
  PeerTest peer_test_;
  Relay relay_;
  IntroducerSet introducers_;
};

}  // namespace ssu2::nat
