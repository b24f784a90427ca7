#define BOOST_TEST_MODULE session_duplicate
#include <boost/test/unit_test.hpp>


#include <memory>
#include <set>
#include <vector>

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

namespace {
// A generator that repeats a short cycle of 32-bit values (big-endian in the buffer).
RandomFn cycling(std::vector<uint32_t> values) {
  auto at = std::make_shared<size_t>(0);
  return [values, at](MutByteSpan out) {
    uint32_t v = values[(*at)++ % values.size()];
    for (size_t i = 0; i < out.size(); ++i) out[i] = uint8_t(v >> (8 * (3 - i % 4)));
  };
}
}  // namespace

BOOST_AUTO_TEST_CASE(allocated_message_ids_do_not_repeat_within_the_filter_memory) {
  const TimePoint t0{Millis{0}};
  MessageIdAllocator ids(t0, Millis{1000});
  // A generator with only three values: the first three draws are taken as they come, the
  // next ones step past what was issued instead of repeating it.
  auto rng = cycling({5, 9, 0xffff'ffffu});
  std::vector<uint32_t> got;
  for (int i = 0; i < 8; ++i) got.push_back(ids.next(t0, rng));
  BOOST_TEST(got[0] == 5u);
  BOOST_TEST(got[1] == 9u);
  BOOST_TEST(got[2] == 0xffff'ffffu);
  std::set<uint32_t> unique(got.begin(), got.end());
  BOOST_TEST(unique.size() == got.size());
  // And a receiver's filter of the same memory takes every one of them.
  MessageIdFilter receiver(t0, Millis{1000});
  for (uint32_t v : got) BOOST_TEST(receiver.insert(t0, v));
  // After two periods the values are forgotten on both sides and may come again.
  const TimePoint later{Millis{2000}};
  const uint32_t again = ids.next(later, rng);  // the first draw is taken as it comes
  BOOST_TEST((again == 5u || again == 9u || again == 0xffff'ffffu));
  BOOST_TEST(ids.remembered() == 1u);
}

BOOST_AUTO_TEST_CASE(allocated_message_ids_stay_distinct_when_the_generator_collides_often) {
  // Draws from only 1000 values: plain random IDs would repeat within a few dozen.
  const TimePoint t0{Millis{0}};
  MessageIdAllocator ids(t0);
  uint64_t state = 0x9e37'79b9'7f4a'7c15ull;
  RandomFn rng = [&state](MutByteSpan out) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t v = uint32_t((state >> 33) % 1000);
    for (size_t i = 0; i < out.size(); ++i) out[i] = uint8_t(v >> (8 * (3 - i % 4)));
  };
  std::set<uint32_t> seen;
  for (int i = 0; i < 5'000; ++i) BOOST_TEST_REQUIRE(seen.insert(ids.next(t0, rng)).second);
  BOOST_TEST(ids.remembered() == 5'000u);
}

// The router-wide filter: a message ID is remembered per peer (another router may use the
// same ID), for the filters' one to two periods, within a bounded size.
BOOST_AUTO_TEST_CASE(recent_messages_are_per_peer_and_bounded) {
  const TimePoint t0{Millis{5'000}};
  RecentMessages r(t0, 0x1234, Millis{60'000}, 1000);
  std::array<uint8_t, 32> p{}, q{};
  p[0] = 1;
  q[0] = 2;
  BOOST_TEST(r.first_time(t0, p, 7));
  BOOST_TEST(!r.first_time(t0 + Millis{1}, p, 7));     // the copy over a new session
  BOOST_TEST(r.first_time(t0 + Millis{1}, q, 7));      // another peer's message 7
  BOOST_TEST(r.first_time(t0 + Millis{1}, p, 8));
  BOOST_TEST(!r.first_time(t0 + Millis{90'000}, p, 7));  // still within two periods
  BOOST_TEST(r.first_time(t0 + Millis{300'000}, p, 7));  // long gone
  for (uint32_t i = 0; i < 10'000; ++i) r.first_time(t0 + Millis{300'000}, p, 100 + i);
  BOOST_TEST(r.size() <= 2000u);
}
