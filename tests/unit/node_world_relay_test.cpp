#define BOOST_TEST_MODULE node_world_relay
#include <boost/test/unit_test.hpp>

// Firewalled routers in virtual time (tests/unit/node_world.hpp): Charlie sits behind a
// restricted-cone NAT of the in-memory network (inbound only from addresses he sent to).
// Started like any node, he finds out by himself that he is firewalled (automatic peer tests
// with Bob, and Dave as the test's Charlie), gets a relay tag from Bob, republishes his
// RouterInfo with Bob as introducer and without a host; Alice, who has only that RouterInfo,
// reaches him through Bob (Relay Request, Relay Intro, Hole Punch, Session Request with the
// relay token) and they exchange I2NP both ways. Minutes of protocol in well under a second.

#include "tests/unit/node_world.hpp"

using namespace ssu2d;
using namespace node_world;
using namespace std::chrono_literals;

namespace {

nat_status status(World& w, WorldNode& n) {
  return w.ask<nat_status>(n.actors.nat, nullptr, nat_status_atom::value).value_or(nat_status{});
}

bool has_host(const std::vector<uint8_t>& ri_bytes) {
  auto ri = ssu2::i2p::RouterInfo::parse(ri_bytes);
  if (!ri) return true;
  for (const auto* a : ri->ssu2_addresses())
    if (a->host()) return true;
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(firewalled_router_is_reached_through_its_introducer) {
  World w;
  // Only Charlie tests himself: when Dave tested himself with Charlie as the test's Charlie,
  // Charlie's message 5 to Dave opened Charlie's NAT to Dave, as a real restricted-cone NAT
  // would, and Charlie's own tests then passed through that hole.
  auto no_tests = [](NodeConfig& c) { c.nat.auto_peer_test = false; };
  auto& bob = w.add_node("198.18.0.2", 9002, no_tests);
  auto& dave = w.add_node("198.18.0.4", 9004, no_tests);
  auto& charlie = w.add_node("198.18.0.3", 9003);
  auto& alice = w.add_node("198.18.0.1", 9001, no_tests);
  w.net().set_firewalled(charlie.address(), true);

  BOOST_REQUIRE(w.ask<router_hash>(dave.actors.manager, nullptr, connect_atom::value, bob.router_info()));
  BOOST_REQUIRE(w.ask<router_hash>(charlie.actors.manager, nullptr, connect_atom::value, bob.router_info()));

  // Charlie's own peer tests: Dave's message 5 never passes Charlie's NAT.
  const auto t0 = w.elapsed();
  BOOST_REQUIRE(w.run_until([&] { return status(w, charlie).reachability == "firewalled"; }, 5min));
  BOOST_TEST_MESSAGE("firewalled after " << std::chrono::duration_cast<std::chrono::seconds>(w.elapsed() - t0).count() << " s");
  BOOST_TEST(w.elapsed() - t0 <= 2min);  // issue 11: within 2 minutes of start
  BOOST_REQUIRE(w.run_until([&] { return !status(w, charlie).introducers_v4.empty(); }, 2min));
  const auto ri = charlie.router_info();
  BOOST_TEST(!has_host(ri));  // published without host, with Bob as introducer
  BOOST_TEST(status(w, bob).reachability != "firewalled");

  // Alice knows Bob, and only Charlie's RouterInfo.
  BOOST_REQUIRE(w.ask<router_hash>(alice.actors.manager, nullptr, connect_atom::value, bob.router_info()));
  std::string err;
  auto h = w.ask<router_hash>(alice.actors.manager, &err, connect_atom::value, ri);
  BOOST_REQUIRE_MESSAGE(h, "connect through the introducer: " << err);
  BOOST_TEST(*h == charlie.hash);
  BOOST_TEST(alice.metric("ssu2_introductions_total") == 1u);
  BOOST_TEST(alice.metric("ssu2_introductions_ready_total") == 1u);
  BOOST_TEST(alice.metric("ssu2_introductions_failed_total") == 0u);
  exchange_both_ways(w, alice, charlie, 100, 1);
  BOOST_TEST(w.net().counters().filtered > 0u);  // the NAT did refuse unsolicited packets
}

// Charlie publishes two introducers; the first in his list has gone silent (every datagram
// to or from it is lost). Alice, who knows both introducers' RouterInfos but has no session
// with either, fails to reach the first and is introduced by the second.
BOOST_AUTO_TEST_CASE(introduction_falls_back_to_the_next_introducer) {
  World w;
  auto no_tests = [](NodeConfig& c) { c.nat.auto_peer_test = false; };
  auto& bob1 = w.add_node("198.18.0.2", 9002, no_tests);
  auto& bob2 = w.add_node("198.18.0.5", 9005, no_tests);
  auto& dave = w.add_node("198.18.0.4", 9004, no_tests);
  auto& charlie = w.add_node("198.18.0.3", 9003);
  auto& alice = w.add_node("198.18.0.1", 9001, no_tests);
  w.net().set_firewalled(charlie.address(), true);
  for (auto* bob : {&bob1, &bob2}) {
    BOOST_REQUIRE(w.ask<router_hash>(dave.actors.manager, nullptr, connect_atom::value, bob->router_info()));
    BOOST_REQUIRE(w.ask<router_hash>(charlie.actors.manager, nullptr, connect_atom::value, bob->router_info()));
  }
  BOOST_REQUIRE(w.run_until([&] { return status(w, charlie).reachability == "firewalled"; }, 5min));
  BOOST_REQUIRE(w.run_until([&] { return status(w, charlie).introducers_v4.size() == 2; }, 2min));
  const auto ri_bytes = charlie.router_info();
  auto ri = ssu2::i2p::RouterInfo::parse(ri_bytes);
  BOOST_REQUIRE(ri && !ri->ssu2_addresses().empty());
  auto intros = ri->ssu2_addresses().front()->introducers();
  BOOST_REQUIRE(intros.size() == 2u);
  WorldNode& dead = intros[0].router_hash == bob1.hash.bytes ? bob1 : bob2;
  WorldNode& live = &dead == &bob1 ? bob2 : bob1;
  BOOST_REQUIRE(intros[1].router_hash == live.hash.bytes);

  const auto silent = dead.address();
  w.net().set_drop([silent](const ssu2::Address& from, const ssu2::Address& to, std::span<const uint8_t>) {
    return from == silent || to == silent;
  });
  for (auto* bob : {&bob1, &bob2})
    caf::anon_send(alice.actors.manager, router_info_atom::value, bob->router_info());
  std::string err;
  const auto asked = w.elapsed();
  auto h = w.ask<router_hash>(alice.actors.manager, &err, connect_atom::value, ri_bytes);
  BOOST_REQUIRE_MESSAGE(h, "connect through the second introducer: " << err);
  BOOST_TEST(*h == charlie.hash);
  BOOST_TEST(alice.metric("ssu2_introducer_fallbacks_total") == 1u);
  BOOST_TEST(w.elapsed() - asked >= 20s);  // the first introducer's connect bound
  BOOST_TEST(alice.metric("ssu2_introductions_total") == 1u);
  BOOST_TEST(alice.metric("ssu2_introductions_ready_total") == 1u);
  BOOST_TEST(!w.ask<session_info>(alice.actors.manager, nullptr, session_atom::value, dead.hash));
  BOOST_TEST(w.ask<session_info>(alice.actors.manager, nullptr, session_atom::value, live.hash).has_value());
  exchange_both_ways(w, alice, charlie, 20, 2);
}
