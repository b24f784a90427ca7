#define BOOST_TEST_MODULE session_ack
#include <boost/test/unit_test.hpp>

#include <set>

#include "transport/session/ack.hpp"

using namespace ssu2;
using namespace ssu2::session;

static std::set<uint32_t> expand(const AckInfo& a) {
  std::set<uint32_t> s;
  for_each_acked(a, [&](uint32_t pn) { s.insert(pn); });
  return s;
}

static RemoteAckManager with(std::initializer_list<uint32_t> pns) {
  RemoteAckManager m;
  for (auto pn : pns) BOOST_REQUIRE(m.record(TimePoint{Millis{0}}, pn, true, false, Millis{540}));
  return m;
}

BOOST_AUTO_TEST_CASE(spec_example_encodes_and_decodes) {
  // Spec: ACK 10 9 8 6 5 2 1 0, NACK 7 4 3 -> through 10, acnt 2, ranges (1,2) (2,3).
  auto m = with({0, 1, 2, 5, 6, 8, 9, 10});
  auto a = m.build();
  BOOST_REQUIRE(a);
  BOOST_TEST(a->ack_through == 10u);
  BOOST_TEST(a->acnt == 2);
  BOOST_REQUIRE(a->ranges.size() == 2u);
  BOOST_TEST((a->ranges[0] == AckRange{1, 2}));
  BOOST_TEST((a->ranges[1] == AckRange{2, 3}));
  BOOST_TEST((expand(*a) == std::set<uint32_t>{0, 1, 2, 5, 6, 8, 9, 10}));
}

BOOST_AUTO_TEST_CASE(single_and_contiguous) {
  auto a = with({10}).build();
  BOOST_TEST(a->ack_through == 10u);
  BOOST_TEST(a->acnt == 0);
  BOOST_TEST(a->ranges.empty());
  auto b = with({8, 9, 10}).build();
  BOOST_TEST(b->acnt == 2);
  BOOST_TEST(b->ranges.empty());
  BOOST_TEST(!RemoteAckManager{}.build());
}

BOOST_AUTO_TEST_CASE(long_runs_split_into_255_chunks) {
  RemoteAckManager m;
  for (uint32_t pn = 0; pn < 600; ++pn) BOOST_REQUIRE(m.record(TimePoint{Millis{0}}, pn, true, false, Millis{100}));
  // gap of 300, then one more
  BOOST_REQUIRE(m.record(TimePoint{Millis{0}}, 900, true, false, Millis{100}));
  auto a = m.build();
  BOOST_REQUIRE(a);
  BOOST_TEST(a->ack_through == 900u);
  BOOST_TEST(a->acnt == 0);
  for (auto& r : a->ranges) BOOST_TEST(!(r.nack == 0 && r.ack == 0));
  auto s = expand(*a);
  BOOST_TEST(s.size() == 601u);
  BOOST_TEST(s.count(0) == 1u);
  BOOST_TEST(s.count(599) == 1u);
  BOOST_TEST(s.count(600) == 0u);
  BOOST_TEST(s.count(899) == 0u);
}

BOOST_AUTO_TEST_CASE(range_count_is_bounded_oldest_dropped) {
  RemoteAckManager m;
  for (uint32_t pn = 0; pn < 200; pn += 2) BOOST_REQUIRE(m.record(TimePoint{Millis{0}}, pn, true, false, Millis{100}));
  auto a = m.build(4);
  BOOST_REQUIRE(a);
  BOOST_TEST(a->ranges.size() == 4u);
  auto s = expand(*a);
  BOOST_TEST((s == std::set<uint32_t>{198, 196, 194, 192, 190}));
}

BOOST_AUTO_TEST_CASE(decoding_hostile_block_stops_at_zero) {
  AckInfo a{3, 255, {{255, 255}, {255, 255}}};
  auto s = expand(a);
  BOOST_TEST((s == std::set<uint32_t>{0, 1, 2, 3}));
}

BOOST_AUTO_TEST_CASE(replays_and_too_old_are_refused) {
  RemoteAckManager m;
  BOOST_TEST(m.record(TimePoint{Millis{0}}, 5, true, false, Millis{100}));
  BOOST_TEST((m.check(5) == RemoteAckManager::Check::duplicate));
  BOOST_TEST(!m.record(TimePoint{Millis{0}}, 5, true, false, Millis{100}));
  BOOST_TEST((m.check(4) == RemoteAckManager::Check::fresh));
  BOOST_TEST(m.record(TimePoint{Millis{0}}, 5000, false, false, Millis{100}));
  BOOST_TEST((m.check(4) == RemoteAckManager::Check::too_old));
  BOOST_TEST((m.check(5000 - RemoteAckManager::kReplayWindow) == RemoteAckManager::Check::too_old));
  BOOST_TEST((m.check(5000 - RemoteAckManager::kReplayWindow + 1) == RemoteAckManager::Check::fresh));
}

BOOST_AUTO_TEST_CASE(timer_policy_normal_immediate_and_single_pending) {
  RemoteAckManager m;
  // non-ack-eliciting: nothing owed
  BOOST_TEST(m.record(TimePoint{Millis{1000}}, 0, false, false, Millis{600}));
  BOOST_TEST(!m.ack_owed());
  BOOST_TEST(!m.deadline());
  // normal: min(RTT/6, 150) = 100 ms at RTT 600
  BOOST_TEST(m.record(TimePoint{Millis{1000}}, 1, true, false, Millis{600}));
  BOOST_TEST(m.ack_owed());
  BOOST_TEST(to_ms(*m.deadline()) == 1100);
  // spec "ACK Frequency": the second ack-eliciting packet makes the ACK due at once
  BOOST_TEST(m.record(TimePoint{Millis{1050}}, 2, true, false, Millis{600}));
  BOOST_TEST(to_ms(*m.deadline()) == 1050);
  m.on_ack_sent();
  BOOST_TEST(!m.ack_owed());
  BOOST_TEST(!m.deadline());
  // immediate flag: min(RTT/16, 5) = 5 ms
  BOOST_TEST(m.record(TimePoint{Millis{1060}}, 3, true, true, Millis{600}));
  BOOST_TEST(to_ms(*m.deadline()) == 1065);
  m.on_ack_sent();
  // a normal one after an immediate one does not push the immediate deadline back
  BOOST_TEST(m.record(TimePoint{Millis{1070}}, 4, true, true, Millis{600}));
  BOOST_TEST(to_ms(*m.deadline()) == 1075);
  BOOST_TEST(m.record(TimePoint{Millis{1071}}, 5, true, false, Millis{600}));
  BOOST_TEST(to_ms(*m.deadline()) <= 1075);
  m.on_ack_sent();
  // one pending deadline only: a lone normal packet after an ACK is back to RTT/6
  BOOST_TEST(m.record(TimePoint{Millis{1200}}, 6, true, false, Millis{600}));
  BOOST_TEST(to_ms(*m.deadline()) == 1300);
  m.on_ack_sent();
  BOOST_TEST(!m.ack_owed());
  BOOST_TEST(!m.deadline());
  BOOST_TEST(to_ms(RemoteAckManager::normal_delay(Millis{2000})) == 150);
  BOOST_TEST(to_ms(RemoteAckManager::immediate_delay(Millis{32})) == 2);
}

BOOST_AUTO_TEST_CASE(gap_or_reorder_acks_without_delay) {
  RemoteAckManager m;
  BOOST_TEST(m.record(TimePoint{Millis{0}}, 0, true, false, Millis{600}));
  m.on_ack_sent();
  BOOST_TEST(m.record(TimePoint{Millis{0}}, 3, true, false, Millis{600}));  // gap 1..2
  BOOST_TEST(to_ms(*m.deadline()) == 5);
  m.on_ack_sent();
  BOOST_TEST(m.record(TimePoint{Millis{0}}, 2, true, false, Millis{600}));  // reordered
  BOOST_TEST(to_ms(*m.deadline()) == 5);
}

BOOST_AUTO_TEST_CASE(build_into_reuses_the_buffer_and_equals_build) {
  auto m = with({0, 1, 2, 5, 6, 8, 9, 10});
  AckInfo out;
  out.ranges = {{9, 9}, {9, 9}, {9, 9}, {9, 9}};  // stale content from an earlier block
  BOOST_REQUIRE(m.build_into(out));
  BOOST_TEST((out == *m.build()));
  BOOST_TEST(!RemoteAckManager{}.build_into(out));
}
