// transport/common/rate_meter.hpp (transport/common is built into ssu2_crypto, hence the prefix).
#define BOOST_TEST_MODULE rate_meter
#include <boost/test/unit_test.hpp>

#include "transport/common/rate_meter.hpp"

using namespace ssu2;

BOOST_AUTO_TEST_CASE(rates_over_trailing_windows) {
  RateMeter m;
  BOOST_TEST(m.per_second(Millis{1000}) == 0.0);
  // 10 KB/s for 60 s, then 1 KB/s for 20 s.
  uint64_t total = 0;
  for (int s = 0; s <= 60; ++s) m.sample(TimePoint{Millis{s * 1000}}, total += (s ? 10'000 : 0));
  for (int s = 61; s <= 80; ++s) m.sample(TimePoint{Millis{s * 1000}}, total += 1000);
  BOOST_TEST(m.per_second(Millis{1000}) == 1000.0);
  BOOST_TEST(m.per_second(Millis{15'000}) == 1000.0);
  // 5 min window, 80 s of history: (60 x 10,000 + 20 x 1,000) / 80 s
  BOOST_TEST(m.per_second(Millis{300'000}) == 620'000.0 / 80.0);
}

BOOST_AUTO_TEST_CASE(history_is_bounded_whatever_the_sampling_rate) {
  RateMeter m(Millis{300'000}, Millis{1000});
  uint64_t total = 0;
  for (int ms = 0; ms <= 1'000'000; ms += 10) m.sample(TimePoint{Millis{ms}}, total += 100);  // 10 KB/s
  BOOST_TEST(m.size() <= 310u);  // ~300 s / 1 s, never the 100,000 samples taken
  BOOST_TEST(m.per_second(Millis{1000}) == 10'000.0, boost::test_tools::tolerance(0.02));
  BOOST_TEST(m.per_second(Millis{300'000}) == 10'000.0, boost::test_tools::tolerance(0.02));
}

BOOST_AUTO_TEST_CASE(a_clock_or_counter_going_back_gives_no_negative_rate) {
  RateMeter m;
  m.sample(TimePoint{Millis{0}}, 5000);
  m.sample(TimePoint{Millis{1000}}, 6000);
  m.sample(TimePoint{Millis{500}}, 9000);  // ignored
  BOOST_TEST(m.per_second(Millis{1000}) == 1000.0);
  m.sample(TimePoint{Millis{2000}}, 100);  // counter reset
  BOOST_TEST(m.per_second(Millis{1000}) == 0.0);
}
