// Every SSU2 payload block (transport/ssu2/blocks.hpp) on arbitrary bytes, with an
// encode-then-decode check: a payload that parses is emitted again and must parse to the same
// blocks, and the emitted bytes must equal the input (padding content excepted, which emit
// writes as zeros). ACK helpers are checked against each other.
#include <variant>

#include "fuzz_common.hpp"
#include "transport/ssu2/blocks.hpp"

using namespace ssu2;
using namespace ssu2::wire;

namespace {

void check_ack(const AckBlock& a) {
  auto iv = a.acked_intervals();
  FUZZ_CHECK(!iv.empty());
  FUZZ_CHECK(iv.front().high == a.ack_through);
  for (size_t i = 0; i < iv.size(); ++i) {
    FUZZ_CHECK(iv[i].low <= iv[i].high);
    if (i > 0) FUZZ_CHECK(iv[i].high + 1 < iv[i - 1].low);  // disjoint, highest first
    FUZZ_CHECK(a.acks(iv[i].low) && a.acks(iv[i].high));
    if (i > 0) FUZZ_CHECK(!a.acks(iv[i].high + 1));
  }
  // Rebuilding from a sample of the acked numbers acks exactly those numbers.
  std::vector<uint32_t> sample;
  for (const auto& v : iv) {
    sample.push_back(v.high);
    if (v.low != v.high) sample.push_back(v.low);
    if (sample.size() >= 64) break;
  }
  auto rebuilt = AckBlock::from_packets(sample);
  FUZZ_CHECK(rebuilt.has_value());
  for (uint32_t pn : sample) FUZZ_CHECK(rebuilt->acks(pn));
  Bytes b;
  FUZZ_CHECK(append_block(b, *rebuilt).ok());
  auto back = parse_blocks(b);
  FUZZ_CHECK(back.ok() && back->size() == 1);
  FUZZ_CHECK(std::get<AckBlock>(back->front()) == *rebuilt);
}

void check_block(const Block& b) {
  FUZZ_CHECK(encoded_size(b) >= kBlockHeaderLen);
  if (auto* a = std::get_if<AckBlock>(&b)) check_ack(*a);
  if (auto* p = std::get_if<PeerTestBlock>(&b)) {
    (void)p->version();
    (void)p->nonce();
    (void)p->timestamp();
    FUZZ_CHECK(p->alice().ip_len != 0);  // parse validated the signed part
  }
  if (auto* r = std::get_if<RelayRequestBlock>(&b)) (void)r->signed_data();
  if (auto* r = std::get_if<RelayResponseBlock>(&b)) (void)r->signed_data();
  if (auto* r = std::get_if<RelayIntroBlock>(&b)) (void)r->signed_data();
  if (auto* t = std::get_if<TerminationBlock>(&b)) (void)to_string(t->reason);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);
  auto blocks = parse_blocks(in);
  if (!blocks) return 0;
  for (const auto& b : *blocks) check_block(b);

  // emit_blocks is stricter than parse_blocks about one thing only: Termination must be last
  // (Padding aside). Such a payload is still emitted block by block.
  Bytes out;
  bool termination_inside = false;
  for (size_t i = 0; i < blocks->size(); ++i) {
    const Block& b = (*blocks)[i];
    bool last = i + 1 == blocks->size();
    bool before_padding = i + 2 == blocks->size() &&
                          block_type((*blocks)[i + 1]) == uint8_t(BlockType::Padding);
    if (block_type(b) == uint8_t(BlockType::Termination) && !last && !before_padding)
      termination_inside = true;
    size_t before = out.size();
    FUZZ_CHECK(append_block(out, b).ok());
    FUZZ_CHECK(out.size() - before == encoded_size(b));
  }
  auto emitted = emit_blocks(*blocks);
  FUZZ_CHECK(emitted.ok() != termination_inside);
  if (emitted) FUZZ_CHECK(*emitted == out);

  auto again = parse_blocks(out);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *blocks);

  // Byte for byte the input, with the padding block's content zeroed.
  FUZZ_CHECK(out.size() == size);
  Bytes expected(in.begin(), in.end());
  if (!blocks->empty() && std::holds_alternative<PaddingBlock>(blocks->back())) {
    size_t len = std::get<PaddingBlock>(blocks->back()).length;
    std::fill(expected.end() - ptrdiff_t(len), expected.end(), 0);
  }
  FUZZ_CHECK(out == expected);
  return 0;
}
