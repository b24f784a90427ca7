// RouterAddress and RouterInfo (common-structures.rst), with the SSU2 address options.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transport/crypto/crypto.hpp"
#include "transport/i2p/data.hpp"
#include "transport/i2p/identity.hpp"

namespace ssu2::i2p {

inline constexpr std::string_view kTransportSSU2 = "SSU2";
inline constexpr size_t kMaxIntroducers = 3;  // ih0..ih2

// One SSU2 introducer published in an address (ssu2.rst "Introducers").
struct Introducer {
  crypto::Hash32 router_hash{};   // ihN
  uint32_t expiration_s = 0;      // iexpN, seconds since the epoch; 0 if absent
  uint32_t tag = 0;               // itagN, 1..2^32-1
};

struct RouterAddress {
  uint8_t cost = 0;
  Date expiration = 0;  // must be written as zero; a parsed non-zero value is kept as-is
  std::string transport;
  Mapping options;

  static Result<RouterAddress> read(Reader& r);
  Status write(Writer& w) const;

  const std::string* option(std::string_view key) const { return options.get(key); }
  bool is_ssu2() const { return transport == kTransportSSU2; }

  // SSU2 options. Each returns nullopt when the option is absent or not well-formed.
  std::optional<crypto::PublicKey32> static_key() const;  // s
  std::optional<ByteArray<32>> intro_key() const;          // i
  std::optional<std::string> versions() const;             // v, e.g. "2" or "2,3"
  bool supports_version(std::string_view v) const;         // one of the comma-separated v's
  std::optional<std::string> host() const;                 // host (IPv4 or IPv6 literal)
  std::optional<uint16_t> port() const;                    // port, 1..65535
  std::optional<std::string> caps() const;                 // caps, e.g. "BC", "4"
  // The IP families (4, 16) the address stands for: its host's; without a host (firewalled),
  // the '4' / '6' of its caps; without either, IPv4 (an older router's).
  std::vector<uint8_t> ip_families() const;
  std::optional<uint16_t> mtu() const;                     // mtu
  // Introducers ih0..ih2 that have a valid hash and tag (a malformed one is skipped).
  std::vector<Introducer> introducers() const;
};

class RouterInfo {
 public:
  RouterIdentity identity;
  Date published = 0;  // ms since the epoch
  std::vector<RouterAddress> addresses;
  Mapping options;

  // Parses a RouterInfo occupying all of `in` (trailing bytes are an error). The signature
  // is NOT checked here; call verify(). The exact input is kept for verify() and bytes().
  static Result<RouterInfo> parse(ByteSpan in);

  // Encodes the fields (mappings sorted) without the signature.
  Result<Bytes> encode_unsigned() const;
  // Encodes, signs with our Ed25519 seed and stores the signed bytes. The seed must match
  // the identity's signing key (Errc::crypto_error otherwise).
  Status sign(const crypto::Key32& ed25519_seed);
  // Checks the Ed25519 signature over the stored bytes (from parse() or sign()).
  bool verify() const;
  // The signed wire form (from parse() or sign()); Errc::wrong_state if neither happened.
  Result<Bytes> serialize() const;
  const Bytes& bytes() const { return raw_; }
  const crypto::Signature64& signature() const { return signature_; }

  crypto::Hash32 hash() const { return identity.hash(); }

  // Router options.
  std::optional<uint32_t> net_id() const;    // netId
  std::string caps() const;                  // caps ("" if absent)
  std::string router_version() const;        // router.version ("" if absent)
  // First address usable for SSU2: style "SSU2" (or "SSU" with SSU2 options, ssu2.rst) with
  // valid s and i and a v list containing "2".
  const RouterAddress* ssu2_address() const;
  // Every such address, in published order (a dual-stack router has one per family, and a
  // firewalled one an address with introducers and no host).
  std::vector<const RouterAddress*> ssu2_addresses() const;

 private:
  Bytes raw_;
  crypto::Signature64 signature_{};
};

}  // namespace ssu2::i2p
