#define BOOST_TEST_MODULE handshake_tokens
#include <boost/test/unit_test.hpp>

#include <random>

#include "tests/support/seeded_random.hpp"
#include "transport/handshake/tokens.hpp"

using namespace ssu2;
using namespace ssu2::handshake;
using ssu2::testing::seeded_random;

namespace {
const ssu2::Address kA = ssu2::Address::v4(10, 0, 0, 1, 1000);
const ssu2::Address kB = ssu2::Address::v4(10, 0, 0, 1, 1001);
constexpr uint32_t kNow = 1'700'000'000;
}  // namespace

BOOST_AUTO_TEST_CASE(token_is_single_use_and_bound_to_address) {
  TokenManager m(seeded_random(1));
  Token t = m.issue_new_token(kA, kNow);
  BOOST_TEST(t.value != 0u);
  BOOST_TEST(t.expires == kNow + 3600);
  BOOST_TEST(!m.consume(kB, t.value, kNow));      // other port
  BOOST_TEST(!m.consume(kA, t.value + 1, kNow));  // other value
  BOOST_TEST(!m.consume(kA, 0, kNow));            // "no token"
  BOOST_TEST(m.consume(kA, t.value, kNow));
  BOOST_TEST(!m.consume(kA, t.value, kNow));  // used
  BOOST_TEST(m.rejected() == 4u);
}

BOOST_AUTO_TEST_CASE(token_expires) {
  TokenManager m(seeded_random(2));
  Token t = m.retry_token(kA, kNow);
  BOOST_TEST(t.expires == kNow + 10);
  BOOST_TEST(!m.consume(kA, t.value, kNow + 10));
  Token u = m.retry_token(kA, kNow);
  BOOST_TEST(m.consume(kA, u.value, kNow + 9));
}

BOOST_AUTO_TEST_CASE(retry_token_is_reused_while_valid) {
  TokenManager m(seeded_random(3));
  Token t1 = m.retry_token(kA, kNow);
  Token t2 = m.retry_token(kA, kNow + 5);
  BOOST_TEST(t1.value == t2.value);  // a repeated Token Request must not invalidate the first Retry
  Token t3 = m.retry_token(kA, kNow + 20);
  BOOST_TEST(t3.value != t1.value);
  // A New Token replaces it.
  Token n = m.issue_new_token(kA, kNow + 20);
  BOOST_TEST(!m.consume(kA, t3.value, kNow + 20));
  BOOST_TEST(m.consume(kA, n.value, kNow + 20));
}

BOOST_AUTO_TEST_CASE(token_table_is_bounded) {
  TokenManager::Limits lim;
  lim.max_new_tokens = 4;
  TokenManager m(seeded_random(4), lim);
  for (uint16_t p = 0; p < 100; ++p) m.issue_new_token(ssu2::Address::v4(1, 1, 1, 1, p), kNow + p);
  BOOST_TEST(m.size() <= 4u);
  BOOST_TEST(m.issued() == 100u);
}

BOOST_AUTO_TEST_CASE(replay_cache_window) {
  ReplayCache c(Millis{1000}, 8);
  crypto::PublicKey32 x{};
  x[0] = 1;
  BOOST_TEST(c.insert(x, TimePoint{Millis{0}}));
  BOOST_TEST(c.contains(x, TimePoint{Millis{999}}));
  BOOST_TEST(!c.insert(x, TimePoint{Millis{500}}));
  BOOST_TEST(c.replays() == 1u);
  BOOST_TEST(!c.contains(x, TimePoint{Millis{1000}}));
  BOOST_TEST(c.insert(x, TimePoint{Millis{1000}}));
  for (uint8_t i = 2; i < 50; ++i) {
    crypto::PublicKey32 y{};
    y[0] = i;
    c.insert(y, TimePoint{Millis{1000}});
  }
  BOOST_TEST(c.size() <= 8u);
}

BOOST_AUTO_TEST_CASE(token_cache_take_is_single_use_and_checks_expiry) {
  TokenCache c(2);
  crypto::Hash32 h1{}, h2{}, h3{};
  h1[0] = 1; h2[0] = 2; h3[0] = 3;
  c.store(h1, kA, Token{11, kNow + 100});
  c.store(h2, kA, Token{22, kNow + 50});
  BOOST_TEST(!c.take(h1, kB, kNow).has_value());  // other address
  auto t = c.take(h1, kA, kNow);
  BOOST_REQUIRE(t.has_value());
  BOOST_TEST(t->value == 11u);
  BOOST_TEST(!c.take(h1, kA, kNow).has_value());
  BOOST_TEST(!c.take(h2, kA, kNow + 50).has_value());  // expired (and removed)
  BOOST_TEST(c.size() == 0u);
  c.store(h1, kA, Token{1, kNow + 1});
  c.store(h2, kA, Token{2, kNow + 2});
  c.store(h3, kA, Token{3, kNow + 3});
  BOOST_TEST(c.size() == 2u);
  BOOST_TEST(!c.take(h1, kA, kNow).has_value());  // the soonest-expiring one was evicted
  c.store(h3, kA, Token{0, kNow + 3});            // zero is "no token": ignored
  BOOST_TEST(c.take(h3, kA, kNow)->value == 3u);
}
