// A UDP address as the protocol core sees it: IP bytes and port, no strings, no sockets.
// The one address type of ssu2d: the session's peer, the handshake's endpoints, the Address
// / Relay / PeerTest blocks' endpoints and the socket path all use it. Text is parsed and
// formatted only at the edges (config, logs, ssu2ctl), with parse() and to_string().
#pragma once
#include <algorithm>
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ssu2 {

struct Address {
  std::array<uint8_t, 16> ip{};  // IPv4 uses the first 4 bytes; the rest stay zero
  uint8_t ip_len = 4;            // 4 or 16 (0 = absent, where a block allows it)
  uint16_t port = 0;

  static Address v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
    Address e;
    e.ip = {a, b, c, d};
    e.port = port;
    return e;
  }
  static Address v6(const std::array<uint8_t, 16>& ip, uint16_t port) {
    Address e;
    e.ip = ip;
    e.ip_len = 16;
    e.port = port;
    return e;
  }
  // "1.2.3.4" or "::1" (no brackets, no names); nullopt for anything else.
  static std::optional<Address> parse(std::string_view host, uint16_t port);

  bool is_v6() const { return ip_len == 16; }
  // A 4- or 16-byte IP (a block's absent endpoint has ip_len 0).
  bool has_ip() const { return ip_len == 4 || ip_len == 16; }
  std::span<const uint8_t> ip_bytes() const { return {ip.data(), std::min<size_t>(ip_len, 16)}; }
  // "1.2.3.4:5" or "[::1]:5"
  std::string to_string() const;
  // The IP alone, "1.2.3.4" or "::1".
  std::string host() const;

  // Only the significant bytes count.
  bool operator==(const Address& o) const {
    return ip_len == o.ip_len && port == o.port &&
           std::equal(ip_bytes().begin(), ip_bytes().end(), o.ip.begin());
  }
  std::strong_ordering operator<=>(const Address& o) const {
    if (auto c = ip_len <=> o.ip_len; c != 0) return c;
    auto a = ip_bytes(), b = o.ip_bytes();
    if (auto c = std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end()); c != 0)
      return c;
    return port <=> o.port;
  }
};

// "host:port", the host in brackets when it holds a ':' (IPv6 text). For configured hosts,
// which may be names that an Address cannot hold; Address::to_string is this of host().
std::string host_port(std::string_view host, uint16_t port);

struct AddressHash {
  size_t operator()(const Address& a) const {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (uint8_t b : a.ip_bytes()) h = (h ^ b) * 1099511628211ull;
    h = (h ^ a.port) * 1099511628211ull;
    return size_t(h);
  }
};

}  // namespace ssu2
