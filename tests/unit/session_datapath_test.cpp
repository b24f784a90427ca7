// The reshaped data path in virtual time: batched input, lazy transmit, ACK coalescing,
// resends found by packet number, and the rule that a live peer's session never ends for
// the resend limit.
#define BOOST_TEST_MODULE session_datapath
#include <boost/test/unit_test.hpp>

#include "session_harness.hpp"

using namespace harness;

namespace {

size_t count_acks(const std::vector<OutDatagram>& out, const DirectionKeys& keys) {
  size_t n = 0;
  for (auto& d : out)
    if (auto o = open(d.bytes, keys))
      for (auto& b : o->blocks) n += std::holds_alternative<wire::AckBlock>(b);
  return n;
}

size_t count_data(const std::vector<OutDatagram>& out, const DirectionKeys& keys) {
  size_t n = 0;
  for (auto& d : out)
    if (auto o = open(d.bytes, keys))
      for (auto& b : o->blocks)
        n += std::holds_alternative<wire::I2npBlock>(b) || std::holds_alternative<wire::FirstFragmentBlock>(b) ||
             std::holds_alternative<wire::FollowOnFragmentBlock>(b);
  return n;
}

// A and B after the handshake hand-over has settled (B's ACK of Session Confirmed seen).
struct Settled : Pair {
  Settled() { run_for(Millis{100}); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(inputs_build_nothing_until_polled_and_poll_respects_max) {
  Settled p;
  for (uint32_t i = 0; i < 10; ++i)
    BOOST_REQUIRE((p.a.queue_message(p.now, message(i, 1000, p.now)) == QueueResult::queued));
  TransmitBatch batch;
  BOOST_TEST(p.a.poll_transmit(p.now, batch, 4) == 4u);  // at most `max`
  BOOST_TEST(p.a.poll_transmit(p.now, batch, 64) == 6u);  // the rest, appended
  BOOST_TEST(batch.size() == 10u);
  BOOST_TEST(p.a.poll_transmit(p.now, batch, 64) == 0u);  // nothing more is due
  BOOST_TEST(p.a.metrics().in_flight == 10u);
  // Buffers are reused: after clear() the next poll writes into the same storage.
  const uint8_t* first = batch[0].bytes.data();
  batch.clear();
  BOOST_REQUIRE((p.a.queue_message(p.now, message(50, 500, p.now)) == QueueResult::queued));
  BOOST_TEST(p.a.poll_transmit(p.now, batch, 64) == 1u);
  BOOST_TEST(batch[0].bytes.data() == first);
}

BOOST_AUTO_TEST_CASE(a_burst_read_in_one_batch_is_acknowledged_by_one_ack) {
  Settled p;
  for (uint32_t i = 0; i < 20; ++i)
    BOOST_REQUIRE((p.a.queue_message(p.now, message(i, 1000, p.now)) == QueueResult::queued));
  auto burst = p.a.take_datagrams();
  BOOST_REQUIRE(burst.size() == 16u);  // the initial window
  auto copy = burst;  // on_datagrams decrypts in place
  std::vector<InDatagram> in;
  for (auto& d : copy) in.push_back({d.bytes, kAddrA});
  p.b.on_datagrams(p.now, in);
  auto answer = p.b.take_datagrams();
  BOOST_TEST(take_messages(p.b).size() == 16u);
  BOOST_REQUIRE(answer.size() == 1u);  // one ACK-only packet for the whole burst
  auto o = open(answer[0].bytes, context(false, TimePoint{Millis{0}}).send);
  BOOST_REQUIRE(o);
  const wire::AckBlock* ack = nullptr;
  for (auto& b : o->blocks)
    if (auto* a = std::get_if<wire::AckBlock>(&b)) ack = a;
  BOOST_REQUIRE(ack);
  for (auto& d : burst) {
    auto od = open(d.bytes, context(true, TimePoint{Millis{0}}).send);
    BOOST_REQUIRE(od);
    BOOST_TEST(ack->acks(od->header.packet_number));
  }
  // The same burst fed one datagram at a time, each followed by a poll, costs 8 ACKs
  // (spec "ACK Frequency": one after every second ack-eliciting packet).
  Settled q;
  for (uint32_t i = 0; i < 20; ++i) (void)q.a.queue_message(q.now, message(i, 1000, q.now));
  size_t acks = 0;
  for (auto& d : q.a.take_datagrams()) {
    q.b.on_datagram(q.now, d.bytes, kAddrA);
    acks += count_acks(q.b.take_datagrams(), context(false, TimePoint{Millis{0}}).send);
  }
  BOOST_TEST(acks == 8u);
}

BOOST_AUTO_TEST_CASE(acks_ride_on_data_when_both_sides_send) {
  Settled p;
  for (uint32_t i = 0; i < 4; ++i) (void)p.a.queue_message(p.now, message(i, 1000, p.now));
  auto from_a = p.a.take_datagrams();
  std::vector<InDatagram> in;
  for (auto& d : from_a) in.push_back({d.bytes, kAddrA});
  uint64_t ack_only_before = p.b.metrics().ack_only_packets_out;
  p.b.on_datagrams(p.now, in);
  // B has data of its own: the ACK it owes goes in its data packet, no ACK-only packet.
  (void)p.b.queue_message(p.now, message(900, 500, p.now));
  auto from_b = p.b.take_datagrams();
  BOOST_REQUIRE(from_b.size() == 1u);
  BOOST_TEST(count_acks(from_b, context(false, TimePoint{Millis{0}}).send) == 1u);
  BOOST_TEST(count_data(from_b, context(false, TimePoint{Millis{0}}).send) == 1u);
  BOOST_TEST(p.b.metrics().ack_only_packets_out == ack_only_before);
}

BOOST_AUTO_TEST_CASE(resends_found_by_number_and_late_ack_of_any_number_frees_them) {
  TransmissionManager t(100);
  auto h = t.deliveries().add(9, 1);
  uint32_t first = t.next_packet_number();
  t.on_sent(TimePoint{Millis{0}}, first, Bytes{1, 2, 3}, {h});
  // ACK-only packets use numbers too: the ring has gaps.
  for (int i = 0; i < 50; ++i) (void)t.next_packet_number();
  std::vector<uint32_t> numbers{first};
  TimePoint now{0};
  for (int round = 0; round < 3; ++round) {
    now = *t.next_deadline();
    auto e = t.take_expired(now);
    BOOST_REQUIRE(e.resend.size() == 1u);
    BOOST_TEST((t.packet(e.resend[0]).blocks == Bytes{1, 2, 3}));
    uint32_t pn = t.next_packet_number();
    t.on_resent(now, e.resend[0], pn);
    numbers.push_back(pn);
  }
  BOOST_TEST(t.in_flight() == 1u);
  // The ACK of the second number (a resend that was only late) frees the packet; ACKs of
  // the others then find nothing.
  auto out = t.on_ack(now, AckInfo{numbers[1], 0, {}});
  BOOST_TEST(out.newly_acked == 1u);
  BOOST_TEST(t.in_flight() == 0u);
  for (auto pn : numbers) BOOST_TEST(t.on_ack(now, AckInfo{pn, 0, {}}).newly_acked == 0u);
  auto r = t.deliveries().take_results();
  BOOST_REQUIRE(r.size() == 1u);
  BOOST_TEST(r[0].delivered);
  // A record freed and reused by a new packet is not freed by a stale number.
  auto h2 = t.deliveries().add(10, 1);
  uint32_t fresh = t.next_packet_number();
  t.on_sent(now, fresh, Bytes{7}, {h2});
  BOOST_TEST(t.on_ack(now, AckInfo{numbers[3], 0, {}}).newly_acked == 0u);
  BOOST_TEST(t.in_flight() == 1u);
  BOOST_TEST(t.on_ack(now, AckInfo{fresh, 0, {}}).newly_acked == 1u);
}

BOOST_AUTO_TEST_CASE(an_ack_covering_thousands_of_numbers_touches_only_the_ring) {
  TransmissionManager t;
  for (int i = 0; i < 200; ++i) t.on_sent(TimePoint{Millis{0}}, t.next_packet_number(), Bytes{1}, {});
  // A hostile block: 255 x 255 ranges far above and below what was sent.
  AckInfo a{4'000'000'000u, 255, {}};
  for (int i = 0; i < 64; ++i) a.ranges.push_back({0, 255});
  BOOST_TEST(t.on_ack(TimePoint{Millis{1}}, a).newly_acked == 0u);
  AckInfo b{199, 199, {}};
  BOOST_TEST(t.on_ack(TimePoint{Millis{1}}, b).newly_acked == 200u);
  BOOST_TEST(t.slots() == 0u);
}

BOOST_AUTO_TEST_CASE(a_live_peer_that_never_acks_a_packet_keeps_the_session) {
  // B never takes A's data packets (as a receiver refusing what it cannot hold would: no
  // ACK), while B's own traffic keeps arriving at A.
  Settled p;
  p.filter = [&](const Pair::InFlight& f) {
    if (!f.to_b) return true;
    return count_data({OutDatagram{f.bytes, kAddrB}}, context(true, TimePoint{Millis{0}}).send) == 0;
  };
  (void)p.a.queue_message(p.now, message(1, 800, p.now, 120), 1);
  p.collect();
  // B keeps talking (a message every 500 ms, its packets without ACKs reach A).
  for (int i = 0; i < 280; ++i) {  // 140 s: past the message's 120 s expiration
    (void)p.b.queue_message(p.now, message(1000 + uint32_t(i), 100, p.now), std::nullopt);
    p.collect();
    p.run_for(Millis{500});
  }
  BOOST_TEST(count_events<Terminated>(p.ev_a) == 0u);
  BOOST_TEST((p.a.state() == DataSession::State::active));
  BOOST_TEST(p.a.metrics().retransmissions > u_int64_t(TransmissionManager::kMaxSends));
  // The message expired after 120 s of resends: its sender is told, the session stays.
  BOOST_REQUIRE(p.fb_a.size() == 1u);
  BOOST_TEST(!p.fb_a[0].delivered);
  BOOST_TEST((p.fb_a[0].failure == DeliveryFailure::expired));
}

BOOST_AUTO_TEST_CASE(a_silent_peer_ends_the_session_with_timeout) {
  Settled p;
  p.filter = [](const Pair::InFlight& f) { return f.to_b; };  // A never hears B again
  (void)p.a.queue_message(p.now, message(1, 800, p.now, 120), 1);
  p.collect();
  p.run_for(Millis{60'000});
  bool timeout = false;
  for (auto& e : p.ev_a)
    if (auto* t = std::get_if<Terminated>(&e))
      timeout |= !t->by_peer && t->reason == wire::TerminationReason::Timeout;
  BOOST_TEST(timeout);
  BOOST_REQUIRE(p.fb_a.size() == 1u);
  BOOST_TEST(!p.fb_a[0].delivered);
}

BOOST_AUTO_TEST_CASE(control_only_packets_are_given_up_without_ending_a_live_session) {
  // i2pd 2.45.1 never acknowledges a control-only packet by itself: the packet is given up
  // after kMaxSends, the session carries on.
  Settled p;
  p.filter = [&](const Pair::InFlight& f) {  // B never sees (so never ACKs) the request
    if (!f.to_b) return true;
    auto o = open(f.bytes, context(true, TimePoint{Millis{0}}).send);
    if (!o) return true;
    for (auto& b : o->blocks)
      if (std::holds_alternative<wire::RelayTagRequestBlock>(b)) return false;
    return true;
  };
  BOOST_REQUIRE(p.a.send_blocks(p.now, {wire::RelayTagRequestBlock{}}));
  p.collect();
  for (int i = 0; i < 40; ++i) {
    (void)p.b.queue_message(p.now, message(2000 + uint32_t(i), 100, p.now), std::nullopt);
    p.collect();
    p.run_for(Millis{500});
  }
  BOOST_TEST(p.a.metrics().packets_given_up == 1u);
  BOOST_TEST((p.a.state() == DataSession::State::active));
  BOOST_TEST(count_events<Terminated>(p.ev_a) == 0u);
}

BOOST_AUTO_TEST_CASE(control_only_packets_are_given_up_without_ending_a_quiet_session) {
  // As with i2pd 2.45.1 between its tunnel-build bursts: B sends nothing at all during the
  // control packet's whole resend cycle (it received every copy but never ACKs one), then
  // talks again. The session must stay, and carry I2NP afterwards both ways.
  Settled p;
  p.filter = [&](const Pair::InFlight& f) {
    if (!f.to_b) return true;
    auto o = open(f.bytes, context(true, TimePoint{Millis{0}}).send);
    if (!o) return true;
    for (auto& b : o->blocks)
      if (std::holds_alternative<wire::RelayTagRequestBlock>(b)) return false;
    return true;
  };
  BOOST_REQUIRE(p.a.send_blocks(p.now, {wire::RelayTagRequestBlock{}}));
  p.collect();
  p.run_for(Millis{30'000});  // B is silent: nothing but A's resends happen
  BOOST_TEST(p.a.metrics().packets_given_up == 1u);
  BOOST_TEST((p.a.state() == DataSession::State::active));
  BOOST_TEST(count_events<Terminated>(p.ev_a) == 0u);
  (void)p.a.queue_message(p.now, message(3000, 2000, p.now), 3000);
  (void)p.b.queue_message(p.now, message(3001, 2000, p.now), 3001);
  p.collect();
  p.run_for(Millis{2000});
  BOOST_REQUIRE(p.fb_a.size() == 1u);
  BOOST_TEST(p.fb_a[0].delivered);
  BOOST_REQUIRE(p.fb_b.size() == 1u);
  BOOST_TEST(p.fb_b[0].delivered);
}

BOOST_AUTO_TEST_CASE(ack_runs_are_bounded_and_raise_the_replay_floor) {
  RemoteAckManager m;
  for (uint32_t pn = 0; pn < 2 * RemoteAckManager::kMaxRuns * 2; pn += 2)
    BOOST_REQUIRE(m.record(TimePoint{Millis{0}}, pn, true, false, Millis{100}));
  BOOST_TEST(m.runs() <= RemoteAckManager::kMaxRuns);
  BOOST_TEST((m.check(0) == RemoteAckManager::Check::too_old));
  // in-order packets only extend the first run
  RemoteAckManager n;
  for (uint32_t pn = 0; pn < 5000; ++pn) BOOST_REQUIRE(n.record(TimePoint{Millis{0}}, pn, false, false, Millis{100}));
  BOOST_TEST(n.runs() == 1u);
  // a hole filled joins two runs
  RemoteAckManager k;
  for (uint32_t pn : {1u, 2u, 4u, 5u}) BOOST_REQUIRE(k.record(TimePoint{Millis{0}}, pn, false, false, Millis{100}));
  BOOST_TEST(k.runs() == 2u);
  BOOST_REQUIRE(k.record(TimePoint{Millis{0}}, 3, false, false, Millis{100}));
  BOOST_TEST(k.runs() == 1u);
  BOOST_TEST((k.check(3) == RemoteAckManager::Check::duplicate));
  BOOST_TEST((k.check(0) == RemoteAckManager::Check::fresh));
}
