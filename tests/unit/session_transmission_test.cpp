#define BOOST_TEST_MODULE session_transmission
#include <boost/test/unit_test.hpp>

#include "transport/session/transmission.hpp"

using namespace ssu2;
using namespace ssu2::session;

static AckInfo ack_of(uint32_t through, uint8_t acnt = 0) { return AckInfo{through, acnt, {}}; }

BOOST_AUTO_TEST_CASE(rto_initial_and_rfc6298_updates) {
  RttEstimator r;
  BOOST_TEST(to_ms(r.rtt()) == 540);
  BOOST_TEST(to_ms(r.rto()) == 540);
  r.sample(Millis{200});  // srtt 200, rttvar 100, rto 200 + 400
  BOOST_TEST(to_ms(r.rtt()) == 200);
  BOOST_TEST(to_ms(r.rto()) == 600);
  r.sample(Millis{200});  // rttvar 75 -> rto 500
  BOOST_TEST(to_ms(r.rto()) == 500);
}

BOOST_AUTO_TEST_CASE(rto_is_clamped_100_to_2500) {
  RttEstimator lo;
  for (int i = 0; i < 50; ++i) lo.sample(Millis{1});
  BOOST_TEST(to_ms(lo.rto()) == 100);
  RttEstimator hi;
  hi.sample(Millis{5000});
  BOOST_TEST(to_ms(hi.rto()) == 2500);
}

BOOST_AUTO_TEST_CASE(window_grows_per_ack_and_halves_on_loss) {
  TransmissionManager t;
  BOOST_TEST(t.window() == 16u);
  for (int i = 0; i < 16; ++i) {
    BOOST_TEST(t.has_capacity());
    t.on_sent(TimePoint{Millis{0}}, t.next_packet_number(), Bytes{1}, {});
  }
  BOOST_TEST(!t.has_capacity());
  auto out = t.on_ack(TimePoint{Millis{100}}, ack_of(15, 15));
  BOOST_TEST(out.newly_acked == 16u);
  BOOST_TEST(t.window() == 32u);
  BOOST_TEST(t.in_flight() == 0u);
  // grows to at most 256 (slow start to 64, then one packet per window of ACKs)
  for (int i = 0; i < 40000; ++i) t.congestion().on_acked(1);
  BOOST_TEST(t.window() == 256u);
  // loss halves, not below 16
  t.on_sent(TimePoint{Millis{1000}}, t.next_packet_number(), Bytes{1}, {});
  auto exp = t.take_expired(TimePoint{Millis{1000}} + t.rtt().rto());
  BOOST_TEST(exp.resend.size() == 1u);
  BOOST_TEST(t.window() == 128u);
  for (int i = 0; i < 10; ++i) t.congestion().on_loss();
  BOOST_TEST(t.window() == 16u);
}

BOOST_AUTO_TEST_CASE(resend_uses_new_number_and_late_ack_of_old_number_counts) {
  TransmissionManager t;
  auto h = t.deliveries().add(77, 1);
  uint32_t pn = t.next_packet_number();
  t.on_sent(TimePoint{Millis{0}}, pn, Bytes{9, 9}, {h});
  BOOST_TEST(to_ms(*t.next_deadline()) == 540);
  BOOST_TEST(t.take_expired(TimePoint{Millis{539}}).resend.empty());
  auto exp = t.take_expired(TimePoint{Millis{540}});
  BOOST_REQUIRE(exp.resend.size() == 1u);
  BOOST_TEST((t.packet(exp.resend[0]).blocks == Bytes{9, 9}));
  uint32_t npn = t.next_packet_number();
  BOOST_TEST(npn != pn);
  t.on_resent(TimePoint{Millis{540}}, exp.resend[0], npn);
  BOOST_TEST(t.retransmissions() == 1u);
  // second send: deadline = last_sent + 2 x RTO
  BOOST_TEST(to_ms(*t.next_deadline()) == 540 + 2 * 540);
  BOOST_TEST(t.deliveries().take_results().empty());
  // the old packet's ACK arrives late: content is freed, message delivered
  auto out = t.on_ack(TimePoint{Millis{600}}, ack_of(pn));
  BOOST_TEST(out.newly_acked == 1u);
  // No Karn ambiguity in SSU2: the ACK names the first transmission (sent at 0).
  BOOST_REQUIRE(out.rtt_sample);
  BOOST_TEST(to_ms(*out.rtt_sample) == 600);
  BOOST_TEST(t.in_flight() == 0u);
  auto res = t.deliveries().take_results();
  BOOST_REQUIRE(res.size() == 1u);
  BOOST_TEST(res[0].feedback_id == 77u);
  BOOST_TEST(res[0].delivered);
}

BOOST_AUTO_TEST_CASE(dropped_after_7_sends_and_message_fails) {
  TransmissionManager t;
  auto h = t.deliveries().add(5, 2);
  t.on_sent(TimePoint{Millis{0}}, t.next_packet_number(), Bytes{1}, {h});
  t.on_sent(TimePoint{Millis{0}}, t.next_packet_number(), Bytes{2}, {h});
  t.on_ack(TimePoint{Millis{10}}, ack_of(1));  // one of two fragments acked
  BOOST_TEST(t.deliveries().take_results().empty());
  TimePoint now{Millis{10}};
  int sends = 1;
  size_t dropped = 0;
  while (dropped == 0 && to_ms(now) < 1'000'000) {
    now = *t.next_deadline();
    auto e = t.take_expired(now);
    dropped += e.dropped;
    for (auto p : e.resend) {
      t.on_resent(now, p, t.next_packet_number());
      ++sends;
    }
  }
  BOOST_TEST(sends == 7);
  BOOST_TEST(dropped == 1u);
  auto res = t.deliveries().take_results();
  BOOST_REQUIRE(res.size() == 1u);
  BOOST_TEST(!res[0].delivered);
  BOOST_TEST((res[0].failure == DeliveryFailure::dropped));
}

// docs/DEFECTS.md defect 9. Guards: feedback only once every packet of the message is ACKed.
BOOST_AUTO_TEST_CASE(defect_9_feedback_only_when_every_packet_of_message_acked) {
  TransmissionManager t;
  auto h = t.deliveries().add(42, 3);
  for (int i = 0; i < 3; ++i) t.on_sent(TimePoint{Millis{0}}, t.next_packet_number(), Bytes{uint8_t(i)}, {h});
  t.on_ack(TimePoint{Millis{5}}, ack_of(0));
  t.on_ack(TimePoint{Millis{5}}, ack_of(2));
  BOOST_TEST(t.deliveries().take_results().empty());
  t.on_ack(TimePoint{Millis{5}}, ack_of(1));
  auto res = t.deliveries().take_results();
  BOOST_REQUIRE(res.size() == 1u);
  BOOST_TEST(res[0].delivered);
  // duplicate ACKs do not produce a second result
  t.on_ack(TimePoint{Millis{6}}, ack_of(2, 2));
  BOOST_TEST(t.deliveries().take_results().empty());
}

BOOST_AUTO_TEST_CASE(abandon_fails_pending_messages) {
  TransmissionManager t;
  auto h = t.deliveries().add(1, 1);
  t.deliveries().add(std::nullopt, 1);  // no feedback wanted: no result
  t.on_sent(TimePoint{Millis{0}}, t.next_packet_number(), Bytes{1}, {h});
  t.abandon(DeliveryFailure::session_closed);
  auto res = t.deliveries().take_results();
  BOOST_REQUIRE(res.size() == 1u);
  BOOST_TEST((res[0].failure == DeliveryFailure::session_closed));
  BOOST_TEST(!t.next_deadline());
}

// docs/DEFECTS.md defect 5. Guards: the resend deadline comes from packets in flight; a full window still resends.
BOOST_AUTO_TEST_CASE(defect_5_deadline_comes_from_packets_and_full_window_still_resends) {
  TransmissionManager t;
  for (int i = 0; i < 16; ++i) t.on_sent(TimePoint{Millis{0}}, t.next_packet_number(), Bytes{1}, {});
  BOOST_TEST(!t.has_capacity());
  // Any number of unrelated queries in between must not move the deadline.
  for (int i = 0; i < 100; ++i) BOOST_TEST(to_ms(*t.next_deadline()) == 540);
  auto e = t.take_expired(TimePoint{Millis{540}});
  BOOST_TEST(e.resend.size() == 16u);  // window full, all expired packets come back
}
