// Thin wrappers over OpenSSL 3 EVP. No primitive is implemented here, only called.
// Every function returns a Result/Status: bad key length, bad tag, or a library failure is
// a clean error, never an abort.
#pragma once
#include <memory>

#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"

namespace ssu2::crypto {

// A fixed-size secret that is wiped when it dies.
template <size_t N>
struct Secret {
  ByteArray<N> bytes{};
  Secret() = default;
  explicit Secret(const ByteArray<N>& b) : bytes(b) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  ~Secret() { secure_wipe(bytes.data(), N); }
  uint8_t* data() { return bytes.data(); }
  const uint8_t* data() const { return bytes.data(); }
  static constexpr size_t size() { return N; }
  ByteSpan span() const { return {bytes.data(), N}; }
  bool operator==(const Secret& o) const { return bytes == o.bytes; }
};

using Key32 = Secret<32>;               // symmetric keys, chaining keys, X25519 private keys
using PublicKey32 = ByteArray<32>;      // X25519 / Ed25519 public keys
using Hash32 = ByteArray<32>;
using Signature64 = ByteArray<64>;
inline constexpr size_t kTagLen = 16;

// ---- random ----
void random_bytes(MutByteSpan out);  // RAND_bytes; aborts never, falls back to retry
uint64_t random_u64();
uint32_t random_u32();

// ---- hashing ----
Hash32 sha256(ByteSpan data);
Hash32 sha256(ByteSpan a, ByteSpan b);  // SHA256(a || b), used by MixHash
Hash32 hmac_sha256(ByteSpan key, ByteSpan data);
// RFC 5869 HKDF-SHA256 as used by the I2P specs: out.size() is n x 32 (or any length <= 255*32).
Status hkdf(ByteSpan salt, ByteSpan ikm, std::string_view info, MutByteSpan out);
// Convenience: two 32-byte outputs (k1 = first, k2 = second).
struct KeyPair32 { Key32 first, second; };
KeyPair32 hkdf2(ByteSpan salt, ByteSpan ikm, std::string_view info);
Key32 hkdf1(ByteSpan salt, ByteSpan ikm, std::string_view info);

// ---- X25519 ----
// OpenSSL derives the public key whenever it imports a raw private key: a scalar
// multiplication as dear as the agreement itself. A key pair made by x25519_generate or
// x25519_keys_from therefore keeps the imported key (`prepared`, shared by copies, freed and
// cleansed with the last one), and its agreements cost one multiplication each.
struct X25519Prepared;  // opaque, in crypto.cpp
struct X25519Keys {
  Key32 priv;
  PublicKey32 pub{};
  std::shared_ptr<const X25519Prepared> prepared;  // null when priv was set by hand
};
X25519Keys x25519_generate();
// The pair for a given private key (pub derived, prepared kept); pub stays zero on failure.
X25519Keys x25519_keys_from(const Key32& priv);
Result<PublicKey32> x25519_public(const Key32& priv);
// Fail on an all-zero shared secret (low-order point). The Key32 form serves long-lived keys
// (the router's static key, from a small per-thread cache of imported keys); the X25519Keys
// form uses the pair's prepared key when it has one.
Result<Key32> x25519_dh(const Key32& priv, const PublicKey32& peer_pub);
Result<Key32> x25519_dh(const X25519Keys& mine, const PublicKey32& peer_pub);

// ---- Ed25519 ----
struct Ed25519Keys {
  Key32 priv;  // RFC 8032 seed
  PublicKey32 pub{};
};
Ed25519Keys ed25519_generate();
Result<PublicKey32> ed25519_public(const Key32& priv);
Result<Signature64> ed25519_sign(const Key32& priv, ByteSpan msg);
bool ed25519_verify(const PublicKey32& pub, ByteSpan msg, ByteSpan sig);

// ---- ChaCha20-Poly1305 (RFC 8439) with I2P's nonce: 4 zero bytes || 8-byte LE counter ----
// Encrypt in place: buf holds plaintext of length `len` and must have room for len+16;
// afterwards buf[0..len+16) is ciphertext||tag.
Status aead_encrypt(const Key32& key, uint64_t nonce, ByteSpan ad, uint8_t* buf, size_t len);
// Decrypt in place: buf[0..len) is ciphertext||tag (len >= 16); on success the first len-16
// bytes are plaintext. On a bad tag returns auth_failed and the buffer contents are undefined.
Status aead_decrypt(const Key32& key, uint64_t nonce, ByteSpan ad, uint8_t* buf, size_t len);
// Allocating variants.
Result<Bytes> aead_encrypt(const Key32& key, uint64_t nonce, ByteSpan ad, ByteSpan plaintext);
Result<Bytes> aead_decrypt(const Key32& key, uint64_t nonce, ByteSpan ad, ByteSpan ciphertext);
// Same with a full 12-byte nonce (for KATs and for SSU2's Retry/TokenRequest/PeerTest
// where the spec gives a nonce built from packet fields).
Status aead_encrypt_n12(const Key32& key, const ByteArray<12>& nonce, ByteSpan ad, uint8_t* buf, size_t len);
Status aead_decrypt_n12(const Key32& key, const ByteArray<12>& nonce, ByteSpan ad, uint8_t* buf, size_t len);

// ---- raw ChaCha20 (RFC 8439 block function, counter starting at 0 unless given) ----
// XORs the keystream over buf in place. The 12-byte nonce is passed as-is.
Status chacha20_xor(const Key32& key, const ByteArray<12>& nonce, uint8_t* buf, size_t len,
                    uint32_t initial_counter = 0);

// ---- Noise symmetric state (Noise_XKchaobfse+hs1+hs2+hs3 as SSU2 uses it) ----
// Holds chaining key ck, handshake hash h and the cipher key k with its nonce n.
class SymmetricState {
 public:
  // InitializeSymmetric with the protocol name: h = SHA256(name) when the name is longer than
  // 32 bytes (SSU2's and NTCP2's are), otherwise the name zero-padded to 32 bytes; ck = h.
  // Then the caller MixHash()es the prologue etc. as the spec says.
  explicit SymmetricState(std::string_view protocol_name);
  SymmetricState() = default;

  void mix_hash(ByteSpan data);           // h = SHA256(h || data)
  // MixKey(input_key_material): ck, k = HKDF(ck, ikm, "", 2 outputs); n = 0.
  void mix_key(ByteSpan ikm);
  // EncryptAndHash / DecryptAndHash with AD = h, nonce n, then h = SHA256(h || ciphertext).
  Result<Bytes> encrypt_and_hash(ByteSpan plaintext);
  Result<Bytes> decrypt_and_hash(ByteSpan ciphertext);
  // Split(): (k_ab, k_ba) = HKDF(ck, "", "", 2 outputs) — SSU2 uses its own info strings
  // for the data phase, so callers mostly use ck() directly.
  KeyPair32 split() const;

  const Key32& ck() const { return ck_; }
  const Hash32& h() const { return h_; }
  const Key32& k() const { return k_; }
  uint64_t n() const { return n_; }
  void set_ck(const Key32& ck) { ck_ = ck; }
  void set_h(const Hash32& h) { h_ = h; }
  void set_k(const Key32& k, uint64_t n = 0) { k_ = k; n_ = n; has_k_ = true; }
  void set_n(uint64_t n) { n_ = n; }

 private:
  Key32 ck_;
  Hash32 h_{};
  Key32 k_;
  uint64_t n_ = 0;
  bool has_k_ = false;
};

}  // namespace ssu2::crypto
