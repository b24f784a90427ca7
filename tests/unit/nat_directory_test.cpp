// The NAT directory of known routers (Context::learn_peer) with a full table: a router with
// no session is forgotten for a newcomer, routers with sessions never are, and a router whose
// session ends becomes forgettable again. Scale: a full directory where every router has a
// session refuses newcomers without walking it (issue 14: every session start beyond
// max_known_peers sessions walked the whole directory).
#define BOOST_TEST_MODULE nat_directory
#include <boost/test/unit_test.hpp>

#include "transport/nat/context.hpp"

using namespace ssu2;
using namespace ssu2::nat;

namespace {

RouterHash hash_of(uint32_t n) {
  RouterHash h{};
  h[0] = uint8_t(n >> 24);
  h[1] = uint8_t(n >> 16);
  h[2] = uint8_t(n >> 8);
  h[3] = uint8_t(n);
  return h;
}

PeerInfo peer(uint32_t n) {
  PeerInfo p;
  p.hash = hash_of(n);
  return p;
}

ssu2::Address ep(uint32_t n) { return ssu2::Address::v4(10, 0, uint8_t(n >> 8), uint8_t(n), 9000); }

Context make(size_t max_known) {
  Config c;
  c.max_known_peers = max_known;
  return Context(LocalIdentity{}, c, [](MutByteSpan s) { for (auto& b : s) b = 7; });
}

}  // namespace

BOOST_AUTO_TEST_CASE(full_directory_forgets_a_router_without_session) {
  auto ctx = make(3);
  for (uint32_t n : {1, 2, 3}) ctx.learn_peer(peer(n));
  ctx.session_up(hash_of(1), ep(1));
  ctx.session_up(hash_of(3), ep(3));
  ctx.learn_peer(peer(4));  // 2 is the only one without a session
  BOOST_TEST(ctx.known_peers() == 3u);
  BOOST_TEST(!ctx.peer(hash_of(2)));
  BOOST_TEST(ctx.peer(hash_of(1)));
  BOOST_TEST(ctx.peer(hash_of(3)));
  BOOST_TEST(ctx.peer(hash_of(4)));
  BOOST_TEST(ctx.counters.limit == 0u);
}

BOOST_AUTO_TEST_CASE(routers_with_sessions_are_kept_and_the_newcomer_refused) {
  auto ctx = make(3);
  for (uint32_t n : {1, 2, 3}) {
    ctx.session_up(hash_of(n), ep(n));  // session first, then its RouterInfo (node order)
    ctx.learn_peer(peer(n));
  }
  ctx.learn_peer(peer(4));
  BOOST_TEST(!ctx.peer(hash_of(4)));
  BOOST_TEST(ctx.counters.limit == 1u);
  // Re-learning a known router updates it in place, even when full.
  PeerInfo again = peer(2);
  again.peer_test_capable = true;
  ctx.learn_peer(again);
  BOOST_REQUIRE(ctx.peer(hash_of(2)));
  BOOST_TEST(ctx.peer(hash_of(2))->peer_test_capable);
  BOOST_TEST(ctx.counters.limit == 1u);
  // 2's session ends: it is the one forgotten for the next newcomer.
  ctx.session_down(hash_of(2));
  ctx.learn_peer(peer(5));
  BOOST_TEST(!ctx.peer(hash_of(2)));
  BOOST_TEST(ctx.peer(hash_of(5)));
  BOOST_TEST(ctx.known_peers() == 3u);
  // 5 has no session: it goes for 6, not 1 or 3.
  ctx.learn_peer(peer(6));
  BOOST_TEST(!ctx.peer(hash_of(5)));
  BOOST_TEST(ctx.peer(hash_of(1)));
  BOOST_TEST(ctx.peer(hash_of(3)));
  BOOST_TEST(ctx.peer(hash_of(6)));
}

BOOST_AUTO_TEST_CASE(session_of_an_unknown_router_does_not_make_it_forgettable) {
  auto ctx = make(2);
  ctx.session_up(hash_of(9), ep(9));
  ctx.session_down(hash_of(9));  // never learned: nothing to forget later
  ctx.learn_peer(peer(1));
  ctx.learn_peer(peer(2));
  ctx.session_up(hash_of(1), ep(1));
  ctx.session_up(hash_of(2), ep(2));
  ctx.learn_peer(peer(3));
  BOOST_TEST(!ctx.peer(hash_of(3)));
  BOOST_TEST(ctx.known_peers() == 2u);
}

BOOST_AUTO_TEST_CASE(many_sessions_beyond_the_directory_bound) {
  // 20,000 session starts against a 4,096-router directory, all with sessions: every
  // newcomer is refused and counted, the directory keeps exactly its bound.
  auto ctx = make(4096);
  for (uint32_t n = 1; n <= 20000; ++n) {
    ctx.session_up(hash_of(n), ep(n));
    ctx.learn_peer(peer(n));
  }
  BOOST_TEST(ctx.known_peers() == 4096u);
  BOOST_TEST(ctx.counters.limit == 20000u - 4096u);
  // Half of the early ones go away: the next newcomers take their places.
  for (uint32_t n = 1; n <= 2048; ++n) ctx.session_down(hash_of(n));
  for (uint32_t n = 20001; n <= 22048; ++n) {
    ctx.session_up(hash_of(n), ep(n));
    ctx.learn_peer(peer(n));
  }
  BOOST_TEST(ctx.known_peers() == 4096u);
  BOOST_TEST(ctx.counters.limit == 20000u - 4096u);
  BOOST_TEST(!ctx.peer(hash_of(1)));
  BOOST_TEST(ctx.peer(hash_of(22048)));
}
