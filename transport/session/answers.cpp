#include "transport/session/answers.hpp"

namespace ssu2::session {

std::optional<AnswerKey> request_key(const wire::Block& b) {
  using K = AnswerKey::Kind;
  if (auto* r = std::get_if<wire::RelayRequestBlock>(&b)) return AnswerKey{K::relay, r->nonce};
  if (auto* i = std::get_if<wire::RelayIntroBlock>(&b)) return AnswerKey{K::relay, i->nonce};
  if (auto* p = std::get_if<wire::PeerTestBlock>(&b)) {
    if (p->signed_data.size() < 5) return std::nullopt;
    if (p->msg == 1) return AnswerKey{K::peer_test_1, p->nonce()};
    if (p->msg == 2) return AnswerKey{K::peer_test_2, p->nonce()};
  }
  return std::nullopt;
}

std::optional<AnswerKey> answer_key(const wire::Block& b) {
  using K = AnswerKey::Kind;
  if (auto* r = std::get_if<wire::RelayResponseBlock>(&b)) return AnswerKey{K::relay, r->nonce};
  if (auto* p = std::get_if<wire::PeerTestBlock>(&b)) {
    if (p->signed_data.size() < 5) return std::nullopt;
    if (p->msg == 4) return AnswerKey{K::peer_test_1, p->nonce()};
    if (p->msg == 3) return AnswerKey{K::peer_test_2, p->nonce()};
  }
  return std::nullopt;
}

bool carries_request(ByteSpan blocks, const AnswerKey& key) {
  auto parsed = wire::parse_blocks(blocks);
  if (!parsed) return false;
  for (const auto& b : *parsed)
    if (auto k = request_key(b); k && *k == key) return true;
  return false;
}

}  // namespace ssu2::session
