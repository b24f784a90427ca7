#define BOOST_TEST_MODULE handshake_flow
#include <boost/test/unit_test.hpp>

#include "handshake_fixture.hpp"

using namespace hs_test;

namespace {
Node alice_node(NodeOptions o = {}) { return make_node(ssu2::Address::v4(10, 0, 0, 1, 11111), o, 101); }
Node bob_node(NodeOptions o = {}) { return make_node(ssu2::Address::v4(10, 0, 0, 2, 22222), o, 202); }

void check_mirror(const SessionContext& a, const SessionContext& b) {
  BOOST_TEST(a.outbound);
  BOOST_TEST(!b.outbound);
  BOOST_TEST((a.our_conn_id == b.their_conn_id));
  BOOST_TEST((a.their_conn_id == b.our_conn_id));
  BOOST_TEST(a.our_conn_id != a.their_conn_id);
  BOOST_TEST((a.send.data == b.receive.data));
  BOOST_TEST((a.send.header2 == b.receive.header2));
  BOOST_TEST((a.receive.data == b.send.data));
  BOOST_TEST((a.receive.header2 == b.send.header2));
  BOOST_TEST(!(a.send.data == a.receive.data));
  BOOST_TEST((a.our_intro_key == b.peer_intro_key));
  BOOST_TEST((a.peer_intro_key == b.our_intro_key));
  BOOST_TEST(a.next_send_packet_number == 1u);
  BOOST_TEST(b.next_receive_packet_number == 1u);
  BOOST_TEST(b.next_send_packet_number == 0u);
  BOOST_TEST(a.max_payload == 1500u - 60u);
}
}  // namespace

BOOST_AUTO_TEST_CASE(full_handshake_with_token_request_and_retry) {
  Link link(Config{}, alice_node(), bob_node());
  link.connect();
  link.run();
  BOOST_REQUIRE(link.alice_ctx.has_value());
  BOOST_REQUIRE(link.bob_ctx.has_value());
  // TokenRequest, SessionRequest, SessionConfirmed / Retry, SessionCreated, Data.
  BOOST_TEST(link.log_a2b.size() == 3u);
  BOOST_TEST(link.log_b2a.size() == 3u);
  BOOST_TEST(link.listener.stats().token_requests == 1u);
  BOOST_TEST(link.listener.stats().accepted == 1u);
  BOOST_TEST(link.out->stats().retries == 1u);
  check_mirror(*link.alice_ctx, *link.bob_ctx);
  // Bob learned and verified Alice's RouterInfo and static key.
  BOOST_TEST((link.bob_ctx->peer_hash == link.alice.ri.hash()));
  BOOST_TEST((link.bob_ctx->peer_static_key == link.alice.keys.x25519_pub));
  BOOST_REQUIRE(link.bob_ctx->peer_router_info);
  BOOST_TEST(link.bob_ctx->peer_router_info->verify());
  BOOST_TEST((link.alice_ctx->peer_hash == link.bob.ri.hash()));
  // Alice saw her address in Session Created.
  BOOST_REQUIRE(link.alice_ctx->our_observed_address.has_value());
  BOOST_TEST((*link.alice_ctx->our_observed_address == link.alice.ep));
  // Alice's session gets Bob's confirming Data packet and can decrypt it: the ACK of 0 and
  // the New Token that Bob issued.
  BOOST_REQUIRE_EQUAL(link.alice_ctx->first_packets.size(), 1u);
  auto blocks = open_data_packet(*link.alice_ctx, link.alice_ctx->first_packets[0]);
  BOOST_REQUIRE(blocks.has_value());
  bool saw_token = false;
  for (auto& b : *blocks)
    if (auto* t = std::get_if<wire::NewTokenBlock>(&b)) {
      saw_token = true;
      BOOST_TEST(t->token == link.bob_ctx->token_to_send->value);
    }
  BOOST_TEST(saw_token);
  // And the other direction: a packet Alice sends decrypts on Bob's side.
  auto pkt = make_data_packet(*link.alice_ctx, 1, {wire::PaddingBlock{10}});
  BOOST_TEST(open_data_packet(*link.bob_ctx, pkt).has_value());
  BOOST_TEST(!open_data_packet(*link.alice_ctx, pkt).has_value());
}

BOOST_AUTO_TEST_CASE(new_token_skips_retry_next_time) {
  Link link(Config{}, alice_node(), bob_node());
  link.connect();
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  // Alice's session stores the token from Bob's New Token block in her cache.
  TokenCache cache;
  auto blocks = open_data_packet(*link.alice_ctx, link.alice_ctx->first_packets[0]);
  BOOST_REQUIRE(blocks.has_value());
  for (auto& b : *blocks)
    if (auto* t = std::get_if<wire::NewTokenBlock>(&b))
      cache.store(link.bob.ri.hash(), link.bob.ep, Token{t->token, t->expires});
  BOOST_REQUIRE_EQUAL(cache.size(), 1u);

  // Second connection with the cached token: SessionRequest first, no Retry.
  link.alice_ctx.reset();
  link.bob_ctx.reset();
  link.in.reset();
  link.log_a2b.clear();
  link.log_b2a.clear();
  link.now += Millis{5000};
  auto token = cache.take(link.bob.ri.hash(), link.bob.ep, link.awall());
  BOOST_REQUIRE(token.has_value());
  BOOST_TEST(cache.size() == 0u);  // single use
  link.connect(token, 99);
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  BOOST_TEST(link.log_a2b.size() == 2u);  // SessionRequest, SessionConfirmed
  BOOST_TEST(link.log_b2a.size() == 2u);  // SessionCreated, Data
  BOOST_TEST(link.out->stats().retries == 0u);
  BOOST_TEST(link.listener.stats().token_requests == 1u);  // only the first connection's
  check_mirror(*link.alice_ctx, *link.bob_ctx);
}

BOOST_AUTO_TEST_CASE(stale_token_gets_retry_then_succeeds) {
  Link link(Config{}, alice_node(), bob_node());
  link.connect(Token{0x1234567890abcdefULL, kWall + 3600});
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  BOOST_TEST(link.listener.stats().bad_tokens == 1u);
  BOOST_TEST(link.out->stats().retries == 1u);
  // SessionRequest (bad token), SessionRequest, SessionConfirmed.
  BOOST_TEST(link.log_a2b.size() == 3u);
  check_mirror(*link.alice_ctx, *link.bob_ctx);
}

BOOST_AUTO_TEST_CASE(fragmented_session_confirmed_with_large_router_info) {
  NodeOptions big;
  big.filler_bytes = 2600;  // base64 text of random bytes: gzip cannot bring it under one MTU
  Link link(Config{}, make_node(ssu2::Address::v4(10, 0, 0, 1, 11111), big, 5), bob_node());
  BOOST_REQUIRE(link.alice.local->router_info.size() > 2500u);
  link.connect();
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  BOOST_TEST(link.out->session_confirmed_fragments() >= 2u);
  for (auto& d : link.log_a2b) BOOST_TEST(d.size() <= 1472u);
  BOOST_TEST((link.bob_ctx->peer_hash == link.alice.ri.hash()));
  check_mirror(*link.alice_ctx, *link.bob_ctx);
}

BOOST_AUTO_TEST_CASE(fragments_out_of_order_are_reassembled) {
  NodeOptions big;
  big.filler_bytes = 2600;
  Link link(Config{}, make_node(ssu2::Address::v4(10, 0, 0, 1, 11111), big, 5), bob_node());
  // Hold back Session Confirmed fragment 0 once (datagram index 2 = first fragment), so Bob
  // gets fragment 1 first, then the retransmitted fragment 0.
  link.drop = [](bool a2b, size_t n, const Bytes&) { return a2b && n == 2; };
  link.connect();
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  BOOST_TEST(link.out->stats().retransmissions >= 1u);
  check_mirror(*link.alice_ctx, *link.bob_ctx);
}

BOOST_AUTO_TEST_CASE(ipv6_peer_uses_ipv6_overheads) {
  ByteArray<16> a6{}, b6{};
  a6[0] = 0xfd; a6[15] = 1;
  b6[0] = 0xfd; b6[15] = 2;
  ssu2::Address ea; ea.ip = a6; ea.ip_len = 16; ea.port = 1000;
  ssu2::Address eb; eb.ip = b6; eb.ip_len = 16; eb.port = 2000;
  Link link(Config{}, make_node(ea, {}, 1), make_node(eb, {}, 2));
  link.connect();
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  BOOST_TEST(link.alice_ctx->max_payload == 1500u - 80u);
  BOOST_TEST(link.bob_ctx->max_payload == 1500u - 80u);
  BOOST_REQUIRE(link.alice_ctx->our_observed_address.has_value());
  BOOST_TEST((*link.alice_ctx->our_observed_address == ea));
}
