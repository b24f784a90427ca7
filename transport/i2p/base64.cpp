#include "transport/i2p/base64.hpp"

#include <array>

namespace ssu2::i2p {
namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~";
constexpr char kB32[] = "abcdefghijklmnopqrstuvwxyz234567";

// Reverse lookup tables; -1 marks a character outside the alphabet.
constexpr std::array<int8_t, 256> make_b64_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[uint8_t(kB64[i])] = int8_t(i);
  return t;
}
constexpr std::array<int8_t, 256> make_b32_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 32; ++i) {
    t[uint8_t(kB32[i])] = int8_t(i);
    if (kB32[i] >= 'a' && kB32[i] <= 'z') t[uint8_t(kB32[i] - 'a' + 'A')] = int8_t(i);
  }
  return t;
}
constexpr auto kB64Rev = make_b64_table();
constexpr auto kB32Rev = make_b32_table();

}  // namespace

std::string base64_encode(ByteSpan data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = uint32_t(data[i]) << 16 | uint32_t(data[i + 1]) << 8 | data[i + 2];
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
    out += kB64[v >> 6 & 63];
    out += kB64[v & 63];
  }
  const size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = uint32_t(data[i]) << 16;
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t v = uint32_t(data[i]) << 16 | uint32_t(data[i + 1]) << 8;
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
    out += kB64[v >> 6 & 63];
    out += '=';
  }
  return out;
}

Result<Bytes> base64_decode(std::string_view text) {
  // Strip padding, remembering that if present it must complete a 4-char group.
  size_t pad = 0;
  while (!text.empty() && text.back() == '=' && pad < 2) {
    text.remove_suffix(1);
    ++pad;
  }
  if (pad > 0 && (text.size() + pad) % 4 != 0) return Error{Errc::malformed, "base64 padding"};
  if (text.size() % 4 == 1) return Error{Errc::malformed, "base64 length"};

  Bytes out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int8_t v = kB64Rev[uint8_t(c)];
    if (v < 0) return Error{Errc::malformed, "base64 character"};
    acc = (acc << 6 | uint32_t(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(uint8_t(acc >> bits));
    }
  }
  // Leftover bits (2 or 4) must be zero in a canonical encoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return Error{Errc::malformed, "base64 trailing bits"};
  return out;
}

std::string base32_encode(ByteSpan data) {
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : data) {
    acc = (acc << 8 | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kB32[acc >> bits & 31];
    }
  }
  if (bits > 0) out += kB32[acc << (5 - bits) & 31];
  return out;
}

Result<Bytes> base32_decode(std::string_view text) {
  // Valid unpadded lengths mod 8 are 0, 2, 4, 5, 7.
  const size_t r = text.size() % 8;
  if (r == 1 || r == 3 || r == 6) return Error{Errc::malformed, "base32 length"};
  Bytes out;
  out.reserve(text.size() * 5 / 8);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int8_t v = kB32Rev[uint8_t(c)];
    if (v < 0) return Error{Errc::malformed, "base32 character"};
    acc = (acc << 5 | uint32_t(v)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(uint8_t(acc >> bits));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return Error{Errc::malformed, "base32 trailing bits"};
  return out;
}

std::string b32_address(ByteSpan hash32) { return base32_encode(hash32) + ".b32.i2p"; }

}  // namespace ssu2::i2p
