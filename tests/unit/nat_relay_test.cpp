#define BOOST_TEST_MODULE nat_relay
#include <boost/test/unit_test.hpp>

#include "nat_world.hpp"
#include "transport/nat/signing.hpp"

using namespace nattest;

namespace {

// Charlie (firewalled) holds a tag from Bob; Alice has a session with Bob and knows
// Charlie's RouterInfo (from the netdb).
struct Three {
  World w{11};
  uint32_t tag = 0;
  Three() {
    w.add("alice", 1, ep4(1, 20001));
    w.add("bob", 2, ep4(2, 20002));
    w.add("charlie", 3, ep4(3, 20003));
    w.connect("alice", "bob");
    w.connect("bob", "charlie");
    w["alice"].engine->learn_peer(w["charlie"].info());
    BOOST_REQUIRE(w["charlie"].engine->request_relay_tag(at(0), w["bob"].hash()).ok());
    w.flush(0);
    auto g = w["charlie"].all<RelayTagGranted>();
    BOOST_REQUIRE_EQUAL(g.size(), 1u);
    BOOST_REQUIRE(g[0].introducer == w["bob"].hash());
    tag = g[0].tag;
    BOOST_REQUIRE(w["bob"].engine->relay().tag_owner(tag) == w["charlie"].hash());
  }
  Party& alice() { return w["alice"]; }
  Party& bob() { return w["bob"]; }
  Party& charlie() { return w["charlie"]; }
  uint32_t ask(uint32_t with_tag) {
    auto n = alice().engine->request_introduction(at(0), bob().hash(), charlie().hash(), with_tag,
                                                  alice().ep);
    BOOST_REQUIRE(n.ok());
    return *n;
  }
};

const wire::RelayResponseBlock* find_resp(const std::vector<Action>& acts) {
  for (auto& a : acts)
    if (auto* sb = std::get_if<SendBlocks>(&a))
      for (auto& b : sb->blocks)
        if (auto* r = std::get_if<wire::RelayResponseBlock>(&b)) return r;
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(full_relay_ends_with_hole_punch) {
  Three t;
  uint32_t nonce = t.ask(t.tag);
  t.w.run(0, 30'000);
  auto ready = t.alice().all<IntroductionReady>();
  BOOST_REQUIRE_EQUAL(ready.size(), 1u);  // Bob's copy of the response did not add a second
  BOOST_CHECK_EQUAL(ready[0].nonce, nonce);
  BOOST_CHECK(ready[0].via_hole_punch);  // in-memory: the punch is delivered first
  BOOST_CHECK(ready[0].charlie == t.charlie().hash());
  BOOST_CHECK(ready[0].charlie_endpoint == t.charlie().ep);
  auto issued = t.charlie().all<TokenIssued>();
  BOOST_REQUIRE_EQUAL(issued.size(), 1u);
  BOOST_CHECK_EQUAL(issued[0].token, ready[0].token);
  BOOST_CHECK(issued[0].alice_endpoint == t.alice().ep);
  BOOST_CHECK(t.alice().all<IntroductionFailed>().empty());
  BOOST_CHECK_EQUAL(t.w.packets_sent, 1);  // exactly the Hole Punch
  for (auto* p : {&t.alice(), &t.bob(), &t.charlie()}) {
    const auto& c = p->engine->counters();
    BOOST_CHECK_EQUAL(c.malformed + c.bad_signature + c.stale_timestamp + c.replayed_nonce +
                          c.unknown_nonce + c.wrong_sender + c.unknown_tag,
                      0u);
  }
  BOOST_CHECK_EQUAL(t.alice().engine->relay().pending_introductions(), 0u);
}

BOOST_AUTO_TEST_CASE(lost_hole_punch_uses_bobs_response) {
  Three t;
  t.w.filter = [](Wire& w) { return !is_packet(w); };
  t.ask(t.tag);
  t.w.run(0, 30'000);
  auto ready = t.alice().all<IntroductionReady>();
  BOOST_REQUIRE_EQUAL(ready.size(), 1u);
  BOOST_CHECK(!ready[0].via_hole_punch);
  BOOST_CHECK(ready[0].charlie_endpoint == t.charlie().ep);
  BOOST_CHECK_EQUAL(ready[0].token, t.charlie().all<TokenIssued>().at(0).token);
}

BOOST_AUTO_TEST_CASE(hole_punch_source_port_wins) {
  Three t;
  t.w.filter = [](Wire& w) { return !(w.from == "bob" && w.to == "alice"); };
  t.w.nat = [](const std::string& from, const ssu2::Address& real) {
    ssu2::Address e = real;
    if (from == "charlie") e.port = 45000;
    return e;
  };
  t.ask(t.tag);
  t.w.run(0, 30'000);
  auto ready = t.alice().all<IntroductionReady>();
  BOOST_REQUIRE_EQUAL(ready.size(), 1u);
  BOOST_CHECK(ready[0].via_hole_punch);
  BOOST_CHECK_EQUAL(ready[0].charlie_endpoint.port, 45000);
}

BOOST_AUTO_TEST_CASE(unknown_tag_is_rejected_by_bob_with_code_5) {
  Three t;
  t.ask(t.tag + 1);
  t.w.run(0, 30'000);
  auto f = t.alice().all<IntroductionFailed>();
  BOOST_REQUIRE_EQUAL(f.size(), 1u);
  BOOST_CHECK_EQUAL(f[0].code, relay_code::kBobTagNotFound);
  BOOST_CHECK(!f[0].timed_out);
  BOOST_CHECK_EQUAL(t.bob().engine->counters().unknown_tag, 1u);
  BOOST_CHECK(t.charlie().all<TokenIssued>().empty());
}

BOOST_AUTO_TEST_CASE(bad_signature_is_rejected_by_bob_with_code_4) {
  Three t;
  t.w.filter = [](Wire& w) {
    if (auto* sb = std::get_if<SendBlocks>(w.action))
      for (auto& b : sb->blocks)
        if (auto* r = std::get_if<wire::RelayRequestBlock>(&b)) r->signature[5] ^= 1;
    return true;
  };
  t.ask(t.tag);
  t.w.run(0, 30'000);
  auto f = t.alice().all<IntroductionFailed>();
  BOOST_REQUIRE_EQUAL(f.size(), 1u);
  BOOST_CHECK_EQUAL(f[0].code, relay_code::kBobSignature);
  BOOST_CHECK_EQUAL(t.bob().engine->counters().bad_signature, 1u);
}

BOOST_AUTO_TEST_CASE(tampered_request_field_fails_signature) {
  Three t;
  t.w.filter = [](Wire& w) {
    if (auto* sb = std::get_if<SendBlocks>(w.action))
      for (auto& b : sb->blocks)
        if (auto* r = std::get_if<wire::RelayRequestBlock>(&b)) r->alice.port += 1;
    return true;
  };
  t.ask(t.tag);
  t.w.run(0, 30'000);
  BOOST_CHECK_EQUAL(t.alice().all<IntroductionFailed>().at(0).code, relay_code::kBobSignature);
}

BOOST_AUTO_TEST_CASE(replayed_request_is_dropped) {
  Three t;
  std::optional<wire::RelayRequestBlock> seen;
  t.w.filter = [&](Wire& w) {
    if (auto* sb = std::get_if<SendBlocks>(w.action))
      for (auto& b : sb->blocks)
        if (auto* r = std::get_if<wire::RelayRequestBlock>(&b)) seen = *r;
    return true;
  };
  t.ask(t.tag);
  t.w.run(0, 5'000);
  BOOST_REQUIRE(seen);
  t.bob().engine->on_block(at(5'000), t.alice().hash(), *seen);
  BOOST_CHECK_EQUAL(t.bob().engine->counters().replayed_nonce, 1u);
  BOOST_CHECK(t.bob().engine->take_actions().empty());  // not forwarded again
  BOOST_CHECK_EQUAL(t.charlie().all<TokenIssued>().size(), 1u);
}

BOOST_AUTO_TEST_CASE(stale_request_is_dropped) {
  Three t;
  wire::RelayRequestBlock r;
  r.nonce = 9;
  r.relay_tag = t.tag;
  r.timestamp = at(0).unix_s - 1000;
  r.alice = t.alice().ep;
  r.signature = *nat::sign(t.alice().keys.ed25519_seed,
                           nat::relay_request_message(t.bob().hash(), t.charlie().hash(),
                                                      r.signed_data()));
  t.bob().engine->on_block(at(0), t.alice().hash(), r);
  BOOST_CHECK_EQUAL(t.bob().engine->counters().stale_timestamp, 1u);
  BOOST_CHECK(t.bob().engine->take_actions().empty());
}

BOOST_AUTO_TEST_CASE(charlie_drops_intro_with_tag_it_does_not_hold) {
  Three t;
  wire::RelayIntroBlock in;
  in.alice_hash = t.alice().hash();
  in.nonce = 5;
  in.relay_tag = t.tag ^ 0xffff;
  in.timestamp = at(0).unix_s;
  in.alice = t.alice().ep;
  in.signature = Bytes(64, 1);
  t.charlie().engine->on_block(at(0), t.bob().hash(), in);
  BOOST_CHECK_EQUAL(t.charlie().engine->counters().unknown_tag, 1u);
  // The right tag but from a router that never gave it.
  in.relay_tag = t.tag;
  t.charlie().engine->on_block(at(0), t.alice().hash(), in);
  BOOST_CHECK_EQUAL(t.charlie().engine->counters().unknown_tag, 2u);
  BOOST_CHECK(t.charlie().engine->take_actions().empty());
}

BOOST_AUTO_TEST_CASE(charlie_rejects_bad_alice_signature_with_code_67) {
  Three t;
  t.charlie().engine->learn_peer(t.alice().info());
  wire::RelayIntroBlock in;
  in.alice_hash = t.alice().hash();
  in.nonce = 5;
  in.relay_tag = t.tag;
  in.timestamp = at(0).unix_s;
  in.alice = t.alice().ep;
  in.signature = *nat::sign(t.alice().keys.ed25519_seed,
                            nat::relay_request_message(t.charlie().hash(), t.bob().hash(),  // swapped
                                                       wire::RelayRequestBlock{0, 5, t.tag, in.timestamp, 2, in.alice, {}}.signed_data()));
  t.charlie().engine->on_block(at(0), t.bob().hash(), in);
  auto acts = t.charlie().engine->take_actions();
  auto* r = find_resp(acts);
  BOOST_REQUIRE(r);
  BOOST_CHECK_EQUAL(r->code, relay_code::kCharlieSignature);
  BOOST_CHECK(!r->token);
  BOOST_CHECK(nat::verify(t.charlie().keys.ed25519_pub,
                          nat::relay_response_message(t.bob().hash(), r->signed_data()), r->signature));
  BOOST_CHECK_EQUAL(acts.size(), 1u);  // no Hole Punch, no token
}

BOOST_AUTO_TEST_CASE(forged_response_and_hole_punch_are_rejected) {
  Three t;
  // Charlie's answer never arrives; a forged acceptance comes from Bob's session instead.
  t.w.filter = [](Wire& w) { return w.from != "charlie"; };
  uint32_t nonce = t.ask(t.tag);
  t.w.run(0, 1'000);
  wire::RelayResponseBlock r;
  r.nonce = nonce;
  r.has_details = true;
  r.timestamp = at(1'000).unix_s;
  r.charlie = ep4(66, 6666);
  r.token = 1234;
  r.signature = *nat::sign(t.bob().keys.ed25519_seed,  // not Charlie's key
                           nat::relay_response_message(t.bob().hash(), r.signed_data()));
  t.alice().engine->on_block(at(1'000), t.bob().hash(), r);
  BOOST_CHECK_EQUAL(t.alice().engine->counters().bad_signature, 1u);
  // From a router other than our Bob.
  t.alice().engine->on_block(at(1'000), t.charlie().hash(), r);
  BOOST_CHECK_EQUAL(t.alice().engine->counters().wrong_sender, 1u);
  BOOST_CHECK(t.alice().engine->take_actions().empty());
  // Eventually the introduction times out.
  t.w.run(1'000, 60'000);
  auto f = t.alice().all<IntroductionFailed>();
  BOOST_REQUIRE_EQUAL(f.size(), 1u);
  BOOST_CHECK(f[0].timed_out);
  BOOST_CHECK(t.alice().all<IntroductionReady>().empty());
}

BOOST_AUTO_TEST_CASE(garbage_hole_punch_is_dropped) {
  Three t;
  Bytes junk(100, 0x5a);
  BOOST_CHECK(!t.alice().engine->on_packet(at(0), t.charlie().ep, junk).ok());
  BOOST_CHECK(!t.alice().engine->on_packet(at(0), t.charlie().ep, ByteSpan{}).ok());
  BOOST_CHECK_EQUAL(t.alice().engine->counters().malformed, 2u);
}

BOOST_AUTO_TEST_CASE(unsolicited_relay_tag_is_ignored_and_tags_die_with_session) {
  Three t;
  t.alice().engine->on_block(at(0), t.bob().hash(), wire::RelayTagBlock{77});
  BOOST_CHECK_EQUAL(t.alice().engine->counters().unexpected, 1u);
  BOOST_CHECK(t.alice().all<RelayTagGranted>().empty());
  // Repeated request: same tag.
  (void)t.charlie().engine->request_relay_tag(at(0), t.bob().hash());
  t.w.flush(0);
  BOOST_CHECK_EQUAL(t.charlie().all<RelayTagGranted>().back().tag, t.tag);
  t.bob().engine->session_closed(at(0), t.charlie().hash());
  BOOST_CHECK(!t.bob().engine->relay().tag_owner(t.tag));
  t.charlie().engine->session_closed(at(0), t.bob().hash());
  BOOST_CHECK(t.charlie().engine->relay().granted_tags().empty());
}

// Tags carried by the handshake (Relay Tag Request in Session Request, Relay Tag in Session
// Created: i2pd 2.45.1's only way) reach both tables as a RelayTag block would: Charlie
// holds and reports his, Bob maps the one he issued, and an introduction with it completes.
BOOST_AUTO_TEST_CASE(handshake_tags_reach_both_tables_and_introduce) {
  World w{12};
  w.add("alice", 1, ep4(1, 20001));
  w.add("bob", 2, ep4(2, 20002));
  w.add("charlie", 3, ep4(3, 20003));
  w.add("dave", 4, ep4(4, 20004));
  w.connect("alice", "bob");
  auto& bob = w["bob"];
  auto& charlie = w["charlie"];
  charlie.engine->learn_peer(bob.info());
  bob.engine->learn_peer(charlie.info());
  BOOST_CHECK(charlie.engine->relay().wants_tags(true));
  charlie.engine->session_established(at(0), bob.hash(), bob.ep, HandshakeTags{true, 4242u, {}});
  bob.engine->session_established(at(0), charlie.hash(), charlie.ep, HandshakeTags{false, {}, 4242u});
  w.flush(0);
  auto g = charlie.all<RelayTagGranted>();
  BOOST_REQUIRE_EQUAL(g.size(), 1u);
  BOOST_CHECK(g[0].introducer == bob.hash());
  BOOST_CHECK_EQUAL(g[0].tag, 4242u);
  BOOST_CHECK_EQUAL(charlie.engine->relay().granted_tags().at(bob.hash()), 4242u);
  BOOST_CHECK(bob.engine->relay().tag_owner(4242) == charlie.hash());
  BOOST_CHECK(!charlie.engine->relay().wants_tags(false));  // only when firewalled

  w["alice"].engine->learn_peer(charlie.info());
  auto n = w["alice"].engine->request_introduction(at(0), bob.hash(), charlie.hash(), 4242,
                                                   w["alice"].ep);
  BOOST_REQUIRE(n.ok());
  w.run(0, 30'000);
  BOOST_CHECK_EQUAL(w["alice"].all<IntroductionReady>().size(), 1u);

  // Dave asked in his handshake and got no tag there: Bob's later RelayTag block is his.
  auto& dave = w["dave"];
  dave.engine->learn_peer(bob.info());
  dave.engine->session_established(at(0), bob.hash(), bob.ep, HandshakeTags{true, {}, {}});
  dave.engine->on_block(at(0), bob.hash(), wire::RelayTagBlock{99});
  BOOST_CHECK_EQUAL(dave.engine->counters().unexpected, 0u);
  BOOST_CHECK_EQUAL(dave.engine->relay().granted_tags().at(bob.hash()), 99u);
  // An issued tag that collides with one Bob holds is refused and counted.
  bob.engine->learn_peer(dave.info());
  bob.engine->session_established(at(0), dave.hash(), dave.ep, HandshakeTags{false, {}, 4242u});
  BOOST_CHECK(bob.engine->relay().tag_owner(4242) == charlie.hash());
  BOOST_CHECK_EQUAL(bob.engine->counters().limit, 1u);
}
