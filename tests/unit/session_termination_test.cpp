#define BOOST_TEST_MODULE session_termination
#include <boost/test/unit_test.hpp>

// The wire layout of our Termination packets (issue 9, point 2). i2pd 2.45.1 reads the
// reason at payload offset 11 (SSU2Session::HandlePayload: `buf[11]`), right only when the
// Termination block comes first; the spec wants it last except Padding. Our layout: an
// ACK-only packet, then a packet whose payload is the Termination block alone (or followed
// only by Padding). Checked for every local reason and for the "termination received" answer.

#include "session_harness.hpp"

using namespace harness;

namespace {

// The decrypted payload bytes of a datagram (to read the raw offsets i2pd reads).
std::optional<Bytes> plaintext(ByteSpan dgram, const DirectionKeys& k) {
  Bytes buf(dgram.begin(), dgram.end());
  auto h = wire::unprotect_short(buf, k.k_header_1, k.k_header_2);
  if (!h) return std::nullopt;
  auto pt = crypto::aead_decrypt(k.k_data, h->packet_number, ByteSpan(buf.data(), 16),
                                 ByteSpan(buf.data() + 16, buf.size() - 16));
  if (!pt) return std::nullopt;
  return Bytes(pt->begin(), pt->end());
}

const DirectionKeys& alice_send() {
  static const DirectionKeys k = context(true, TimePoint{Millis{0}}).send;
  return k;
}
const DirectionKeys& bob_send() {
  static const DirectionKeys k = context(false, TimePoint{Millis{0}}).send;
  return k;
}

// Checks the termination output of a session: [ACK-only packet,] Termination packet, with
// the layout above. Returns the reason byte at offset 11 of the Termination packet.
uint8_t check_layout(const std::vector<OutDatagram>& out, const DirectionKeys& keys, bool expect_ack) {
  BOOST_REQUIRE(!out.empty());
  size_t term_at = out.size();
  for (size_t i = 0; i < out.size(); ++i) {
    auto o = open(out[i].bytes, keys);
    BOOST_REQUIRE(o);
    for (auto& b : o->blocks)
      if (std::holds_alternative<wire::TerminationBlock>(b)) term_at = i;
  }
  BOOST_REQUIRE(term_at < out.size());
  BOOST_TEST(term_at == out.size() - 1);  // nothing follows the Termination packet
  auto o = open(out[term_at].bytes, keys);
  // Termination first, then nothing but Padding.
  BOOST_REQUIRE(!o->blocks.empty());
  BOOST_TEST(std::holds_alternative<wire::TerminationBlock>(o->blocks[0]));
  for (size_t i = 1; i < o->blocks.size(); ++i)
    BOOST_TEST(std::holds_alternative<wire::PaddingBlock>(o->blocks[i]));
  BOOST_TEST(!o->header.immediate_ack());
  auto pt = plaintext(out[term_at].bytes, keys);
  BOOST_REQUIRE(pt);
  BOOST_REQUIRE(pt->size() >= 12u);
  BOOST_TEST(int((*pt)[0]) == 6);                         // block type Termination
  BOOST_TEST(int(((*pt)[1] << 8) | (*pt)[2]) >= 9);       // size
  uint8_t reason = (*pt)[11];                             // where i2pd 2.45.1 reads it
  BOOST_TEST(reason == uint8_t(std::get<wire::TerminationBlock>(o->blocks[0]).reason));
  if (expect_ack) {
    // The ACK goes in the packet just before, alone (spec recommends an ACK "with" the
    // Termination; this keeps both the spec's ordering and i2pd 2.45.1's offset).
    BOOST_REQUIRE(term_at >= 1u);
    auto a = open(out[term_at - 1].bytes, keys);
    BOOST_REQUIRE(a);
    bool has_ack = false;
    for (auto& b : a->blocks) {
      has_ack |= std::holds_alternative<wire::AckBlock>(b);
      BOOST_TEST((std::holds_alternative<wire::AckBlock>(b) || std::holds_alternative<wire::PaddingBlock>(b)));
    }
    BOOST_TEST(has_ack);
    BOOST_TEST(a->header.packet_number + 1 == o->header.packet_number);
  }
  return reason;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_local_reason_is_read_at_i2pds_offset) {
  for (auto reason : {wire::TerminationReason::NormalClose, wire::TerminationReason::RouterShutdown,
                      wire::TerminationReason::IdleTimeout, wire::TerminationReason::Timeout,
                      wire::TerminationReason::ReplacedByNewSession,
                      wire::TerminationReason::ConnectionLimits, wire::TerminationReason::ClockSkew}) {
    Pair p;
    // Some traffic both ways first, so that there is something to ACK.
    p.a.queue_message(p.now, message(1, 3000, p.now), 1);
    p.b.queue_message(p.now, message(2, 100, p.now), 2);
    p.run_for(Millis{500});
    p.a.take_datagrams();
    p.a.terminate(p.now, reason);
    auto out = p.a.take_datagrams();
    BOOST_TEST(check_layout(out, alice_send(), true) == uint8_t(reason));
    // The peer reads it and answers "termination received" with the same layout.
    for (auto& d : out) p.b.on_datagram(p.now, d.bytes, kAddrA);
    auto ev = take_events(p.b);
    BOOST_REQUIRE(!ev.empty());
    auto* t = std::get_if<Terminated>(&ev[0]);
    BOOST_TEST((t && t->reason == reason && t->by_peer));
    auto answer = p.b.take_datagrams();
    BOOST_TEST(check_layout(answer, bob_send(), true) == uint8_t(wire::TerminationReason::TerminationReceived));
    for (auto& d : answer) p.a.on_datagram(p.now, d.bytes, kAddrB);
    BOOST_TEST(p.a.can_be_freed());
  }
}

BOOST_AUTO_TEST_CASE(idle_timeout_from_the_timer_has_the_same_layout) {
  Pair p;
  p.a.queue_message(p.now, message(1, 100, p.now), 1);
  p.run_for(Millis{500});
  p.a.take_datagrams();
  TimePoint t = p.now + Millis{330'000};
  p.a.on_timer(t);
  auto out = p.a.take_datagrams();
  BOOST_TEST(check_layout(out, alice_send(), true) == uint8_t(wire::TerminationReason::IdleTimeout));
}

BOOST_AUTO_TEST_CASE(without_anything_to_ack_only_the_termination_goes_out) {
  // Alice before any packet of Bob's: nothing received, no ACK packet.
  DataSession a{context(true, TimePoint{Millis{1000}})};
  a.terminate(TimePoint{Millis{1000}}, wire::TerminationReason::RouterShutdown);
  auto out = a.take_datagrams();
  BOOST_REQUIRE(out.size() == 1u);
  BOOST_TEST(check_layout(out, alice_send(), false) == uint8_t(wire::TerminationReason::RouterShutdown));
}

BOOST_AUTO_TEST_CASE(closing_state_repeats_the_termination_packet_only) {
  Pair p;
  p.b.queue_message(p.now, message(2, 100, p.now), 2);
  p.run_for(Millis{500});
  p.a.take_datagrams();
  p.a.terminate(p.now, wire::TerminationReason::RouterShutdown);
  auto first = p.a.take_datagrams();
  BOOST_REQUIRE(first.size() == 2u);
  // A late packet from B: A answers with the very same Termination packet (spec allows it).
  p.a.on_datagram(p.now, seal(bob_send(), 0xA, 900, {wire::DateTimeBlock{1}, wire::PaddingBlock{4}}), kAddrB);
  auto again = p.a.take_datagrams();
  BOOST_REQUIRE(again.size() == 1u);
  BOOST_TEST((again[0].bytes == first[1].bytes));
}
