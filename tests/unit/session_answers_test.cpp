// A request's answer settles the packet that carried it (transport/session/answers.hpp):
// i2pd 2.45.1 never ACKs a packet holding only a RelayRequest, RelayIntro or PeerTest block.
#define BOOST_TEST_MODULE session_answers
#include <boost/test/unit_test.hpp>

#include "tests/unit/session_harness.hpp"
#include "transport/session/answers.hpp"

using namespace harness;

namespace {

const DirectionKeys kAtoB{key(1), key(3), key(4)};
const DirectionKeys kBtoA{key(2), key(5), key(6)};

wire::RelayRequestBlock relay_request(uint32_t nonce) {
  wire::RelayRequestBlock b;
  b.nonce = nonce;
  b.relay_tag = 9;
  b.timestamp = 1'700'000'000;
  b.alice = ssu2::Address::v4(198, 18, 0, 1, 12345);
  b.signature = Bytes(64, 0x5a);
  return b;
}

wire::RelayResponseBlock relay_response(uint32_t nonce) {
  wire::RelayResponseBlock b;
  b.code = 128;  // a bare rejection answers as well as an accept
  b.nonce = nonce;
  return b;
}

wire::PeerTestBlock peer_test(uint8_t msg, uint32_t nonce) {
  wire::PeerTestBlock b;
  b.msg = msg;
  if (wire::PeerTestBlock::message_has_hash(msg)) b.hash = ByteArray<32>{};
  b.signed_data = wire::PeerTestBlock::make_signed_data(2, nonce, 1'700'000'000,
                                                        ssu2::Address::v4(198, 18, 0, 1, 5));
  b.signature = Bytes(64, 0x33);
  return b;
}

// A, whose every datagram is lost (a peer that never ACKs looks the same to A), sends
// `request`; then the peer's answer arrives, in a packet without an ACK block. Returns how
// many of A's datagrams carried a copy of the request after the answer arrived.
struct Outcome {
  size_t resends_after_answer = 0;
  uint64_t answered = 0;
  size_t in_flight = 0;
  size_t answers_reported = 0;
};
Outcome run(const wire::Block& request, const wire::Block& answer) {
  Pair p;
  bool answered = false;
  size_t resends = 0;
  p.filter = [&](const Pair::InFlight& f) {
    if (f.to_b && answered)
      if (auto o = open(f.bytes, kAtoB))
        for (auto& b : o->blocks)
          if (request_key(b) && *request_key(b) == *request_key(request)) ++resends;
    return false;
  };
  BOOST_REQUIRE(p.a.send_blocks(p.now, {request}).ok());
  p.collect();
  p.run_for(Millis(50));
  p.a.on_datagram(p.now, seal(kBtoA, 0xA, 3, {answer}), kAddrB);
  answered = true;
  size_t reported = 0;
  for (auto& b : take_control_blocks(p.a))
    if (answer_key(b)) ++reported;
  p.run_for(Millis(20000));
  return {resends, p.a.metrics().control_answered, p.a.metrics().in_flight, reported};
}

}  // namespace

// Which blocks ask, which answer, and which answer goes with which request.
BOOST_AUTO_TEST_CASE(keys_pair_each_answer_with_its_request) {
  using K = AnswerKey::Kind;
  BOOST_TEST((request_key(relay_request(7)) == AnswerKey{K::relay, 7}));
  wire::RelayIntroBlock intro;
  intro.nonce = 8;
  BOOST_TEST((request_key(intro) == AnswerKey{K::relay, 8}));
  BOOST_TEST((answer_key(relay_response(7)) == AnswerKey{K::relay, 7}));
  BOOST_TEST((request_key(peer_test(1, 5)) == AnswerKey{K::peer_test_1, 5}));
  BOOST_TEST((answer_key(peer_test(4, 5)) == AnswerKey{K::peer_test_1, 5}));
  BOOST_TEST((request_key(peer_test(2, 6)) == AnswerKey{K::peer_test_2, 6}));
  BOOST_TEST((answer_key(peer_test(3, 6)) == AnswerKey{K::peer_test_2, 6}));
  // Messages 5-7 are neither; a request is no answer and an answer no request.
  BOOST_TEST(!request_key(peer_test(5, 5)).has_value());
  BOOST_TEST(!answer_key(peer_test(5, 5)).has_value());
  BOOST_TEST(!answer_key(relay_request(7)).has_value());
  BOOST_TEST(!request_key(relay_response(7)).has_value());
  BOOST_TEST(!request_key(wire::PaddingBlock{3}).has_value());
  auto bytes = wire::emit_blocks({relay_request(7), wire::PaddingBlock{2}});
  BOOST_REQUIRE(bytes.ok());
  BOOST_TEST(carries_request(*bytes, AnswerKey{K::relay, 7}));
  BOOST_TEST(!carries_request(*bytes, AnswerKey{K::relay, 8}));
  BOOST_TEST(!carries_request(*bytes, AnswerKey{K::peer_test_1, 7}));
}

BOOST_AUTO_TEST_CASE(relay_response_stops_the_resends_of_its_relay_request) {
  auto o = run(relay_request(77), relay_response(77));
  BOOST_TEST(o.resends_after_answer == 0u);
  BOOST_TEST(o.answered == 1u);
  BOOST_TEST(o.in_flight == 0u);
  BOOST_TEST(o.answers_reported == 1u);  // the answer still goes to the nat engine
}

BOOST_AUTO_TEST_CASE(an_answer_to_another_nonce_settles_nothing) {
  auto o = run(relay_request(77), relay_response(78));
  BOOST_TEST(o.resends_after_answer >= 1u);
  BOOST_TEST(o.answered == 0u);
}

BOOST_AUTO_TEST_CASE(peer_test_4_settles_message_1_but_message_3_does_not) {
  auto settled = run(peer_test(1, 42), peer_test(4, 42));
  BOOST_TEST(settled.resends_after_answer == 0u);
  BOOST_TEST(settled.answered == 1u);
  auto other = run(peer_test(1, 42), peer_test(3, 42));
  BOOST_TEST(other.resends_after_answer >= 1u);
  BOOST_TEST(other.answered == 0u);
}
