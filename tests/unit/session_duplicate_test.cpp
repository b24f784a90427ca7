#define BOOST_TEST_MODULE session_duplicate
#include <boost/test/unit_test.hpp>

#include <type_traits>

#include "transport/session/duplicate.hpp"

using namespace ssu2;
using namespace ssu2::session;

BOOST_AUTO_TEST_CASE(remembers_between_60_and_120_seconds) {
  MessageIdFilter f(TimePoint{0});
  BOOST_TEST(f.insert(TimePoint{0}, 7));
  BOOST_TEST(!f.insert(TimePoint{1}, 7));
  BOOST_TEST(!f.insert(TimePoint{59'999}, 7));
  f.on_timer(TimePoint{60'000});  // rotation: 7 moves to the previous set
  BOOST_TEST(f.contains(7));
  BOOST_TEST(!f.insert(TimePoint{119'000}, 7));
  f.on_timer(TimePoint{120'000});  // second rotation: forgotten
  BOOST_TEST(!f.contains(7));
  BOOST_TEST(f.insert(TimePoint{120'001}, 7));
}

BOOST_AUTO_TEST_CASE(long_silence_clears_everything) {
  MessageIdFilter f(TimePoint{0});
  BOOST_TEST(f.insert(TimePoint{0}, 1));
  BOOST_TEST(f.insert(TimePoint{500'000}, 2));
  BOOST_TEST(!f.contains(1));
}

BOOST_AUTO_TEST_CASE(size_is_bounded) {
  MessageIdFilter f(TimePoint{0}, Millis{60'000}, 100);
  for (uint32_t i = 0; i < 1000; ++i) BOOST_TEST(f.insert(TimePoint{0}, i));
  BOOST_TEST(f.size() <= 200u);
  BOOST_TEST(f.contains(999));
}

BOOST_AUTO_TEST_CASE(defect_10_nonces_and_message_ids_are_separate_filters) {
  static_assert(!std::is_same_v<MessageIdFilter, NonceFilter>);
  static_assert(!std::is_base_of_v<MessageIdFilter, NonceFilter>);
  MessageIdFilter ids(TimePoint{0});
  NonceFilter nonces(TimePoint{0});
  BOOST_TEST(nonces.insert(TimePoint{0}, 1234));
  // the same number as a message ID is still new
  BOOST_TEST(ids.insert(TimePoint{0}, 1234));
  BOOST_TEST(!nonces.insert(TimePoint{0}, 1234));
}
