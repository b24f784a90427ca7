#define BOOST_TEST_MODULE session_congestion
#include <boost/test/unit_test.hpp>

// Congestion window, pacing, loss events and RTT samples (issue 9, point 4: retransmissions
// to i2pd 2.45.1 were datagrams its 128 KiB socket buffer dropped).

#include "session_harness.hpp"

using namespace harness;

namespace {
AckInfo ack_range(uint32_t through, uint8_t acnt) { return AckInfo{through, acnt, {}}; }
}  // namespace

BOOST_AUTO_TEST_CASE(slow_start_ends_at_the_initial_threshold_then_one_per_window) {
  CongestionWindow w;
  w.on_acked(1000);
  BOOST_TEST(w.size() == CongestionWindow::kInitialSsthresh);
  BOOST_TEST(!w.in_slow_start());
  w.on_acked(63);
  BOOST_TEST(w.size() == 64u);
  w.on_acked(1);  // a whole window of ACKs: one more
  BOOST_TEST(w.size() == 65u);
  w.on_acked(64);
  BOOST_TEST(w.size() == 65u);
  w.on_acked(1);
  BOOST_TEST(w.size() == 66u);
}

BOOST_AUTO_TEST_CASE(short_path_ceiling_is_the_receiver_buffer) {
  // Veth or LAN: 1 ms min RTT. The window never exceeds 96 + 1 packets, so a receiver that
  // stalls cannot have more than that waiting in its socket buffer.
  CongestionWindow w;
  for (int i = 0; i < 100000; ++i) w.on_acked(1, Millis{1}, Millis{1});
  BOOST_TEST(w.size() == CongestionWindow::ceiling(Millis{1}));
  BOOST_TEST(w.size() == 97u);
  // A long path (200 ms) may use the full window.
  CongestionWindow far;
  for (int i = 0; i < 100000; ++i) far.on_acked(1, Millis{200}, Millis{200});
  BOOST_TEST(far.size() == CongestionWindow::kMax);
}

BOOST_AUTO_TEST_CASE(a_growing_queue_ends_slow_start_and_shrinks_the_window) {
  CongestionWindow w;
  w.on_acked(10, Millis{40}, Millis{40});  // no queue yet
  BOOST_TEST(w.size() == 26u);
  BOOST_TEST(w.in_slow_start());
  w.on_acked(10, Millis{80}, Millis{40});  // srtt doubled: half the window waits
  BOOST_TEST(!w.in_slow_start());
  size_t at = w.size();
  BOOST_TEST(at == 36u);
  // 5 x the path's RTT: 36 x 158 / 200 = 28 packets wait, above kQueueHigh (24).
  for (int i = 0; i < 20; ++i) w.on_acked(at, Millis{200}, Millis{40});
  BOOST_TEST(w.size() < at);
  BOOST_TEST(w.size() >= CongestionWindow::kMin);
  // The queue drains: it grows again.
  size_t low = w.size();
  for (int i = 0; i < 20; ++i) w.on_acked(low + 20, Millis{41}, Millis{40});
  BOOST_TEST(w.size() > low);
}

BOOST_AUTO_TEST_CASE(one_halving_per_loss_event) {
  TransmissionManager t;
  t.on_sent(TimePoint{Millis{0}}, t.next_packet_number(), Bytes{1}, {});
  t.on_ack(TimePoint{Millis{10}}, ack_range(0, 0));  // an RTT sample of 10 ms
  for (int i = 0; i < 64; ++i) t.congestion().on_acked(1);
  size_t before = t.window();
  // 20 packets sent 1 ms apart, all lost: they expire one poll after another.
  std::vector<TimePoint> sent;
  for (int i = 0; i < 20; ++i) t.on_sent(TimePoint{Millis{100 + i}}, t.next_packet_number(), Bytes{1}, {});
  size_t resent = 0;
  for (int i = 0; i < 20; ++i) {
    TimePoint now = TimePoint{Millis{100 + i}} + t.rtt().rto();
    auto e = t.take_expired(now);
    for (auto r : e.resend) t.on_resent(now, r, t.next_packet_number());
    resent += e.resend.size();
  }
  BOOST_TEST(resent == 20u);
  BOOST_TEST(t.window() == std::max<size_t>(CongestionWindow::kMin, before / 2));  // once, not 20 times
}

BOOST_AUTO_TEST_CASE(late_ack_of_a_resent_packet_is_a_sample_and_counts_as_spurious) {
  TransmissionManager t;
  uint32_t pn = t.next_packet_number();
  t.on_sent(TimePoint{Millis{0}}, pn, Bytes{1}, {});
  auto e = t.take_expired(TimePoint{Millis{540}});
  BOOST_REQUIRE(e.resend.size() == 1u);
  t.on_resent(TimePoint{Millis{540}}, e.resend[0], t.next_packet_number());
  // The peer had stalled: the first copy's ACK comes 700 ms after it was sent.
  auto out = t.on_ack(TimePoint{Millis{700}}, ack_range(pn, 0));
  BOOST_REQUIRE(out.rtt_sample);
  BOOST_TEST(to_ms(*out.rtt_sample) == 700);
  BOOST_TEST(t.spurious_retransmissions() == 1u);
  BOOST_TEST(to_ms(t.rtt().rto()) > 700);  // the stall is learned
}

BOOST_AUTO_TEST_CASE(pacer_spreads_a_window_over_the_rtt) {
  // 10 ms RTT, window 64: 1.25 x 64 / 10 = 8 packets per ms after a burst of 16.
  Pacer p;
  TimePoint t{Millis{1000}};
  size_t burst = 0;
  while (p.ready(t, 64, Millis{10}, true) && burst < 1000) {
    p.on_sent(true);
    ++burst;
  }
  BOOST_TEST(burst == 16u);
  TimePoint next = p.next_token(t);
  BOOST_TEST((next == t + Millis{1}));
  size_t in_1ms = 0;
  while (p.ready(next, 64, Millis{10}, true) && in_1ms < 1000) {
    p.on_sent(true);
    ++in_1ms;
  }
  BOOST_TEST(in_1ms == 8u);
  // Before any RTT sample nothing is paced.
  Pacer fresh;
  for (int i = 0; i < 100; ++i) BOOST_TEST(fresh.ready(t, 16, Millis{540}, false));
}

BOOST_AUTO_TEST_CASE(session_paces_new_data_and_wakes_up_for_it) {
  Pair p;
  // An RTT sample first (so that pacing applies).
  p.a.queue_message(p.now, message(1, 100, p.now), 1);
  p.run_for(Millis{200});
  BOOST_REQUIRE(p.fb_a.size() == 1u);
  for (uint32_t i = 0; i < 200; ++i) p.a.queue_message(p.now, message(100 + i, 1000, p.now), 100 + i);
  uint64_t before = p.datagrams;
  p.collect();
  // Not the whole window (32 packets after the first ACKs) at once: the pacer's burst of 16.
  BOOST_TEST(p.datagrams - before == 16u);
  auto wake = p.a.next_wakeup();
  BOOST_REQUIRE(wake);
  BOOST_TEST((*wake <= p.now + Millis{2}));
  // Everything still arrives, exactly once.
  p.run_for(Millis{5000});
  size_t delivered = 0;
  for (auto& f : p.fb_a) delivered += f.delivered;
  BOOST_TEST(delivered == 201u);
  BOOST_TEST(p.a.metrics().retransmissions == 0u);
}
