// Our router's long-term keys, their on-disk encoding, and our own signed RouterInfo.
// File I/O lives in actors/support/key_store; this is only the byte format (sans-IO).
#pragma once
#include <string>
#include <vector>

#include "transport/crypto/crypto.hpp"
#include "transport/i2p/router_info.hpp"

namespace ssu2::i2p {

struct RouterKeys {
  crypto::Key32 x25519_priv;          // SSU2 static key (Noise "s")
  crypto::PublicKey32 x25519_pub{};
  crypto::Key32 ed25519_seed;         // RouterInfo signing key (RFC 8032 seed)
  crypto::PublicKey32 ed25519_pub{};
  crypto::Key32 intro_key;            // SSU2 introduction key "i" (header protection)
  // Seed of the RouterIdentity padding: stored so our identity, and with it our router
  // hash, stays the same across restarts.
  ByteArray<32> identity_padding{};

  static RouterKeys generate();
  RouterIdentity identity() const;
  bool operator==(const RouterKeys&) const = default;
};

// Format v1 (233 bytes): "SSU2KEYS" | version u8 = 1 | x25519 priv | x25519 pub |
// ed25519 seed | ed25519 pub | intro key | identity padding | SHA-256 of all before.
inline constexpr size_t kRouterKeysFileLen = 8 + 1 + 6 * 32 + 32;
Bytes serialize_router_keys(const RouterKeys& k);
// Errc::malformed on bad magic/checksum/length or public keys that do not match the
// private ones, Errc::unsupported on an unknown version.
Result<RouterKeys> parse_router_keys(ByteSpan in);

// One SSU2 address of ours as published: host/port (none when firewalled), mtu, caps and,
// without a host, the introducers that reach us.
struct OwnAddress {
  std::string host;                // empty: no host/port published
  uint16_t port = 0;
  uint16_t mtu = 0;                // 0: not published
  std::string address_caps;        // SSU2 address caps, e.g. "BC"; empty: not published
  // Published as ih0/itag0/iexp0 .. (ssu2.rst "Introducers"), at most kMaxIntroducers;
  // only meaningful without host/port.
  std::vector<Introducer> introducers;
};

// The first address is the params' own (IPv4 when we have it); a dual-stack node lists the
// other family's in more_addresses (ssu2.rst: one SSU2 address per IP family).
struct OwnRouterInfoParams : OwnAddress {
  std::vector<OwnAddress> more_addresses;
  std::string router_caps = "L";   // router "caps" option
  uint32_t net_id = 2;
  uint8_t cost = 8;
  uint64_t published_ms = 0;       // wall clock, passed in (the core has no clock)
};
inline constexpr std::string_view kRouterVersion = "0.9.57";

// Our RouterInfo: one SSU2 address per OwnAddress (host, port, s, i, v=2, mtu, caps,
// introducers) and the router options netId, caps, router.version; signed with
// keys.ed25519_seed.
Result<RouterInfo> make_own_router_info(const RouterKeys& keys, const OwnRouterInfoParams& p);

}  // namespace ssu2::i2p
