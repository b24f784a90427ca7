// Certificate and RouterIdentity (KeysAndCert) from common-structures.rst.
//
// We support exactly one identity shape, the only one current routers publish: a key
// certificate (type 5) with signing type 7 (EdDSA-SHA512-Ed25519) and crypto type 4 (X25519).
// Everything else is rejected with Errc::unsupported.
#pragma once
#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"
#include "transport/crypto/crypto.hpp"

namespace ssu2::i2p {

inline constexpr uint8_t kCertTypeNull = 0;
inline constexpr uint8_t kCertTypeKey = 5;
inline constexpr uint16_t kSigTypeEd25519 = 7;
inline constexpr uint16_t kCryptoTypeX25519 = 4;

inline constexpr size_t kPublicKeyFieldLen = 256;
inline constexpr size_t kSigningKeyFieldLen = 128;
inline constexpr size_t kKeyCertPayloadLen = 4;  // sig type + crypto type, no excess key data
inline constexpr size_t kRouterIdentityLen =
    kPublicKeyFieldLen + kSigningKeyFieldLen + 3 + kKeyCertPayloadLen;  // 391
inline constexpr size_t kEd25519SignatureLen = 64;

// Generic certificate: 1-byte type, 2-byte length, payload.
struct Certificate {
  uint8_t type = kCertTypeNull;
  Bytes payload;
  bool operator==(const Certificate&) const = default;
};
Result<Certificate> read_certificate(Reader& r);
void write_certificate(Writer& w, const Certificate& c);

class RouterIdentity {
 public:
  RouterIdentity() = default;

  // A new identity for our own keys; the padding is 32 random bytes repeated, as
  // common-structures.rst recommends (random, yet compressible in DatabaseStore/SSU2).
  static RouterIdentity create(const crypto::PublicKey32& x25519_pub,
                               const crypto::PublicKey32& ed25519_pub);
  // Same with caller-chosen padding seed (deterministic tests).
  static RouterIdentity create(const crypto::PublicKey32& x25519_pub,
                               const crypto::PublicKey32& ed25519_pub,
                               const ByteArray<32>& padding_seed);

  // Reads one identity; the padding is kept verbatim so the hash and signatures match.
  static Result<RouterIdentity> read(Reader& r);
  // Parses an identity that occupies all of `in`.
  static Result<RouterIdentity> parse(ByteSpan in);

  void write(Writer& w) const;
  Bytes serialize() const;

  crypto::PublicKey32 encryption_key() const;  // X25519, first 32 bytes of the key field
  crypto::PublicKey32 signing_key() const;     // Ed25519, last 32 bytes of the signing field
  uint16_t sig_type() const { return kSigTypeEd25519; }
  uint16_t crypto_type() const { return kCryptoTypeX25519; }
  size_t signature_len() const { return kEd25519SignatureLen; }

  // The router hash: SHA-256 of the serialized identity.
  crypto::Hash32 hash() const;

  bool operator==(const RouterIdentity&) const = default;

 private:
  ByteArray<kPublicKeyFieldLen> public_key_field_{};
  ByteArray<kSigningKeyFieldLen> signing_key_field_{};
};

}  // namespace ssu2::i2p
