// Alice dialing a firewalled dual-stack Charlie through his introducers (transport/nat/
// introducer_choice), in virtual time through whole NAT engines: Charlie publishes an SSU2
// address per family, neither with a host, each listing that family's introducers. The
// choice reads every address, keeps the families Alice has an address in, and gives each
// introducer with its address's family; Alice's Relay Request names her endpoint of that
// family, so Charlie's Hole Punch and Alice's handshake run over it. `dial` below does what
// actors/nat_introduce.cpp does with the choice: ask, and on a failure ask the next one.
#define BOOST_TEST_MODULE nat_dial_dual
#include <boost/test/unit_test.hpp>

#include <set>

#include "nat_world.hpp"
#include "transport/nat/introducer_choice.hpp"

using namespace nattest;

namespace {

constexpr uint32_t kLife = 3600;  // iexp of the published introducers, from kUnixBase

// A dual-stack world: alice (dual, or IPv4 only), the introducers b4 (Charlie's IPv4
// introducer) and b6 (his IPv6 one), each dual-stack with 'C' in both addresses, and charlie.
// Charlie holds a tag from each, over the session of that family.
struct DualDial {
  World w{51};
  uint32_t tag4 = 0, tag6 = 0;

  explicit DualDial(bool alice_dual = true) {
    if (alice_dual)
      w.add_dual("alice", 1, ep4(1, 32001), ep6(1, 32001));
    else
      w.add("alice", 1, ep4(1, 32001));
    w.add_dual("b4", 2, ep4(2, 32002), ep6(2, 32002));
    w.add_dual("b6", 3, ep4(3, 32003), ep6(3, 32003));
    w.add_dual("charlie", 4, ep4(4, 32004), ep6(4, 32004));
    w.connect("charlie", "b4", 0, 4);
    w.connect("charlie", "b6", 0, 16);
    tag4 = tag_from("b4");
    tag6 = tag_from("b6");
  }
  Party& alice() { return w["alice"]; }
  Party& charlie() { return w["charlie"]; }

  uint32_t tag_from(const std::string& bob) {
    const size_t before = charlie().all<RelayTagGranted>().size();
    BOOST_REQUIRE(charlie().engine->request_relay_tag(at(0), w[bob].hash()).ok());
    w.flush(0);
    auto g = charlie().all<RelayTagGranted>();
    BOOST_REQUIRE_EQUAL(g.size(), before + 1);
    BOOST_REQUIRE(g.back().introducer == w[bob].hash());
    return g.back().tag;
  }

  i2p::Introducer intro(const std::string& bob, uint32_t tag) {
    return i2p::Introducer{w[bob].hash(), kUnixBase + kLife, tag};
  }

  // Charlie's RouterInfo as a firewalled dual-stack router publishes it: no hosts, caps 4
  // and 6, `v4` in the IPv4 address and `v6` in the IPv6 one. Alice learns it (as from the
  // netdb), replacing what she knew.
  i2p::RouterInfo publish(std::vector<i2p::Introducer> v4, std::vector<i2p::Introducer> v6) {
    i2p::OwnRouterInfoParams p;
    p.address_caps = "4";
    p.introducers = std::move(v4);
    i2p::OwnAddress a6;
    a6.address_caps = "6";
    a6.introducers = std::move(v6);
    p.more_addresses.push_back(a6);
    p.router_caps = "LU";
    p.published_ms = uint64_t(kUnixBase) * 1000;
    auto ri = i2p::make_own_router_info(charlie().keys, p);
    BOOST_REQUIRE(ri.ok());
    BOOST_REQUIRE(alice().engine->learn_verified_router_info(ri->bytes()).ok());
    return *ri;
  }

  // Alice's sessions (with introducers), both ways through World::connect.
  std::set<RouterHash> alice_sessions;
  void link(const std::string& bob, uint8_t ip_len, int64_t now_ms = 0) {
    w.connect("alice", bob, now_ms, ip_len);
    alice_sessions.insert(w[bob].hash());
  }
  std::function<bool(const crypto::Hash32&)> connected() {
    return [this](const crypto::Hash32& h) { return alice_sessions.count(h) > 0; };
  }

  struct Tried {
    std::string bob;
    uint8_t ip_len;
    Address ours;
  };
  std::string name_of(const RouterHash& h) {
    for (const char* n : {"alice", "b4", "b6", "charlie"})
      if (w[n].hash() == h) return n;
    return "?";
  }
  // What nat_introduce does: the next introducer, a session with it first (over Alice's
  // address of its family) when there is none, the Relay Request with Alice's endpoint of
  // the option's family; a failure moves on. Returns the ready introduction, if any.
  std::optional<IntroductionReady> dial(IntroducerChoice& choice, std::vector<Tried>& tried,
                                        int64_t& now_ms) {
    while (auto o = choice.next(connected())) {
      const std::string bob = name_of(o->introducer.router_hash);
      if (!connected()(o->introducer.router_hash)) link(bob, o->ip_len, now_ms);
      const auto& ours = alice().engine->local().endpoint_for(o->ip_len);
      BOOST_REQUIRE(ours);
      tried.push_back({bob, o->ip_len, *ours});
      auto nonce = alice().engine->request_introduction(at(now_ms), o->introducer.router_hash,
                                                        charlie().hash(), o->introducer.tag, *ours);
      BOOST_REQUIRE(nonce.ok());
      now_ms = w.run(now_ms, now_ms + 30'000);
      for (const auto& r : alice().all<IntroductionReady>())
        if (r.nonce == *nonce) return r;
      bool failed = false;
      for (const auto& f : alice().all<IntroductionFailed>()) failed = failed || f.nonce == *nonce;
      BOOST_REQUIRE_MESSAGE(failed, "neither ready nor failed");
    }
    return std::nullopt;
  }
  // Dials through `choice` and expects one introducer tried, `bob` over `ip_len` (with our
  // endpoint of that family in the Relay Request), and the introduction ready.
  IntroductionReady dial_one(IntroducerChoice& choice, const std::string& bob, uint8_t ip_len) {
    std::vector<Tried> tried;
    int64_t now = 0;
    auto ready = dial(choice, tried, now);
    BOOST_REQUIRE(ready);
    BOOST_REQUIRE_EQUAL(tried.size(), 1u);
    BOOST_TEST(tried[0].bob == bob);
    BOOST_TEST(tried[0].ip_len == ip_len);
    BOOST_CHECK(tried[0].ours == (ip_len == 16 ? *alice().ep6 : alice().ep));
    return *ready;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(address_family_comes_from_the_host_else_the_caps) {
  auto addr = [](std::string host, std::string caps) {
    i2p::RouterAddress a;
    a.transport = "SSU2";
    if (!host.empty()) a.options.set("host", host);
    if (!caps.empty()) a.options.set("caps", caps);
    return a;
  };
  using V = std::vector<uint8_t>;
  BOOST_TEST(addr("10.0.0.1", "6").ip_families() == V{4});  // the host wins
  BOOST_TEST(addr("fd00::1", "BC").ip_families() == V{16});
  BOOST_TEST(addr("", "6").ip_families() == V{16});
  BOOST_TEST(addr("", "B6").ip_families() == V{16});
  BOOST_TEST(addr("", "46").ip_families() == (V{4, 16}));
  BOOST_TEST(addr("", "").ip_families() == V{4});               // an older router's
  BOOST_TEST(addr("not an address", "6").ip_families() == V{16});  // a name is no literal
}

// Charlie's IPv4 address has no introducers, his IPv6 one lists b6. Alice reaches b6 over
// IPv4 (the family the old code took), yet her Relay Request must name her IPv6 endpoint:
// Charlie's introducers and his punch are IPv6.
BOOST_AUTO_TEST_CASE(introducers_only_in_the_ipv6_address_are_dialed_over_ipv6) {
  DualDial d;
  d.link("b6", 4);
  auto ri = d.publish({}, {d.intro("b6", d.tag6)});
  IntroducerChoice choice(ri, true, true, kUnixBase);
  BOOST_TEST(choice.left() == 1u);
  auto ready = d.dial_one(choice, "b6", 16);
  BOOST_CHECK(ready.charlie_endpoint == *d.charlie().ep6);  // punched from his IPv6 address
  auto issued = d.charlie().all<TokenIssued>();
  BOOST_REQUIRE_EQUAL(issued.size(), 1u);
  BOOST_CHECK(issued[0].alice_endpoint == *d.alice().ep6);  // the handshake Charlie expects
  BOOST_CHECK_EQUAL(issued[0].token, ready.token);
}

// Both addresses list an introducer: the family whose introducer Alice already has a session
// with goes first; with sessions to both (or neither), IPv4.
BOOST_AUTO_TEST_CASE(with_introducers_in_both_the_family_with_a_session_goes_first) {
  {
    DualDial d;
    d.link("b6", 16);
    auto ri = d.publish({d.intro("b4", d.tag4)}, {d.intro("b6", d.tag6)});
    IntroducerChoice choice(ri, true, true, kUnixBase);
    BOOST_TEST(choice.left() == 2u);
    auto ready = d.dial_one(choice, "b6", 16);  // no handshake with b4 was needed
    BOOST_CHECK(ready.charlie_endpoint == *d.charlie().ep6);
    BOOST_TEST(choice.left() == 1u);
  }
  {
    DualDial d;
    d.link("b4", 16);  // the session's own family does not matter
    auto ri = d.publish({d.intro("b4", d.tag4)}, {d.intro("b6", d.tag6)});
    IntroducerChoice choice(ri, true, true, kUnixBase);
    auto ready = d.dial_one(choice, "b4", 4);
    BOOST_CHECK(ready.charlie_endpoint == d.charlie().ep);
    BOOST_CHECK(d.charlie().all<TokenIssued>().at(0).alice_endpoint == d.alice().ep);
  }
  // The order alone: both connected, or none, IPv4 first.
  DualDial d;
  auto ri = d.publish({d.intro("b4", d.tag4)}, {d.intro("b6", d.tag6)});
  for (bool both : {true, false}) {
    IntroducerChoice choice(ri, true, true, kUnixBase);
    auto first = choice.next([&](const crypto::Hash32&) { return both; });
    BOOST_REQUIRE(first);
    BOOST_TEST(first->ip_len == 4);
    BOOST_CHECK(first->introducer.router_hash == d.w["b4"].hash());
    auto second = choice.next([&](const crypto::Hash32&) { return both; });
    BOOST_REQUIRE(second);
    BOOST_TEST(second->ip_len == 16);
    BOOST_TEST(!choice.next([](const crypto::Hash32&) { return false; }));
  }
}

// The first introducer fails (Charlie's IPv4 address lists b4 with a tag b4 does not know:
// Bob's code 5); Alice falls over to the next one, of the other family, and gets there.
BOOST_AUTO_TEST_CASE(a_failed_introducer_falls_over_to_the_next_across_families) {
  DualDial d;
  d.link("b4", 4);
  auto ri = d.publish({d.intro("b4", d.tag4 + 1)}, {d.intro("b6", d.tag6)});
  IntroducerChoice choice(ri, true, true, kUnixBase);
  std::vector<DualDial::Tried> tried;
  int64_t now = 0;
  auto ready = d.dial(choice, tried, now);
  BOOST_REQUIRE(ready);
  BOOST_REQUIRE_EQUAL(tried.size(), 2u);
  BOOST_TEST(tried[0].bob == "b4");
  BOOST_TEST(tried[0].ip_len == 4);
  BOOST_CHECK(tried[0].ours == d.alice().ep);
  auto failed = d.alice().all<IntroductionFailed>();
  BOOST_REQUIRE_EQUAL(failed.size(), 1u);
  BOOST_TEST(failed[0].code == relay_code::kBobTagNotFound);
  BOOST_TEST(tried[1].bob == "b6");  // connected to first, over IPv6
  BOOST_TEST(tried[1].ip_len == 16);
  BOOST_CHECK(tried[1].ours == *d.alice().ep6);
  BOOST_CHECK(ready->charlie_endpoint == *d.charlie().ep6);
  BOOST_CHECK(d.charlie().all<TokenIssued>().at(0).alice_endpoint == *d.alice().ep6);
  BOOST_TEST(choice.left() == 0u);
}

// Every introducer fails: the choice runs dry after each was asked once.
BOOST_AUTO_TEST_CASE(when_every_introducer_fails_each_was_asked_once) {
  DualDial d;
  auto ri = d.publish({d.intro("b4", d.tag4 + 1)}, {d.intro("b6", d.tag6 + 1)});
  IntroducerChoice choice(ri, true, true, kUnixBase);
  std::vector<DualDial::Tried> tried;
  int64_t now = 0;
  BOOST_TEST(!d.dial(choice, tried, now));
  BOOST_REQUIRE_EQUAL(tried.size(), 2u);
  BOOST_TEST(tried[0].bob == "b4");  // neither connected at first: IPv4's
  BOOST_TEST(tried[1].bob == "b6");
  BOOST_TEST(d.alice().all<IntroductionFailed>().size() == 2u);
  BOOST_TEST(d.charlie().all<TokenIssued>().empty());
}

// An IPv4-only Alice has no IPv6 endpoint for Charlie to punch to: his IPv6 introducers are
// not offered, even the one she has a session with.
BOOST_AUTO_TEST_CASE(an_ipv4_only_node_ignores_ipv6_introducers) {
  DualDial d(false);
  BOOST_REQUIRE(!d.alice().engine->local().v6);
  d.link("b6", 4);
  {
    auto ri = d.publish({}, {d.intro("b6", d.tag6)});
    IntroducerChoice choice(ri, true, false, kUnixBase);
    BOOST_TEST(choice.left() == 0u);
    BOOST_TEST(choice.why_none() == "introducers only in IP families we have no address for");
    BOOST_TEST(!choice.next(d.connected()));
  }
  auto ri = d.publish({d.intro("b4", d.tag4)}, {d.intro("b6", d.tag6)});
  IntroducerChoice choice(ri, true, false, kUnixBase);
  BOOST_TEST(choice.left() == 1u);
  auto ready = d.dial_one(choice, "b4", 4);
  BOOST_CHECK(ready.charlie_endpoint == d.charlie().ep);
  // And an IPv6-only one the other way round.
  IntroducerChoice v6only(ri, false, true, kUnixBase);
  auto o = v6only.next(d.connected());
  BOOST_REQUIRE(o);
  BOOST_TEST(o->ip_len == 16);
  BOOST_TEST(!v6only.next(d.connected()));
}

// What a remote RouterInfo can put in: expired introducers, Charlie naming himself, repeats
// and many addresses are dropped or bounded; nothing of it fails.
BOOST_AUTO_TEST_CASE(hostile_introducer_lists_are_filtered_and_bounded) {
  DualDial d;
  auto self = i2p::Introducer{d.charlie().hash(), 0, 7};
  auto expired = d.intro("b4", 9);
  expired.expiration_s = kUnixBase + IntroducerChoice::kExpiryMarginS;
  auto ri = d.publish({self, expired, d.intro("b4", d.tag4)}, {d.intro("b4", d.tag4), d.intro("b4", d.tag4)});
  IntroducerChoice choice(ri, true, true, kUnixBase);
  BOOST_TEST(choice.left() == 2u);  // b4's tag once per family
  std::set<uint8_t> fams;
  while (auto o = choice.next(d.connected())) {
    BOOST_CHECK(o->introducer.router_hash == d.w["b4"].hash());
    fams.insert(o->ip_len);
  }
  BOOST_TEST((fams == std::set<uint8_t>{4, 16}));
  {
    IntroducerChoice all_expired(d.publish({expired}, {}), true, true, kUnixBase);
    BOOST_TEST(all_expired.left() == 0u);
    BOOST_TEST(all_expired.why_none() == "every usable introducer has expired");
    IntroducerChoice none(d.publish({}, {}), true, true, kUnixBase);
    BOOST_TEST(none.why_none() == "no introducers published");
  }
  // Twenty addresses of three introducers each: at most kMaxOptions are kept.
  i2p::OwnRouterInfoParams p;
  p.address_caps = "4";
  for (uint32_t t = 1; t <= 3; ++t) p.introducers.push_back(d.intro("b4", t));
  for (uint32_t n = 0; n < 19; ++n) {
    i2p::OwnAddress a;
    a.address_caps = n % 2 ? "4" : "6";
    for (uint32_t t = 1; t <= 3; ++t) a.introducers.push_back(d.intro("b6", 100 * (n + 1) + t));
    p.more_addresses.push_back(a);
  }
  p.published_ms = uint64_t(kUnixBase) * 1000;
  auto many = i2p::make_own_router_info(d.charlie().keys, p);
  BOOST_REQUIRE(many.ok());
  IntroducerChoice bounded(*many, true, true, kUnixBase);
  BOOST_TEST(bounded.left() == IntroducerChoice::kMaxOptions);
}
