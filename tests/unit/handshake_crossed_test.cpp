#define BOOST_TEST_MODULE handshake_crossed
#include <boost/test/unit_test.hpp>

#include <deque>

#include "handshake_fixture.hpp"
#include "transport/handshake/route.hpp"

// Crossed connects and the routing rule of route.hpp, in virtual time: a datagram from the
// address of a pending outbound handshake can be the peer's Session Created / Retry (masked
// with the PEER's intro key) or its own Token / Session Request (masked with OURS).

using namespace hs_test;

namespace {

Node node_a() { return make_node(ssu2::Address::v4(10, 0, 0, 1, 11111), {}, 101); }
Node node_b() { return make_node(ssu2::Address::v4(10, 0, 0, 2, 22222), {}, 202); }

bool reads_as_nat_type(const Bytes& d, const Node& receiver) {
  auto h = wire::peek_header(d, receiver.local->intro_key, receiver.local->intro_key);
  return h && (h->type == uint8_t(wire::MessageType::PeerTest) ||
               h->type == uint8_t(wire::MessageType::HolePunch));
}

Bytes only(std::vector<Datagram> v) {
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  return std::move(v[0].bytes);
}

// Bob's first Data packet (ACK of Session Confirmed), as his session sends it.
Bytes ack_of_confirmed(const SessionContext& bob) {
  wire::AckBlock ack;
  ack.ack_through = 0;
  return make_data_packet(bob, bob.next_send_packet_number, {ack});
}

}  // namespace

// The defect behind the intermittent crossed-connect timeout: Bob's Session Created, unmasked
// with Alice's own intro key, has a type byte of noise. When that noise read 7 (Peer Test) or
// 11 (Hole Punch) the datagram went to the NAT subsystem before the pending outbound handshake
// saw it, and so did every byte-identical retransmission: Alice never sent Session Confirmed.
// The seeds are searched for exactly such a Session Created (about 1 in 128).
BOOST_AUTO_TEST_CASE(session_created_that_reads_as_nat_type_reaches_the_outbound) {
  Node a = node_a(), b = node_b();
  const Now now{TimePoint{0}, kWall};
  for (uint64_t seed = 1; seed < 5000; ++seed) {
    InboundListener listener(Config{}, b.local, seeded_random(seed));
    auto token = listener.tokens().retry_token(a.ep, kWall);
    OutboundHandshake out(Config{}, a.local, remote_of(b), token, seeded_random(seed + 100000));
    out.start(now);
    auto request = only(out.take_outgoing());
    auto o = listener.on_datagram(now, a.ep, request);
    BOOST_REQUIRE(o.handshake);
    auto created = only(o.handshake->take_outgoing());
    if (!reads_as_nat_type(created, a)) continue;
    BOOST_TEST_MESSAGE("seed " << seed);

    auto r = route_from_pending_peer(out, now, b.ep, created, a.local->intro_key, 2);
    BOOST_TEST((r == Route::outbound));
    BOOST_TEST(out.state() == OutboundHandshake::State::session_confirmed_sent);
    auto confirmed = only(out.take_outgoing());
    // A retransmitted copy (Bob did not get Session Confirmed) is the handshake's too.
    r = route_from_pending_peer(out, now, b.ep, created, a.local->intro_key, 2);
    BOOST_TEST((r == Route::outbound));
    BOOST_TEST((only(out.take_outgoing()) == confirmed));

    o.handshake->on_datagram(now, a.ep, confirmed);
    BOOST_REQUIRE(o.handshake->state() == InboundHandshake::State::established);
    auto bob_ctx = o.handshake->take_session();
    BOOST_REQUIRE(bob_ctx);
    r = route_from_pending_peer(out, now, b.ep, ack_of_confirmed(*bob_ctx),
                                a.local->intro_key, 2);
    BOOST_TEST((r == Route::outbound));
    BOOST_TEST(out.state() == OutboundHandshake::State::established);
    return;
  }
  BOOST_FAIL("no seed gave a Session Created that reads as Peer Test / Hole Punch");
}

// The same for Retry (also masked with Bob's intro key).
BOOST_AUTO_TEST_CASE(retry_that_reads_as_nat_type_reaches_the_outbound) {
  Node a = node_a(), b = node_b();
  const Now now{TimePoint{0}, kWall};
  for (uint64_t seed = 1; seed < 5000; ++seed) {
    InboundListener listener(Config{}, b.local, seeded_random(seed));
    OutboundHandshake out(Config{}, a.local, remote_of(b), std::nullopt, seeded_random(seed + 100000));
    out.start(now);
    auto token_request = only(out.take_outgoing());
    auto retry = only(listener.on_datagram(now, a.ep, token_request).replies);
    if (!reads_as_nat_type(retry, a)) continue;
    BOOST_TEST_MESSAGE("seed " << seed);
    auto r = route_from_pending_peer(out, now, b.ep, retry, a.local->intro_key, 2);
    BOOST_TEST((r == Route::outbound));
    BOOST_TEST(out.state() == OutboundHandshake::State::session_request_sent);
    BOOST_TEST(out.stats().retries == 1u);
    return;
  }
  BOOST_FAIL("no seed gave a Retry that reads as Peer Test / Hole Punch");
}

// What the pending outbound handshake does not own goes on, classified under our key.
BOOST_AUTO_TEST_CASE(peer_requests_and_junk_are_not_taken_by_the_outbound) {
  Node a = node_a(), b = node_b();
  const Now now{TimePoint{0}, kWall};
  OutboundHandshake a_out(Config{}, a.local, remote_of(b), std::nullopt, seeded_random(1));
  a_out.start(now);
  (void)a_out.take_outgoing();
  // B's own Token Request to A (crossed): for A's listener.
  OutboundHandshake b_out(Config{}, b.local, remote_of(a), std::nullopt, seeded_random(2));
  b_out.start(now);
  auto b_token_request = only(b_out.take_outgoing());
  auto r = route_from_pending_peer(a_out, now, b.ep, b_token_request, a.local->intro_key, 2);
  BOOST_TEST((r == Route::listener));
  BOOST_TEST(a_out.state() == OutboundHandshake::State::token_request_sent);
  BOOST_TEST(a_out.take_outgoing().empty());
  // B's Session Request with a token from A's listener: for A's listener as well.
  InboundListener a_listener(Config{}, a.local, seeded_random(3));
  auto token = a_listener.tokens().retry_token(b.ep, kWall);
  OutboundHandshake b_out2(Config{}, b.local, remote_of(a), token, seeded_random(4));
  b_out2.start(now);
  auto b_request = only(b_out2.take_outgoing());
  r = route_from_pending_peer(a_out, now, b.ep, b_request, a.local->intro_key, 2);
  BOOST_TEST((r == Route::listener));
  auto o = a_listener.on_datagram(now, b.ep, b_request);
  BOOST_TEST(o.handshake != nullptr);
  // Noise: not the outbound's, and not NAT traffic unless its long header is valid.
  Bytes junk(80, 0x5a);
  r = route_from_pending_peer(a_out, now, b.ep, junk, a.local->intro_key, 2);
  BOOST_TEST((r != Route::outbound));
  BOOST_TEST(a_out.stats().dropped_unexpected == 3u);
}

// Two routers dial each other at the same moment; each receives the other's first datagram
// while its own outbound handshake to that address is pending, so every datagram between them
// is first offered to an outbound machine. Both connections must complete, in every pairing
// of delivery orders (one side's traffic held back 0..3 rounds).
namespace {

struct Router {
  Node node;
  InboundListener listener;
  std::unique_ptr<OutboundHandshake> out;
  std::vector<std::unique_ptr<InboundHandshake>> inbound;
  std::optional<SessionContext> out_ctx;
  std::vector<SessionContext> in_ctx;
  size_t to_nat = 0;
  Router(Node n, uint64_t seed) : node(std::move(n)), listener(Config{}, node.local, seeded_random(seed)) {}
};

struct Crossed {
  Router a, b;
  const Now now{TimePoint{0}, kWall};
  std::deque<Bytes> a2b, b2a;
  uint64_t seed;
  explicit Crossed(uint64_t s) : a(node_a(), s), b(node_b(), s + 1), seed(s) {}

  void collect(Router& r, std::deque<Bytes>& q) {
    for (auto& d : r.out->take_outgoing()) q.push_back(std::move(d.bytes));
    if (r.out->state() == OutboundHandshake::State::established && !r.out_ctx)
      r.out_ctx = r.out->take_session();
    for (auto& in : r.inbound) {
      for (auto& d : in->take_outgoing()) q.push_back(std::move(d.bytes));
      if (in->state() == InboundHandshake::State::established)
        if (auto ctx = in->take_session()) {
          q.push_back(ack_of_confirmed(*ctx));
          r.in_ctx.push_back(std::move(*ctx));
        }
    }
  }

  // What the handshake actor does with a datagram that no session took.
  void receive(Router& r, const ssu2::Address& from, const Bytes& d, std::deque<Bytes>& replies) {
    auto id = wire::peek_dest_conn_id(d, r.node.local->intro_key);
    BOOST_REQUIRE(id.ok());
    for (auto& ctx : r.in_ctx)
      if (ctx.our_conn_id == *id) return;  // the inbound session has it
    if (r.out_ctx && r.out_ctx->our_conn_id == *id) return;
    for (auto& in : r.inbound)
      if (!in->done() && in->our_conn_id() == *id) {
        in->on_datagram(now, from, d);
        return collect(r, replies);
      }
    Route route = Route::listener;
    if (!r.out->done() && r.out->our_conn_id() == *id) {
      r.out->on_datagram(now, from, d);
      route = Route::outbound;
    } else if (!r.out->done()) {
      route = route_from_pending_peer(*r.out, now, from, d, r.node.local->intro_key, 2);
    } else {
      route = classify_unsolicited(d, r.node.local->intro_key, 2);
    }
    if (route == Route::nat) ++r.to_nat;
    if (route == Route::listener) {
      auto o = r.listener.on_datagram(now, from, d);
      for (auto& x : o.replies) replies.push_back(std::move(x.bytes));
      if (o.handshake) r.inbound.push_back(std::move(o.handshake));
    }
    collect(r, replies);
  }

  bool done() const { return a.out_ctx && b.out_ctx && !a.in_ctx.empty() && !b.in_ctx.empty(); }

  void run(int hold_b_rounds) {
    a.out = std::make_unique<OutboundHandshake>(Config{}, a.node.local, remote_of(b.node),
                                                std::nullopt, seeded_random(seed + 31));
    b.out = std::make_unique<OutboundHandshake>(Config{}, b.node.local, remote_of(a.node),
                                                std::nullopt, seeded_random(seed + 37));
    a.out->start(now);
    b.out->start(now);
    collect(a, a2b);
    collect(b, b2a);
    for (int round = 0; round < 50 && !done(); ++round) {
      auto to_b = std::exchange(a2b, {});
      for (auto& d : to_b) receive(b, a.node.ep, d, b2a);
      if (round < hold_b_rounds) continue;  // B's datagrams to A wait in b2a
      auto to_a = std::exchange(b2a, {});
      for (auto& d : to_a) receive(a, b.node.ep, d, a2b);
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(crossed_connect_completes_in_every_delivery_order) {
  for (int hold = 0; hold < 4; ++hold) {
    BOOST_TEST_CONTEXT("B held back " << hold << " rounds") {
      Crossed c(uint64_t(40 + hold));
      c.run(hold);
      BOOST_TEST(c.a.out_ctx.has_value());
      BOOST_TEST(c.b.out_ctx.has_value());
      BOOST_TEST(c.a.in_ctx.size() == 1u);
      BOOST_TEST(c.b.in_ctx.size() == 1u);
      BOOST_TEST(c.a.to_nat == 0u);
      BOOST_TEST(c.b.to_nat == 0u);
      // Both sides took a crossed Token Request past their pending outbound handshake.
      BOOST_TEST(c.a.listener.stats().token_requests == 1u);
      BOOST_TEST(c.b.listener.stats().token_requests == 1u);
      BOOST_TEST(c.a.listener.stats().accepted == 1u);
      BOOST_TEST(c.b.listener.stats().accepted == 1u);
    }
  }
}
