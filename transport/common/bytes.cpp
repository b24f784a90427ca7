#include "transport/common/bytes.hpp"

#include <openssl/crypto.h>

namespace ssu2 {

std::string to_hex(ByteSpan s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (uint8_t b : s) { out.push_back(d[b >> 4]); out.push_back(d[b & 15]); }
  return out;
}

Bytes from_hex(std::string_view hex) {
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Bytes out;
  std::string clean;
  for (char c : hex) if (c != ' ' && c != '\n' && c != ':') clean.push_back(c);
  if (clean.size() % 2) return {};
  for (size_t i = 0; i < clean.size(); i += 2) {
    int hi = val(clean[i]), lo = val(clean[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(uint8_t(hi << 4 | lo));
  }
  return out;
}

void secure_wipe(void* p, size_t n) { OPENSSL_cleanse(p, n); }

}  // namespace ssu2
