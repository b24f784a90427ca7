#define BOOST_TEST_MODULE session_control_blocks
#include <boost/test/unit_test.hpp>

#include "tests/unit/session_harness.hpp"
#include "transport/i2p/gzip.hpp"

using namespace harness;

namespace {

// Control events B reported, in order.
std::vector<Event> control_at_b(Pair& p) { return take_control(p.b); }

bool carries_new_token(const Bytes& dgram) {
  auto o = open(dgram, DirectionKeys{key(1), key(3), key(4)});
  if (!o) return false;
  for (auto& b : o->blocks)
    if (std::holds_alternative<wire::NewTokenBlock>(b)) return true;
  return false;
}

// Bytes that gzip cannot shrink (a fixed pseudo-random sequence).
Bytes noise(size_t n) {
  Bytes out(n);
  uint32_t x = 0x2545'f491u;
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = uint8_t(x);
  }
  return out;
}

// A RouterInfo-like text of `n` bytes: large, but it compresses well.
Bytes compressible(size_t n) {
  const std::string unit = "caps=XfR;host=198.18.0.1;port=12345;s=AbCdEfGhIjKlMnOp;v=2;";
  Bytes out;
  while (out.size() < n) out.push_back(uint8_t(unit[out.size() % unit.size()]));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(blocks_reach_the_peer_in_order) {
  Pair p;
  auto st = p.a.send_blocks(p.now, {wire::NewTokenBlock{1'700'000'100, 0x1122334455667788ull},
                                    wire::RelayTagBlock{77}});
  BOOST_TEST(st.ok());
  p.collect();
  p.run_for(Millis(500));
  auto got = control_at_b(p);
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  auto* t = std::get_if<NewTokenReceived>(&got[0]);
  BOOST_REQUIRE(t);
  BOOST_TEST(t->token == 0x1122334455667788ull);
  BOOST_TEST(t->expires == 1'700'000'100u);
  auto* c = std::get_if<ControlReceived>(&got[1]);
  BOOST_REQUIRE(c);
  auto* r = std::get_if<wire::RelayTagBlock>(&c->block);
  BOOST_REQUIRE(r);
  BOOST_TEST(r->relay_tag == 77u);
  const auto& m = p.a.metrics();
  BOOST_TEST(m.control_blocks_out == 2u);
  BOOST_TEST(m.control_packets_out == 1u);
  BOOST_TEST(m.in_flight == 0u);  // B acknowledged the packet
}

BOOST_AUTO_TEST_CASE(lost_control_packet_is_retransmitted) {
  Pair p;
  int dropped = 0;
  p.filter = [&](const Pair::InFlight& f) {
    if (f.to_b && dropped == 0 && carries_new_token(f.bytes)) {
      ++dropped;
      return false;
    }
    return true;
  };
  BOOST_TEST(p.a.send_blocks(p.now, {wire::NewTokenBlock{1'700'000'100, 42}}).ok());
  p.collect();
  BOOST_TEST(dropped == 1);
  BOOST_TEST(take_control(p.b).empty());
  p.run_for(Millis(5000));
  auto got = control_at_b(p);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_REQUIRE(std::holds_alternative<NewTokenReceived>(got[0]));
  BOOST_TEST(std::get<NewTokenReceived>(got[0]).token == 42u);
  BOOST_TEST(p.a.metrics().retransmissions >= 1u);
  BOOST_TEST(p.a.metrics().in_flight == 0u);
}

BOOST_AUTO_TEST_CASE(blocks_with_their_own_path_are_refused) {
  Pair p;
  BOOST_TEST(!p.a.send_blocks(p.now, {}).ok());
  BOOST_TEST(!p.a.send_blocks(p.now, {wire::I2npBlock{20, 1, 0, Bytes(10)}}).ok());
  BOOST_TEST(!p.a.send_blocks(p.now, {wire::PaddingBlock{4}}).ok());
  BOOST_TEST(!p.a.send_blocks(p.now, {wire::PathChallengeBlock{Bytes(8)}}).ok());
  // Larger than one packet can carry.
  auto big = p.a.send_blocks(p.now, {wire::RouterInfoBlock{0, 0x01, noise(1300)}});
  BOOST_TEST(!big.ok());
  BOOST_TEST(big.error().code == Errc::oversized);
  BOOST_TEST(p.a.metrics().control_refused == 5u);
  BOOST_TEST(p.a.metrics().control_blocks_out == 0u);
  p.collect();
  BOOST_TEST(p.datagrams == 0u);  // nothing was sent for refused calls
}

BOOST_AUTO_TEST_CASE(queue_is_bounded_when_the_window_is_full) {
  Pair p;
  p.filter = [](const Pair::InFlight& f) { return !f.to_b; };  // B never hears A: no ACKs
  size_t accepted = 0;
  Status last;
  for (int i = 0; i < 1000; ++i) {
    last = p.a.send_blocks(p.now, {wire::RelayTagBlock{uint32_t(i + 1)}});
    if (!last.ok()) break;
    ++accepted;
  }
  BOOST_TEST(!last.ok());
  BOOST_TEST(last.error().code == Errc::oversized);
  const auto& m = p.a.metrics();
  BOOST_TEST(m.control_queued == DataSession::kMaxQueuedControl);
  BOOST_TEST(accepted == DataSession::kMaxQueuedControl + m.in_flight);
}

BOOST_AUTO_TEST_CASE(refused_after_termination) {
  Pair p;
  p.a.terminate(p.now, wire::TerminationReason::NormalClose);
  auto st = p.a.send_blocks(p.now, {wire::RelayTagBlock{1}});
  BOOST_TEST(!st.ok());
  BOOST_TEST(st.error().code == Errc::wrong_state);
}

// The core hands RouterInfo blocks over gunzipped (one place inflates them, bounded by
// i2p::kMaxRouterInfoSize); a block that does not inflate is dropped and counted.
BOOST_AUTO_TEST_CASE(router_info_arrives_gunzipped_and_a_bad_one_is_counted) {
  Pair p;
  Bytes ri(900);
  for (size_t i = 0; i < ri.size(); ++i) ri[i] = uint8_t(i % 7);
  auto gz = i2p::gzip_compress(ri);
  BOOST_REQUIRE(gz.ok());
  uint8_t gzip_flood = wire::kRouterInfoFlagGzip | wire::kRouterInfoFlagFlood;
  BOOST_TEST(p.a.send_blocks(p.now, {wire::RouterInfoBlock{gzip_flood, 0x01, *gz}}).ok());
  BOOST_TEST(p.a.send_blocks(p.now, {wire::RouterInfoBlock{wire::kRouterInfoFlagGzip, 0x01,
                                                           Bytes(40, 0x55)}}).ok());
  p.collect();
  p.run_for(Millis(500));
  auto got = take_control(p.b);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  auto* in = std::get_if<RouterInfoReceived>(&got[0]);
  BOOST_REQUIRE(in);
  BOOST_TEST((in->router_info == ri));
  BOOST_TEST(in->flood);
  BOOST_TEST(p.b.metrics().dropped(DropReason::bad_router_info_block) == 1u);
}

BOOST_AUTO_TEST_CASE(an_oversized_router_info_goes_gzipped_and_arrives_whole) {
  Pair p;
  const Bytes ri = compressible(1500);  // more than a packet's payload uncompressed
  BOOST_TEST(p.a.send_blocks(p.now, {wire::RouterInfoBlock{0, 0x01, ri}}).ok());
  p.collect();
  p.run_for(Millis(500));
  auto got = control_at_b(p);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  auto* r = std::get_if<RouterInfoReceived>(&got[0]);
  BOOST_REQUIRE(r);
  BOOST_TEST(r->router_info == ri, "B got the RouterInfo as A had it, decompressed");
  BOOST_TEST(p.a.metrics().control_refused == 0u);
}

BOOST_AUTO_TEST_CASE(split_sends_the_blocks_that_fit_when_one_cannot) {
  Pair p;
  // Bob's Relay Intro after Alice's RouterInfo: the RouterInfo cannot go at all, the next
  // block still does, and the refusal names the block and is counted.
  auto refused = p.a.send_blocks_split(
      p.now, {wire::RouterInfoBlock{0, 0x01, noise(1300)}, wire::RelayTagBlock{91}});
  BOOST_REQUIRE_EQUAL(refused.size(), 1u);
  BOOST_TEST(refused[0].block_type == 2u);
  BOOST_TEST(refused[0].error.code == Errc::oversized);
  p.collect();
  p.run_for(Millis(500));
  auto got = take_control_blocks(p.b);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_REQUIRE(std::holds_alternative<wire::RelayTagBlock>(got[0]));
  BOOST_TEST(std::get<wire::RelayTagBlock>(got[0]).relay_tag == 91u);
  BOOST_TEST(p.a.metrics().dropped(DropReason::control_blocks_too_large) >= 1u);
  // Two blocks that fit together go in one packet, with no refusal.
  BOOST_TEST(p.a.send_blocks_split(p.now, {wire::RelayTagBlock{1}, wire::RelayTagBlock{2}}).empty());
  p.collect();
  BOOST_TEST(p.a.metrics().control_packets_out == 2u);
}

// A keep-alive (our NAT's mapping to an introducer) is one packet out at the next poll,
// even on an idle session; it carries the ACK, elicits nothing and is never resent.
BOOST_AUTO_TEST_CASE(keepalive_is_one_unacknowledged_packet) {
  Pair p;
  // Some traffic first, so that A has something to acknowledge; then quiet.
  BOOST_REQUIRE(p.b.send_blocks(p.now, {wire::RelayTagBlock{5}}).ok());
  p.collect();
  p.run_for(Millis(3000));
  const auto before_a = p.a.metrics();
  const auto before_b = p.b.metrics();
  std::vector<Bytes> out;
  p.filter = [&](const Pair::InFlight& f) {
    if (f.to_b) out.push_back(f.bytes);
    return true;
  };
  p.a.send_keepalive(p.now);
  p.collect();
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  auto o = open(out[0], DirectionKeys{key(1), key(3), key(4)});
  BOOST_REQUIRE(o);
  for (const auto& b : o->blocks)
    BOOST_TEST((std::holds_alternative<wire::AckBlock>(b) || std::holds_alternative<wire::PaddingBlock>(b)));
  BOOST_TEST(p.a.metrics().keepalives_out == before_a.keepalives_out + 1);
  p.run_for(Millis(10'000));
  // Nothing came back for it and nothing went again: it was not ack-eliciting.
  BOOST_TEST(out.size() == 1u);
  BOOST_TEST(p.b.metrics().packets_out == before_b.packets_out);
  BOOST_TEST(p.a.metrics().retransmissions == before_a.retransmissions);
  BOOST_TEST(p.b.metrics().packets_in == before_b.packets_in + 1);
  // Not active: nothing.
  p.a.terminate(p.now, wire::TerminationReason::NormalClose);
  p.collect();
  const auto sent = p.a.metrics().packets_out;
  p.a.send_keepalive(p.now);
  BOOST_TEST(p.a.metrics().packets_out == sent);
}
