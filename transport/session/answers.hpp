// Requests whose answer is their acknowledgement.
//
// The spec makes Relay and PeerTest blocks ack-eliciting, but i2pd 2.45.1 (our reference
// peer) marks a received packet as one to acknowledge only for I2NP and fragment blocks: a
// packet that carries nothing but a RelayRequest, RelayIntro or PeerTest block is never
// ACKed by it on its own, so we resent each such packet until kMaxSends although the peer
// had answered long before. The answer (RelayResponse with the request's nonce, PeerTest
// message 4 for message 1 and 3 for message 2) proves the request arrived, so it settles
// the packet that carried it: no more resends, no RTT sample, no window change. Peers that
// do ACK such packets are unaffected (the ACK usually comes first). Newer i2pd versions
// acknowledge these packets; the rule costs nothing with them.
#pragma once
#include <cstdint>
#include <optional>

#include "transport/ssu2/blocks.hpp"

namespace ssu2::session {

struct AnswerKey {
  enum class Kind : uint8_t { relay, peer_test_1, peer_test_2 };
  Kind kind;
  uint32_t nonce = 0;
  bool operator==(const AnswerKey&) const = default;
};

// For a block we send: the key its answer will carry, if it is a request that gets one.
std::optional<AnswerKey> request_key(const wire::Block& b);
// For a block we received: the key of the request it answers, if it is an answer.
std::optional<AnswerKey> answer_key(const wire::Block& b);
// Whether serialized blocks (a packet kept for resending) hold the request `key` answers.
bool carries_request(ByteSpan blocks, const AnswerKey& key);

}  // namespace ssu2::session
