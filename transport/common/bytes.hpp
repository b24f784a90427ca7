// Byte buffers and bounds-checked readers/writers used by every codec of the core.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ssu2 {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;
using MutByteSpan = std::span<uint8_t>;
template <size_t N>
using ByteArray = std::array<uint8_t, N>;

inline ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Big-endian (network order, I2P's default) and little-endian load/store.
inline uint16_t load_be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t load_be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline uint64_t load_be64(const uint8_t* p) { return uint64_t(load_be32(p)) << 32 | load_be32(p + 4); }
inline void store_be16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
}
inline void store_be64(uint8_t* p, uint64_t v) { store_be32(p, uint32_t(v >> 32)); store_be32(p + 4, uint32_t(v)); }
inline uint64_t load_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}
inline void store_le64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) { p[i] = uint8_t(v); v >>= 8; }
}

// Reads from a span; every read checks bounds. After a failed read ok() is false and
// every later read returns zeros, so a parser can read a whole structure and check once.
class Reader {
 public:
  explicit Reader(ByteSpan in) : in_(in) {}
  size_t remaining() const { return ok_ ? in_.size() - pos_ : 0; }
  size_t position() const { return pos_; }
  bool ok() const { return ok_; }
  bool empty() const { return remaining() == 0; }
  bool need(size_t n) {
    if (!ok_ || in_.size() - pos_ < n) { ok_ = false; return false; }
    return true;
  }
  uint8_t u8() { return need(1) ? in_[pos_++] : 0; }
  uint16_t u16() { if (!need(2)) return 0; auto v = load_be16(&in_[pos_]); pos_ += 2; return v; }
  uint32_t u32() { if (!need(4)) return 0; auto v = load_be32(&in_[pos_]); pos_ += 4; return v; }
  uint64_t u64() { if (!need(8)) return 0; auto v = load_be64(&in_[pos_]); pos_ += 8; return v; }
  ByteSpan take(size_t n) {
    if (!need(n)) return {};
    auto s = in_.subspan(pos_, n); pos_ += n; return s;
  }
  template <size_t N>
  ByteArray<N> array() {
    ByteArray<N> a{};
    if (need(N)) { std::memcpy(a.data(), &in_[pos_], N); pos_ += N; }
    return a;
  }
  ByteSpan rest() { return take(remaining()); }
  void skip(size_t n) { take(n); }

 private:
  ByteSpan in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Appends to a Bytes vector.
class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { uint8_t b[2]; store_be16(b, v); out_.insert(out_.end(), b, b + 2); }
  void u32(uint32_t v) { uint8_t b[4]; store_be32(b, v); out_.insert(out_.end(), b, b + 4); }
  void u64(uint64_t v) { uint8_t b[8]; store_be64(b, v); out_.insert(out_.end(), b, b + 8); }
  void bytes(ByteSpan s) { out_.insert(out_.end(), s.begin(), s.end()); }
  void zeros(size_t n) { out_.insert(out_.end(), n, 0); }
  size_t size() const { return out_.size(); }
  Bytes& buffer() { return out_; }

 private:
  Bytes& out_;
};

std::string to_hex(ByteSpan s);
Bytes from_hex(std::string_view hex);  // test helper; invalid digits give an empty vector

// Overwrites memory in a way the compiler cannot elide (OPENSSL_cleanse).
void secure_wipe(void* p, size_t n);

}  // namespace ssu2
