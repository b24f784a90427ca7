// HandshakeEndpoint in virtual time: two (or many) endpoints joined by an in-memory network,
// each datagram delivered with the Destination Connection ID the receiving socket would
// unmask with its intro key. Covers routing (handshake / session / NAT), connects joining and
// refusing, the replacement policy, admission before work (pending slots, per-prefix rates,
// session limit), and the token tables at 20,000 sessions.
#define BOOST_TEST_MODULE handshake_endpoint
#include <boost/test/unit_test.hpp>

#include <deque>

#include "handshake_fixture.hpp"
#include "transport/handshake/endpoint.hpp"
#include "transport/handshake/payload.hpp"
#include "transport/i2p/gzip.hpp"

using namespace hs_test;

namespace {

struct Peer {
  Node node;
  std::unique_ptr<HandshakeEndpoint> ep;
  std::vector<HandshakeDone> done;
  std::vector<OutboundStarted> started;
};

// Endpoints by address; datagrams in flight in order; drop hook.
struct Net {
  TimePoint now{0};
  uint32_t wall() const { return kWall + uint32_t(to_ms(now) / 1000); }
  Now clocks() const { return Now{now, wall()}; }
  std::map<ssu2::Address, Peer*> peers;
  std::deque<Datagram> wire;  // Datagram.to + bytes; from kept beside
  std::deque<ssu2::Address> from;
  std::function<bool(const ssu2::Address& from, const ssu2::Address& to, ByteSpan)> drop;
  uint64_t to_nat = 0, to_session = 0;
  bool bob_acks = true;

  void add(Peer& p) { peers[p.node.ep] = &p; }
  void pump(Peer& p) {
    while (auto e = p.ep->poll_event()) {
      if (auto* s = std::get_if<OutboundStarted>(&*e)) {
        p.started.push_back(*s);
        continue;
      }
      p.done.push_back(std::move(std::get<HandshakeDone>(*e)));
      // Stand in for Bob's new session: its first Data packet ACKs Session Confirmed, which
      // is what switches Alice to the data phase.
      if (auto& d = p.done.back(); d.session && !d.outbound && bob_acks) {
        wire::AckBlock ack;
        ack.ack_through = 0;
        from.push_back(p.node.ep);
        wire.push_back(Datagram{d.peer, make_data_packet(*d.session, d.session->next_send_packet_number, {ack})});
      }
    }
    while (auto d = p.ep->poll_transmit()) {
      from.push_back(p.node.ep);
      wire.push_back(std::move(*d));
    }
  }
  void deliver_all(size_t max = 100000) {
    for (auto& [ep, p] : peers) pump(*p);
    while (!wire.empty() && max--) {
      Datagram d = std::move(wire.front());
      ssu2::Address f = from.front();
      wire.pop_front();
      from.pop_front();
      auto it = peers.find(d.to);
      if (it == peers.end()) continue;
      if (drop && drop(f, d.to, d.bytes)) continue;
      Peer& p = *it->second;
      auto id = wire::peek_dest_conn_id(d.bytes, p.node.local->intro_key);
      auto r = p.ep->on_datagram(clocks(), f, id ? *id : 0, d.bytes);
      if (r.what == Disposition::to_nat) ++to_nat;
      if (r.what == Disposition::to_session) ++to_session;
      pump(p);
    }
  }
  // Advances virtual time to the next deadline of any endpoint (bounded).
  bool step() {
    std::optional<TimePoint> next;
    for (auto& [ep, p] : peers)
      if (auto t = p->ep->poll_timeout(); t && (!next || *t < *next)) next = t;
    if (!next) return false;
    now = std::max(now, *next);
    for (auto& [ep, p] : peers) {
      p->ep->on_timeout(clocks());
      pump(*p);
    }
    deliver_all();
    return true;
  }
};

Peer make_peer(ssu2::Address ep, EndpointLimits limits = {}, uint64_t seed = 1) {
  Peer p;
  p.node = make_node(ep);
  p.ep = std::make_unique<HandshakeEndpoint>(Config{}, p.node.local, limits, seeded_random(seed));
  return p;
}

const ssu2::Address kA = ssu2::Address::v4(198, 18, 0, 1, 9001);
const ssu2::Address kB = ssu2::Address::v4(198, 18, 1, 2, 9002);

}  // namespace

BOOST_AUTO_TEST_CASE(connect_establishes_both_sides_and_registers_routes_first) {
  Peer a = make_peer(kA, {}, 1), b = make_peer(kB, {}, 2);
  Net net;
  net.add(a);
  net.add(b);
  auto r = a.ep->connect(net.clocks(), remote_of(b.node));
  BOOST_TEST(int(r.kind) == int(ConnectResult::Kind::started));
  net.pump(a);
  // The route event comes before any datagram was polled.
  BOOST_REQUIRE(a.started.size() == 1u);
  BOOST_TEST(a.started[0].conn_id == r.conn_id);
  BOOST_TEST((a.started[0].peer == kB));
  net.deliver_all();
  for (int i = 0; i < 10 && a.done.empty(); ++i) net.step();
  BOOST_REQUIRE(a.done.size() == 1u);
  BOOST_REQUIRE(b.done.size() == 1u);
  BOOST_TEST(a.done[0].session.has_value());
  BOOST_TEST(b.done[0].session.has_value());
  BOOST_TEST(a.done[0].outbound);
  BOOST_TEST(!b.done[0].outbound);
  BOOST_TEST(a.done[0].router == b.node.local->router_hash);
  BOOST_TEST(b.done[0].router == a.node.local->router_hash);
  BOOST_TEST(!a.done[0].replaces.has_value());
  // Now routed to the sessions, and a second connect answers at once.
  BOOST_TEST(a.ep->has_session(a.done[0].conn_id));
  BOOST_TEST(int(a.ep->connect(net.clocks(), remote_of(b.node)).kind) ==
             int(ConnectResult::Kind::connected));
  Bytes junk(64, 0x55);
  auto routed = a.ep->on_datagram(net.clocks(), kB, a.done[0].conn_id, junk);
  BOOST_TEST(int(routed.what) == int(Disposition::to_session));
  BOOST_TEST(routed.session == a.done[0].conn_id);
  BOOST_TEST(a.ep->stats().established_outbound == 1u);
  BOOST_TEST(b.ep->stats().established_inbound == 1u);
  BOOST_TEST(a.ep->stats().pending_outbound == 0u);
  BOOST_TEST(!a.ep->poll_timeout().has_value());  // nothing pending: no timer
}

BOOST_AUTO_TEST_CASE(second_connect_joins_and_own_router_is_refused) {
  Peer a = make_peer(kA, {}, 3), b = make_peer(kB, {}, 4);
  Net net;
  net.add(a);
  net.add(b);
  auto r1 = a.ep->connect(net.clocks(), remote_of(b.node));
  auto r2 = a.ep->connect(net.clocks(), remote_of(b.node));
  BOOST_TEST(int(r2.kind) == int(ConnectResult::Kind::joined));
  BOOST_TEST(r2.conn_id == r1.conn_id);
  auto self = a.ep->connect(net.clocks(), remote_of(a.node));
  BOOST_TEST(int(self.kind) == int(ConnectResult::Kind::refused));
  BOOST_TEST(int(self.code) == int(ConnectResult::Code::bad_request));
}

BOOST_AUTO_TEST_CASE(unanswered_connect_times_out_with_reason) {
  Peer a = make_peer(kA, {}, 5), b = make_peer(kB, {}, 6);
  Net net;
  net.add(a);
  net.add(b);
  net.drop = [](const ssu2::Address&, const ssu2::Address&, ByteSpan) { return true; };
  a.ep->connect(net.clocks(), remote_of(b.node));
  for (int i = 0; i < 50 && a.done.empty(); ++i) net.step();
  BOOST_REQUIRE(a.done.size() == 1u);
  BOOST_TEST(!a.done[0].session.has_value());
  BOOST_TEST(a.done[0].reason == "timeout");
  BOOST_TEST(to_ms(net.now) >= 20000);  // the spec's 20 s budget
  BOOST_TEST(!a.ep->poll_timeout().has_value());
}

BOOST_AUTO_TEST_CASE(reconnect_same_direction_replaces_and_crossed_keeps_both) {
  Peer a = make_peer(kA, {}, 7), b = make_peer(kB, {}, 8);
  Net net;
  net.add(a);
  net.add(b);
  auto connect = [&](Peer& from, Peer& to) {
    from.done.clear();
    from.ep->connect(net.clocks(), remote_of(to.node));
    net.deliver_all();
    for (int i = 0; i < 10 && from.done.empty(); ++i) net.step();
    BOOST_REQUIRE(from.done.size() == 1u);
    BOOST_REQUIRE(from.done[0].session.has_value());
    return from.done[0];
  };
  auto first = connect(a, b);
  BOOST_REQUIRE(b.done.size() == 1u);
  uint64_t b_first = b.done[0].conn_id;
  // B lost its session state: A closes its side and connects again; B's new inbound
  // session replaces B's old inbound one.
  a.ep->on_session_closed(first.conn_id);
  b.done.clear();
  auto second = connect(a, b);
  BOOST_TEST(!second.replaces.has_value());  // A's old one was already closed
  BOOST_REQUIRE(b.done.size() == 1u);
  BOOST_REQUIRE(b.done[0].replaces.has_value());
  BOOST_TEST(*b.done[0].replaces == b_first);
  BOOST_TEST(b.ep->stats().open_sessions == 1u);  // the replaced one is closing
  BOOST_TEST(b.ep->stats().sessions == 2u);
  b.ep->on_session_gone(b_first);
  BOOST_TEST(b.ep->stats().sessions == 1u);
}

// The peer restarted and dials us while our outbound session to it still looks alive: the new
// inbound session replaces the old outbound one (it was established before this handshake
// started), so traffic does not keep going into a session the peer has forgotten.
BOOST_AUTO_TEST_CASE(reconnect_in_the_other_direction_replaces_the_older_session) {
  Peer a = make_peer(kA, {}, 13), b = make_peer(kB, {}, 14);
  Net net;
  net.add(a);
  net.add(b);
  a.ep->connect(net.clocks(), remote_of(b.node));
  net.deliver_all();
  for (int i = 0; i < 10 && a.done.empty(); ++i) net.step();
  BOOST_REQUIRE(a.done.size() == 1u);
  uint64_t old = a.done[0].conn_id;
  // B restarts: same identity, no state.
  net.now += Millis{5000};
  Peer b2;
  b2.node = std::move(b.node);
  b2.ep = std::make_unique<HandshakeEndpoint>(Config{}, b2.node.local, EndpointLimits{}, seeded_random(15));
  net.peers[kB] = &b2;
  b2.ep->connect(net.clocks(), remote_of(a.node));
  net.deliver_all();
  for (int i = 0; i < 10 && b2.done.empty(); ++i) net.step();
  BOOST_REQUIRE(b2.done.size() == 1u);
  BOOST_TEST(b2.done[0].session.has_value());
  BOOST_REQUIRE(a.done.size() == 2u);
  BOOST_TEST(!a.done[1].outbound);
  BOOST_REQUIRE(a.done[1].replaces.has_value());
  BOOST_TEST(*a.done[1].replaces == old);
  BOOST_TEST(a.ep->stats().open_sessions == 1u);
}

// Both routers dial each other at once: each ends with an outbound and an inbound session,
// and neither replaces the other (terminating "the old one" on both ends would kill both).
BOOST_AUTO_TEST_CASE(crossed_connect_keeps_both_sessions) {
  Peer a = make_peer(kA, {}, 11), b = make_peer(kB, {}, 12);
  Net net;
  net.add(a);
  net.add(b);
  a.ep->connect(net.clocks(), remote_of(b.node));
  b.ep->connect(net.clocks(), remote_of(a.node));
  net.deliver_all();
  for (int i = 0; i < 20 && (a.done.size() < 2 || b.done.size() < 2); ++i) net.step();
  BOOST_REQUIRE(a.done.size() == 2u);
  BOOST_REQUIRE(b.done.size() == 2u);
  for (auto* p : {&a, &b})
    for (auto& d : p->done) {
      BOOST_TEST(d.session.has_value());
      BOOST_TEST(!d.replaces.has_value());
    }
  BOOST_TEST(a.ep->stats().open_sessions == 2u);
  BOOST_TEST(b.ep->stats().open_sessions == 2u);
  BOOST_TEST(a.ep->stats().connected == 1u);
}

// Session Requests with valid tokens from one /24 fill only that prefix's pending slots: a
// host in another prefix still gets in, and the refused requests consume no token and record
// no ephemeral key (their retransmission is accepted once there is room).
BOOST_AUTO_TEST_CASE(pending_slots_are_admitted_before_the_dh) {
  EndpointLimits lim;
  lim.max_pending = 6;
  lim.admission.max_pending_per_prefix = 4;
  Peer bob = make_peer(kB, lim, 9);
  Net net;
  net.add(bob);
  std::vector<std::unique_ptr<Peer>> attackers;
  for (uint8_t i = 0; i < 6; ++i) {
    attackers.push_back(std::make_unique<Peer>(make_peer(ssu2::Address::v4(198, 18, 7, 10 + i, 5000), {}, 20 + i)));
    net.add(*attackers.back());
  }
  // Attackers never send Session Confirmed: drop everything from them after their Session
  // Request, i.e. every datagram Bob sends them is lost.
  net.drop = [&](const ssu2::Address& from, const ssu2::Address& to, ByteSpan) { return to != kB && from == kB && to.ip[2] == 7; };
  for (auto& at : attackers) {
    auto t = bob.ep->listener().tokens().issue_new_token(at->node.ep, net.wall());
    at->ep->token_cache().store(bob.node.local->router_hash, kB, t, net.wall());
    at->ep->connect(net.clocks(), remote_of(bob.node));
  }
  net.deliver_all();
  auto s = bob.ep->stats();
  BOOST_TEST(s.pending_inbound == 4u);  // the prefix's cap
  BOOST_TEST(s.listener.refused_pending == 2u);
  BOOST_TEST(s.listener.accepted == 4u);
  BOOST_TEST(s.new_tokens == 2u);  // the refused ones' tokens are still there
  // An honest router in another prefix completes its handshake meanwhile.
  Peer honest = make_peer(ssu2::Address::v4(198, 18, 9, 1, 7000), {}, 40);
  net.add(honest);
  honest.ep->connect(net.clocks(), remote_of(bob.node));
  net.deliver_all();
  for (int i = 0; i < 10 && honest.done.empty(); ++i) net.step();
  BOOST_REQUIRE(honest.done.size() == 1u);
  BOOST_TEST(honest.done[0].session.has_value());
  // The attackers' slots expire (12 s); the two refused ones retransmit their Session Request
  // with the same token and key, and get in.
  for (int i = 0; i < 40 && bob.ep->stats().listener.accepted < 7u; ++i) net.step();
  BOOST_TEST(bob.ep->stats().listener.accepted == 7u);  // 4 + honest + the 2 refused
  // (the four accepted ones' retransmissions after their slots expired are replays)
  BOOST_TEST(bob.ep->stats().listener.dropped_replay >= 4u);
}

// Every node-wide slot held by handshakes that never finish: a newcomer from another prefix
// evicts the oldest slot of the busiest prefix and completes; one more from the flooding
// prefix itself does not evict its own kind.
BOOST_AUTO_TEST_CASE(full_pending_table_gives_way_to_other_prefixes) {
  EndpointLimits lim;
  lim.max_pending = 4;
  lim.admission.max_pending_per_prefix = 8;
  Peer bob = make_peer(kB, lim, 80);
  Net net;
  net.add(bob);
  std::vector<std::unique_ptr<Peer>> attackers;
  for (uint8_t i = 0; i < 5; ++i) {
    attackers.push_back(std::make_unique<Peer>(make_peer(ssu2::Address::v4(198, 18, 7, 10 + i, 5000), {}, 90 + i)));
    net.add(*attackers.back());
  }
  net.drop = [&](const ssu2::Address& from, const ssu2::Address& to, ByteSpan) { return from == kB && to.ip[2] == 7; };
  for (size_t i = 0; i < 5; ++i) {
    auto& at = attackers[i];
    auto t = bob.ep->listener().tokens().issue_new_token(at->node.ep, net.wall());
    at->ep->token_cache().store(bob.node.local->router_hash, kB, t, net.wall());
    at->ep->connect(net.clocks(), remote_of(bob.node));
    net.deliver_all();
  }
  BOOST_TEST(bob.ep->stats().pending_inbound == 4u);
  BOOST_TEST(bob.ep->stats().listener.refused_pending == 1u);  // the fifth, same prefix
  BOOST_TEST(bob.ep->stats().evicted_pending == 0u);
  Peer honest = make_peer(ssu2::Address::v4(198, 18, 9, 1, 7000), {}, 99);
  net.add(honest);
  honest.ep->connect(net.clocks(), remote_of(bob.node));
  net.deliver_all();
  for (int i = 0; i < 10 && honest.done.empty(); ++i) net.step();
  BOOST_REQUIRE(honest.done.size() == 1u);
  BOOST_TEST(honest.done[0].session.has_value());
  BOOST_TEST(to_ms(net.now) < 1000);  // at once, not after the attackers' 12 s
  BOOST_TEST(bob.ep->stats().evicted_pending == 1u);
}

BOOST_AUTO_TEST_CASE(token_requests_beyond_the_prefix_rate_get_no_retry) {
  EndpointLimits lim;
  lim.admission.token_requests_per_s = 10;
  lim.admission.token_request_burst = 20;
  Peer bob = make_peer(kB, lim, 50);
  Net net;
  net.add(bob);
  std::vector<std::unique_ptr<Peer>> alices;
  for (uint16_t i = 0; i < 60; ++i) {
    alices.push_back(std::make_unique<Peer>(make_peer(ssu2::Address::v4(198, 18, 20, 1, uint16_t(6000 + i)), {}, 100 + i)));
    net.add(*alices.back());
    alices.back()->ep->connect(net.clocks(), remote_of(bob.node));
  }
  net.drop = [&](const ssu2::Address& from, const ssu2::Address&, ByteSpan) { return from == kB; };
  net.deliver_all();
  auto s = bob.ep->stats().listener;
  BOOST_TEST(s.retries_sent == 20u);  // the burst
  BOOST_TEST(s.rate_limited_token == 40u);
  // Another prefix is not affected.
  Peer other = make_peer(ssu2::Address::v4(198, 18, 21, 1, 6000), {}, 300);
  net.add(other);
  other.ep->connect(net.clocks(), remote_of(bob.node));
  net.deliver_all();
  BOOST_TEST(bob.ep->stats().listener.retries_sent == 21u);
  // A second later the bucket has refilled by the rate.
  net.now += Millis{1000};
  net.drop = nullptr;
  for (auto& a : alices) a->ep->on_timeout(Now{net.now + Millis{10000}, net.wall()});
  net.deliver_all();
  BOOST_TEST(bob.ep->stats().listener.retries_sent == 31u);
}

BOOST_AUTO_TEST_CASE(node_at_max_sessions_answers_with_connection_limits) {
  EndpointLimits lim;
  lim.max_sessions = 1;
  Peer bob = make_peer(kB, lim, 60), a1 = make_peer(kA, {}, 61),
       a2 = make_peer(ssu2::Address::v4(198, 18, 30, 1, 9003), {}, 62);
  Net net;
  net.add(bob);
  net.add(a1);
  net.add(a2);
  a1.ep->connect(net.clocks(), remote_of(bob.node));
  net.deliver_all();
  for (int i = 0; i < 10 && a1.done.empty(); ++i) net.step();
  BOOST_REQUIRE(a1.done.size() == 1u);
  BOOST_TEST(a1.done[0].session.has_value());
  a2.ep->connect(net.clocks(), remote_of(bob.node));
  net.deliver_all();
  for (int i = 0; i < 10 && a2.done.empty(); ++i) net.step();
  BOOST_REQUIRE(a2.done.size() == 1u);
  BOOST_TEST(!a2.done[0].session.has_value());
  BOOST_TEST(a2.done[0].reason.find("peer_rejected") == 0u);
  BOOST_TEST(to_ms(net.now) < 1000);  // told at once, no 20 s of retries
  BOOST_TEST(bob.ep->stats().listener.refused_sessions == 1u);
}

// Issue "scale findings": with one shared table of 8,192 tokens, sessions stopped at ~8,192
// and concurrent handshakes livelocked. Bob issues 20,000 New Tokens (one per session, as the
// sessions do) while 200 handshakes sit between Retry and Session Request: every Retry token
// stays valid and every New Token is kept.
BOOST_AUTO_TEST_CASE(token_tables_hold_20000_sessions_and_retries_in_flight) {
  auto lim = EndpointLimits::for_sessions(20000, 256);
  TokenManager m(seeded_random(70), lim.tokens);
  uint32_t wall = kWall;
  std::vector<std::pair<ssu2::Address, Token>> retries;
  for (uint16_t i = 0; i < 200; ++i) {
    ssu2::Address ep = ssu2::Address::v4(127, 1, uint8_t(i), 1, 1000);
    retries.emplace_back(ep, m.retry_token(ep, wall));
  }
  std::vector<std::pair<ssu2::Address, Token>> news;
  for (uint32_t i = 0; i < 20000; ++i) {
    ssu2::Address ep = ssu2::Address::v4(127, 2, uint8_t(i >> 8), uint8_t(i), 2000);
    news.emplace_back(ep, m.issue_new_token(ep, wall + i / 4000));  // over 5 virtual seconds
  }
  wall += 5;
  for (auto& [ep, t] : retries) BOOST_TEST_REQUIRE(m.consume(ep, t.value, wall));
  BOOST_TEST(m.new_tokens().size() == 20000u);
  BOOST_TEST(m.new_tokens().evicted() == 0u);
  size_t ok = 0;
  for (auto& [ep, t] : news) ok += m.consume(ep, t.value, wall + 60);
  BOOST_TEST(ok == 20000u);
  // A flood of Token Requests from 200,000 sources only cycles the Retry table.
  for (uint32_t i = 0; i < 200000; ++i)
    m.retry_token(ssu2::Address::v6({0x20, 0x01, 0x0d, 0xb8, uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)}, 1), wall);
  BOOST_TEST(m.retry_tokens().size() <= lim.tokens.max_retry_tokens);
  BOOST_TEST(m.new_tokens().size() == 0u);
}

// A republished RouterInfo: handshakes started after update_router_info() carry it in
// Session Confirmed, one already in progress keeps the RouterInfo it started with.
BOOST_AUTO_TEST_CASE(update_router_info_applies_to_later_handshakes_only) {
  Peer a = make_peer(kA, {}, 1), b = make_peer(kB, {}, 2);
  Peer c = make_peer(ssu2::Address::v4(198, 18, 2, 3, 9003), {}, 3);
  Net net;
  net.add(a);
  net.add(b);
  net.add(c);
  const Bytes old_ri = a.node.local->router_info;
  i2p::RouterInfo next = a.node.ri;
  next.published += 60'000;
  next.options.set("caps", "BCR");
  BOOST_REQUIRE(next.sign(a.node.keys.ed25519_seed).ok());
  auto next_bytes = next.serialize();
  BOOST_REQUIRE(next_bytes.ok());
  BOOST_REQUIRE(*next_bytes != old_ri);

  auto before = a.ep->connect(net.clocks(), remote_of(b.node));
  BOOST_REQUIRE(int(before.kind) == int(ConnectResult::Kind::started));
  net.pump(a);  // Session Request to B is on the wire; Session Confirmed not yet built
  a.ep->update_router_info(*next_bytes);
  a.ep->update_router_info({});  // ignored
  BOOST_TEST((a.ep->local().router_info == *next_bytes));
  auto after = a.ep->connect(net.clocks(), remote_of(c.node));
  BOOST_REQUIRE(int(after.kind) == int(ConnectResult::Kind::started));
  net.deliver_all();
  for (int i = 0; i < 10 && a.done.size() < 2; ++i) net.step();

  BOOST_REQUIRE(b.done.size() == 1u);
  BOOST_REQUIRE(c.done.size() == 1u);
  BOOST_REQUIRE(b.done[0].session.has_value());
  BOOST_REQUIRE(c.done[0].session.has_value());
  BOOST_REQUIRE(b.done[0].session->peer_router_info);
  BOOST_REQUIRE(c.done[0].session->peer_router_info);
  BOOST_TEST((b.done[0].session->peer_router_info->bytes() == old_ri));
  BOOST_TEST((c.done[0].session->peer_router_info->bytes() == *next_bytes));
  BOOST_TEST(c.done[0].session->peer_router_info->published == next.published);
  // Same router either way: the identity did not change.
  BOOST_TEST(b.done[0].router == c.done[0].router);
}

// The data-phase block announcing it: flood off, gzipped only when that is smaller, it encodes
// and parses back, and it decodes back to the exact RouterInfo.
BOOST_AUTO_TEST_CASE(router_info_update_block_is_unflooded_and_gzipped_when_smaller) {
  for (size_t filler : {size_t(0), size_t(900)}) {
    Node n = make_node(kA, NodeOptions{.filler_bytes = filler});
    const Bytes& ri = n.local->router_info;
    auto out = wire::emit_blocks({payload::router_info_update(ri)});
    BOOST_REQUIRE(out.ok());
    auto blocks = wire::parse_blocks(*out);
    BOOST_REQUIRE(blocks.ok());
    BOOST_REQUIRE(blocks->size() == 1u);
    auto* b = std::get_if<wire::RouterInfoBlock>(&(*blocks)[0]);
    BOOST_REQUIRE(b);
    BOOST_TEST(!b->flood());
    auto z = i2p::gzip_compress(ri);
    BOOST_REQUIRE(z.ok());
    BOOST_TEST(b->gzip() == (z->size() < ri.size()));
    if (filler) BOOST_TEST(b->gzip());  // a large RouterInfo takes the gzip branch
    Bytes plain = b->data;
    if (b->gzip()) {
      auto d = i2p::gzip_decompress(b->data);
      BOOST_REQUIRE(d.ok());
      plain = *d;
    }
    BOOST_TEST((plain == ri));
  }
}

// A connect that asks for a relay tag puts a Relay Tag Request block in its Session Request
// (i2pd 2.45.1 hands out tags only in answer to it, in Session Created); Bob answers with a
// Relay Tag there, and both sides' SessionContexts carry the same tag for the NAT engine.
// Without the option nothing is asked; a Bob that does not relay sends none.
BOOST_AUTO_TEST_CASE(connect_option_asks_for_a_relay_tag_in_session_request) {
  Peer a = make_peer(kA, {}, 41), b = make_peer(kB, {}, 42);
  Net net;
  net.add(a);
  net.add(b);
  auto run = [&](Peer& from, Peer& to, bool ask) {
    from.done.clear();
    to.done.clear();
    ConnectOptions o;
    o.request_relay_tag = ask;
    from.ep->connect(net.clocks(), remote_of(to.node), o);
    net.deliver_all();
    for (int i = 0; i < 10 && from.done.empty(); ++i) net.step();
    BOOST_REQUIRE(from.done.size() == 1u);
    BOOST_REQUIRE(to.done.size() == 1u);
    BOOST_REQUIRE(from.done[0].session.has_value());
    BOOST_REQUIRE(to.done[0].session.has_value());
    return std::pair{*from.done[0].session, *to.done[0].session};
  };
  auto [alice, bob] = run(a, b, true);
  BOOST_TEST(alice.relay_tag_asked);
  BOOST_TEST(bob.relay_tag_requested);
  BOOST_REQUIRE(bob.relay_tag_issued.has_value());
  BOOST_TEST(*bob.relay_tag_issued != 0u);
  BOOST_REQUIRE(alice.relay_tag.has_value());
  BOOST_TEST(*alice.relay_tag == *bob.relay_tag_issued);

  a.ep->on_session_closed(a.done[0].conn_id);
  auto [alice2, bob2] = run(a, b, false);
  BOOST_TEST(!alice2.relay_tag_asked);
  BOOST_TEST(!bob2.relay_tag_requested);
  BOOST_TEST(!bob2.relay_tag_issued.has_value());
  BOOST_TEST(!alice2.relay_tag.has_value());

  // A Bob that does not hand out tags: asked, none given.
  Config no_relay;
  no_relay.grant_relay_tags = false;
  Peer c = make_peer(ssu2::Address::v4(198, 18, 2, 3, 9003), {}, 43);
  c.ep = std::make_unique<HandshakeEndpoint>(no_relay, c.node.local, EndpointLimits{}, seeded_random(43));
  net.add(c);
  auto [alice3, bob3] = run(a, c, true);
  BOOST_TEST(alice3.relay_tag_asked);
  BOOST_TEST(bob3.relay_tag_requested);
  BOOST_TEST(!bob3.relay_tag_issued.has_value());
  BOOST_TEST(!alice3.relay_tag.has_value());
}

// A crossed connect whose outbound side is never answered (i2pd 2.45.1 hands every datagram
// from an address it is dialling to its own pending handshake): the peer's inbound session
// names our pending connect, so its caller is answered instead of waiting for a timeout.
BOOST_AUTO_TEST_CASE(inbound_session_answers_a_pending_connect_to_the_same_router) {
  Peer a = make_peer(kA, {}, 51), b = make_peer(kB, {}, 52);
  Net net;
  net.add(a);
  net.add(b);
  auto ours = a.ep->connect(net.clocks(), remote_of(b.node));
  BOOST_REQUIRE(int(ours.kind) == int(ConnectResult::Kind::started));
  net.pump(a);
  net.wire.clear();  // A's Token Request is lost: B never answers A's handshake
  net.from.clear();
  b.ep->connect(net.clocks(), remote_of(a.node));
  // From here only B's handshake moves: A's datagrams to B other than answers are dropped.
  net.drop = [&](const ssu2::Address& from, const ssu2::Address&, ByteSpan bytes) {
    if (!(from == kA)) return false;
    auto h = wire::peek_header(bytes, b.node.local->intro_key, b.node.local->intro_key);
    return h && h->type == uint8_t(wire::MessageType::TokenRequest);
  };
  net.deliver_all();
  for (int i = 0; i < 10 && b.done.empty(); ++i) net.step();
  BOOST_REQUIRE(b.done.size() == 1u);
  BOOST_REQUIRE(b.done[0].session.has_value());
  BOOST_REQUIRE(!a.done.empty());
  auto& in = a.done[0];
  BOOST_TEST(!in.outbound);
  BOOST_REQUIRE(in.session.has_value());
  BOOST_REQUIRE(in.answers_connect.has_value());
  BOOST_TEST(*in.answers_connect == ours.conn_id);
  // A session in the other direction without a pending connect names none.
  BOOST_TEST(!b.done[0].answers_connect.has_value());
}

// Relay (ssu2.rst "Relay Process"): Charlie's Relay Response gives Alice a token; Charlie's
// listener accepts her Session Request with it (no Retry), once.
BOOST_AUTO_TEST_CASE(relay_token_from_charlie_skips_the_retry_once) {
  Peer a = make_peer(kA, {}, 41), c = make_peer(kB, {}, 42);
  Net net;
  net.add(a);
  net.add(c);
  const uint64_t token = 0x5eed'0000'0000'1234ull;
  c.ep->listener().tokens().accept_relay_token(a.node.ep, token, net.wall());
  a.ep->on_new_token(net.clocks(), c.node.local->router_hash, c.node.ep, Token{token, net.wall() + 60});
  a.ep->connect(net.clocks(), remote_of(c.node));
  net.pump(a);
  net.deliver_all();
  for (int i = 0; i < 10 && a.done.empty(); ++i) net.step();
  BOOST_REQUIRE(a.done.size() == 1u);
  BOOST_TEST(a.done[0].session.has_value());
  BOOST_TEST(a.ep->stats().outbound_with_token == 1u);
  BOOST_TEST(a.ep->stats().retries_received == 0u);
  // The token was used up: the same value again is refused (a zero token never counts).
  BOOST_TEST(!c.ep->listener().tokens().valid(a.node.ep, token, net.wall()));
  c.ep->listener().tokens().accept_relay_token(a.node.ep, 0, net.wall());
  BOOST_TEST(!c.ep->listener().tokens().valid(a.node.ep, 0, net.wall()));
}
