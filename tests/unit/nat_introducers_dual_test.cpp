// Introducers of a dual-stack router (transport/nat/introducer_set), in virtual time through
// whole NAT engines: N publishes an SSU2 address per family and is firewalled on both. Its
// IPv4 candidates p1..p4 have sessions over IPv4, its IPv6 candidates q1..q4 over IPv6 (all
// publish both families with 'C'); x, y and z can introduce in neither family: x has a
// session over IPv6 but publishes IPv4 only, y's IPv6 address lacks 'C', z's session is over
// IPv4 whose address lacks 'C'. Each family keeps its own list, fed by its own candidates.
#define BOOST_TEST_MODULE nat_introducers_dual
#include <boost/test/unit_test.hpp>

#include <set>

#include "nat_world.hpp"
#include "transport/i2p/base64.hpp"
#include "transport/nat/publish.hpp"

using namespace nattest;

namespace {

constexpr int64_t kMin = 60'000;
const IntroducerConfig kCfg{};

bool carries_tag_request(const Wire& w) {
  auto* sb = std::get_if<SendBlocks>(w.action);
  if (!sb) return false;
  for (const auto& b : sb->blocks)
    if (std::holds_alternative<wire::RelayTagRequestBlock>(b)) return true;
  return false;
}

struct DualNet {
  World w{41};
  std::vector<std::string> v4s{"p1", "p2", "p3", "p4"};
  std::vector<std::string> v6s{"q1", "q2", "q3", "q4"};
  std::map<std::string, int> asked_of;  // tag requests from n per router
  std::vector<std::string> everyone{"p1", "p2", "p3", "p4", "q1", "q2", "q3", "q4", "x", "y", "z"};

  DualNet() {
    w.add_dual("n", 1, ep4(1, 31001), ep6(1, 31001));
    for (size_t i = 0; i < v4s.size(); ++i) {
      const uint8_t t = uint8_t(2 + i);
      w.add_dual(v4s[i], t, ep4(t, 31000 + t), ep6(t, 31000 + t));
      w.connect("n", v4s[i], 0, 4);
    }
    for (size_t i = 0; i < v6s.size(); ++i) {
      const uint8_t t = uint8_t(6 + i);
      w.add_dual(v6s[i], t, ep4(t, 31000 + t), ep6(t, 31000 + t));
      w.connect("n", v6s[i], 0, 16);
    }
    // x: IPv4 only, yet its session with n runs over IPv6 (it came in from an IPv6 address).
    w.add("x", 10, ep4(10, 31010));
    w["n"].engine->learn_peer(w["x"].info());
    w["x"].engine->learn_peer(w["n"].info());
    w["n"].engine->session_established(at(0), w["x"].hash(), ep6(10, 31010));
    w["x"].engine->session_established(at(0), w["n"].hash(), *w["n"].ep6);
    w.add_dual("y", 11, ep4(11, 31011), ep6(11, 31011), "BC", "B");
    w.connect("n", "y", 0, 16);
    w.add_dual("z", 12, ep4(12, 31012), ep6(12, 31012), "B", "BC");
    w.connect("n", "z", 0, 4);
    w.filter = [this](Wire& wi) {
      if (wi.from == "n" && carries_tag_request(wi)) ++asked_of[wi.to];
      return true;
    };
  }
  Party& n() { return w["n"]; }
  const IntroducerSet& in() { return n().engine->introducers(); }
  void set(int64_t t, Reachability r, uint8_t ip_len) { n().engine->set_reachability(at(t), r, ip_len); }
  void firewalled_both(int64_t t) {
    set(t, Reachability::Firewalled, 4);
    set(t, Reachability::Firewalled, 16);
  }
  void close(int64_t t, const std::string& p) {
    n().engine->session_closed(at(t), w[p].hash());
    w[p].engine->session_closed(at(t), n().hash());
  }
  std::string name_of(const RouterHash& h) {
    for (const auto& p : everyone)
      if (w[p].hash() == h) return p;
    return "?";
  }
  std::set<std::string> names(const std::vector<i2p::Introducer>& list) {
    std::set<std::string> out;
    for (const auto& i : list) out.insert(name_of(i.router_hash));
    return out;
  }
  std::set<std::string> names(uint8_t ip_len) { return names(in().published(ip_len)); }
  // Every name in `got` is one of `family`.
  static bool within(const std::set<std::string>& got, const std::vector<std::string>& family) {
    for (const auto& g : got)
      if (std::find(family.begin(), family.end(), g) == family.end()) return false;
    return true;
  }
  // Each published introducer's tag is the one its router holds for n.
  void check_tags_are_real(uint8_t ip_len) {
    for (const auto& i : in().published(ip_len))
      BOOST_CHECK(w[name_of(i.router_hash)].engine->relay().tag_owner(i.tag) == n().hash());
  }
  std::vector<IntroducersChanged> events(uint8_t ip_len) {
    std::vector<IntroducersChanged> out;
    for (const auto& e : n().all<IntroducersChanged>())
      if (e.ip_len == ip_len) out.push_back(e);
    return out;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(firewalled_on_both_families_gathers_three_of_each_family) {
  DualNet t;
  t.firewalled_both(0);
  t.w.run(0, 1000);
  auto v4 = t.names(4), v6 = t.names(16);
  BOOST_CHECK_EQUAL(v4.size(), 3u);
  BOOST_CHECK_EQUAL(v6.size(), 3u);
  BOOST_CHECK(DualNet::within(v4, t.v4s));
  BOOST_CHECK(DualNet::within(v6, t.v6s));
  t.check_tags_are_real(4);
  t.check_tags_are_real(16);
  for (const auto& in : t.in().published(16))
    BOOST_CHECK_EQUAL(in.expiration_s, kUnixBase + uint32_t(kCfg.tag_lifetime.count() / 1000));
  // Nobody who cannot introduce in the family of its session was asked.
  for (const char* no : {"x", "y", "z"}) BOOST_CHECK_EQUAL(t.asked_of[no], 0);
  int asked = 0;
  for (const auto& [p, k] : t.asked_of) asked += k;
  BOOST_CHECK_EQUAL(asked, 6);
  // Each change named its family and carried only that family's introducers.
  auto e4 = t.events(4), e6 = t.events(16);
  BOOST_REQUIRE_EQUAL(e4.size(), 3u);
  BOOST_REQUIRE_EQUAL(e6.size(), 3u);
  for (const auto& e : e4) BOOST_CHECK(DualNet::within(t.names(e.introducers), t.v4s));
  for (const auto& e : e6) BOOST_CHECK(DualNet::within(t.names(e.introducers), t.v6s));
  BOOST_CHECK_EQUAL(e4.back().introducers.size(), 3u);
  BOOST_CHECK_EQUAL(e6.back().introducers.size(), 3u);
  BOOST_CHECK(t.in().v4().active() && t.in().v6().active());
  BOOST_CHECK(!t.in().wants_tags());
}

// Only one family firewalled: only that family gathers introducers.
BOOST_AUTO_TEST_CASE(firewalled_on_ipv6_only_gathers_ipv6_introducers_only) {
  DualNet t;
  t.set(0, Reachability::Reachable, 4);
  t.set(0, Reachability::Firewalled, 16);
  t.w.run(0, 10 * kMin);
  BOOST_CHECK(t.in().published(4).empty());
  BOOST_CHECK_EQUAL(t.names(16).size(), 3u);
  BOOST_CHECK(DualNet::within(t.names(16), t.v6s));
  for (const auto& p : t.v4s) BOOST_CHECK_EQUAL(t.asked_of[p], 0);
  BOOST_CHECK(t.events(4).empty());
}

BOOST_AUTO_TEST_CASE(reachable_on_one_family_drops_only_its_introducers) {
  DualNet t;
  t.firewalled_both(0);
  t.w.run(0, 1000);
  const auto v4 = t.names(4);
  BOOST_REQUIRE_EQUAL(v4.size(), 3u);
  BOOST_REQUIRE_EQUAL(t.names(16).size(), 3u);
  const size_t v4_events = t.events(4).size();
  t.set(1000, Reachability::Reachable, 16);
  BOOST_CHECK(t.in().published(16).empty());
  BOOST_CHECK(!t.in().v6().active());
  BOOST_CHECK(t.names(4) == v4);
  t.w.flush(1000);
  BOOST_CHECK(t.events(16).back().introducers.empty());
  BOOST_CHECK_EQUAL(t.events(4).size(), v4_events);  // the IPv4 list did not change
  // Half an hour on: the IPv4 introducers are refreshed and kept alive, the IPv6 ones are
  // neither asked again nor kept alive.
  std::map<std::string, int> before = t.asked_of;
  t.n().results.clear();
  t.w.run(1000, 30 * kMin);
  BOOST_CHECK(t.names(4) == v4);
  for (const auto& q : t.v6s) BOOST_CHECK_EQUAL(t.asked_of[q], before[q]);
  for (const auto& p : v4) BOOST_CHECK_GT(t.asked_of[p], before[p] + 20);
  for (const auto& k : t.n().all<KeepAlive>()) BOOST_CHECK(v4.count(t.name_of(k.to)));
  BOOST_CHECK(!t.n().all<KeepAlive>().empty());
  // Firewalled again on IPv6: it gathers its own again, the IPv4 list untouched.
  t.set(30 * kMin, Reachability::Firewalled, 16);
  t.w.run(30 * kMin, 31 * kMin);
  BOOST_CHECK_EQUAL(t.names(16).size(), 3u);
  BOOST_CHECK(DualNet::within(t.names(16), t.v6s));
  BOOST_CHECK(t.names(4) == v4);
}

BOOST_AUTO_TEST_CASE(lost_introducer_is_replaced_within_its_family) {
  DualNet t;
  t.firewalled_both(0);
  t.w.run(0, 1000);
  const auto v4 = t.names(4);
  const auto v6 = t.names(16);
  BOOST_REQUIRE_EQUAL(v6.size(), 3u);
  std::string spare4, spare6;
  for (const auto& p : t.v4s)
    if (!v4.count(p)) spare4 = p;
  for (const auto& q : t.v6s)
    if (!v6.count(q)) spare6 = q;
  // An IPv6 introducer goes: the IPv6 spare takes its place, the IPv4 list stays.
  const std::string lost = *v6.begin();
  t.close(2000, lost);
  t.w.run(2000, 3000);
  auto after = t.names(16);
  BOOST_CHECK_EQUAL(after.size(), 3u);
  BOOST_CHECK(!after.count(lost));
  BOOST_CHECK(after.count(spare6));
  BOOST_CHECK(t.names(4) == v4);
  t.check_tags_are_real(16);
  auto e6 = t.events(16);
  BOOST_REQUIRE_GE(e6.size(), 5u);
  BOOST_CHECK_EQUAL(e6[e6.size() - 2].introducers.size(), 2u);
  BOOST_CHECK_EQUAL(e6.back().introducers.size(), 3u);
  // Another IPv6 one goes: no IPv6 candidate is left, and the IPv4 spare is not taken for it.
  const std::string lost2 = *after.begin();
  t.close(4000, lost2);
  t.w.run(4000, 5 * kMin);
  BOOST_CHECK_EQUAL(t.names(16).size(), 2u);
  BOOST_CHECK(DualNet::within(t.names(16), t.v6s));
  BOOST_CHECK_EQUAL(t.asked_of[spare4], 0);
  BOOST_CHECK(t.names(4) == v4);
  BOOST_CHECK(t.in().wants_tags());  // the IPv6 list is short
  // A new IPv6 session fills the slot.
  t.w.add_dual("q5", 13, ep4(13, 31013), ep6(13, 31013));
  t.everyone.push_back("q5");
  t.w.connect("n", "q5", 5 * kMin, 16);
  t.w.run(5 * kMin, 6 * kMin);
  BOOST_CHECK_EQUAL(t.names(16).size(), 3u);
  BOOST_CHECK(t.names(16).count("q5"));
  BOOST_CHECK(!t.in().wants_tags());
}

// A router's newer session runs over the other family: it no longer serves the first one,
// whose list replaces it from its own candidates.
BOOST_AUTO_TEST_CASE(introducer_whose_session_moves_to_the_other_family_is_replaced) {
  DualNet t;
  t.firewalled_both(0);
  t.w.run(0, 1000);
  const auto v4 = t.names(4);
  BOOST_REQUIRE_EQUAL(v4.size(), 3u);
  const std::string moved = *v4.begin();
  std::string spare4;
  for (const auto& p : t.v4s)
    if (!v4.count(p)) spare4 = p;
  t.n().engine->session_established(at(2000), t.w[moved].hash(), *t.w[moved].ep6);
  t.w.run(2000, 3000);
  auto after = t.names(4);
  BOOST_CHECK_EQUAL(after.size(), 3u);
  BOOST_CHECK(!after.count(moved));
  BOOST_CHECK(after.count(spare4));
  BOOST_CHECK(!t.names(16).count(moved));  // the IPv6 list is full already
}

// The handshake path (a tag in Session Created): held by the family of that session only.
BOOST_AUTO_TEST_CASE(handshake_tag_goes_to_the_family_of_its_session) {
  World w{42};
  w.add_dual("n", 1, ep4(1, 32001), ep6(1, 32001));
  w.add_dual("p", 2, ep4(2, 32002), ep6(2, 32002));
  w.add_dual("q", 3, ep4(3, 32003), ep6(3, 32003));
  auto& n = *w["n"].engine;
  n.set_reachability(at(0), Reachability::Firewalled, 4);
  n.set_reachability(at(0), Reachability::Firewalled, 16);
  n.learn_peer(w["p"].info());
  n.learn_peer(w["q"].info());
  w["p"].engine->learn_peer(w["n"].info());
  w["q"].engine->learn_peer(w["n"].info());
  w["q"].engine->session_established(at(10), w["n"].hash(), *w["n"].ep6, HandshakeTags{false, {}, 901u});
  n.session_established(at(10), w["q"].hash(), *w["q"].ep6, HandshakeTags{true, 901u, {}});
  w["p"].engine->session_established(at(10), w["n"].hash(), w["n"].ep, HandshakeTags{false, {}, 902u});
  n.session_established(at(10), w["p"].hash(), w["p"].ep, HandshakeTags{true, 902u, {}});
  w.run(10, 1000);
  auto v6 = n.introducers().published(16);
  auto v4 = n.introducers().published(4);
  BOOST_REQUIRE_EQUAL(v6.size(), 1u);
  BOOST_REQUIRE_EQUAL(v4.size(), 1u);
  BOOST_CHECK(v6[0].router_hash == w["q"].hash());
  BOOST_CHECK_EQUAL(v6[0].tag, 901u);
  BOOST_CHECK(v4[0].router_hash == w["p"].hash());
  BOOST_CHECK_EQUAL(v4[0].tag, 902u);
}

// What goes out (transport/nat/publish + i2p::make_own_router_info, parsed back): each
// family's firewalled SSU2 address carries that family's ih/itag/iexp, no host, caps 4 / 6;
// once IPv4 is reachable its address has a host and no introducers while IPv6 keeps its own.
BOOST_AUTO_TEST_CASE(published_router_info_has_each_familys_introducers_in_its_address) {
  DualNet t;
  t.firewalled_both(0);
  t.w.run(0, 1000);
  const auto intro4 = t.in().published(4), intro6 = t.in().published(16);
  BOOST_REQUIRE_EQUAL(intro4.size(), 3u);
  BOOST_REQUIRE_EQUAL(intro6.size(), 3u);

  ReachabilitySet reach(ReachabilityConfig{}, TimePoint{0}, t.n().ep, t.n().ep6);
  auto result = [](Reachability r, const Address& tested) {
    PeerTestDone d;
    d.result = r;
    d.tested = tested;
    d.got4 = true;
    return d;
  };
  for (int i = 1; i <= 2; ++i) {
    reach.on_peer_test(TimePoint{Millis{i}}, result(Reachability::Firewalled, t.n().ep));
    reach.on_peer_test(TimePoint{Millis{i}}, result(Reachability::Firewalled, *t.n().ep6));
  }
  BOOST_REQUIRE(reach.v4()->state() == Reachability::Firewalled);
  BOOST_REQUIRE(reach.v6()->state() == Reachability::Firewalled);

  i2p::OwnRouterInfoParams base;
  base.host = "10.0.0.1";
  base.port = 31001;
  base.address_caps = "BC";
  i2p::OwnAddress six;
  six.host = t.n().ep6->host();
  six.port = 31001;
  six.address_caps = "BC";
  base.more_addresses.push_back(six);
  auto build = [&] {
    return signed_and_parsed(
        t.n().keys, published_params(base, false, address_publications(reach, t.in()), reach.router_cap()));
  };
  auto check_introducers = [](const i2p::RouterAddress& a, const std::vector<i2p::Introducer>& want) {
    for (size_t i = 0; i < want.size(); ++i) {
      const std::string k = std::to_string(i);
      BOOST_REQUIRE(a.option("ih" + k));
      BOOST_CHECK_EQUAL(*a.option("ih" + k), i2p::base64_encode(want[i].router_hash));
      BOOST_CHECK_EQUAL(*a.option("itag" + k), std::to_string(want[i].tag));
      BOOST_CHECK_EQUAL(*a.option("iexp" + k), std::to_string(want[i].expiration_s));
    }
    BOOST_CHECK(!a.option("ih" + std::to_string(want.size())));
    auto parsed = a.introducers();
    BOOST_REQUIRE_EQUAL(parsed.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) BOOST_CHECK(parsed[i].router_hash == want[i].router_hash);
  };

  auto ri = build();
  auto addrs = ri.ssu2_addresses();
  BOOST_REQUIRE_EQUAL(addrs.size(), 2u);
  BOOST_CHECK(!addrs[0]->host() && !addrs[0]->port());
  BOOST_CHECK(!addrs[1]->host() && !addrs[1]->port());
  BOOST_CHECK(addrs[0]->caps() == std::string("4"));
  BOOST_CHECK(addrs[1]->caps() == std::string("6"));
  check_introducers(*addrs[0], intro4);
  check_introducers(*addrs[1], intro6);
  BOOST_REQUIRE(ri.options.get("caps"));
  BOOST_CHECK(ri.options.get("caps")->find('U') != std::string::npos);

  // IPv4 becomes reachable: the engine drops its IPv4 introducers, the address gets its host.
  for (int i = 3; i <= 4; ++i) reach.on_peer_test(TimePoint{Millis{i}}, result(Reachability::Reachable, t.n().ep));
  BOOST_REQUIRE(reach.v4()->state() == Reachability::Reachable);
  t.set(2000, Reachability::Reachable, 4);
  ri = build();
  addrs = ri.ssu2_addresses();
  BOOST_REQUIRE_EQUAL(addrs.size(), 2u);
  BOOST_CHECK(addrs[0]->host() == std::string("10.0.0.1"));
  BOOST_CHECK(addrs[0]->introducers().empty());
  BOOST_CHECK(!addrs[0]->option("ih0"));
  BOOST_CHECK(!addrs[1]->host());
  check_introducers(*addrs[1], intro6);
}
