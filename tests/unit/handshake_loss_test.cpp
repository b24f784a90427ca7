#define BOOST_TEST_MODULE handshake_loss
#include <boost/test/unit_test.hpp>

#include "handshake_fixture.hpp"
#include "transport/handshake/packet.hpp"
#include "transport/handshake/payload.hpp"

using namespace hs_test;

namespace {
Node alice_node() { return make_node(ssu2::Address::v4(10, 0, 0, 1, 11111), {}, 101); }
Node bob_node() { return make_node(ssu2::Address::v4(10, 0, 0, 2, 22222), {}, 202); }

// A valid token for Alice, as if from an earlier session's New Token block.
Token token_for(Link& link) { return link.listener.tokens().issue_new_token(link.alice.ep, link.bwall()); }
}  // namespace

BOOST_AUTO_TEST_CASE(lost_token_request_is_resent_after_3s) {
  Link link(Config{}, alice_node(), bob_node());
  link.drop = [](bool a2b, size_t n, const Bytes&) { return a2b && n == 0; };
  link.connect();
  BOOST_TEST(link.out->state() == OutboundHandshake::State::token_request_sent);
  BOOST_TEST((link.out->next_deadline() == std::optional<TimePoint>(TimePoint{Millis{3000}})));
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  BOOST_TEST(link.out->stats().retransmissions == 1u);
}

BOOST_AUTO_TEST_CASE(lost_session_request_is_resent_identically) {
  Link link(Config{}, alice_node(), bob_node());
  Bytes dropped;
  link.drop = [&](bool a2b, size_t n, const Bytes& d) {
    if (a2b && n == 0) { dropped = d; return true; }
    return false;
  };
  link.connect(token_for(link));
  BOOST_TEST(link.out->state() == OutboundHandshake::State::session_request_sent);
  BOOST_TEST((link.out->next_deadline() == std::optional<TimePoint>(TimePoint{Millis{1250}})));
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  BOOST_TEST(link.out->stats().retransmissions == 1u);
  BOOST_REQUIRE(!link.log_a2b.empty());
  BOOST_TEST((link.log_a2b[0] == dropped));  // same packet number, same ephemeral key, same bytes
  BOOST_TEST(link.now == TimePoint{Millis{1250}});
}

BOOST_AUTO_TEST_CASE(session_request_backoff_doubles) {
  Link link(Config{}, alice_node(), bob_node());
  std::vector<TimePoint> sent_at;
  link.drop = [&](bool a2b, size_t, const Bytes&) {
    if (a2b) sent_at.push_back(link.now);
    return a2b && sent_at.size() <= 3;
  };
  link.connect(token_for(link));
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  BOOST_REQUIRE(sent_at.size() >= 4u);
  // 1.25, 2.5 and 5 s apart (spec "Handshake Retransmission").
  BOOST_TEST(sent_at[0] == TimePoint{Millis{0}});
  BOOST_TEST(sent_at[1] == TimePoint{Millis{1250}});
  BOOST_TEST(sent_at[2] == TimePoint{Millis{3750}});
  BOOST_TEST(sent_at[3] == TimePoint{Millis{8750}});
}

BOOST_AUTO_TEST_CASE(lost_session_created_is_resent) {
  Link link(Config{}, alice_node(), bob_node());
  link.drop = [](bool a2b, size_t n, const Bytes&) { return !a2b && n == 0; };
  link.connect(token_for(link));
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  // Bob's own timer (1 s) resends Session Created before Alice resends Session Request.
  BOOST_TEST(link.in->stats().retransmissions >= 1u);
  BOOST_TEST(link.now == TimePoint{Millis{1000}});
}

BOOST_AUTO_TEST_CASE(duplicate_session_request_triggers_session_created_resend) {
  Config bob_cfg;
  bob_cfg.session_created_resend = Millis{5000};  // make Alice's resend come first
  Link link(Config{}, bob_cfg, alice_node(), bob_node());
  link.drop = [](bool a2b, size_t n, const Bytes&) { return !a2b && n == 0; };
  link.connect(token_for(link));
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  BOOST_TEST(link.in->stats().duplicates == 1u);
  BOOST_TEST(link.listener.stats().accepted == 1u);  // the duplicate did not reach the listener
  BOOST_TEST(link.now == TimePoint{Millis{1250}});
}

BOOST_AUTO_TEST_CASE(lost_session_confirmed_is_resent_on_duplicate_session_created) {
  Link link(Config{}, alice_node(), bob_node());
  link.drop = [](bool a2b, size_t n, const Bytes&) { return a2b && n == 1; };
  link.connect(token_for(link));
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  BOOST_TEST(link.out->stats().duplicates == 1u);  // Bob's resent Session Created
  BOOST_TEST(link.now == TimePoint{Millis{1000}});
}

BOOST_AUTO_TEST_CASE(lost_ack_makes_alice_resend_session_confirmed) {
  Link link(Config{}, alice_node(), bob_node());
  link.drop = [](bool a2b, size_t n, const Bytes&) { return !a2b && n == 1; };  // Bob's first Data
  link.connect(token_for(link));
  link.run();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
  BOOST_TEST(link.confirmed_seen_by_session == 1u);
  BOOST_TEST(link.out->stats().retransmissions == 1u);
  BOOST_TEST(link.now == TimePoint{Millis{1250}});
}

BOOST_AUTO_TEST_CASE(no_answer_times_out) {
  Link link(Config{}, alice_node(), bob_node());
  size_t sent = 0;
  link.drop = [&](bool a2b, size_t, const Bytes&) { sent += a2b; return true; };
  link.connect(token_for(link));
  link.run(Millis{60000});
  BOOST_TEST(link.out->state() == OutboundHandshake::State::failed);
  BOOST_REQUIRE(link.out->failed().has_value());
  BOOST_TEST(link.out->failed()->reason == Failure::timeout);
  BOOST_TEST(link.now == TimePoint{Millis{20000}});
  BOOST_TEST(sent == 5u);  // 0, 1.25, 3.75, 8.75, 18.75 s
  BOOST_TEST(!link.out->next_deadline().has_value());
  BOOST_TEST(!link.out->take_session().has_value());
}

BOOST_AUTO_TEST_CASE(token_request_without_answer_times_out) {
  Link link(Config{}, alice_node(), bob_node());
  size_t sent = 0;
  link.drop = [&](bool a2b, size_t, const Bytes&) { sent += a2b; return true; };
  link.connect();
  link.run(Millis{60000});
  BOOST_REQUIRE(link.out->failed().has_value());
  BOOST_TEST(link.out->failed()->reason == Failure::timeout);
  BOOST_TEST(sent == 3u);  // 0, 3, 9 s
}

BOOST_AUTO_TEST_CASE(bob_times_out_without_session_confirmed) {
  Link link(Config{}, alice_node(), bob_node());
  size_t created = 0;
  link.drop = [&](bool a2b, size_t n, const Bytes&) {
    if (!a2b) ++created;
    return a2b && n >= 1;  // every Session Confirmed (and Session Request resend) lost
  };
  link.connect(token_for(link));
  BOOST_REQUIRE(link.in);
  // Drive Bob alone until his deadline.
  while (!link.in->done()) {
    auto next = link.in->next_deadline();
    BOOST_REQUIRE(next.has_value());
    link.now = *next;
    link.in->on_timer(link.bob_now());
    link.after_bob();
    link.pump();
  }
  BOOST_REQUIRE(link.in->failed().has_value());
  BOOST_TEST(link.in->failed()->reason == Failure::timeout);
  BOOST_TEST(link.now == TimePoint{Millis{12000}});
  BOOST_TEST(created == 4u);  // 0, 1, 3, 7 s
  BOOST_TEST(!link.bob_ctx.has_value());
}

BOOST_AUTO_TEST_CASE(duplicated_retry_does_not_restart_the_request) {
  Link link(Config{}, alice_node(), bob_node());
  Bytes retry;
  link.drop = [&](bool a2b, size_t n, const Bytes& d) {
    if (!a2b && n == 0) { retry = d; return true; }
    return false;
  };
  link.connect();
  BOOST_REQUIRE(!retry.empty());
  link.out->on_datagram(link.alice_now(), link.bob.ep, retry);
  auto first = link.out->take_outgoing();
  BOOST_REQUIRE_EQUAL(first.size(), 1u);  // the Session Request
  link.out->on_datagram(link.alice_now(), link.bob.ep, retry);
  BOOST_TEST(link.out->take_outgoing().empty());
  BOOST_TEST(link.out->stats().duplicates == 1u);
  BOOST_TEST(link.out->stats().retries == 1u);
  link.drop = nullptr;
  link.to_bob(first[0].bytes);
  link.pump();
  BOOST_REQUIRE(link.alice_ctx && link.bob_ctx);
}

// Issue "interop robustness", point 3 (a connect right after a disconnect sometimes failed
// against i2pd 2.45.1: it kept resending Session Created, we kept resending Session Request).
// One way in: a late Retry with another token reaches Alice after Bob accepted her Session
// Request (Bob replaced the address's token meanwhile). She sent a new request with new keys,
// could no longer open Bob's Session Created (made for the first request), and both sides
// resent until the 20 s timeout. Alice now keeps the keys of a request a Retry replaced, and
// Bob's Session Created for it completes the handshake.
BOOST_AUTO_TEST_CASE(late_retry_with_new_token_does_not_orphan_accepted_request) {
  Link link(Config{}, alice_node(), bob_node());
  Bytes created;
  link.drop = [&](bool a2b, size_t n, const Bytes& d) {
    if (!a2b && n == 0) {
      created = d;  // Bob's Session Created for the first request: held back
      return true;
    }
    return false;
  };
  link.connect(token_for(link));
  BOOST_REQUIRE(!created.empty());
  BOOST_REQUIRE(link.in != nullptr);  // Bob accepted the first request
  // The late Retry with another token (what i2pd sends for a Token Request retransmission).
  packet::LongHeader h;
  h.dest_conn_id = link.out->our_conn_id();
  h.src_conn_id = link.out->their_conn_id();
  h.packet_number = 77;
  h.type = packet::type_byte(packet::MessageType::Retry);
  h.net_id = 2;
  h.token = 0x1234567890abcdefull;
  Bytes body;
  payload::date_time(body, link.bwall());
  payload::address(body, link.alice.ep);
  payload::padding(body, 8);
  auto retry = packet::seal_symmetric(h, link.bob.local->intro_key, body);
  BOOST_REQUIRE(retry.ok());
  BOOST_TEST(link.out->on_datagram(link.alice_now(), link.bob.ep, *retry));
  link.after_alice();
  link.pump();  // the second request reaches Bob's pending handshake, which drops it
  BOOST_TEST(link.out->state() == OutboundHandshake::State::session_request_sent);
  link.drop = nullptr;
  link.to_alice(created);
  link.pump();
  BOOST_REQUIRE(link.alice_ctx.has_value());
  BOOST_REQUIRE(link.bob_ctx.has_value());
  BOOST_TEST(to_ms(link.now) == 0);  // no timer had to fire
  // Both sides agree on the data-phase keys.
  auto pkt = make_data_packet(*link.alice_ctx, 1, {wire::PaddingBlock{10}});
  BOOST_TEST(open_data_packet(*link.bob_ctx, pkt).has_value());
}
