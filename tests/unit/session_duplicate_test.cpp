#define BOOST_TEST_MODULE session_duplicate
#include <boost/test/unit_test.hpp>


#include "transport/session/duplicate.hpp"

using namespace ssu2;
using namespace ssu2::session;

BOOST_AUTO_TEST_CASE(remembers_between_60_and_120_seconds) {
  MessageIdFilter f(TimePoint{Millis{0}});
  BOOST_TEST(f.insert(TimePoint{Millis{0}}, 7));
  BOOST_TEST(!f.insert(TimePoint{Millis{1}}, 7));
  BOOST_TEST(!f.insert(TimePoint{Millis{59'999}}, 7));
  f.on_timer(TimePoint{Millis{60'000}});  // rotation: 7 moves to the previous set
  BOOST_TEST(f.contains(7));
  BOOST_TEST(!f.insert(TimePoint{Millis{119'000}}, 7));
  f.on_timer(TimePoint{Millis{120'000}});  // second rotation: forgotten
  BOOST_TEST(!f.contains(7));
  BOOST_TEST(f.insert(TimePoint{Millis{120'001}}, 7));
}

BOOST_AUTO_TEST_CASE(long_silence_clears_everything) {
  MessageIdFilter f(TimePoint{Millis{0}});
  BOOST_TEST(f.insert(TimePoint{Millis{0}}, 1));
  BOOST_TEST(f.insert(TimePoint{Millis{500'000}}, 2));
  BOOST_TEST(!f.contains(1));
}

BOOST_AUTO_TEST_CASE(size_is_bounded) {
  MessageIdFilter f(TimePoint{Millis{0}}, Millis{60'000}, 100);
  for (uint32_t i = 0; i < 1000; ++i) BOOST_TEST(f.insert(TimePoint{Millis{0}}, i));
  BOOST_TEST(f.size() <= 200u);
  BOOST_TEST(f.contains(999));
}

BOOST_AUTO_TEST_CASE(flat_set_keeps_every_value_including_the_extremes) {
  for (uint64_t seed : {uint64_t{0}, uint64_t{0x1234'5678'9abc'def0}}) {
    detail::FlatSet<uint32_t> s(seed);
    BOOST_TEST(!s.contains(0));
    BOOST_TEST(s.insert(0));
    BOOST_TEST(s.insert(0xffff'ffffu));  // the table's empty marker, kept aside
    BOOST_TEST(!s.insert(0xffff'ffffu));
    // Values that are equal modulo every power-of-two table size, and a long run.
    for (uint32_t i = 1; i <= 5000; ++i) BOOST_TEST_REQUIRE(s.insert(i << 16));
    for (uint32_t i = 1; i <= 5000; ++i) BOOST_TEST_REQUIRE(s.insert(i));
    BOOST_TEST(s.size() == 10'002u);
    for (uint32_t i = 1; i <= 5000; ++i) {
      BOOST_TEST_REQUIRE(s.contains(i << 16));
      BOOST_TEST_REQUIRE(s.contains(i));
      BOOST_TEST_REQUIRE(!s.insert(i));
    }
    BOOST_TEST(!s.contains(5001));
    BOOST_TEST(s.contains(0));
    BOOST_TEST(s.contains(0xffff'ffffu));
    s.clear();
    BOOST_TEST(s.size() == 0u);
    BOOST_TEST(!s.contains(0));
    BOOST_TEST(!s.contains(0xffff'ffffu));
    BOOST_TEST(!s.contains(77));
  }
}

BOOST_AUTO_TEST_CASE(rotation_keeps_the_previous_set_searchable) {
  MessageIdFilter f(TimePoint{Millis{0}}, Millis{1000}, 50'000, 99);
  for (uint32_t i = 0; i < 3000; ++i) BOOST_TEST_REQUIRE(f.insert(TimePoint{Millis{0}}, i * 7919u));
  f.on_timer(TimePoint{Millis{1000}});
  for (uint32_t i = 0; i < 3000; ++i) BOOST_TEST_REQUIRE(!f.insert(TimePoint{Millis{1000}}, i * 7919u));
  BOOST_TEST(f.insert(TimePoint{Millis{1000}}, 1u));
  f.on_timer(TimePoint{Millis{2000}});
  BOOST_TEST(!f.contains(7919u));  // two rotations: forgotten
  BOOST_TEST(f.contains(1u));      // inserted after the first one: still there
}
