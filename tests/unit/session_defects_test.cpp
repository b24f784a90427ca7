#define BOOST_TEST_MODULE session_defects
#include <boost/test/unit_test.hpp>

// One test per defect of docs/DEFECTS.md that concerns the data-phase session.
// Defect 14 (SessionConfirmed static key vs RouterInfo `s`) belongs to the handshake.

#include "session_harness.hpp"

using namespace harness;

namespace {
const DirectionKeys& alice_send() {
  static const DirectionKeys k = context(true, TimePoint{Millis{0}}).send;
  return k;
}
const DirectionKeys& bob_send() {
  static const DirectionKeys k = context(false, TimePoint{Millis{0}}).send;
  return k;
}
// Runs B's timers until its ACK deadline passed and returns what it sent.
std::vector<OutDatagram> b_output_after(Pair& p, Millis d) {
  auto out = p.b.take_datagrams();
  p.b.on_timer(p.now + d);
  for (auto& x : p.b.take_datagrams()) out.push_back(std::move(x));
  return out;
}
}  // namespace

// docs/DEFECTS.md defect 1. Guards: garbage, bad AEAD, broken framing and a late SessionConfirmed are counted drops, never an assert.
BOOST_AUTO_TEST_CASE(defect_1_bad_packets_are_counted_never_asserted) {
  Pair p;
  Bytes garbage(100, 0x5a);
  p.b.on_datagram(p.now, garbage, kAddrA);
  p.b.on_datagram(p.now, Bytes(10, 1), kAddrA);
  // right header keys, wrong AEAD key
  DirectionKeys wrong = alice_send();
  wrong.k_data = key(99);
  p.b.on_datagram(p.now, seal(wrong, 0xB, 3, {wire::DateTimeBlock{1}, wire::PaddingBlock{4}}), kAddrA);
  // authenticated but the block framing is broken (size runs past the end)
  {
    Bytes pl{3, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7};
    wire::ShortHeader h{0xB, 4, 6, {}};
    Bytes pkt(16 + pl.size() + 16);
    wire::encode_to(h, pkt.data());
    std::copy(pl.begin(), pl.end(), pkt.begin() + 16);
    BOOST_REQUIRE(crypto::aead_encrypt(alice_send().k_data, 4, ByteSpan(pkt.data(), 16), pkt.data() + 16, pl.size()));
    BOOST_REQUIRE(wire::protect_short(pkt, alice_send().k_header_1, alice_send().k_header_2));
    p.b.on_datagram(p.now, pkt, kAddrA);
  }
  // a retransmitted Session Confirmed (type 2, packet 0, its own header key)
  DirectionKeys confirmed = alice_send();
  confirmed.k_header_2 = key(7);
  p.b.take_datagrams();
  p.b.on_datagram(p.now, seal(confirmed, 0xB, 0, {wire::PaddingBlock{40}}, false, 2), kAddrA);
  auto& m = p.b.metrics();
  BOOST_TEST(m.dropped(DropReason::wrong_connection_id) + m.dropped(DropReason::bad_header) +
                 m.dropped(DropReason::unexpected_message_type) >=
             1u);
  BOOST_TEST(m.dropped(DropReason::too_short) == 1u);
  BOOST_TEST(m.dropped(DropReason::aead_failure) == 1u);
  BOOST_TEST(m.dropped(DropReason::malformed_payload) == 1u);
  BOOST_TEST(m.session_confirmed_retransmits == 1u);
  BOOST_TEST(acks(p.b.take_datagrams(), bob_send(), 0));  // answered with an ACK of packet 0
  BOOST_TEST((p.b.state() == DataSession::State::active));
}

// docs/DEFECTS.md defect 2. Guards: a packet with only Relay/Path blocks is ACKed (one ACK tracker).
BOOST_AUTO_TEST_CASE(defect_2_relay_and_path_only_packets_are_acked) {
  // Each kind alone in its own session, so that no other packet causes the ACK.
  std::vector<std::vector<wire::Block>> packets = {
      {wire::RelayTagRequestBlock{}, wire::PaddingBlock{5}},
      {wire::PathResponseBlock{Bytes(8, 1)}},
      {wire::PathChallengeBlock{Bytes(8, 2)}},
  };
  for (auto& blocks : packets) {
    Pair p;
    p.b.take_datagrams();
    p.b.on_timer(p.now + Millis{50});  // the ACK of Session Confirmed goes out first
    p.b.take_datagrams();
    p.b.on_datagram(p.now + Millis{60}, seal(alice_send(), 0xB, 5, blocks), kAddrA);
    auto out = p.b.take_datagrams();
    p.b.on_timer(p.now + Millis{60} + RemoteAckManager::kMaxNormalDelay);
    for (auto& d : p.b.take_datagrams()) out.push_back(std::move(d));
    BOOST_TEST(acks(out, bob_send(), 5));
  }
}

// docs/DEFECTS.md defect 3. Guards: a RouterInfo alone in its packet is ACKed and reaches the core before the next packet's block.
BOOST_AUTO_TEST_CASE(defect_3_router_info_alone_is_acked_and_kept_for_the_next_packet) {
  Pair p;
  wire::RouterInfoBlock ri;
  ri.data = Bytes(50, 0x42);
  p.b.on_datagram(p.now, seal(alice_send(), 0xB, 5, {ri}), kAddrA);
  p.b.on_datagram(p.now, seal(alice_send(), 0xB, 6, {wire::RelayTagRequestBlock{}, wire::PaddingBlock{5}}), kAddrA);
  auto out = b_output_after(p, Millis{150});
  BOOST_TEST(acks(out, bob_send(), 5));
  auto got = take_control(p.b);
  BOOST_REQUIRE(got.size() == 2u);
  auto* ri_in = std::get_if<RouterInfoReceived>(&got[0]);  // arrives first
  BOOST_REQUIRE(ri_in);
  BOOST_TEST((ri_in->router_info == Bytes(50, 0x42)));
  auto* c = std::get_if<ControlReceived>(&got[1]);
  BOOST_REQUIRE(c);
  BOOST_TEST(std::holds_alternative<wire::RelayTagRequestBlock>(c->block));
}

// docs/DEFECTS.md defect 4. Guards: a peer's Termination is answered with reason 2, not echoed.
BOOST_AUTO_TEST_CASE(defect_4_termination_is_answered_with_termination_received) {
  Pair p;
  p.b.on_datagram(p.now, seal(alice_send(), 0xB, 5, {wire::TerminationBlock{3, wire::TerminationReason::IdleTimeout, {}}}), kAddrA);
  auto out = p.b.take_datagrams();
  std::optional<wire::TerminationReason> replied;
  for (auto& d : out)
    if (auto o = open(d.bytes, bob_send()))
      for (auto& b : o->blocks)
        if (auto* t = std::get_if<wire::TerminationBlock>(&b)) replied = t->reason;
  BOOST_REQUIRE(replied);
  BOOST_TEST((*replied == wire::TerminationReason::TerminationReceived));
  auto ev = take_events(p.b);
  BOOST_REQUIRE(!ev.empty());
  auto* t = std::get_if<Terminated>(&ev[0]);
  BOOST_REQUIRE(t);
  BOOST_TEST((t->reason == wire::TerminationReason::IdleTimeout));
  BOOST_TEST(t->by_peer);
}

// docs/DEFECTS.md defect 5. Guards: unrelated wake-ups do not postpone resends, and a full window still resends.
BOOST_AUTO_TEST_CASE(defect_5_resends_are_not_postponed_and_happen_with_a_full_window) {
  Pair p;
  TimePoint t0 = p.now;
  for (uint32_t i = 0; i < 30; ++i) p.a.queue_message(t0, message(i, 1000, t0), i);
  auto first = p.a.take_datagrams();
  BOOST_TEST(first.size() == 16u);  // window full
  BOOST_TEST(*p.a.next_wakeup() <= t0 + Millis{540});
  // Unrelated wake-ups every 10 ms (an ACK-only packet from B acking nothing of ours).
  size_t resent = 0;
  uint32_t pn = 100;
  for (TimePoint t = t0 + Millis{10}; t < t0 + Millis{540}; t += Millis{10}) {
    p.a.on_datagram(t, seal(bob_send(), 0xA, pn++, {wire::DateTimeBlock{1}, wire::PaddingBlock{4}}), kAddrB);
    p.a.on_timer(t);
    resent += p.a.take_datagrams().size();
  }
  BOOST_TEST(resent == 0u);
  BOOST_TEST((*p.a.next_wakeup() == t0 + Millis{540}));  // still the packets' deadline
  p.a.on_timer(t0 + Millis{540});
  auto again = p.a.take_datagrams();
  size_t with_data = 0;
  for (auto& d : again)
    if (auto o = open(d.bytes, alice_send()))
      for (auto& b : o->blocks) with_data += std::holds_alternative<wire::I2npBlock>(b);
  BOOST_TEST(with_data == 16u);  // all 16 expired packets resent although the window is full
  BOOST_TEST(p.a.metrics().retransmissions == 16u);
}

// docs/DEFECTS.md defect 6. Guards: resends and ACK-only packets are counted in the byte totals and sized to the session's MTU.
BOOST_AUTO_TEST_CASE(defect_6_resends_and_acks_are_counted_and_sized_to_the_session) {
  LinkConfig cfg;
  cfg.drop = 0.3;
  cfg.seed = 5;
  Pair p(cfg, 1200);
  uint64_t out_bytes = 0, out_packets = 0;
  size_t largest = 0;
  p.filter = [&](const Pair::InFlight& f) {
    if (!f.to_b) return true;
    out_bytes += f.bytes.size();
    ++out_packets;
    largest = std::max(largest, f.bytes.size());
    return true;
  };
  for (uint32_t i = 0; i < 40; ++i) p.a.queue_message(p.now, message(i, 3000, p.now), i);
  p.b.queue_message(p.now, message(999, 10, p.now));
  p.collect();
  p.run_for(Millis{20'000});
  auto& m = p.a.metrics();
  BOOST_TEST(m.retransmissions > 0u);
  BOOST_TEST(m.bytes_out == out_bytes);
  BOOST_TEST(m.packets_out == out_packets);
  BOOST_TEST(largest <= 1200u + 32u);
  BOOST_TEST(p.b.metrics().ack_only_packets_out > 0u);
}

// docs/DEFECTS.md defect 7. Guards: 330 s without traffic ends with idle timeout; a peer that never answers ends with timeout.
BOOST_AUTO_TEST_CASE(defect_7_idle_timeout_and_unresponsive_peer_terminate) {
  {
    Pair p;
    p.run_for(Millis{400'000});  // no traffic at all
    // Whichever side heard nothing for 330 s first closes with "idle timeout"; the other
    // learns it from the Termination block.
    bool idle_local = false, idle_remote = false;
    for (auto* ev : {&p.ev_a, &p.ev_b})
      for (auto& e : *ev)
        if (auto* t = std::get_if<Terminated>(&e); t && t->reason == wire::TerminationReason::IdleTimeout)
          (t->by_peer ? idle_remote : idle_local) = true;
    BOOST_TEST(idle_local);
    BOOST_TEST(idle_remote);
    BOOST_TEST(to_ms(p.now) >= 331'000);
  }
  {
    Pair p;
    p.filter = [](const Pair::InFlight& f) { return !f.to_b; };  // B never hears A
    p.a.queue_message(p.now, message(1, 10, p.now, 250), 77);
    p.collect();
    p.run_for(Millis{200'000});
    bool timeout = false;
    for (auto& e : p.ev_a)
      if (auto* t = std::get_if<Terminated>(&e)) timeout |= t->reason == wire::TerminationReason::Timeout;
    BOOST_TEST(timeout);
    BOOST_REQUIRE(p.fb_a.size() == 1u);
    BOOST_TEST(!p.fb_a[0].delivered);
  }
}

// docs/DEFECTS.md defect 8. Guards: failed sends are resent later and do not end the session.
BOOST_AUTO_TEST_CASE(defect_8_failed_sends_do_not_end_the_session) {
  Pair p;
  int refused = 0;
  p.filter = [&](const Pair::InFlight& f) { return !(f.to_b && refused++ < 3); };  // socket errors
  p.a.queue_message(p.now, message(1, 10, p.now), 1);
  p.collect();
  p.run_for(Millis{10'000});
  BOOST_TEST((p.a.state() == DataSession::State::active));
  BOOST_TEST(p.got_b.size() == 1u);
  BOOST_REQUIRE(p.fb_a.size() == 1u);
  BOOST_TEST(p.fb_a[0].delivered);
}

// docs/DEFECTS.md defect 9. Guards: delivery is reported after the ACK, not when queued.
BOOST_AUTO_TEST_CASE(defect_9_feedback_waits_for_the_ack) {
  Pair p;
  p.a.queue_message(p.now, message(1, 3000, p.now), 9);  // three fragments
  auto out = p.a.take_datagrams();
  BOOST_TEST(out.size() == 3u);
  BOOST_TEST(take_feedback(p.a).empty());
  for (size_t i = 0; i < 2; ++i) p.b.on_datagram(p.now, out[i].bytes, kAddrA);
  for (auto& d : b_output_after(p, Millis{150})) p.a.on_datagram(p.now + Millis{150}, d.bytes, kAddrB);
  BOOST_TEST(take_feedback(p.a).empty());  // one fragment still unacknowledged
  p.b.on_datagram(p.now + Millis{160}, out[2].bytes, kAddrA);
  for (auto& d : b_output_after(p, Millis{400})) p.a.on_datagram(p.now + Millis{400}, d.bytes, kAddrB);
  auto fb = take_feedback(p.a);
  BOOST_REQUIRE(fb.size() == 1u);
  BOOST_TEST(fb[0].feedback_id == 9u);
  BOOST_TEST(fb[0].delivered);
}

// docs/DEFECTS.md defect 10. Guards: a replayed packet number is dropped.
BOOST_AUTO_TEST_CASE(defect_10_packet_number_replay_is_rejected) {
  Pair p;
  auto pkt = seal(alice_send(), 0xB, 4, {wire::RelayTagRequestBlock{}, wire::PaddingBlock{5}});
  p.b.on_datagram(p.now, pkt, kAddrA);
  p.b.on_datagram(p.now, pkt, kAddrA);
  BOOST_TEST(take_control_blocks(p.b).size() == 1u);
  BOOST_TEST(p.b.metrics().replayed_packets == 1u);
}

// docs/DEFECTS.md defect 11. Guards: Path blocks decode as well-formed Address blocks.
BOOST_AUTO_TEST_CASE(defect_11_path_blocks_carry_a_well_formed_address_block) {
  Pair p;
  const ssu2::Address moved = ssu2::Address::v4(192, 168, 1, 7, 4444);
  p.b.on_datagram(p.now, seal(alice_send(), 0xB, 3, {wire::PathChallengeBlock{Bytes(9, 3)}}), moved);
  size_t checked = 0;
  for (auto& d : p.b.take_datagrams()) {
    auto o = open(d.bytes, bob_send());  // parse_blocks would fail on a malformed Address
    BOOST_REQUIRE(o);
    for (auto& b : o->blocks)
      if (auto* a = std::get_if<wire::AddressBlock>(&b)) {
        BOOST_TEST(a->endpoint.ip_len == 4);
        BOOST_TEST(a->endpoint.port == 4444);
        BOOST_TEST(a->endpoint.ip[0] == 192);
        ++checked;
      }
  }
  BOOST_TEST(checked == 2u);  // our challenge to the new address and our response
}

// docs/DEFECTS.md defect 12. Guards: a 62 KiB message crosses a 1280-byte MTU session.
BOOST_AUTO_TEST_CASE(defect_12_ipv6_minimum_mtu_carries_62_kib) {
  Pair p({}, 1200);
  size_t largest = 0;
  p.filter = [&](const Pair::InFlight& f) {
    largest = std::max(largest, f.bytes.size());
    return true;
  };
  auto m = message(7, 62 * 1024, p.now);
  BOOST_TEST((p.a.queue_message(p.now, m, 1) == QueueResult::queued));
  p.collect();
  p.run_for(Millis{5000});
  BOOST_REQUIRE(p.got_b.size() == 1u);
  BOOST_TEST((p.got_b[0] == m));
  BOOST_TEST(largest <= 1280u - 48u);  // IPv6 + UDP headers take 48 of the 1280
}

// docs/DEFECTS.md defect 13. Guards: a closed session reports that its demux entry can be freed.
BOOST_AUTO_TEST_CASE(defect_13_closed_sessions_report_they_can_be_freed) {
  Pair p;
  p.b.on_datagram(p.now, seal(alice_send(), 0xB, 5, {wire::TerminationBlock{3, wire::TerminationReason::NormalClose, {}}}), kAddrA);
  BOOST_TEST(!p.b.can_be_freed());  // closing: still answers late packets
  p.b.on_datagram(p.now + Millis{10}, seal(alice_send(), 0xB, 6, {wire::DateTimeBlock{1}, wire::PaddingBlock{4}}), kAddrA);
  BOOST_TEST(!p.b.take_datagrams().empty());
  BOOST_TEST((*p.b.next_wakeup() <= p.now + Millis{60'000}));
  p.b.on_timer(p.now + Millis{60'000});
  BOOST_TEST(p.b.can_be_freed());
  BOOST_TEST(!p.b.next_wakeup());
  BOOST_TEST(count_events<Closed>(take_events(p.b)) == 1u);
}

// Found by the impairment-proxy test: fragments refused by the reassembly memory bound AFTER
// their packet was ACKed were lost while the sender was told "delivered". A packet whose
// fragments cannot be held must not be acknowledged, so that the peer sends it again.
BOOST_AUTO_TEST_CASE(no_silent_loss_fragments_beyond_the_memory_bound_are_not_acked) {
  TimePoint now{Millis{1000}};
  auto bctx = context(false, now);
  DataSession b{bctx};
  Bytes piece(3000, 0x11);
  uint32_t pn = 1;
  const size_t fits = std::min(Reassembler::kMaxPartialMessages,
                               Reassembler::kDefaultMemoryLimit / piece.size());
  for (uint32_t id = 1; id <= fits; ++id, ++pn) {
    wire::FirstFragmentBlock f{20, id, uint32_t(kUnixStartMs / 1000 + 60), piece};
    b.on_datagram(now, seal(bctx.receive, bctx.our_conn_id, pn, {f}, true), kAddrA);
  }
  BOOST_TEST(b.metrics().dropped(DropReason::reassembly_backpressure) == 0u);
  (void)b.take_datagrams();
  // The buffer is full: the next new message's fragment is refused and its packet not ACKed.
  const uint32_t refused_pn = pn++;
  wire::FirstFragmentBlock extra{20, 999'999, uint32_t(kUnixStartMs / 1000 + 60), piece};
  b.on_datagram(now, seal(bctx.receive, bctx.our_conn_id, refused_pn, {extra}, true), kAddrA);
  b.on_timer(now + Millis{200});
  BOOST_TEST(b.metrics().dropped(DropReason::reassembly_backpressure) == 1u);
  BOOST_TEST(!acks(b.take_datagrams(), bctx.send, refused_pn));
  // The same content in a later packet is taken once the memory drains (incomplete messages
  // time out here; in real traffic they complete).
  b.on_timer(now + Millis{31'000});
  const uint32_t resent_pn = pn++;
  b.on_datagram(now + Millis{31'000}, seal(bctx.receive, bctx.our_conn_id, resent_pn, {extra}, true), kAddrA);
  b.on_timer(now + Millis{31'200});
  BOOST_TEST(acks(b.take_datagrams(), bctx.send, resent_pn));
}
