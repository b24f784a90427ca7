#include "actors/nat_actor.hpp"

#include <algorithm>

#include "actors/nat_actor_state.hpp"
#include "actors/session_actor.hpp"
#include "actors/support/logging.hpp"
#include "actors/support/reachability_status.hpp"

namespace ssu2d {

namespace wire = ssu2::wire;

namespace nat_detail {

void count(nat_t* self, const std::string& name, const std::string& help) {
  if (self->state.opts.metrics) self->state.opts.metrics->counter(name, help).inc();
}

void on_peer_test_done(nat_t* self, const nat::PeerTestDone& d) {
  auto& st = self->state;
  log().info("nat: peer test {} via {}: {}", d.nonce, to_string(to_router_hash(d.bob)),
             reachability_name(d.result));
  count(self, "ssu2_peer_tests_total", "Peer tests we ran as Alice");
  st.reach->on_peer_test(steady_now(self), d);
  peer_test_result r;
  r.bob = to_router_hash(d.bob);
  r.result = reachability_name(d.result);
  if (d.observed) r.observed = d.observed->to_string();
  r.tested = d.tested.to_string();
  r.nonce = d.nonce;
  r.reject_code = d.reject_code;
  st.requests.answer_test(d.nonce, std::move(r));
}

void on_tag_granted(nat_t* self, const nat::RelayTagGranted& g) {
  auto& st = self->state;
  auto h = to_router_hash(g.introducer);
  log().info("nat: relay tag {} from {}", g.tag, to_string(h));
  st.requests.answer_tags(h, g.tag);
}

// A firewalled family short of introducers: outbound handshakes ask for a tag (i2pd 2.45.1
// gives tags only in Session Created). Told to the handshake actor when it changes.
void update_tag_wish(nat_t* self) {
  auto& st = self->state;
  bool want = st.engine->introducers().wants_tags();
  if (want == st.wants_tags || !st.opts.handshake) return;
  st.wants_tags = want;
  self->send(st.opts.handshake, relay_atom::value, want);
  log().info("nat: {} relay tags in outbound handshakes", want ? "asking for" : "no longer asking for");
}

void arm_timer(nat_t* self) {
  auto& st = self->state;
  st.timer.arm(self, st.engine->next_deadline(), nat_timeout_atom::value);
}

void arm_reach_timer(nat_t* self) {
  auto& st = self->state;
  if (!st.opts.auto_peer_test) return;
  st.reach_timer.arm(self, st.reach->poll_timeout(), tick_atom::value);
}

// Rebuilds our RouterInfo from the machines and each family's introducers (one SSU2 address
// per family, transport/nat/publish), and tells the engine and the handshake actor.
void republish(nat_t* self) {
  auto& st = self->state;
  if (!st.reach->primary() || !st.opts.publisher) return;
  const auto& in = st.engine->introducers();
  auto err = st.opts.publisher->publish(unix_now_ms(self), nat::address_publications(*st.reach, in),
                                        st.reach->router_cap());
  if (!err.empty()) log().warn("nat: {}", err);
  auto ri = st.opts.publisher->current();
  if (ri) st.engine->set_local_router_info(ri->bytes());
  if (ri && err.empty() && st.opts.handshake)
    self->send(st.opts.handshake, router_info_atom::value, ri->bytes());
  count(self, "ssu2_router_info_published_total", "RouterInfo rebuilds after reachability changes");
  auto s = make_nat_status(*st.reach, ri.get(), steady_now(self), 0);
  log().info("nat: reachability {}, RouterInfo republished (caps {}/{}, host {}, introducers {} IPv4, {} IPv6)",
             s.reachability, s.router_caps, s.address_caps, s.published.empty() ? "none" : s.published.front(),
             in.v4().published().size(), in.v6().published().size());
}

// Republishes our RouterInfo when the machines changed what it says, and keeps the engine's
// view of our address, reachability (introducers) and RouterInfo in step.
void after_reachability(nat_t* self) {
  auto& st = self->state;
  for (const auto& e : st.reach->known_externals()) st.engine->set_local_endpoint(e);
  if (st.opts.metrics)
    for (const auto* m : {st.reach->v4(), st.reach->v6()})
      if (m) export_reachability(*st.opts.metrics, *m);
  for (const auto* m : {st.reach->v4(), st.reach->v6()})
    if (m) st.engine->set_reachability(core_now(self), m->state(), m->ip_len());
  if (st.reach->take_republish()) republish(self);
  update_tag_wish(self);
  arm_reach_timer(self);
}

// The machines' automatic tests: one per due family, through the next established session
// of that family as Bob.
void run_due_tests(nat_t* self) {
  auto& st = self->state;
  const auto now = steady_now(self);
  std::vector<nat::ReachabilitySet::Candidate> bobs;
  for (const auto& [h, fam] : st.session_family) bobs.push_back({h.bytes, fam});
  for (const auto& t : st.reach->take_due_tests(now, bobs)) {
    auto nonce = st.engine->start_peer_test(core_now(self), t.bob, t.tested);
    if (nonce)
      log().debug("nat: automatic peer test {} of {} via {}", *nonce,
                  t.tested.to_string(), to_string(to_router_hash(t.bob)));
  }
  arm_reach_timer(self);
}

}  // namespace nat_detail


namespace {

using namespace nat_detail;

caf::result<peer_test_result> start_peer_test(nat_t* self, const router_hash& bob) {
  auto& st = self->state;
  if (!st.sessions.count(bob)) return make_error(node_errc::unknown_session, to_string(bob));
  const auto& tested = st.engine->local().v4 ? st.engine->local().v4 : st.engine->local().v6;
  if (!tested) return make_error(node_errc::bad_request, "we have no address to test");
  auto nonce = st.engine->start_peer_test(core_now(self), bob.bytes, *tested);
  if (!nonce) {
    drain(self);
    if (nonce.error().code == ssu2::Errc::not_found)
      return make_error(node_errc::unknown_session, to_string(bob));
    return make_error(node_errc::limit, std::string("peer test not started: ") + nonce.error().what);
  }
  auto rp = self->make_response_promise<peer_test_result>();
  uint32_t id = st.requests.add_test(*nonce, rp);
  self->delayed_send(self, st.opts.peer_test_wait, nat_timeout_atom::value, id);
  drain(self);
  return rp;
}

// No session with the introducer: the manager connects with a Relay Tag Request in the
// Session Request; the tag comes with the session's established message. The wait for it
// starts when the connect answered (the two messages race).
caf::result<uint32_t> connect_for_tag(nat_t* self, const router_hash& introducer) {
  auto& st = self->state;
  if (!st.opts.manager) return make_error(node_errc::unknown_session, to_string(introducer));
  auto rp = self->make_response_promise<uint32_t>();
  uint32_t id = st.requests.add_tag(introducer, rp);
  self->request(st.opts.manager, std::chrono::seconds(30), connect_atom::value, introducer,
                relay_atom::value)
      .then(
          [self, id](const router_hash&) {
            self->delayed_send(self, self->state.opts.relay_tag_wait, nat_timeout_atom::value, id);
          },
          [self, introducer](caf::error& err) { self->state.requests.fail_tags(introducer, err); });
  return rp;
}

caf::result<uint32_t> request_tag(nat_t* self, const router_hash& introducer) {
  auto& st = self->state;
  const auto& core = introducer.bytes;
  if (auto held = st.engine->relay().granted_tags().find(core);
      held != st.engine->relay().granted_tags().end())
    return held->second;
  if (!st.sessions.count(introducer)) return connect_for_tag(self, introducer);
  if (auto s = st.engine->request_relay_tag(core_now(self), core); !s) {
    drain(self);
    return make_error(node_errc::unknown_session, to_string(introducer));
  }
  auto rp = self->make_response_promise<uint32_t>();
  uint32_t id = st.requests.add_tag(introducer, rp);
  self->delayed_send(self, st.opts.relay_tag_wait, nat_timeout_atom::value, id);
  drain(self);
  return rp;
}

void on_established(nat_t* self, const router_hash& peer, const nat_session_actor& session,
                    const ssu2::Address& remote, const std::vector<uint8_t>& ri,
                    const nat::HandshakeTags& tags) {
  auto& st = self->state;
  st.sessions[peer] = session;
  if (remote.has_ip()) st.session_family[peer] = remote.ip_len;
  if (!ri.empty() && !st.engine->learn_verified_router_info(ssu2::ByteSpan(ri.data(), ri.size())))
    log().debug("nat: RouterInfo of {} not usable", to_string(peer));
  if (remote.has_ip()) st.engine->session_established(core_now(self), peer.bytes, remote, tags);
  if (tags.issued) log().debug("nat: relay tag {} issued to {}", *tags.issued, to_string(peer));
  introductions_on_session(self, peer);
  drain(self);
}

void on_closed(nat_t* self, const router_hash& peer) {
  auto& st = self->state;
  auto it = st.sessions.find(peer);
  // A newer session for the router may have replaced the one that closes now.
  if (it == st.sessions.end() || it->second.address() != caf::actor_cast<caf::actor_addr>(self->current_sender()))
    return;
  st.sessions.erase(it);
  st.session_family.erase(peer);
  st.engine->session_closed(core_now(self), peer.bytes);
  drain(self);
}

nat_actor::behavior_type nat_behavior(nat_t* self, NatActorOptions opts) {
  auto& st = self->state;
  st.engine = std::make_unique<nat::NatEngine>(opts.local, nat::Config{}, opts.random, opts.introducers);
  st.opts = std::move(opts);
  const auto start = steady_now(self);
  st.reach.emplace(st.opts.reachability, start, st.opts.local.v4, st.opts.local.v6);
  arm_reach_timer(self);
  // Killed from outside (node stop): nobody is left waiting.
  self->set_exit_handler([self](caf::exit_msg& m) {
    self->state.requests.fail_all("node stopping");
    self->state.introductions.fail_all("node stopping");
    self->quit(m.reason);
  });
  return {
    [self](set_socket_atom, datagram_out_actor& socket) { self->state.opts.socket = socket; },
    [self](handshake_atom, nat_handshake_actor& hs) {
      self->state.opts.handshake = hs;
      self->state.wants_tags = false;
      update_tag_wish(self);
    },
    [self](established_atom, const router_hash& peer, nat_session_actor& session,
           const ssu2::Address& remote, const std::vector<uint8_t>& ri, bool tag_asked,
           uint32_t tag_granted, uint32_t tag_issued) {
      nat::HandshakeTags tags;
      tags.asked = tag_asked;
      if (tag_granted) tags.granted = tag_granted;
      if (tag_issued) tags.issued = tag_issued;
      on_established(self, peer, session, remote, ri, tags);
    },
    [self](closed_atom, const router_hash& peer, const std::string&) { on_closed(self, peer); },
    [self](nat_blocks_atom, const router_hash& from, const nat::NatBlocks& in) {
      log().debug("nat: blocks {} from {}", wire::block_type_list(in.blocks), to_string(from));
      self->state.blocks_in += in.blocks.size();
      self->state.engine->on_blocks(core_now(self), from.bytes, in.blocks);
      drain(self);
    },
    [self](nat_packet_atom, const datagram& d) {
      if (!d.from.has_ip()) return;
      self->state.packets_in++;
      (void)self->state.engine->on_packet(core_now(self), d.from,
                                          ssu2::ByteSpan(d.bytes.data(), d.bytes.size()));
      drain(self);
    },
    [self](peer_test_atom, const router_hash& bob) { return start_peer_test(self, bob); },
    [self](relay_atom, const router_hash& introducer) { return request_tag(self, introducer); },
    [self](introduce_atom, std::vector<uint8_t>& ri) { return introduce(self, ri); },
    [self](introduce_atom, const router_hash& charlie, uint64_t serial) {
      introduction_deadline(self, charlie, serial);
    },
    [self](nat_timeout_atom, int64_t deadline) {
      auto& s = self->state;
      s.timer.fired(deadline);
      s.engine->on_timer(core_now(self));
      drain(self);
    },
    [self](nat_timeout_atom, uint32_t id) { self->state.requests.expire(id); },
    [self](send_failed_atom, const send_failure& f) {
      // An out-of-session packet (peer test, hole punch) the socket could not send: the
      // engine's timers cover its loss; counted and logged, never silent.
      count(self, "ssu2_nat_send_failures_total", "Out-of-session NAT packets the socket could not send");
      log().debug("nat: send to {} failed: {}", f.to.to_string(), f.reason);
    },
    [self](tick_atom, int64_t deadline) {
      auto& s = self->state;
      s.reach_timer.fired(deadline);
      run_due_tests(self);
      drain(self);
    },
    [self](observed_atom, const router_hash& peer, const ssu2::Address& seen) {
      auto& s = self->state;
      if (!seen.has_ip()) return;
      s.reach->on_address_report(steady_now(self), peer.bytes, seen);
      after_reachability(self);
      drain(self);
    },
    [self](nat_status_atom) {
      auto& s = self->state;
      auto ri = s.opts.publisher ? s.opts.publisher->current() : nullptr;
      return make_nat_status(*s.reach, ri.get(), steady_now(self),
                             s.opts.publisher ? s.opts.publisher->published_count() : 0);
    },
  };
}

}  // namespace

nat_actor spawn_nat_actor(caf::actor_system& sys, NatActorOptions opts) {
  return sys.spawn(nat_behavior, std::move(opts));
}

}  // namespace ssu2d
