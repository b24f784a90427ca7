#include "transport/i2p/identity.hpp"

#include <algorithm>

namespace ssu2::i2p {

Result<Certificate> read_certificate(Reader& r) {
  Certificate c;
  c.type = r.u8();
  const uint16_t len = r.u16();
  ByteSpan p = r.take(len);
  if (!r.ok()) return Error{Errc::truncated, "certificate"};
  c.payload.assign(p.begin(), p.end());
  return c;
}

void write_certificate(Writer& w, const Certificate& c) {
  w.u8(c.type);
  w.u16(uint16_t(c.payload.size()));
  w.bytes(c.payload);
}

RouterIdentity RouterIdentity::create(const crypto::PublicKey32& x25519_pub,
                                      const crypto::PublicKey32& ed25519_pub) {
  ByteArray<32> seed;
  crypto::random_bytes(seed);
  return create(x25519_pub, ed25519_pub, seed);
}

RouterIdentity RouterIdentity::create(const crypto::PublicKey32& x25519_pub,
                                      const crypto::PublicKey32& ed25519_pub,
                                      const ByteArray<32>& padding_seed) {
  RouterIdentity id;
  // The two fields are contiguous on the wire; the padding runs from byte 32 of the key
  // field to the start of the Ed25519 key (320 bytes = 10 copies of the seed).
  std::copy(x25519_pub.begin(), x25519_pub.end(), id.public_key_field_.begin());
  for (size_t i = 32; i < kPublicKeyFieldLen; ++i) id.public_key_field_[i] = padding_seed[(i - 32) % 32];
  constexpr size_t sig_pad = kSigningKeyFieldLen - 32;
  for (size_t i = 0; i < sig_pad; ++i)
    id.signing_key_field_[i] = padding_seed[(kPublicKeyFieldLen - 32 + i) % 32];
  std::copy(ed25519_pub.begin(), ed25519_pub.end(), id.signing_key_field_.begin() + sig_pad);
  return id;
}

Result<RouterIdentity> RouterIdentity::read(Reader& r) {
  RouterIdentity id;
  id.public_key_field_ = r.array<kPublicKeyFieldLen>();
  id.signing_key_field_ = r.array<kSigningKeyFieldLen>();
  if (!r.ok()) return Error{Errc::truncated, "router identity keys"};
  auto cert = read_certificate(r);
  if (!cert) return cert.error();
  if (cert->type != kCertTypeKey) return Error{Errc::unsupported, "certificate type"};
  if (cert->payload.size() < kKeyCertPayloadLen) return Error{Errc::malformed, "key certificate length"};
  const uint16_t sig_type = load_be16(&cert->payload[0]);
  const uint16_t crypto_type = load_be16(&cert->payload[2]);
  if (sig_type != kSigTypeEd25519) return Error{Errc::unsupported, "signing key type"};
  if (crypto_type != kCryptoTypeX25519) return Error{Errc::unsupported, "crypto key type"};
  // Ed25519 and X25519 keys fit in the standard fields, so there can be no excess key data.
  if (cert->payload.size() != kKeyCertPayloadLen) return Error{Errc::malformed, "key certificate excess data"};
  return id;
}

Result<RouterIdentity> RouterIdentity::parse(ByteSpan in) {
  Reader r(in);
  auto id = read(r);
  if (!id) return id;
  if (r.remaining() != 0) return Error{Errc::malformed, "router identity trailing bytes"};
  return id;
}

void RouterIdentity::write(Writer& w) const {
  w.bytes(public_key_field_);
  w.bytes(signing_key_field_);
  w.u8(kCertTypeKey);
  w.u16(kKeyCertPayloadLen);
  w.u16(kSigTypeEd25519);
  w.u16(kCryptoTypeX25519);
}

Bytes RouterIdentity::serialize() const {
  Bytes out;
  out.reserve(kRouterIdentityLen);
  Writer w(out);
  write(w);
  return out;
}

crypto::PublicKey32 RouterIdentity::encryption_key() const {
  crypto::PublicKey32 k;
  std::copy_n(public_key_field_.begin(), 32, k.begin());
  return k;
}

crypto::PublicKey32 RouterIdentity::signing_key() const {
  crypto::PublicKey32 k;
  std::copy_n(signing_key_field_.end() - 32, 32, k.begin());
  return k;
}

crypto::Hash32 RouterIdentity::hash() const { return crypto::sha256(serialize()); }

}  // namespace ssu2::i2p
