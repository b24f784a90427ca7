// Introducer management (transport/nat/introducers) in virtual time, through whole NAT
// engines: a firewalled router N with sessions to four public routers that can introduce
// ('C'), one that cannot ("B" only) and the tags they really hand out (Relay as Bob).
#define BOOST_TEST_MODULE nat_introducers
#include <boost/test/unit_test.hpp>

#include <set>

#include "nat_world.hpp"
#include "transport/i2p/base64.hpp"
#include "transport/nat/introducer_choice.hpp"
#include "transport/nat/publish.hpp"

using namespace nattest;

namespace {

constexpr int64_t kMin = 60'000;
const IntroducerConfig kCfg{};

bool carries(const Wire& w, bool tag_request) {
  auto* sb = std::get_if<SendBlocks>(w.action);
  if (!sb) return false;
  for (const auto& b : sb->blocks)
    if (tag_request ? std::holds_alternative<wire::RelayTagRequestBlock>(b)
                    : std::holds_alternative<wire::RelayTagBlock>(b))
      return true;
  return false;
}

struct Net {
  World w{21};
  std::vector<std::string> pubs{"p1", "p2", "p3", "p4"};
  int tag_requests = 0;
  std::map<std::string, int> asked_of;  // tag requests per router
  std::set<std::string> refusing;  // their RelayTag answers are lost
  Net() {
    w.add("n", 1, ep4(1, 21001));
    for (size_t i = 0; i < pubs.size(); ++i) w.add(pubs[i], uint8_t(2 + i), ep4(uint8_t(2 + i), 21002));
    w.add("x", 9, ep4(9, 21009), "B");  // takes part in peer tests, does not introduce
    for (const auto& p : pubs) w.connect("n", p);
    w.connect("n", "x");
    w.filter = [this](Wire& wi) {
      if (wi.from == "n" && carries(wi, true)) ++tag_requests, ++asked_of[wi.to];
      return !(refusing.count(wi.from) && carries(wi, false));
    };
  }
  Party& n() { return w["n"]; }
  std::vector<i2p::Introducer> published() { return n().engine->introducers().published(4); }
  std::set<std::string> introducer_names() {
    std::set<std::string> out;
    for (const auto& in : published())
      for (const auto& p : pubs)
        if (w[p].hash() == in.router_hash) out.insert(p);
    return out;
  }
  void firewalled(int64_t t) { n().engine->set_reachability(at(t), Reachability::Firewalled, 4); }
  void close(int64_t t, const std::string& p) {
    n().engine->session_closed(at(t), w[p].hash());
    w[p].engine->session_closed(at(t), n().hash());
  }
  // Each published introducer's tag is the one its router holds for n.
  void check_tags_are_real() {
    for (const auto& in : published())
      for (const auto& p : pubs)
        if (w[p].hash() == in.router_hash)
          BOOST_CHECK(w[p].engine->relay().tag_owner(in.tag) == n().hash());
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(firewalled_asks_three_and_publishes_their_tags) {
  Net t;
  t.firewalled(0);
  t.w.run(0, 1000);
  BOOST_CHECK_EQUAL(t.tag_requests, 3);
  auto pub = t.published();
  BOOST_REQUIRE_EQUAL(pub.size(), 3u);
  BOOST_CHECK_EQUAL(t.introducer_names().size(), 3u);  // three distinct 'C' routers, never x
  for (const auto& in : pub) {
    BOOST_CHECK_NE(in.tag, 0u);
    BOOST_CHECK_EQUAL(in.expiration_s, kUnixBase + uint32_t(kCfg.tag_lifetime.count() / 1000));
  }
  t.check_tags_are_real();
  auto ev = t.n().all<IntroducersChanged>();
  BOOST_REQUIRE_EQUAL(ev.size(), 3u);  // one per grant
  BOOST_CHECK_EQUAL(ev.back().introducers.size(), 3u);
  BOOST_CHECK_EQUAL(t.n().engine->introducers().pending(), 0u);
}

BOOST_AUTO_TEST_CASE(lost_introducer_is_replaced) {
  Net t;
  t.firewalled(0);
  t.w.run(0, 1000);
  auto before = t.introducer_names();
  BOOST_REQUIRE_EQUAL(before.size(), 3u);
  const std::string lost = *before.begin();
  std::string spare;
  for (const auto& p : t.pubs)
    if (!before.count(p)) spare = p;
  t.close(2000, lost);
  t.w.run(2000, 3000);
  auto after = t.introducer_names();
  BOOST_CHECK_EQUAL(after.size(), 3u);
  BOOST_CHECK(!after.count(lost));
  BOOST_CHECK(after.count(spare));
  t.check_tags_are_real();
  // The loss and the replacement were both announced.
  auto ev = t.n().all<IntroducersChanged>();
  BOOST_REQUIRE_GE(ev.size(), 5u);
  BOOST_CHECK_EQUAL(ev[ev.size() - 2].introducers.size(), 2u);
  BOOST_CHECK_EQUAL(ev.back().introducers.size(), 3u);
}

BOOST_AUTO_TEST_CASE(refusing_introducer_is_replaced) {
  Net t;
  t.refusing = {"p1", "p2"};  // they never answer: after the timeout we ask others
  t.firewalled(0);
  t.w.run(0, 60'000);
  auto names = t.introducer_names();
  BOOST_CHECK(!names.count("p1"));
  BOOST_CHECK(!names.count("p2"));
  BOOST_CHECK(names.count("p3") && names.count("p4"));
  BOOST_CHECK_EQUAL(names.size(), 2u);  // only two routers can serve; x never asked
  // The refusers (timed out at 15 s or 30 s) are not asked again before their backoff is over.
  const int p1 = t.asked_of["p1"], p2 = t.asked_of["p2"];
  BOOST_CHECK_EQUAL(p1, 1);
  BOOST_CHECK_EQUAL(p2, 1);
  t.refusing.clear();
  const int64_t backoff = kCfg.refused_backoff.count(), timeout = kCfg.request_timeout.count();
  t.w.run(60'000, backoff + timeout - 1000);
  BOOST_CHECK_EQUAL(t.introducer_names().size(), 2u);
  BOOST_CHECK_EQUAL(t.asked_of["p1"], p1);
  BOOST_CHECK_EQUAL(t.asked_of["p2"], p2);
  t.w.run(backoff + timeout - 1000, backoff + 2 * timeout + 20'000);
  BOOST_CHECK_EQUAL(t.introducer_names().size(), 3u);
}

BOOST_AUTO_TEST_CASE(tags_are_refreshed_before_they_expire) {
  Net t;
  t.firewalled(0);
  t.w.run(0, 1000);
  auto first = t.introducer_names();
  BOOST_REQUIRE_EQUAL(first.size(), 3u);
  const int asked = t.tag_requests;
  // Three hours: far beyond one tag lifetime.
  for (int64_t m = 10; m <= 180; m += 10) {
    t.w.run((m - 10) * kMin, m * kMin);
    auto pub = t.published();
    BOOST_REQUIRE_EQUAL(pub.size(), 3u);
    for (const auto& in : pub) {
      const uint32_t now_s = kUnixBase + uint32_t(m * 60);
      BOOST_CHECK_GT(in.expiration_s, now_s);  // never published expired
      BOOST_CHECK_GE(in.expiration_s - now_s, uint32_t(kCfg.extend_before.count() / 1000) - 60);
    }
  }
  BOOST_CHECK(t.introducer_names() == first);  // the same introducers all along
  // Re-asked every refresh_interval (session and NAT mapping kept alive).
  BOOST_CHECK_GE(t.tag_requests - asked, 3 * 170);
  // The expiry moved only when it came close: a few republishes, not one per refresh.
  auto ev = t.n().all<IntroducersChanged>();
  BOOST_CHECK_LE(ev.size(), 3u + 3u * 4u);
  BOOST_CHECK_GE(ev.size(), 3u + 3u * 2u);
}

BOOST_AUTO_TEST_CASE(unrefreshed_tags_expire_and_are_replaced) {
  Net t;
  t.firewalled(0);
  t.w.run(0, 1000);
  BOOST_REQUIRE_EQUAL(t.published().size(), 3u);
  t.refusing = {"p1", "p2", "p3", "p4"};  // no answer to any refresh
  t.w.run(1000, kCfg.tag_lifetime.count() + 1000);
  BOOST_CHECK(t.published().empty());
  BOOST_CHECK(t.n().all<IntroducersChanged>().back().introducers.empty());
  // Answers come back: once the backoff of the routers asked meanwhile is over, we have
  // three again.
  t.refusing.clear();
  const int64_t from = kCfg.tag_lifetime.count() + 1000;
  t.w.run(from, from + kCfg.refused_backoff.count() + 60'000);
  BOOST_CHECK_EQUAL(t.published().size(), 3u);
  t.check_tags_are_real();
}

BOOST_AUTO_TEST_CASE(symmetric_nat_publishes_no_introducers) {
  Net t;
  t.n().engine->set_reachability(at(0), Reachability::SymmetricNat, 4);
  t.w.run(0, 10 * kMin);
  BOOST_CHECK_EQUAL(t.tag_requests, 0);
  BOOST_CHECK(t.published().empty());
  BOOST_CHECK(t.n().all<IntroducersChanged>().empty());
  BOOST_CHECK(!t.n().engine->introducers().active());
}

BOOST_AUTO_TEST_CASE(reachable_or_unknown_publishes_none_and_drops_held_ones) {
  Net t;
  t.n().engine->set_reachability(at(0), Reachability::Unknown, 4);
  t.w.run(0, kMin);
  BOOST_CHECK_EQUAL(t.tag_requests, 0);
  t.firewalled(kMin);
  t.w.run(kMin, 2 * kMin);
  BOOST_REQUIRE_EQUAL(t.published().size(), 3u);
  t.n().engine->set_reachability(at(2 * kMin), Reachability::Reachable, 4);
  BOOST_CHECK(t.published().empty());
  t.w.flush(2 * kMin);
  BOOST_CHECK(t.n().all<IntroducersChanged>().back().introducers.empty());
  const int asked = t.tag_requests;
  t.w.run(2 * kMin, 30 * kMin);
  BOOST_CHECK_EQUAL(t.tag_requests, asked);  // no refreshes any more
  BOOST_CHECK(!t.n().engine->next_deadline());
  // A late grant after the drop is not published.
  t.n().engine->on_block(at(30 * kMin), t.w["p1"].hash(), wire::RelayTagBlock{5});
  BOOST_CHECK(t.published().empty());
}

BOOST_AUTO_TEST_CASE(new_session_fills_a_missing_slot) {
  World w{22};
  w.add("n", 1, ep4(1, 22001));
  w.add("p1", 2, ep4(2, 22002));
  w.add("p2", 3, ep4(3, 22003));
  w.connect("n", "p1");
  w["n"].engine->set_reachability(at(0), Reachability::Firewalled, 4);
  w.run(0, 1000);
  BOOST_CHECK_EQUAL(w["n"].engine->introducers().published(4).size(), 1u);
  w.connect("n", "p2");  // the handshake finished: a candidate, asked at once
  w.run(1000, 2000);
  BOOST_CHECK_EQUAL(w["n"].engine->introducers().published(4).size(), 2u);
}

// The handshake path (i2pd 2.45.1 gives tags only in Session Created): a firewalled N whose
// Session Request asked for a tag holds the one granted there as an introducer, with no
// data-phase request; a tag granted by a router that cannot introduce is not published.
BOOST_AUTO_TEST_CASE(tag_granted_in_the_handshake_is_an_introducer) {
  World w{24};
  w.add("n", 1, ep4(1, 24001));
  w.add("p1", 2, ep4(2, 24002));
  w.add("x", 3, ep4(3, 24003), "B");
  w["n"].engine->set_reachability(at(0), Reachability::Firewalled, 4);
  int requests = 0;
  w.filter = [&](Wire& wi) {
    if (wi.from == "n" && carries(wi, true)) ++requests;
    return true;
  };
  for (const char* p : {"p1", "x"}) {
    w["n"].engine->learn_peer(w[p].info());
    w[p].engine->learn_peer(w["n"].info());
  }
  w["p1"].engine->session_established(at(10), w["n"].hash(), w["n"].ep, HandshakeTags{false, {}, 777u});
  w["n"].engine->session_established(at(10), w["p1"].hash(), w["p1"].ep, HandshakeTags{true, 777u, {}});
  w["x"].engine->session_established(at(10), w["n"].hash(), w["n"].ep, HandshakeTags{false, {}, 778u});
  w["n"].engine->session_established(at(10), w["x"].hash(), w["x"].ep, HandshakeTags{true, 778u, {}});
  w.run(10, 1000);
  auto pub = w["n"].engine->introducers().published(4);
  BOOST_REQUIRE_EQUAL(pub.size(), 1u);
  BOOST_CHECK(pub[0].router_hash == w["p1"].hash());
  BOOST_CHECK_EQUAL(pub[0].tag, 777u);
  BOOST_CHECK_EQUAL(pub[0].expiration_s, kUnixBase + uint32_t(kCfg.tag_lifetime.count() / 1000));
  BOOST_CHECK_EQUAL(requests, 0);  // p1 already gave one; x is no candidate; none else
  BOOST_CHECK_EQUAL(w["n"].all<IntroducersChanged>().size(), 1u);
  // Not firewalled: a handshake tag is not published.
  w.add("p2", 4, ep4(4, 24004));
  w["n"].engine->set_reachability(at(2000), Reachability::Reachable, 4);
  w["n"].engine->learn_peer(w["p2"].info());
  w["n"].engine->session_established(at(2000), w["p2"].hash(), w["p2"].ep, HandshakeTags{true, 779u, {}});
  BOOST_CHECK(w["n"].engine->introducers().published(4).empty());
}

BOOST_AUTO_TEST_CASE(peer_without_published_host_is_no_candidate) {
  World w{23};
  w.add("n", 1, ep4(1, 23001));
  w.add("f", 2, ep4(2, 23002));
  w.connect("n", "f");
  auto info = w["f"].info();
  info.v4.reset();  // firewalled itself: nobody can reach it to ask for an introduction
  w["n"].engine->learn_peer(info);
  w["n"].engine->set_reachability(at(0), Reachability::Firewalled, 4);
  w.run(0, kMin);
  BOOST_CHECK(w["n"].engine->introducers().published(4).empty());
  BOOST_CHECK(w["n"].all<IntroducersChanged>().empty());
}

// Publishing (transport/nat/publish + i2p::make_own_router_info): a firewalled address
// carries ih0/itag0/iexp0.. as the spec names them, no host or port, caps "4", and parses
// back to the same introducers; a reachable one carries none.
BOOST_AUTO_TEST_CASE(published_router_info_carries_introducers) {
  Net t;
  t.firewalled(0);
  t.w.run(0, 1000);
  auto intro = t.published();
  BOOST_REQUIRE_EQUAL(intro.size(), 3u);
  i2p::OwnRouterInfoParams base;
  base.host = "10.0.0.1";
  base.port = 21001;
  base.address_caps = "BC";
  PublishedAddress fw;
  fw.publish_host = false;
  fw.address_caps = "4";
  fw.router_cap = 'U';
  auto p = published_params(base, false, fw, 'U', intro);
  p.published_ms = uint64_t(kUnixBase) * 1000;
  auto back = signed_and_parsed(t.n().keys, p);
  const auto* a = back.ssu2_address();
  BOOST_REQUIRE(a);
  BOOST_CHECK(!a->host() && !a->port());
  BOOST_CHECK(a->caps() == std::string("4"));
  for (size_t i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    BOOST_REQUIRE(a->option("ih" + n));
    BOOST_CHECK_EQUAL(*a->option("ih" + n), i2p::base64_encode(intro[i].router_hash));
    BOOST_CHECK_EQUAL(*a->option("itag" + n), std::to_string(intro[i].tag));
    BOOST_CHECK_EQUAL(*a->option("iexp" + n), std::to_string(intro[i].expiration_s));
  }
  BOOST_CHECK(!a->option("ih3"));
  BOOST_CHECK(!a->option("ik0") && !a->option("ikey0") && !a->option("ihost0"));  // SSU 1 only
  auto parsed = a->introducers();
  BOOST_REQUIRE_EQUAL(parsed.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    BOOST_CHECK(parsed[i].router_hash == intro[i].router_hash);
    BOOST_CHECK_EQUAL(parsed[i].tag, intro[i].tag);
    BOOST_CHECK_EQUAL(parsed[i].expiration_s, intro[i].expiration_s);
  }
  // Reachable: host, port and no introducers even if some are passed.
  PublishedAddress reach;
  auto pr = published_params(base, false, reach, 'R', intro);
  pr.published_ms = p.published_ms;
  auto rr = i2p::make_own_router_info(t.n().keys, pr);
  BOOST_REQUIRE(rr.ok());
  BOOST_CHECK(rr->ssu2_address()->host() == std::string("10.0.0.1"));
  BOOST_CHECK(rr->ssu2_address()->introducers().empty());
  BOOST_CHECK(!rr->ssu2_address()->option("ih0"));
}

// ---- Alice's side: which of Charlie's introducers to ask (transport/nat/introducer_choice) ----
BOOST_AUTO_TEST_CASE(alice_asks_connected_introducers_first_and_skips_expired_ones) {
  auto h = [](uint8_t b) {
    ssu2::crypto::Hash32 x{};
    x.fill(b);
    return x;
  };
  const uint32_t now = 1'800'000'000;
  std::vector<ssu2::i2p::Introducer> published{
      {h(1), now + 3600, 11},  // not connected
      {h(2), now + 5, 22},     // expires within the margin: skipped
      {h(3), 0, 33},           // no iexp: usable
      {h(4), now + 600, 44}};  // connected
  ssu2::nat::IntroducerChoice c(published, now);
  BOOST_TEST(c.left() == 3u);
  auto connected = [&](const ssu2::crypto::Hash32& x) { return x == h(4); };
  auto first = c.next(connected);
  BOOST_REQUIRE(first);
  BOOST_TEST(first->introducer.tag == 44u);  // the connected one, although published last
  auto second = c.next(connected);
  BOOST_REQUIRE(second);
  BOOST_TEST(second->introducer.tag == 11u);  // then in published order
  auto third = c.next(connected);
  BOOST_REQUIRE(third);
  BOOST_TEST(third->introducer.tag == 33u);
  BOOST_TEST(!c.next(connected));  // each one once
  BOOST_TEST(!ssu2::nat::IntroducerChoice({{h(5), now - 1, 55}}, now).next(connected));
}

// Our NAT must keep letting each held introducer's Relay Intro in: between the tag refreshes
// (every refresh_interval, a packet too) every held introducer is sent a KeepAlive each
// keepalive_interval, and nobody else is; once we are no longer firewalled, none.
BOOST_AUTO_TEST_CASE(held_introducers_are_kept_alive_between_refreshes) {
  BOOST_REQUIRE(kCfg.keepalive_interval < kCfg.refresh_interval);
  Net t;
  t.firewalled(0);
  t.w.run(0, 1000);
  BOOST_REQUIRE_EQUAL(t.published().size(), 3u);
  t.n().results.clear();
  const int64_t span = 10 * kMin;
  t.w.run(1000, 1000 + span);
  std::map<RouterHash, int> kept;
  for (const auto& k : t.n().all<KeepAlive>()) ++kept[k.to];
  BOOST_CHECK_EQUAL(kept.size(), 3u);
  for (const auto& in : t.published()) {
    // Per refresh period: the tag request, then a keepalive after each further interval.
    const int64_t per_period = kCfg.refresh_interval.count() / kCfg.keepalive_interval.count() - 1;
    BOOST_CHECK_GE(kept[in.router_hash], int(per_period * (span / kCfg.refresh_interval.count()) - 1));
    BOOST_CHECK_LE(kept[in.router_hash], int(per_period * (span / kCfg.refresh_interval.count()) + 1));
  }
  // A closed introducer is not kept alive any more (it is replaced).
  auto gone = t.published().front().router_hash;
  for (const auto& p : t.pubs)
    if (t.w[p].hash() == gone) t.close(1000 + span, p);
  t.n().results.clear();
  t.w.run(1000 + span, 1000 + 2 * span);
  for (const auto& k : t.n().all<KeepAlive>()) BOOST_CHECK(k.to != gone);
  BOOST_CHECK(!t.n().all<KeepAlive>().empty());
  // Reachable: introducers dropped, nothing kept alive.
  t.n().engine->set_reachability(at(1000 + 2 * span), Reachability::Reachable, 4);
  t.n().results.clear();
  t.w.run(1000 + 2 * span, 1000 + 3 * span);
  BOOST_CHECK(t.n().all<KeepAlive>().empty());
}
