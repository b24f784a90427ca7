#define BOOST_TEST_MODULE node_nat
#include <boost/test/unit_test.hpp>

// Three complete nodes in one process (one actor system each) over 127.0.0.1: A runs a peer
// test with Bob = B, who picks Charlie = C among his sessions; the result reaches A with the
// address C saw, which must be A's real endpoint. Then A gets a relay tag from B through the
// control (introspection) actor. A and C are deliberately not connected: the spec has
// Charlie refuse a test for an Alice he already has a session with (code 68), because a
// session would let message 5 through whatever Alice's NAT does.

#include <filesystem>
#include <thread>

#include "actors/node.hpp"
#include "tests/unit/node_harness.hpp"
#include "messages/messages.hpp"

using namespace ssu2d;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

using namespace node_test;

namespace {




size_t session_count(TestNode& n) {
  caf::scoped_actor self{*n.sys};
  size_t count = 0;
  self->request(n.node->manager(), kWait, sessions_atom::value)
      .receive([&](const session_list& l) { count = l.sessions.size(); }, [](caf::error&) {});
  return count;
}

// Polls `pred` every 50 ms for at most 20 s (a bound, not a speed assertion).
template <class Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 400; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

// One peer test request to A's nat actor; unknown_session while the nat actor has not yet
// heard of the session (its notice races with the connect answer) is retried by the caller.
std::optional<peer_test_result> peer_test(TestNode& alice, const router_hash& bob,
                                          std::string& error) {
  caf::scoped_actor self{*alice.sys};
  std::optional<peer_test_result> out;
  self->request(alice.node->nat(), 40s, peer_test_atom::value, bob)
      .receive([&](const peer_test_result& r) { out = r; },
               [&](caf::error& e) { error = render_node_error(e); });
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(peer_test_and_relay_tag_between_three_nodes) {
  TestNode a("ssu2d-nat", "a"), b("ssu2d-nat", "b"), c("ssu2d-nat", "c");
  BOOST_REQUIRE(connect(a, b) == b.node->hash());
  BOOST_REQUIRE(connect(c, b) == b.node->hash());
  // B must hold both sessions (and know both RouterInfos) before it can pick Charlie.
  BOOST_REQUIRE(eventually([&] { return session_count(b) == 2; }));
  BOOST_REQUIRE(eventually([&] { return session_count(a) == 1 && session_count(c) == 1; }));

  std::optional<peer_test_result> r;
  std::string error;
  BOOST_REQUIRE(eventually([&] {
    error.clear();
    r = peer_test(a, b.node->hash(), error);
    return r.has_value() || error.rfind("unknown_session", 0) != 0;
  }));
  BOOST_REQUIRE_MESSAGE(r, "peer test failed: " << error);
  BOOST_TEST(r->bob == b.node->hash());
  BOOST_TEST(r->reject_code == 0u);
  BOOST_TEST(r->result == "reachable");
  const std::string a_ep = a.node->ssu2_endpoints().front().to_string();
  BOOST_TEST(r->tested == a_ep);
  BOOST_TEST(r->observed == a_ep);  // what Charlie saw is where A really is
  BOOST_TEST(r->nonce != 0u);

  // Relay tag: through the control actor, as ssu2ctl relaytag HASH does.
  caf::scoped_actor self{*a.sys};
  uint32_t tag = 0;
  self->request(a.node->introspection(), kWait, relay_atom::value, to_string(b.node->hash()))
      .receive([&](uint32_t t) { tag = t; },
               [&](caf::error& e) { BOOST_FAIL("relaytag: " << render_node_error(e)); });
  BOOST_TEST(tag != 0u);
  // Asking again returns the same tag (B keeps one per router).
  uint32_t again = 0;
  self->request(a.node->introspection(), kWait, relay_atom::value, to_string(b.node->hash()))
      .receive([&](uint32_t t) { again = t; },
               [&](caf::error& e) { BOOST_FAIL("relaytag again: " << render_node_error(e)); });
  BOOST_TEST(again == tag);

  // A peer test through a router we have no session with is refused at once.
  router_hash nobody;
  nobody.bytes.fill(0x5a);
  std::string err;
  BOOST_TEST(!peer_test(a, nobody, err).has_value());
  BOOST_TEST(err.rfind("unknown_session", 0) == 0);
}

// relaytag for a router we have no session with: A connects with a Relay Tag Request in the
// Session Request (i2pd 2.45.1's only way to hand out a tag), B answers with a Relay Tag in
// Session Created, and A's nat actor answers with it; asked again, the tag held is returned.
// A router whose RouterInfo A does not know is refused.
BOOST_AUTO_TEST_CASE(relay_tag_without_a_session_comes_from_the_handshake) {
  TestNode a("ssu2d-nat", "d"), b("ssu2d-nat", "e");
  caf::scoped_actor self{*a.sys};
  router_hash nobody;
  nobody.bytes.fill(0x5b);
  self->request(a.node->introspection(), kWait, relay_atom::value, to_string(nobody))
      .receive([&](uint32_t) { BOOST_FAIL("a tag from nowhere"); },
               [&](caf::error& e) { BOOST_TEST(render_node_error(e).rfind("unknown_session", 0) == 0); });
  caf::anon_send(a.node->manager(), router_info_atom::value, b.node->router_info_bytes());
  BOOST_TEST(session_count(a) == 0u);
  uint32_t tag = 0;
  BOOST_REQUIRE(eventually([&] {  // the RouterInfo reaches the manager asynchronously
    self->request(a.node->introspection(), kWait + 10s, relay_atom::value, to_string(b.node->hash()))
        .receive([&](uint32_t t) { tag = t; }, [&](caf::error&) {});
    return tag != 0;
  }));
  BOOST_TEST(session_count(a) == 1u);
  BOOST_TEST(session_count(b) == 1u);
  uint32_t again = 0;
  self->request(a.node->introspection(), kWait, relay_atom::value, to_string(b.node->hash()))
      .receive([&](uint32_t t) { again = t; },
               [&](caf::error& e) { BOOST_FAIL("relaytag again: " << render_node_error(e)); });
  BOOST_TEST(again == tag);
}
