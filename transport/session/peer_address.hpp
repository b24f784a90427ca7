// The peer's UDP endpoint as a plain value: the session core never touches sockets, it only
// compares, stores and hands back addresses.
#pragma once
#include <array>
#include <cstdint>
#include <string>

namespace ssu2::session {

struct PeerAddress {
  std::array<uint8_t, 16> ip{};  // IPv4 uses the first 4 bytes
  uint8_t ip_len = 4;            // 4 or 16
  uint16_t port = 0;

  static PeerAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
    PeerAddress p;
    p.ip = {a, b, c, d};
    p.ip_len = 4;
    p.port = port;
    return p;
  }
  bool is_v6() const { return ip_len == 16; }
  bool operator==(const PeerAddress& o) const {
    if (ip_len != o.ip_len || port != o.port) return false;
    for (size_t i = 0; i < ip_len; ++i)
      if (ip[i] != o.ip[i]) return false;
    return true;
  }
  bool operator!=(const PeerAddress& o) const { return !(*this == o); }
};

}  // namespace ssu2::session
