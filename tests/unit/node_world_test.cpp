#define BOOST_TEST_MODULE node_world
#include <boost/test/unit_test.hpp>

// Two and three whole nodes in virtual time (tests/unit/node_world.hpp): the real actors,
// keys and cryptography over an in-memory network, under CAF's test coordinator. Each case
// covers protocol minutes in well under a second of real time, and the same steps every run.

#include "tests/unit/node_world.hpp"

using namespace ssu2d;
using namespace node_world;
using namespace std::chrono_literals;


BOOST_AUTO_TEST_CASE(handshake_then_data_both_ways) {
  World w;
  auto& a = w.add_node("198.18.0.1", 9001);
  auto& b = w.add_node("198.18.0.2", 9002);
  std::string err;
  auto h = connect(w, a, b, &err);
  BOOST_REQUIRE_MESSAGE(h, "connect: " << err);
  BOOST_TEST(*h == b.hash);
  auto st = w.ask<handshake_stats>(a.actors.handshake, nullptr, handshake_stats_atom::value);
  BOOST_REQUIRE(st);
  BOOST_TEST(st->retries_received == 1u);  // no token yet: Token Request, Retry
  BOOST_TEST(st->established_outbound == 1u);
  BOOST_TEST(sessions(w, a) == 1u);
  BOOST_TEST(sessions(w, b) == 1u);

  exchange_both_ways(w, a, b, 60, 1);
  BOOST_TEST(w.net().counters().dropped == 0u);
  BOOST_TEST_MESSAGE("virtual time " << std::chrono::duration_cast<std::chrono::milliseconds>(w.elapsed()).count()
                     << " ms, datagrams " << w.net().counters().delivered);
}

// A fifth of all datagrams lost, both ways, from the first handshake message on: the
// handshake retransmits, every message still arrives exactly once, and every sender hears
// that it did.
BOOST_AUTO_TEST_CASE(lossy_link_delivers_everything_once) {
  World w;
  auto& a = w.add_node("198.18.0.1", 9001);
  auto& b = w.add_node("198.18.0.2", 9002);
  auto rng = std::make_shared<std::mt19937>(7);
  w.net().set_drop([rng](const ssu2::Address&, const ssu2::Address&, std::span<const uint8_t>) {
    return (*rng)() % 5 == 0;
  });
  std::string err;
  BOOST_REQUIRE_MESSAGE(connect(w, a, b, &err), "connect: " << err);
  exchange_both_ways(w, a, b, 80, 3);
  BOOST_TEST(w.net().counters().dropped > 100u);
  auto sa = session_with(w, a, b);
  BOOST_REQUIRE(sa);
  BOOST_TEST(sa->retransmissions > 0u);
  BOOST_TEST_MESSAGE("lossy: virtual " << std::chrono::duration_cast<std::chrono::milliseconds>(w.elapsed()).count()
                     << " ms, dropped " << w.net().counters().dropped << " of "
                     << w.net().counters().delivered + w.net().counters().dropped);
}

// A's NAT rebinds (new source address and port) in the middle of a session: B validates the
// new path and answers there; nothing is lost either way.
BOOST_AUTO_TEST_CASE(path_change_keeps_the_session) {
  World w;
  auto& a = w.add_node("198.18.0.1", 9001);
  auto& b = w.add_node("198.18.0.2", 9002);
  BOOST_REQUIRE(connect(w, a, b));
  BOOST_TEST(send_all(w, a, b, 100, 10, 5).delivered == 10u);
  const auto moved = *ssu2::Address::parse("198.18.0.11", 9101);
  w.net().rebind(a.address(), moved);
  exchange_both_ways(w, a, b, 30, 6);
  auto sb = session_with(w, b, a);
  BOOST_REQUIRE(sb);
  BOOST_TEST(sb->remote == moved.to_string());
  BOOST_TEST(sessions(w, a) == 1u);
  BOOST_TEST(sessions(w, b) == 1u);
}

// A session that carries a message now and then stays up for as long as it does (it must
// not end in "idle timeout" while in use); left idle, both ends close it after the idle
// timeout, and a new connect works. (Automatic peer tests are off: with no third router
// they never settle, and their retest every minute is traffic that keeps the session up.)
BOOST_AUTO_TEST_CASE(live_session_stays_idle_session_ends) {
  World w;
  auto quiet = [](NodeConfig& c) { c.nat.auto_peer_test = false; };
  auto& a = w.add_node("198.18.0.1", 9001, quiet);
  auto& b = w.add_node("198.18.0.2", 9002, quiet);
  BOOST_REQUIRE(connect(w, a, b));
  const auto start = w.elapsed();
  for (uint32_t i = 0; i < 15; ++i) {  // one message a minute, alternating directions
    w.run_for(60s);
    auto r = i % 2 ? send_all(w, b, a, 100 + i, 1, i) : send_all(w, a, b, 100 + i, 1, i);
    BOOST_TEST(r.delivered == 1u);
  }
  BOOST_TEST(w.elapsed() - start >= 15min);
  BOOST_TEST(sessions(w, a) == 1u);
  BOOST_TEST(sessions(w, b) == 1u);
  auto st = w.ask<handshake_stats>(a.actors.handshake, nullptr, handshake_stats_atom::value);
  BOOST_TEST(st->established_outbound == 1u);  // the same session all along

  const auto idle_from = w.elapsed();
  BOOST_TEST(w.run_until([&] { return sessions(w, a) == 0 && sessions(w, b) == 0; }, 10min));
  const auto idle_for = w.elapsed() - idle_from;
  BOOST_TEST(idle_for >= 330s);  // the idle timeout, not earlier
  BOOST_TEST(idle_for < 400s);
  BOOST_REQUIRE(connect(w, a, b));
  BOOST_TEST(send_all(w, a, b, 900, 3, 9).delivered == 3u);
}

// B ends the session: A hears the Termination and closes too; a message A routes afterwards
// reconnects on demand (the manager knows B's RouterInfo) and arrives.
BOOST_AUTO_TEST_CASE(termination_then_reconnect_on_demand) {
  World w;
  auto& a = w.add_node("198.18.0.1", 9001);
  auto& b = w.add_node("198.18.0.2", 9002);
  BOOST_REQUIRE(connect(w, a, b));
  auto ok = w.ask<bool>(b.actors.manager, nullptr, disconnect_atom::value, a.hash);
  BOOST_TEST(ok.value_or(false));
  BOOST_TEST(w.run_until([&] { return sessions(w, a) == 0 && sessions(w, b) == 0; }, 30s));
  auto again = send_all(w, a, b, 2000, 5, 10);
  BOOST_TEST(again.delivered == 5u);
  BOOST_TEST(received_from(b, a).size() == 5u);
  auto st = w.ask<handshake_stats>(a.actors.handshake, nullptr, handshake_stats_atom::value);
  BOOST_TEST(st->established_outbound == 2u);
  BOOST_TEST(st->outbound_with_token == 1u);  // the second handshake used B's NewToken
}

// B closes its session with A and dials A again, but A heard neither B's ACKs of its last
// messages nor B's Termination: A's new inbound session replaces its old one (spec
// "Multiple Sessions") and takes over every message not yet ACKed, sent or not; B's
// manager drops the copies it already has. Every sender hears "delivered"; B's subsystems
// get each message once. (Before, the sent ones failed with the replaced session:
// interop_i2pd_robust's idle pair lost a send that way when i2pd's dial crossed ours.)
BOOST_AUTO_TEST_CASE(replaced_session_hands_over_unacknowledged_messages) {
  World w;
  auto& a = w.add_node("198.18.0.1", 9001);
  auto& b = w.add_node("198.18.0.2", 9002);
  BOOST_REQUIRE(connect(w, a, b));
  // B's small datagrams to A (ACK-only packets, the Termination) are lost until B has
  // closed its session.
  const auto b_addr = b.address();
  auto lose_small = std::make_shared<bool>(true);
  w.net().set_drop([=](const ssu2::Address& from, const ssu2::Address&, std::span<const uint8_t> bytes) {
    return *lose_small && from == b_addr && bytes.size() < 100;
  });
  auto sent = route_all(w, a, b, 5000, 30, 11, 3000);
  w.run();  // A sends its window; B receives and ACKs in vain (no time passes: no resend)
  const size_t early = received_from(b, a).size();
  BOOST_TEST(early > 0u);
  BOOST_TEST(sent->delivered == 0u);
  BOOST_TEST(w.ask<bool>(b.actors.manager, nullptr, disconnect_atom::value, a.hash).value_or(false));
  // A millisecond passes (the endpoint tells a replacement from a crossed connect by which
  // session is older), well within A's RTO.
  w.run_for(1ms);
  BOOST_TEST(sessions(w, b) == 0u);
  BOOST_TEST(sessions(w, a) == 1u);
  BOOST_TEST(sent->delivered == 0u);
  *lose_small = false;
  std::string err;
  BOOST_REQUIRE_MESSAGE(connect(w, b, a, &err), "B dials A: " << err);
  BOOST_TEST(a.metric("ssu2_sessions_closed_total{reason=\"replaced by new session\"}") == 1u);
  BOOST_TEST(w.run_until([&] { return sent->delivered + sent->failed == 30; }, 60s));
  BOOST_TEST(sent->delivered == 30u);
  BOOST_TEST(sent->failed == 0u);
  auto got = received_from(b, a);  // checks: none twice
  BOOST_TEST(got.size() == 30u);
  for (auto& [id, bytes] : sent->by_id) BOOST_TEST((got.count(id) && got[id] == bytes));
  // The copies of what B had received over the old session, dropped by its manager.
  BOOST_TEST(b.metric("ssu2_i2np_dropped_total{reason=\"duplicate across sessions\"}") >= early);
  BOOST_TEST(sessions(w, a) == 1u);
  BOOST_TEST(sessions(w, b) == 1u);
}

// The manager's reroute (a message an ending session did not deliver): over the peer's
// current session, answered by that session; with no session to the peer it fails at once
// (not delivered: session closed) and nothing connects.
BOOST_AUTO_TEST_CASE(reroute_uses_the_current_session_and_never_connects) {
  World w;
  auto& a = w.add_node("198.18.0.1", 9001);
  auto& b = w.add_node("198.18.0.2", 9002);
  auto& c = w.add_node("198.18.0.3", 9003);
  BOOST_REQUIRE(connect(w, a, b));
  std::mt19937 rng(5);
  auto bytes = test_support::i2np_data_message(4242, 2000, unix_now_s(w.sched().clock()), rng);
  std::string err;
  auto r = w.ask<delivery_report>(a.actors.manager, &err, reroute_atom::value, i2np_message{b.hash, bytes},
                                  confirm_atom::value);
  BOOST_REQUIRE_MESSAGE(r, "reroute: " << err);
  BOOST_TEST(r->msg_id == 4242u);
  BOOST_TEST((received_from(b, a).count(4242) == 1));
  BOOST_TEST(a.metric("ssu2_i2np_rerouted_total{outcome=\"rerouted\"}") == 1u);
  // C's RouterInfo is known to A (a route would connect): a reroute does not.
  BOOST_REQUIRE(w.ask<router_hash>(a.actors.manager, nullptr, connect_atom::value, c.router_info()));
  BOOST_TEST(w.ask<bool>(a.actors.manager, nullptr, disconnect_atom::value, c.hash).value_or(false));
  BOOST_TEST(w.run_until([&] { return !session_with(w, a, c); }, 5s));
  auto f = w.ask<delivery_report>(a.actors.manager, &err, reroute_atom::value, i2np_message{c.hash, bytes},
                                  confirm_atom::value);
  BOOST_TEST(!f);
  BOOST_TEST(err.find("not_delivered") != std::string::npos, err);
  BOOST_TEST(a.metric("ssu2_i2np_rerouted_total{outcome=\"failed\"}") == 1u);
  w.run_for(1s);
  BOOST_TEST(!session_with(w, a, c));
}
