#define BOOST_TEST_MODULE node_republish
#include <boost/test/unit_test.hpp>

// A republished RouterInfo reaches connected peers: node A's handshake actor is told a new
// RouterInfo the way the nat actor tells it after a reachability change, and node B's
// manager learns it from the RouterInfo block A's session sends in the data phase.

#include <thread>

#include "actors/node.hpp"
#include "actors/support/key_store.hpp"
#include "messages/messages.hpp"
#include "tests/unit/node_harness.hpp"
#include "transport/i2p/router_info.hpp"

using namespace ssu2d;
using namespace node_test;

namespace {

// A's RouterInfo as the RouterPublisher would rebuild it: new published time and caps,
// signed with A's keys (read from its data directory).
std::vector<uint8_t> rebuilt_router_info(const TestNode& a) {
  auto ks = load_or_create_router_keys(a.dir);
  BOOST_REQUIRE_MESSAGE(ks.ok(), ks.error);
  auto bytes = a.node->router_info_bytes();
  auto ri = ssu2::i2p::RouterInfo::parse(ssu2::ByteSpan(bytes.data(), bytes.size()));
  BOOST_REQUIRE(ri.ok());
  ri->published += 5000;
  ri->options.set("caps", "BCR");
  BOOST_REQUIRE(ri->sign(ks.keys->ed25519_seed).ok());
  auto out = ri->serialize();
  BOOST_REQUIRE(out.ok());
  return std::vector<uint8_t>(out->begin(), out->end());
}

// What B's manager knows about router h ("" if nothing).
std::vector<uint8_t> known_router_info(TestNode& b, const router_hash& h) {
  caf::scoped_actor self{*b.sys};
  std::vector<uint8_t> got;
  self->request(b.node->manager(), kWait, router_info_atom::value, h)
      .receive([&](std::vector<uint8_t>& ri) { got = std::move(ri); }, [](caf::error&) {});
  return got;
}

}  // namespace

BOOST_AUTO_TEST_CASE(republished_router_info_reaches_connected_peer) {
  TestNode a("ssu2d-republish", "a"), b("ssu2d-republish", "b");
  BOOST_TEST(connect(a, b) == b.node->hash());
  auto next = rebuilt_router_info(a);
  BOOST_REQUIRE(next != a.node->router_info_bytes());
  BOOST_TEST(known_router_info(b, a.node->hash()) != next);

  caf::anon_send(a.node->handshake(), router_info_atom::value, next);
  std::vector<uint8_t> seen;
  for (int i = 0; i < 200 && seen != next; ++i) {  // bounded: 10 s
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    seen = known_router_info(b, a.node->hash());
  }
  BOOST_TEST((seen == next));
}
