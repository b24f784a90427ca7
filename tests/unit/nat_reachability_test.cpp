#define BOOST_TEST_MODULE nat_reachability
#include <boost/test/unit_test.hpp>

#include <ostream>

#include "transport/nat/reachability.hpp"
#include "transport/nat/reachability_set.hpp"

using namespace ssu2;
using namespace ssu2::nat;

namespace {

constexpr Millis kSec{1000};

ReachabilityConfig cfg() {
  ReachabilityConfig c;
  c.first_test = 5 * kSec;
  c.test_interval = 600 * kSec;
  c.retest_soon = 20 * kSec;
  c.confirmations = 2;
  c.address_quorum = 2;
  c.test_timeout = 10 * kSec;
  return c;
}

RouterHash peer(uint8_t n) {
  RouterHash h{};
  h[0] = n;
  return h;
}

ssu2::Address ep(uint8_t d, uint16_t port) { return ssu2::Address::v4(198, 18, 160, d, port); }

PeerTestDone done(Reachability r, ssu2::Address tested, std::optional<ssu2::Address> observed = {}) {
  PeerTestDone d;
  d.result = r;
  d.tested = tested;
  d.observed = observed;
  d.got4 = true;
  return d;
}

}  // namespace

namespace ssu2::nat {
std::ostream& operator<<(std::ostream& o, Reachability r) { return o << to_string(r); }
}  // namespace ssu2::nat

BOOST_AUTO_TEST_CASE(first_test_due_after_start_and_unknown_publishes_host) {
  ReachabilityMachine m(cfg(), 4, TimePoint{Millis{1000}}, ep(10, 9000));
  BOOST_TEST(m.state() == Reachability::Unknown);
  BOOST_REQUIRE(m.poll_timeout());
  BOOST_TEST(to_ms(*m.poll_timeout()) == 6000);
  BOOST_TEST(!m.test_due(TimePoint{Millis{5999}}));
  BOOST_TEST(m.test_due(TimePoint{Millis{6000}}));
  auto p = m.published();
  BOOST_TEST(p.publish_host);
  BOOST_TEST(p.address_caps == "BC");
  BOOST_TEST(p.router_cap == 0);
  BOOST_TEST(!m.republish());
  BOOST_TEST((*m.test_address() == ep(10, 9000)));
}

BOOST_AUTO_TEST_CASE(firewalled_after_two_consistent_results) {
  ReachabilityMachine m(cfg(), 4, TimePoint{Millis{0}}, ep(10, 9000));
  const ssu2::Address ext = ep(1, 40000);
  m.on_address_report(TimePoint{Millis{1000}}, peer(1), ext);
  m.on_address_report(TimePoint{Millis{1100}}, peer(2), ext);
  BOOST_REQUIRE(m.external());
  BOOST_TEST((*m.external() == ext));
  BOOST_TEST((*m.test_address() == ext));
  // A new external address makes a test due at once.
  BOOST_TEST(m.test_due(TimePoint{Millis{1100}}));
  m.on_test_started(TimePoint{Millis{1100}});
  BOOST_TEST(to_ms(*m.poll_timeout()) == 21100);

  m.on_peer_test(TimePoint{Millis{3000}}, done(Reachability::Firewalled, ext, ext));
  BOOST_TEST(m.state() == Reachability::Unknown);  // hysteresis: one result is not enough
  BOOST_TEST(!m.republish());
  BOOST_TEST(to_ms(*m.poll_timeout()) == 23000);   // confirm soon
  m.on_peer_test(TimePoint{Millis{23000}}, done(Reachability::Firewalled, ext, ext));
  BOOST_TEST(m.state() == Reachability::Firewalled);
  BOOST_TEST(m.take_republish());
  BOOST_TEST(!m.republish());
  auto p = m.published();
  BOOST_TEST(!p.publish_host);
  BOOST_TEST(p.address_caps == "4");
  BOOST_TEST(p.router_cap == 'U');
  BOOST_TEST(combined_router_cap(&m, nullptr) == 'U');
  // Settled: the next test after the long interval.
  BOOST_TEST(to_ms(*m.poll_timeout()) == 623000);
  BOOST_TEST(m.history().size() == 2u);
}

BOOST_AUTO_TEST_CASE(uninformative_results_do_not_count_and_retest_soon) {
  ReachabilityMachine m(cfg(), 4, TimePoint{Millis{0}}, ep(10, 9000));
  m.on_peer_test(TimePoint{Millis{1000}}, done(Reachability::Firewalled, ep(10, 9000)));
  m.on_peer_test(TimePoint{Millis{2000}}, done(Reachability::Unknown, ep(10, 9000)));
  BOOST_TEST(to_ms(*m.poll_timeout()) == 22000);
  m.on_peer_test(TimePoint{Millis{3000}}, done(Reachability::Reachable, ep(10, 9000)));
  // The Reachable result started a new candidate: still unknown.
  BOOST_TEST(m.state() == Reachability::Unknown);
  m.on_peer_test(TimePoint{Millis{4000}}, done(Reachability::Reachable, ep(10, 9000)));
  BOOST_TEST(m.state() == Reachability::Reachable);
  BOOST_TEST(m.published().router_cap == 'R');
  BOOST_TEST(m.published().address_caps == "BC");
  BOOST_TEST(m.take_republish());
  // One contrary result does not flip a settled state.
  m.on_peer_test(TimePoint{Millis{5000}}, done(Reachability::Firewalled, ep(10, 9000)));
  BOOST_TEST(m.state() == Reachability::Reachable);
  BOOST_TEST(!m.republish());
  BOOST_TEST(to_ms(*m.poll_timeout()) == 25000);  // an unconfirmed change is re-tested soon
  m.on_peer_test(TimePoint{Millis{6000}}, done(Reachability::Reachable, ep(10, 9000)));
  m.on_peer_test(TimePoint{Millis{7000}}, done(Reachability::Firewalled, ep(10, 9000)));
  BOOST_TEST(m.state() == Reachability::Reachable);  // not consecutive
}

BOOST_AUTO_TEST_CASE(symmetric_nat_from_ports_that_differ_per_peer) {
  ReachabilityMachine m(cfg(), 4, TimePoint{Millis{0}}, ep(10, 9000));
  m.on_address_report(TimePoint{Millis{1000}}, peer(1), ep(1, 40001));
  m.on_address_report(TimePoint{Millis{1000}}, peer(2), ep(1, 40002));
  BOOST_TEST(!m.external());  // no port agreed
  BOOST_TEST(m.symmetric_evidence());
  BOOST_REQUIRE(m.test_address());
  BOOST_TEST((m.test_address()->host() == "198.18.160.1"));
  BOOST_TEST(m.test_due(TimePoint{Millis{1000}}));
  // Each Bob is asked to test the address he sees.
  BOOST_TEST((*m.test_address_for(peer(1)) == ep(1, 40001)));
  BOOST_TEST((*m.test_address_for(peer(2)) == ep(1, 40002)));
  BOOST_TEST((*m.test_address_for(peer(3)) == *m.test_address()));
  // A test that only says "firewalled" counts as symmetric NAT with that evidence, and the
  // peer test's own symmetric verdict agrees.
  m.on_peer_test(TimePoint{Millis{2000}}, done(Reachability::Firewalled, ep(1, 40002), ep(1, 40002)));
  m.on_peer_test(TimePoint{Millis{3000}}, done(Reachability::SymmetricNat, ep(1, 40002), ep(1, 40003)));
  BOOST_TEST(m.state() == Reachability::SymmetricNat);
  BOOST_TEST(!m.published().publish_host);
  BOOST_TEST(m.published().router_cap == 'U');
  BOOST_TEST(m.take_republish());
}

BOOST_AUTO_TEST_CASE(address_change_triggers_retest_and_back_to_reachable) {
  ReachabilityMachine m(cfg(), 4, TimePoint{Millis{0}}, ep(10, 9000));
  const ssu2::Address a = ep(1, 9000), b = ep(2, 9000);
  m.on_address_report(TimePoint{Millis{1000}}, peer(1), a);
  m.on_address_report(TimePoint{Millis{1000}}, peer(2), a);
  m.on_peer_test(TimePoint{Millis{2000}}, done(Reachability::Firewalled, a, a));
  m.on_peer_test(TimePoint{Millis{3000}}, done(Reachability::Firewalled, a, a));
  BOOST_TEST(m.state() == Reachability::Firewalled);
  m.take_republish();
  BOOST_TEST(to_ms(*m.poll_timeout()) == 603000);
  // Our address changes (the peers see b now): a test is due at once.
  m.on_address_report(TimePoint{Millis{100000}}, peer(1), b);
  BOOST_TEST(!m.test_due(TimePoint{Millis{100000}}));  // one peer is not a quorum
  m.on_address_report(TimePoint{Millis{100500}}, peer(2), b);
  BOOST_TEST((*m.external() == b));
  BOOST_TEST(m.test_due(TimePoint{Millis{100500}}));
  BOOST_TEST((*m.test_address() == b));
  // The new address is reachable (port forwarding came up): two results flip the state.
  m.on_peer_test(TimePoint{Millis{101000}}, done(Reachability::Reachable, b, b));
  BOOST_TEST(m.state() == Reachability::Firewalled);
  m.on_peer_test(TimePoint{Millis{121000}}, done(Reachability::Reachable, b, b));
  BOOST_TEST(m.state() == Reachability::Reachable);
  BOOST_TEST(m.take_republish());
  auto p = m.published();
  BOOST_TEST(p.publish_host);
  BOOST_REQUIRE(p.host);
  BOOST_TEST((*p.host == b));
  BOOST_TEST(p.router_cap == 'R');
  BOOST_TEST(combined_router_cap(&m, nullptr) == 'R');
}

BOOST_AUTO_TEST_CASE(reports_are_bounded_expire_and_other_family_is_ignored) {
  auto c = cfg();
  c.max_reports = 4;
  c.report_ttl = 10 * kSec;
  ReachabilityMachine m(c, 4, TimePoint{Millis{0}}, ep(10, 9000));
  for (uint8_t i = 1; i <= 10; ++i) m.on_address_report(TimePoint{Millis{i * 100}}, peer(i), ep(1, 9000));
  BOOST_TEST(m.reports() == 4u);
  BOOST_TEST(m.external().has_value());
  // Everything older than the ttl is forgotten with the next report.
  m.on_address_report(TimePoint{Millis{20000}}, peer(50), ep(3, 9000));
  BOOST_TEST(m.reports() == 1u);
  BOOST_TEST(!m.external());
  // IPv6 input to an IPv4 machine changes nothing.
  std::array<uint8_t, 16> ip6{0x20, 0x01, 0x0d, 0xb8};
  m.on_address_report(TimePoint{Millis{20000}}, peer(51), ssu2::Address::v6(ip6, 9000));
  m.on_peer_test(TimePoint{Millis{20000}}, done(Reachability::Reachable, ssu2::Address::v6(ip6, 9000)));
  m.on_peer_test(TimePoint{Millis{20001}}, done(Reachability::Reachable, ssu2::Address::v6(ip6, 9000)));
  BOOST_TEST(m.reports() == 1u);
  BOOST_TEST(m.state() == Reachability::Unknown);
  ReachabilityMachine m6(c, 16, TimePoint{Millis{0}});
  BOOST_TEST(combined_router_cap(&m, &m6) == 0);
}

#include "transport/nat/publish.hpp"

BOOST_AUTO_TEST_CASE(published_params_follow_reachability) {
  i2p::OwnRouterInfoParams base;
  base.host = "198.18.160.10";
  base.port = 9000;
  base.address_caps = "BC";
  ReachabilityMachine m(cfg(), 4, TimePoint{Millis{0}}, ep(10, 9000));
  auto p = published_params(base, false, m.published(), combined_router_cap(&m, nullptr));
  BOOST_TEST(p.host == "198.18.160.10");
  BOOST_TEST(p.router_caps == "L");
  m.on_address_report(TimePoint{Millis{1}}, peer(1), ep(1, 9100));
  m.on_address_report(TimePoint{Millis{1}}, peer(2), ep(1, 9100));
  m.on_peer_test(TimePoint{Millis{2}}, done(Reachability::Reachable, ep(1, 9100)));
  m.on_peer_test(TimePoint{Millis{3}}, done(Reachability::Reachable, ep(1, 9100)));
  p = published_params(base, false, m.published(), combined_router_cap(&m, nullptr));
  BOOST_TEST(p.host == "198.18.160.1");  // the learned external address
  BOOST_TEST(p.port == 9100);
  BOOST_TEST(p.router_caps == "LR");
  p = published_params(base, true, m.published(), 'R');
  BOOST_TEST(p.host == "198.18.160.10");  // an operator's published_host wins
  m.on_peer_test(TimePoint{Millis{4}}, done(Reachability::Firewalled, ep(1, 9100)));
  m.on_peer_test(TimePoint{Millis{5}}, done(Reachability::Firewalled, ep(1, 9100)));
  p = published_params(base, false, m.published(), combined_router_cap(&m, nullptr));
  BOOST_TEST(p.host.empty());
  BOOST_TEST(p.port == 0);
  BOOST_TEST(p.address_caps == "4");
  BOOST_TEST(p.router_caps == "LU");
}

// The other family's address follows its own machine: firewalled IPv6 publishes no host,
// caps "6" and the introducers given; a reachable one its learned address.
BOOST_AUTO_TEST_CASE(published_address_of_the_second_family_follows_its_machine) {
  i2p::OwnAddress base;
  base.host = "2001:db8::10";
  base.port = 9000;
  base.mtu = 1280;
  base.address_caps = "BC";
  const ssu2::Address bound = ssu2::Address::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}, 9000);
  ReachabilityMachine m(cfg(), 16, TimePoint{Millis{0}}, bound);
  auto a = published_address(base, false, m.published());
  BOOST_TEST(a.host == "2001:db8::10");
  BOOST_TEST(a.mtu == 1280u);
  m.on_peer_test(TimePoint{Millis{2}}, done(Reachability::Firewalled, bound));
  m.on_peer_test(TimePoint{Millis{3}}, done(Reachability::Firewalled, bound));
  i2p::Introducer in;
  in.tag = 7;
  a = published_address(base, false, m.published(), {in});
  BOOST_TEST(a.host.empty());
  BOOST_TEST(a.port == 0);
  BOOST_TEST(a.address_caps == "6");
  BOOST_REQUIRE_EQUAL(a.introducers.size(), 1u);
  BOOST_TEST(a.introducers[0].tag == 7u);
}

BOOST_AUTO_TEST_CASE(one_test_at_a_time_and_address_change_during_a_test) {
  ReachabilityMachine m(cfg(), 4, TimePoint{Millis{0}}, ep(10, 9000));
  m.on_test_started(TimePoint{Millis{5000}});
  // A new address while the test runs: not due until the test ends ...
  m.on_address_report(TimePoint{Millis{6000}}, peer(1), ep(1, 9000));
  m.on_address_report(TimePoint{Millis{6000}}, peer(2), ep(1, 9000));
  BOOST_TEST(!m.test_due(TimePoint{Millis{6000}}));
  BOOST_TEST(!m.test_due(TimePoint{Millis{14999}}));
  // ... then at once after its result.
  m.on_peer_test(TimePoint{Millis{8000}}, done(Reachability::Firewalled, ep(10, 9000)));
  BOOST_TEST(m.test_due(TimePoint{Millis{8000}}));
  // A test that never reports ends after test_timeout.
  m.on_test_started(TimePoint{Millis{8000}});
  BOOST_TEST(!m.test_due(TimePoint{Millis{17999}}));
  BOOST_TEST(to_ms(*m.poll_timeout()) == 28000);  // retest_soon (20 s) is later than 10 s
  BOOST_TEST(m.test_due(TimePoint{Millis{28000}}));
}

// The set over the families: one due test per family, Bobs of that family in turn, the
// earlier family's deadline, and a family without a Bob still marked started.
BOOST_AUTO_TEST_CASE(set_takes_one_test_per_family_with_bobs_in_turn) {
  auto v6 = ssu2::Address::v6({0x20, 0x01, 0x0d, 0xb8}, 9000);
  ReachabilitySet set(cfg(), TimePoint{Millis{0}}, ep(10, 9000), v6);
  BOOST_REQUIRE(set.v4() && set.v6());
  BOOST_TEST(set.primary() == set.v4());
  BOOST_REQUIRE(set.poll_timeout());
  BOOST_TEST(to_ms(*set.poll_timeout()) == 5000);
  std::vector<ReachabilitySet::Candidate> bobs{{peer(1), 4}, {peer(2), 4}};
  BOOST_TEST(set.take_due_tests(TimePoint{Millis{4999}}, bobs).empty());
  auto first = set.take_due_tests(TimePoint{Millis{5000}}, bobs);
  BOOST_REQUIRE(first.size() == 1u);  // no IPv6 Bob: only the IPv4 test
  BOOST_TEST((first[0].tested == ep(10, 9000)));
  BOOST_TEST(!set.v6()->test_due(TimePoint{Millis{5000}}));  // marked started all the same
  // The IPv4 test gets no result: it is retried later through the other Bob.
  std::optional<TimePoint> t = set.poll_timeout();
  BOOST_REQUIRE(t);
  auto second = set.take_due_tests(*t + Millis{60'000}, bobs);
  BOOST_REQUIRE(!second.empty());
  BOOST_TEST((second[0].bob != first[0].bob));
  BOOST_TEST(set.router_cap() == 0);  // nothing known yet
  BOOST_TEST(!set.take_republish());
}

// The set is firewalled (wants introducers, hence relay tags) once a family's state is.
BOOST_AUTO_TEST_CASE(set_is_firewalled_when_a_family_is) {
  ReachabilitySet set(cfg(), TimePoint{0}, ep(10, 9000), std::nullopt);
  BOOST_TEST(!set.firewalled());
  const ssu2::Address a = ep(1, 9000);
  set.on_address_report(TimePoint{Millis{1000}}, peer(1), a);
  set.on_address_report(TimePoint{Millis{1000}}, peer(2), a);
  set.on_peer_test(TimePoint{Millis{2000}}, done(Reachability::Firewalled, a, a));
  set.on_peer_test(TimePoint{Millis{3000}}, done(Reachability::Firewalled, a, a));
  BOOST_REQUIRE(set.v4()->state() == Reachability::Firewalled);
  BOOST_TEST(set.firewalled());
  // Firewalled, the external address is still ours to give (a Charlie behind a NAT names it
  // in his Relay Response; the bound LAN address would be unreachable for Alice).
  BOOST_REQUIRE(set.known_externals().size() == 1u);
  BOOST_TEST((set.known_externals()[0] == a));
}

// Behind a symmetric NAT the port peers see differs per peer: no external address is given.
BOOST_AUTO_TEST_CASE(no_known_external_behind_a_symmetric_nat) {
  ReachabilitySet set(cfg(), TimePoint{0}, ep(10, 9000), std::nullopt);
  BOOST_TEST(set.known_externals().empty());
  set.on_address_report(TimePoint{Millis{1000}}, peer(1), ep(1, 40001));
  set.on_address_report(TimePoint{Millis{1000}}, peer(2), ep(1, 40002));
  set.on_address_report(TimePoint{Millis{1000}}, peer(3), ep(1, 40003));
  BOOST_TEST(set.known_externals().empty());
}
