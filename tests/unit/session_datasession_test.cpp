#define BOOST_TEST_MODULE session_datasession
#include <boost/test/unit_test.hpp>

#include "session_harness.hpp"

using namespace harness;

BOOST_AUTO_TEST_CASE(messages_flow_both_ways_and_feedback_follows_acks) {
  Pair p;
  BOOST_TEST((p.a.queue_message(p.now, message(1, 100, p.now), 501) == QueueResult::queued));
  BOOST_TEST((p.b.queue_message(p.now, message(2, 5000, p.now), 502) == QueueResult::queued));
  p.collect();
  BOOST_TEST(p.fb_a.empty());  // nothing delivered yet: no feedback at queue time
  p.run_for(Millis{2000});
  BOOST_REQUIRE(p.got_b.size() == 1u);
  BOOST_TEST((p.got_b[0] == message(1, 100, TimePoint{Millis{1000}})));
  BOOST_REQUIRE(p.got_a.size() == 1u);
  BOOST_TEST(p.got_a[0].body.size() == 5000u);
  BOOST_REQUIRE(p.fb_a.size() == 1u);
  BOOST_TEST(p.fb_a[0].feedback_id == 501u);
  BOOST_TEST(p.fb_a[0].delivered);
  BOOST_REQUIRE(p.fb_b.size() == 1u);
  BOOST_TEST(p.fb_b[0].delivered);
  BOOST_TEST(p.a.metrics().in_flight == 0u);
  BOOST_TEST(p.b.metrics().in_flight == 0u);
  // RTT was measured on the 10 ms link
  BOOST_TEST(to_ms(p.a.metrics().rtt) < 200);
}

BOOST_AUTO_TEST_CASE(lost_packet_is_resent_with_new_number_and_immediate_ack) {
  Pair p;
  int dropped = 0;
  std::vector<uint32_t> pns_to_b;
  std::vector<bool> immediate;
  p.filter = [&](const Pair::InFlight& f) {
    if (!f.to_b) return true;
    auto o = open(f.bytes, context(true, TimePoint{Millis{0}}).send);
    if (!o) return true;
    bool data = false;
    for (auto& b : o->blocks) data |= std::holds_alternative<wire::I2npBlock>(b);
    if (!data) return true;
    pns_to_b.push_back(o->header.packet_number);
    immediate.push_back(o->header.immediate_ack());
    return dropped++ > 0;  // drop the first data packet
  };
  BOOST_TEST((p.a.queue_message(p.now, message(9, 10, p.now), 1) == QueueResult::queued));
  p.collect();
  p.run_for(Millis{3000});
  BOOST_REQUIRE(p.got_b.size() == 1u);
  BOOST_REQUIRE(pns_to_b.size() == 2u);
  BOOST_TEST(pns_to_b[1] != pns_to_b[0]);
  BOOST_TEST(immediate[1]);
  BOOST_TEST(p.a.metrics().retransmissions == 1u);
  BOOST_REQUIRE(p.fb_a.size() == 1u);
  BOOST_TEST(p.fb_a[0].delivered);
}

BOOST_AUTO_TEST_CASE(duplicate_and_expired_messages_are_dropped) {
  Pair p;
  auto alice = context(true, TimePoint{Millis{0}});
  I2npMessage fresh = message(77, 20, p.now);
  I2npMessage old = message(78, 20, p.now);
  old.expiration = uint32_t(kUnixStartMs / 1000 - 10);
  I2npMessage future = message(79, 20, p.now, 3600);
  // The same message ID in two different packets (a resend the link duplicated).
  p.b.on_datagram(p.now, seal(alice.send, 0xB, 5, {wire::I2npBlock{20, 77, fresh.expiration, fresh.body}}), kAddrA);
  p.b.on_datagram(p.now, seal(alice.send, 0xB, 6, {wire::I2npBlock{20, 77, fresh.expiration, fresh.body}}), kAddrA);
  p.b.on_datagram(p.now, seal(alice.send, 0xB, 7, {wire::I2npBlock{20, 78, old.expiration, old.body}}), kAddrA);
  p.b.on_datagram(p.now, seal(alice.send, 0xB, 8, {wire::I2npBlock{20, 79, future.expiration, future.body}}), kAddrA);
  auto got = take_messages(p.b);
  BOOST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].id == 77u);
  auto& m = p.b.metrics();
  BOOST_TEST(m.duplicate_messages == 1u);
  BOOST_TEST(m.dropped(DropReason::expired_message) == 1u);
  BOOST_TEST(m.dropped(DropReason::expiration_too_far) == 1u);
}

BOOST_AUTO_TEST_CASE(queue_is_bounded_at_512) {
  Pair p;
  // nothing is acknowledged (the link is never run), so the window stays at 16 packets
  size_t queued = 0;
  QueueResult last = QueueResult::queued;
  for (uint32_t i = 0; i < 600 && last == QueueResult::queued; ++i) {
    last = p.a.queue_message(p.now, message(i, 1100, p.now), i);
    if (last == QueueResult::queued) ++queued;
  }
  BOOST_TEST((last == QueueResult::queue_full));
  BOOST_TEST(queued == 512u);  // packets are built lazily: all 512 wait for the next poll
  BOOST_TEST(p.a.metrics().queued == 512u);
  p.collect();  // the poll sends one window (16 packets) and frees room in the queue
  BOOST_TEST(p.a.metrics().in_flight == 16u);
  last = QueueResult::queued;
  for (uint32_t i = 600; i < 700 && last != QueueResult::queue_full; ++i) {
    last = p.a.queue_message(p.now, message(i, 1100, p.now), i);
    if (last == QueueResult::queued) ++queued;
  }
  BOOST_TEST((last == QueueResult::queue_full));
  BOOST_TEST(queued == 512u + 16u);  // 16 went out, 512 wait
  BOOST_TEST(p.a.metrics().queued == 512u);
  I2npMessage huge = message(1, 200'000, p.now);
  Pair q;
  BOOST_TEST((q.a.queue_message(q.now, huge) == QueueResult::too_large));
}

BOOST_AUTO_TEST_CASE(termination_initiated_locally) {
  Pair p;
  p.a.queue_message(p.now, message(1, 10, p.now), 1);
  p.a.terminate(p.now, wire::TerminationReason::RouterShutdown);
  p.collect();
  BOOST_TEST((p.a.state() == DataSession::State::closing));
  BOOST_TEST((p.a.queue_message(p.now, message(2, 10, p.now)) == QueueResult::closed));
  p.run_for(Millis{500});
  // B saw the reason, answered "termination received", A closed on that answer.
  BOOST_REQUIRE(count_events<Terminated>(p.ev_b) == 1u);
  for (auto& e : p.ev_b)
    if (auto* t = std::get_if<Terminated>(&e)) {
      BOOST_TEST((t->reason == wire::TerminationReason::RouterShutdown));
      BOOST_TEST(t->by_peer);
    }
  BOOST_TEST((p.a.state() == DataSession::State::closed));
  BOOST_TEST(p.a.can_be_freed());
  BOOST_TEST((p.b.state() == DataSession::State::closing));
  // B frees itself after the 60 s closing period
  p.run_for(Millis{61'000});
  BOOST_TEST(p.b.can_be_freed());
  BOOST_TEST(!p.b.next_wakeup());
  // every feedback answered (delivered before the close, or failed by it)
  BOOST_TEST(p.fb_a.size() == 1u);
}

BOOST_AUTO_TEST_CASE(termination_initiated_by_peer_with_lost_termination) {
  Pair p;
  // Drop A's first termination packet: B keeps sending, A must answer from closing state.
  bool dropped = false;
  p.filter = [&](const Pair::InFlight& f) {
    if (!f.to_b || dropped) return true;
    auto o = open(f.bytes, context(true, TimePoint{Millis{0}}).send);
    for (auto& b : o->blocks)
      if (std::holds_alternative<wire::TerminationBlock>(b)) { dropped = true; return false; }
    return true;
  };
  p.a.terminate(p.now, wire::TerminationReason::IdleTimeout);
  p.collect();
  BOOST_TEST(dropped);
  p.b.queue_message(p.now, message(5, 10, p.now), 55);
  p.collect();
  p.run_for(Millis{1000});
  BOOST_TEST(count_events<Terminated>(p.ev_b) == 1u);
  BOOST_REQUIRE(p.fb_b.size() == 1u);
  BOOST_TEST(!p.fb_b[0].delivered);
  BOOST_TEST((p.fb_b[0].failure == DeliveryFailure::session_closed));
  BOOST_TEST(p.a.can_be_freed());
}

BOOST_AUTO_TEST_CASE(path_validation_success_switches_address) {
  Pair p;
  auto alice = context(true, TimePoint{Millis{0}});
  const ssu2::Address moved = ssu2::Address::v4(10, 0, 0, 9, 3333);
  // A packet from A's new address: B challenges the new address.
  p.b.on_datagram(p.now, seal(alice.send, 0xB, 1, {wire::DateTimeBlock{1}, wire::PaddingBlock{4}}), moved);
  auto out = p.b.take_datagrams();
  std::optional<Bytes> challenge;
  for (auto& d : out) {
    if (d.to != moved) continue;
    auto o = open(d.bytes, context(false, TimePoint{Millis{0}}).send);
    BOOST_REQUIRE(o);
    bool has_address = false;
    for (auto& b : o->blocks) {
      if (auto* c = std::get_if<wire::PathChallengeBlock>(&b)) challenge = c->data;
      if (auto* a = std::get_if<wire::AddressBlock>(&b)) has_address = a->endpoint.port == 3333;
    }
    BOOST_TEST(has_address);
  }
  BOOST_REQUIRE(challenge);
  BOOST_TEST(challenge->size() >= 8u);
  BOOST_TEST((p.b.peer() == kAddrA));  // not switched before the response
  p.b.on_datagram(p.now + Millis{20}, seal(alice.send, 0xB, 2, {wire::PathResponseBlock{*challenge}}), moved);
  BOOST_TEST((p.b.peer() == moved));
  auto ev = take_events(p.b);
  BOOST_TEST(count_events<AddressChanged>(ev) == 1u);
}

BOOST_AUTO_TEST_CASE(path_validation_failure_keeps_old_address) {
  Pair p;
  auto alice = context(true, TimePoint{Millis{0}});
  const ssu2::Address spoofed = ssu2::Address::v4(66, 6, 6, 6, 666);
  p.b.on_datagram(p.now, seal(alice.send, 0xB, 1, {wire::DateTimeBlock{1}, wire::PaddingBlock{4}}), spoofed);
  p.b.take_datagrams();
  // wrong response
  p.b.on_datagram(p.now, seal(alice.send, 0xB, 2, {wire::PathResponseBlock{Bytes(8, 0)}}), spoofed);
  BOOST_TEST((p.b.peer() == kAddrA));
  BOOST_TEST(count_events<PathValidationFailed>(take_events(p.b)) == 1u);
  // timeout: challenge to an address that never answers
  TimePoint t = p.now;
  p.b.on_datagram(t, seal(alice.send, 0xB, 3, {wire::DateTimeBlock{1}, wire::PaddingBlock{4}}), spoofed);
  size_t challenges = 0;
  for (int i = 0; i < 200 && p.b.next_wakeup(); ++i) {
    t = *p.b.next_wakeup();
    if (t > p.now + Millis{6000}) break;
    p.b.on_timer(t);
    for (auto& d : p.b.take_datagrams()) challenges += d.to == spoofed;
  }
  BOOST_TEST(challenges >= 2u);
  BOOST_TEST((p.b.peer() == kAddrA));
  BOOST_TEST(count_events<PathValidationFailed>(take_events(p.b)) == 1u);
  BOOST_TEST((p.b.state() == DataSession::State::active));
}

BOOST_AUTO_TEST_CASE(path_challenge_is_answered_with_echo) {
  Pair p;
  auto alice = context(true, TimePoint{Millis{0}});
  Bytes data{1, 2, 3, 4, 5, 6, 7, 8, 9};
  p.b.on_datagram(p.now, seal(alice.send, 0xB, 1, {wire::PathChallengeBlock{data}}), kAddrA);
  bool echoed = false;
  for (auto& d : p.b.take_datagrams()) {
    auto o = open(d.bytes, context(false, TimePoint{Millis{0}}).send);
    for (auto& b : o->blocks)
      if (auto* r = std::get_if<wire::PathResponseBlock>(&b)) echoed = r->data == data && d.to == kAddrA;
  }
  BOOST_TEST(echoed);
}

BOOST_AUTO_TEST_CASE(replayed_packet_number_is_dropped) {
  Pair p;
  auto alice = context(true, TimePoint{Millis{0}});
  auto pkt = seal(alice.send, 0xB, 4, {wire::I2npBlock{20, 1, uint32_t(kUnixStartMs / 1000 + 60), Bytes{1}}});
  p.b.on_datagram(p.now, pkt, kAddrA);
  p.b.on_datagram(p.now, pkt, kAddrA);
  BOOST_TEST(take_messages(p.b).size() == 1u);
  BOOST_TEST(p.b.metrics().replayed_packets == 1u);
}

BOOST_AUTO_TEST_CASE(bandwidth_event_every_second_with_traffic_and_none_when_idle) {
  Pair p;
  // 3.5 s of traffic (a message every 100 ms): one report per second, in and out counted.
  for (uint32_t i = 0; i < 35; ++i) {
    BOOST_TEST((p.a.queue_message(p.now, message(100 + i, 500, p.now)) == QueueResult::queued));
    p.collect();
    p.run_for(Millis{100});
  }
  size_t reports = count_events<BandwidthSample>(p.ev_a);
  BOOST_TEST(reports == 3u);
  for (auto& e : p.ev_a)
    if (auto* b = std::get_if<BandwidthSample>(&e)) BOOST_TEST((b->bytes_out > 0 && b->bytes_in > 0));
  // Idle: at most the report of the last partial second, then no wake-up for bandwidth.
  p.run_for(Millis{5000});
  BOOST_TEST(count_events<BandwidthSample>(p.ev_a) <= reports + 1);
  size_t after = count_events<BandwidthSample>(p.ev_a);
  p.run_for(Millis{10'000});
  BOOST_TEST(count_events<BandwidthSample>(p.ev_a) == after);
  // The next wake-up of an idle session is its idle timeout, not a periodic tick.
  BOOST_REQUIRE(p.a.next_wakeup());
  BOOST_TEST(to_ms(*p.a.next_wakeup() - p.now) > 60'000);
}

BOOST_AUTO_TEST_CASE(bob_acks_session_confirmed_packet_zero_first) {
  Pair p;
  p.run_for(Millis{100});
  // A received an ACK of its packet 0: nothing to check in A's state except no failures;
  // look at what B sent.
  Pair q;
  q.b.on_timer(q.now + Millis{50});
  auto out = q.b.take_datagrams();
  BOOST_REQUIRE(out.size() == 1u);
  auto o = open(out[0].bytes, context(false, TimePoint{Millis{0}}).send);
  BOOST_REQUIRE(o);
  bool acked0 = false;
  for (auto& b : o->blocks)
    if (auto* a = std::get_if<wire::AckBlock>(&b)) acked0 = a->acks(0);
  BOOST_TEST(acked0);
}

// A replaced session hands every message not known to be delivered to its successor: the
// never-sent ones and the sent ones awaiting their ACK (spec, "Multiple Sessions"). Before,
// the sent ones failed with the session, so a send racing a crossed connect with i2pd lost
// its messages (interop_i2pd_robust, the idle pair's reconnect).
BOOST_AUTO_TEST_CASE(undelivered_messages_are_taken_out_before_termination) {
  Pair p;
  for (uint32_t i = 0; i < 40; ++i) BOOST_TEST((p.a.queue_message(p.now, message(i, 1100, p.now), i) == QueueResult::queued));
  p.collect();  // one window (16 packets, 16 messages) goes out, none ACKed yet
  BOOST_TEST(p.a.metrics().in_flight == 16u);
  auto moved = p.a.take_undelivered();
  BOOST_REQUIRE(moved.size() == 40u);
  for (size_t k = 0; k < moved.size(); ++k) {
    BOOST_TEST(moved[k].msg.id == k);  // in queueing order, sent ones first
    BOOST_TEST(moved[k].msg.body.size() == 1100u);
    BOOST_REQUIRE(moved[k].feedback_id.has_value());
    BOOST_TEST(*moved[k].feedback_id == k);
  }
  BOOST_TEST(p.a.metrics().queued == 0u);
  p.a.terminate(p.now, wire::TerminationReason::ReplacedByNewSession);
  // The moved messages produce no result here: their successor reports them.
  BOOST_TEST(take_feedback(p.a).empty());
}

// What the peer ACKed is delivered and reported; only the rest moves, including a message
// of which some fragments were ACKed and others not, and one partly sent.
BOOST_AUTO_TEST_CASE(only_unacknowledged_messages_move) {
  Pair p;
  std::map<uint32_t, I2npMessage> sent;
  for (uint32_t i = 0; i < 60; ++i) {
    auto m = message(i, i % 3 == 0 ? 3000 : 700, p.now);  // every third is fragmented
    sent[i] = m;
    BOOST_TEST((p.a.queue_message(p.now, m, i) == QueueResult::queued));
  }
  p.collect();
  // Let the first ACKs arrive but not all: the window is still full of later packets.
  for (int i = 0; i < 40 && p.fb_a.size() < 10; ++i) p.step(p.now + Millis{1000});
  BOOST_REQUIRE(!p.fb_a.empty());
  BOOST_REQUIRE(p.fb_a.size() < 60u);
  std::set<uint64_t> delivered;
  for (auto& r : p.fb_a) {
    BOOST_TEST(r.delivered);
    delivered.insert(r.feedback_id);
  }
  auto moved = p.a.take_undelivered();
  std::set<uint64_t> all = delivered;
  uint64_t last = 0;
  for (auto& u : moved) {
    BOOST_REQUIRE(u.feedback_id.has_value());
    BOOST_TEST(!delivered.count(*u.feedback_id), "message " << *u.feedback_id << " delivered and moved");
    BOOST_TEST(*u.feedback_id >= last);  // oldest first
    last = *u.feedback_id;
    BOOST_TEST((u.msg == sent[u.msg.id]));  // whole, unchanged
    all.insert(*u.feedback_id);
  }
  BOOST_TEST(all.size() == 60u);  // none lost between "delivered" and "moved"
  p.a.terminate(p.now, wire::TerminationReason::ReplacedByNewSession);
  p.collect();
  BOOST_TEST(p.fb_a.size() == delivered.size());  // nothing more reported by the old session
}

// With return_undelivered_on_close, a session that the peer ends gives back what it had not
// delivered (in a MessagesReturned event right after Terminated) instead of failing it, so
// that the node can send it over another session to the peer (the manager's reroute).
BOOST_AUTO_TEST_CASE(an_ending_session_returns_undelivered_messages_when_asked) {
  for (bool returning : {false, true}) {
    Pair p;
    p.a.return_undelivered_on_close(returning);
    for (uint32_t i = 0; i < 30; ++i) BOOST_TEST((p.a.queue_message(p.now, message(i, 1100, p.now), i) == QueueResult::queued));
    p.collect();  // 16 sent, 14 queued; none ACKed yet
    p.ev_a.clear();
    p.b.terminate(p.now, wire::TerminationReason::NormalClose);
    p.collect();
    p.run_for(Millis{15});  // B's Termination reaches A (10 ms), well before A's first resend
    bool terminated = false;
    std::vector<UndeliveredMessage> back;
    for (auto& e : p.ev_a) {
      if (auto* t = std::get_if<Terminated>(&e)) terminated = t->by_peer;
      if (auto* r = std::get_if<MessagesReturned>(&e)) {
        BOOST_TEST(terminated);  // after Terminated
        back = std::move(r->messages);
      }
    }
    BOOST_TEST(terminated);
    size_t failed = 0, delivered = 0;
    for (auto& r : p.fb_a) (r.delivered ? delivered : failed)++;
    BOOST_TEST(delivered + failed + back.size() == 30u);
    if (returning) {
      BOOST_TEST(failed == 0u);
      BOOST_TEST(back.size() + delivered == 30u);
      BOOST_TEST(!back.empty());
      for (size_t k = 1; k < back.size(); ++k) BOOST_TEST(back[k].msg.id > back[k - 1].msg.id);
    } else {
      BOOST_TEST(back.empty());
      BOOST_TEST(failed > 0u);
    }
  }
}
