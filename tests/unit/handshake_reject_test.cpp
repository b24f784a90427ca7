#define BOOST_TEST_MODULE handshake_reject
#include <boost/test/unit_test.hpp>

#include "handshake_fixture.hpp"

using namespace hs_test;

namespace {
Node alice_node(NodeOptions o = {}) { return make_node(ssu2::Address::v4(10, 0, 0, 1, 11111), o, 101); }
Node bob_node(NodeOptions o = {}) { return make_node(ssu2::Address::v4(10, 0, 0, 2, 22222), o, 202); }
Token token_for(Link& link) { return link.listener.tokens().issue_new_token(link.alice.ep, link.bwall()); }

// Every prefix, and copies with one bit flipped at a spread of positions.
std::vector<Bytes> mutations(const Bytes& d) {
  std::vector<Bytes> out;
  for (size_t n = 0; n < d.size(); n += (n < 100 ? 1 : 37)) out.emplace_back(d.begin(), d.begin() + n);
  for (size_t i = 0; i < d.size(); i += (i < 96 ? 1 : 13)) {
    Bytes m = d;
    m[i] ^= uint8_t(1u << (i % 8));
    out.push_back(std::move(m));
  }
  Bytes longer = d;
  longer.push_back(0);
  out.push_back(std::move(longer));
  return out;
}

std::vector<Bytes> garbage(uint64_t seed) {
  auto rng = seeded_random(seed);
  std::vector<Bytes> out;
  for (size_t len : {0, 1, 15, 16, 39, 40, 55, 56, 63, 64, 87, 88, 100, 500, 1472, 1473, 3000}) {
    Bytes b(len);
    rng(MutByteSpan{b});
    out.push_back(std::move(b));
  }
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(listener_drops_garbage_silently) {
  auto bob = bob_node();
  InboundListener l(Config{}, bob.local, seeded_random(3));
  for (auto& g : garbage(42)) {
    auto o = l.on_datagram(Now{TimePoint{Millis{0}}, kWall}, ssu2::Address::v4(1, 2, 3, 4, 5), g);
    BOOST_TEST(o.replies.empty());
    BOOST_TEST(!o.handshake);
  }
  BOOST_TEST(l.stats().received == 17u);
  BOOST_TEST(l.stats().accepted == 0u);
  BOOST_TEST(l.stats().retries_sent == 0u);
}

BOOST_AUTO_TEST_CASE(corrupted_session_request_never_accepted) {
  Link link(Config{}, alice_node(), bob_node());
  Bytes request;
  link.drop = [&](bool a2b, size_t n, const Bytes& d) {
    if (a2b && n == 0) { request = d; return true; }
    return false;
  };
  link.connect(token_for(link));
  BOOST_REQUIRE(!request.empty());
  for (auto& m : mutations(request)) {
    auto o = link.listener.on_datagram(link.bob_now(), link.alice.ep, m);
    BOOST_TEST(!o.handshake);
  }
  BOOST_TEST(link.listener.stats().accepted == 0u);
}

BOOST_AUTO_TEST_CASE(corrupted_session_created_leaves_alice_intact) {
  Link link(Config{}, alice_node(), bob_node());
  Bytes created;
  link.drop = [&](bool a2b, size_t n, const Bytes& d) {
    if (!a2b && n == 0) { created = d; return true; }
    return false;
  };
  link.connect(token_for(link));
  BOOST_REQUIRE(!created.empty());
  for (auto& m : mutations(created)) link.out->on_datagram(link.alice_now(), link.bob.ep, m);
  for (auto& g : garbage(7)) link.out->on_datagram(link.alice_now(), link.bob.ep, g);
  BOOST_TEST(link.out->state() == OutboundHandshake::State::session_request_sent);
  BOOST_TEST(link.out->take_outgoing().empty());
  const auto& s = link.out->stats();
  BOOST_TEST(s.dropped_auth + s.dropped_malformed + s.dropped_unexpected == s.received);
  // The genuine message still completes the handshake.
  link.drop = nullptr;
  link.to_alice(created);
  link.pump();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
}

BOOST_AUTO_TEST_CASE(corrupted_session_confirmed_leaves_bob_intact) {
  Link link(Config{}, alice_node(), bob_node());
  Bytes confirmed;
  link.drop = [&](bool a2b, size_t n, const Bytes& d) {
    if (a2b && n == 1) { confirmed = d; return true; }
    return false;
  };
  link.connect(token_for(link));
  BOOST_REQUIRE(link.in);
  BOOST_REQUIRE(!confirmed.empty());
  for (auto& m : mutations(confirmed)) link.in->on_datagram(link.bob_now(), link.alice.ep, m);
  for (auto& g : garbage(8)) link.in->on_datagram(link.bob_now(), link.alice.ep, g);
  BOOST_TEST(link.in->state() == InboundHandshake::State::session_created_sent);
  BOOST_TEST(link.in->stats().dropped_auth > 0u);
  link.in->take_outgoing();
  link.drop = nullptr;
  link.to_bob(confirmed);
  link.pump();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
}

BOOST_AUTO_TEST_CASE(corrupted_retry_and_data_are_dropped) {
  Link link(Config{}, alice_node(), bob_node());
  Bytes retry, data;
  link.drop = [&](bool a2b, size_t n, const Bytes& d) {
    if (!a2b && n == 0) { retry = d; return true; }
    if (!a2b && n == 3) { data = d; return true; }  // n 1 is the Retry handed over below
    return false;
  };
  link.connect();
  BOOST_REQUIRE(!retry.empty());
  for (auto& m : mutations(retry)) link.out->on_datagram(link.alice_now(), link.bob.ep, m);
  BOOST_TEST(link.out->state() == OutboundHandshake::State::token_request_sent);
  BOOST_TEST(link.out->stats().retries == 0u);
  link.to_alice(retry);
  link.pump();
  BOOST_REQUIRE(!data.empty());
  BOOST_TEST(link.out->state() == OutboundHandshake::State::session_confirmed_sent);
  for (auto& m : mutations(data)) link.out->on_datagram(link.alice_now(), link.bob.ep, m);
  BOOST_TEST(link.out->state() == OutboundHandshake::State::session_confirmed_sent);
  link.out->on_datagram(link.alice_now(), link.bob.ep, data);
  BOOST_TEST(link.out->state() == OutboundHandshake::State::established);
}

BOOST_AUTO_TEST_CASE(datagrams_from_other_addresses_are_ignored) {
  Link link(Config{}, alice_node(), bob_node());
  Bytes created;
  link.drop = [&](bool a2b, size_t n, const Bytes& d) {
    if (!a2b && n == 0) { created = d; return true; }
    return false;
  };
  link.connect(token_for(link));
  link.out->on_datagram(link.alice_now(), ssu2::Address::v4(6, 6, 6, 6, 22222), created);
  BOOST_TEST(link.out->stats().dropped_wrong_source == 1u);
  BOOST_TEST(link.out->state() == OutboundHandshake::State::session_request_sent);
}

BOOST_AUTO_TEST_CASE(replayed_session_request_is_dropped) {
  Link link(Config{}, alice_node(), bob_node());
  link.connect(token_for(link));
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  const Bytes request = link.log_a2b.at(0);
  // Even with a fresh valid token for that address the ephemeral key was seen: drop, no reply.
  token_for(link);
  auto o = link.listener.on_datagram(Now{link.now + Millis{1000}, link.bwall()}, link.alice.ep, request);
  BOOST_TEST(!o.handshake);
  BOOST_TEST(o.replies.empty());
  BOOST_TEST(link.listener.stats().dropped_replay == 1u);
  BOOST_TEST(link.listener.replay_cache().replays() == 1u);
  // From another address too (the replay cache is keyed by X, not by address).
  auto o2 = link.listener.on_datagram(link.bob_now(), ssu2::Address::v4(9, 9, 9, 9, 9), request);
  BOOST_TEST(!o2.handshake);
  BOOST_TEST(link.listener.stats().dropped_replay == 2u);
}

BOOST_AUTO_TEST_CASE(token_is_bound_to_address_and_single_use) {
  Link link(Config{}, alice_node(), bob_node());
  Token t = token_for(link);
  // Alice's address is different from where the token was issued: Retry, not accepted.
  link.alice.ep = ssu2::Address::v4(10, 0, 0, 1, 11112);
  link.connect(t);
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  BOOST_TEST(link.listener.stats().bad_tokens == 1u);
  BOOST_TEST(link.out->stats().retries == 1u);
}

BOOST_AUTO_TEST_CASE(wrong_static_key_gets_no_answer) {
  Link link(Config{}, alice_node(), bob_node());
  auto remote = remote_of(link.bob);
  remote.static_key = crypto::x25519_generate().pub;
  link.out = std::make_unique<OutboundHandshake>(link.cfg, link.alice.local, remote,
                                                 token_for(link), seeded_random(5));
  link.out->start(link.alice_now());
  link.run();
  // Bob cannot decrypt any request: no Session Created ever. (The token is spent on the
  // first attempt, so Alice's resends get Retries until she gives up.)
  BOOST_TEST(link.listener.stats().dropped_auth >= 1u);
  BOOST_TEST(link.listener.stats().accepted == 0u);
  BOOST_TEST(!link.in);
  BOOST_REQUIRE(link.out->failed().has_value());
  BOOST_TEST(!link.alice_ctx.has_value());
}

BOOST_AUTO_TEST_CASE(wrong_intro_key_gets_no_answer) {
  Link link(Config{}, alice_node(), bob_node());
  auto remote = remote_of(link.bob);
  crypto::random_bytes(MutByteSpan{remote.intro_key.data(), 32});
  link.out = std::make_unique<OutboundHandshake>(link.cfg, link.alice.local, remote, std::nullopt, seeded_random(5));
  link.out->start(link.alice_now());
  link.run();
  BOOST_TEST(link.log_b2a.empty());  // probing resistance: no Retry to an undecryptable request
  BOOST_TEST(link.listener.stats().retries_sent == 0u);
  BOOST_TEST(link.out->failed()->reason == Failure::timeout);
}

// docs/DEFECTS.md defect 14. Guards: a SessionConfirmed whose static key differs from the RouterInfo's `s` is refused.
BOOST_AUTO_TEST_CASE(static_key_differing_from_router_info_is_rejected) {
  NodeOptions o;
  o.publish_other_static_key = true;
  Link link(Config{}, alice_node(o), bob_node());
  link.connect(token_for(link));
  link.run(Millis{30000});
  BOOST_REQUIRE(link.in);
  BOOST_REQUIRE(link.in->failed().has_value());
  BOOST_TEST(link.in->failed()->reason == Failure::static_key_mismatch);
  BOOST_TEST(!link.bob_ctx.has_value());
  BOOST_TEST(!link.alice_ctx.has_value());
  BOOST_TEST(link.out->failed()->reason == Failure::timeout);
}

BOOST_AUTO_TEST_CASE(router_info_with_bad_signature_is_rejected) {
  auto alice = alice_node();
  auto local = std::make_shared<LocalIdentity>(*alice.local);
  // Flip a byte inside the signed body (the router.version value).
  auto& ri = local->router_info;
  auto pos = std::search(ri.begin(), ri.end(), i2p::kRouterVersion.begin(), i2p::kRouterVersion.end());
  BOOST_REQUIRE(pos != ri.end());
  *pos ^= 0x01;
  alice.local = local;
  Link link(Config{}, alice, bob_node());
  link.connect(token_for(link));
  link.run(Millis{30000});
  BOOST_REQUIRE(link.in && link.in->failed());
  BOOST_TEST(link.in->failed()->reason == Failure::bad_router_info);
}

BOOST_AUTO_TEST_CASE(wrong_net_id_in_header_is_dropped) {
  Config alice_cfg;
  alice_cfg.net_id = 3;
  Link link(alice_cfg, Config{}, alice_node(), bob_node());
  link.connect();
  link.run();
  BOOST_TEST(link.listener.stats().dropped_wrong_net >= 1u);
  BOOST_TEST(link.log_b2a.empty());
  BOOST_TEST(link.out->failed()->reason == Failure::timeout);
}

BOOST_AUTO_TEST_CASE(wrong_net_id_in_router_info_is_rejected) {
  NodeOptions o;
  o.net_id = 3;
  Link link(Config{}, alice_node(o), bob_node());
  link.connect(token_for(link));
  link.run(Millis{30000});
  BOOST_REQUIRE(link.in && link.in->failed());
  BOOST_TEST(link.in->failed()->reason == Failure::wrong_net_id);
}

BOOST_AUTO_TEST_CASE(clock_skew_in_token_request_is_answered_with_termination) {
  Link link(Config{}, alice_node(), bob_node());
  link.alice_skew_s = 600;
  link.connect();
  link.run();
  BOOST_REQUIRE(link.out->failed().has_value());
  BOOST_TEST(link.out->failed()->reason == Failure::clock_skew);
  BOOST_REQUIRE(link.out->failed()->peer_reason.has_value());
  BOOST_TEST(int(*link.out->failed()->peer_reason) == int(wire::TerminationReason::ClockSkew));
  BOOST_TEST(link.listener.stats().clock_skew == 1u);
}

BOOST_AUTO_TEST_CASE(clock_skew_in_session_request_is_answered_with_termination) {
  Link link(Config{}, alice_node(), bob_node());
  link.alice_skew_s = -600;
  link.connect(token_for(link));
  link.run();
  BOOST_REQUIRE(link.out->failed().has_value());
  BOOST_TEST(link.out->failed()->reason == Failure::clock_skew);
  BOOST_TEST(link.listener.stats().clock_skew == 1u);
  BOOST_TEST(link.listener.stats().accepted == 0u);
}

BOOST_AUTO_TEST_CASE(alice_rejects_skewed_session_created) {
  Config bob_cfg;
  bob_cfg.max_clock_skew_s = 100000;  // Bob tolerates it, Alice does not
  Link link(Config{}, bob_cfg, alice_node(), bob_node());
  link.bob_skew_s = 3600;
  link.connect(token_for(link));
  link.run();
  BOOST_REQUIRE(link.out->failed().has_value());
  BOOST_TEST(link.out->failed()->reason == Failure::clock_skew);
  BOOST_TEST(!link.out->failed()->peer_reason.has_value());
}

BOOST_AUTO_TEST_CASE(router_info_published_in_the_future_is_rejected) {
  NodeOptions o;
  o.published_ms = (uint64_t(kWall) + 3600) * 1000;
  Link link(Config{}, alice_node(o), bob_node());
  link.connect(token_for(link));
  link.run(Millis{30000});
  BOOST_REQUIRE(link.in && link.in->failed());
  BOOST_TEST(link.in->failed()->reason == Failure::clock_skew);
}

BOOST_AUTO_TEST_CASE(policy_can_refuse_the_router) {
  Config bob_cfg;
  crypto::Hash32 refused{};
  bob_cfg.accept_router = [&](const i2p::RouterInfo& ri) {
    refused = ri.hash();
    return false;
  };
  auto alice = alice_node();
  Link link(Config{}, bob_cfg, alice, bob_node());
  link.connect(token_for(link));
  link.run(Millis{30000});
  BOOST_REQUIRE(link.in && link.in->failed());
  BOOST_TEST(link.in->failed()->reason == Failure::router_not_accepted);
  BOOST_TEST((refused == alice.ri.hash()));
}

BOOST_AUTO_TEST_CASE(connecting_to_ourselves_is_refused) {
  auto bob = bob_node();
  Node self = bob;
  self.ep = ssu2::Address::v4(10, 0, 0, 1, 11111);
  Link link(Config{}, self, bob);
  link.connect(token_for(link));
  link.run(Millis{30000});
  BOOST_REQUIRE(link.in && link.in->failed());
  BOOST_TEST(link.in->failed()->reason == Failure::router_not_accepted);
}
