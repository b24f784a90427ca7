#define BOOST_TEST_MODULE session_path_validation
#include <boost/test/unit_test.hpp>

#include <random>

#include "tests/support/seeded_random.hpp"
#include "transport/session/path_validation.hpp"

using namespace ssu2;
using namespace ssu2::session;

using ssu2::testing::seeded_random;  // deterministic randomness for the code under test

static const ssu2::Address kNew = ssu2::Address::v4(10, 0, 0, 2, 4000);

BOOST_AUTO_TEST_CASE(challenge_has_8_to_23_bytes_and_matching_response_validates) {
  PathValidator v(seeded_random(1));
  for (int i = 0; i < 50; ++i) {
    PathValidator w(seeded_random(i));
    auto c = w.on_new_address(TimePoint{Millis{0}}, kNew, Millis{100});
    BOOST_REQUIRE(c);
    BOOST_TEST(c->data.size() >= 8u);
    BOOST_TEST(c->data.size() <= 23u);
  }
  auto c = v.on_new_address(TimePoint{Millis{0}}, kNew, Millis{100});
  BOOST_REQUIRE(c);
  BOOST_TEST((c->to == kNew));
  BOOST_TEST(!v.on_new_address(TimePoint{Millis{1}}, kNew, Millis{100}));  // already running
  auto r = v.on_response(c->data);
  BOOST_TEST((r.outcome == PathValidator::Outcome::validated));
  BOOST_TEST((r.address == kNew));
  BOOST_TEST(!v.active());
  BOOST_TEST((v.on_response(c->data).outcome == PathValidator::Outcome::none));
}

BOOST_AUTO_TEST_CASE(wrong_response_fails) {
  PathValidator v(seeded_random(2));
  auto c = v.on_new_address(TimePoint{Millis{0}}, kNew, Millis{100});
  Bytes wrong = c->data;
  wrong[0] ^= 1;
  BOOST_TEST((v.on_response(wrong).outcome == PathValidator::Outcome::failed));
  BOOST_TEST(!v.active());
}

BOOST_AUTO_TEST_CASE(retries_with_doubling_timer_then_fails_at_5_s) {
  PathValidator v(seeded_random(3));
  auto c = v.on_new_address(TimePoint{Millis{0}}, kNew, Millis{100});
  BOOST_TEST(to_ms(*v.next_deadline()) == 200);  // 2 x RTT
  std::vector<int64_t> retries;
  bool failed = false;
  while (!failed) {
    TimePoint t = *v.next_deadline();
    auto r = v.on_timer(t);
    if (r.retry) {
      BOOST_TEST((r.retry->data == c->data));
      retries.push_back(to_ms(t));
    }
    failed = r.failed;
    if (failed) BOOST_TEST(to_ms(t) == 5000);
  }
  BOOST_TEST((retries == std::vector<int64_t>{200, 600, 1400, 3000}));
  BOOST_TEST(!v.active());
}
