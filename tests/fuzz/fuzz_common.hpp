// Helpers shared by the libFuzzer targets of tests/fuzz (see tests/fuzz/README.md).
//
// FuzzInput reads the fuzzer's bytes from the front (the seed generator, make_corpus.cpp,
// writes inputs in the same order with FuzzOutput). Reads past the end give zeros / empty
// spans, so a target never needs to check. FUZZ_CHECK is an assertion that stays on in every
// build: a violated invariant aborts, which libFuzzer reports as a crash with the input.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <memory>

#include "tests/support/seeded_random.hpp"
#include "transport/common/bytes.hpp"
#include "transport/crypto/crypto.hpp"

#define FUZZ_CHECK(cond)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

namespace fuzz {

using namespace ssu2;

// FUZZ_VERBOSE=1 in the environment: the harnesses say what an input reached (for checking
// that a seed does what it is meant to; never set while fuzzing).
inline bool verbose() {
  static const bool v = std::getenv("FUZZ_VERBOSE") != nullptr;
  return v;
}
#define FUZZ_LOG(...) \
  do { if (::fuzz::verbose()) std::fprintf(stderr, __VA_ARGS__); } while (0)

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  bool empty() const { return pos_ >= n_; }
  size_t remaining() const { return n_ - pos_; }
  uint8_t u8() { return pos_ < n_ ? p_[pos_++] : 0; }
  uint16_t u16() { return uint16_t(u8() << 8 | u8()); }
  uint32_t u32() { return uint32_t(u16()) << 16 | u16(); }
  uint64_t u64() { return uint64_t(u32()) << 32 | u32(); }
  ByteSpan take(size_t n) {
    n = std::min(n, remaining());
    ByteSpan s(p_ + pos_, n);
    pos_ += n;
    return s;
  }
  // A chunk: 2-byte big-endian length, then that many bytes (clipped to what is left).
  ByteSpan chunk() { return take(u16()); }
  ByteSpan rest() { return take(remaining()); }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
};

// The generator's side of FuzzInput.
class FuzzOutput {
 public:
  void u8(uint8_t v) { out.push_back(v); }
  void u16(uint16_t v) { u8(uint8_t(v >> 8)); u8(uint8_t(v)); }
  void u32(uint32_t v) { u16(uint16_t(v >> 16)); u16(uint16_t(v)); }
  void u64(uint64_t v) { u32(uint32_t(v >> 32)); u32(uint32_t(v)); }
  void bytes(ByteSpan s) { out.insert(out.end(), s.begin(), s.end()); }
  void chunk(ByteSpan s) { u16(uint16_t(s.size())); bytes(s.first(std::min<size_t>(s.size(), 0xffff))); }
  Bytes out;
};

using ssu2::testing::seeded_random;  // deterministic randomness for the code under test

inline crypto::Key32 key_of(uint8_t v) {
  crypto::Key32 k;
  for (size_t i = 0; i < 32; ++i) k.bytes[i] = uint8_t(v * 31 + i);
  return k;
}

}  // namespace fuzz
