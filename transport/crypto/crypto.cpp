// OpenSSL 3 EVP wrappers behind crypto.hpp. Nothing here implements a primitive: every
// function only sets up an OpenSSL call, checks its return value and converts a failure into
// an Errc. Every OpenSSL object lives in a unique_ptr holder so it is freed on every path.
#include "transport/crypto/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <array>
#include <cstring>
#include <memory>

namespace ssu2::crypto {
namespace {

// ---- RAII holders ---------------------------------------------------------------------------
struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct PkeyCtxFree { void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); } };
struct MdCtxFree { void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); } };
struct CipherCtxFree { void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); } };
struct KdfFree { void operator()(EVP_KDF* p) const { EVP_KDF_free(p); } };
struct KdfCtxFree { void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); } };

using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using KdfPtr = std::unique_ptr<EVP_KDF, KdfFree>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, KdfCtxFree>;

// The data path seals and opens every packet and masks every header: fetching the cipher
// (OpenSSL 3 looks legacy EVP_chacha20*() up by name under a lock at every init) and a new
// context per call cost more than the cipher itself. The ciphers are fetched once; each
// thread keeps one context per cipher and re-initialises it with the call's key and nonce.
struct CipherFree { void operator()(EVP_CIPHER* p) const { EVP_CIPHER_free(p); } };
const EVP_CIPHER* chacha20_poly1305() {
  static std::unique_ptr<EVP_CIPHER, CipherFree> c(EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr));
  return c.get();
}
const EVP_CIPHER* chacha20() {
  static std::unique_ptr<EVP_CIPHER, CipherFree> c(EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr));
  return c.get();
}
// One context per thread and use (seal, open, header-mask stream), bound to its cipher and
// direction once; each call then only sets key and nonce (cipher NULL), which keeps the
// provider's state instead of freeing and allocating it for every packet.
enum class Use : uint8_t { seal, open, stream };
EVP_CIPHER_CTX* thread_ctx(Use use) {
  struct Ctx {
    CipherCtxPtr p{EVP_CIPHER_CTX_new()};
    bool bound = false;
  };
  thread_local Ctx ctxs[3];
  Ctx& c = ctxs[size_t(use)];
  if (!c.p) return nullptr;
  if (!c.bound) {
    const EVP_CIPHER* cipher = use == Use::stream ? chacha20() : chacha20_poly1305();
    if (!cipher || EVP_CipherInit_ex2(c.p.get(), cipher, nullptr, nullptr,
                                      use == Use::open ? 0 : 1, nullptr) != 1)
      return nullptr;
    c.bound = true;
  }
  return c.p.get();
}

// OpenSSL takes int lengths; anything that does not fit is refused instead of truncated.
bool fits_int(size_t n) { return n <= size_t(INT_MAX); }

// Some OpenSSL entry points dislike a null pointer even with length 0, so empty spans are
// pointed at a harmless static byte.
const uint8_t kEmpty[1] = {0};
const uint8_t* ptr_or_empty(ByteSpan s) { return s.empty() ? kEmpty : s.data(); }

// I2P's 12-byte AEAD nonce: 4 zero bytes, then the 64-bit counter little-endian.
ByteArray<12> i2p_nonce(uint64_t n) {
  ByteArray<12> nonce{};
  store_le64(nonce.data() + 4, n);
  return nonce;
}

bool all_zero(const uint8_t* p, size_t n) {
  uint8_t acc = 0;  // no early exit: the shared secret should not leak through timing
  for (size_t i = 0; i < n; ++i) acc |= p[i];
  return acc == 0;
}

// Raw public key of an EVP_PKEY (X25519 and Ed25519 keys are both 32 bytes).
Result<PublicKey32> raw_public(EVP_PKEY* pkey) {
  PublicKey32 pub{};
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(pkey, pub.data(), &len) != 1 || len != pub.size())
    return Error{Errc::crypto_error, "raw public key"};
  return pub;
}

Result<PublicKey32> public_from_private(int type, const Key32& priv) {
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(type, nullptr, priv.data(), priv.size()));
  if (!pkey) return Error{Errc::crypto_error, "raw private key"};
  return raw_public(pkey.get());
}

// ChaCha20-Poly1305 seal/open with a full 12-byte nonce; the I2P-counter variants call these.
Status aead_seal(const Key32& key, const uint8_t* nonce, ByteSpan ad, uint8_t* buf, size_t len) {
  if (buf == nullptr) return Error{Errc::malformed, "aead null buffer"};
  if (!fits_int(len) || !fits_int(ad.size())) return Error{Errc::oversized, "aead input"};
  EVP_CIPHER_CTX* ctx = thread_ctx(Use::seal);
  if (!ctx) return Error{Errc::crypto_error, "cipher ctx"};
  int outl = 0;
  if (EVP_EncryptInit_ex2(ctx, nullptr, key.data(), nonce, nullptr) != 1)
    return Error{Errc::crypto_error, "aead init"};
  if (!ad.empty() &&
      EVP_EncryptUpdate(ctx, nullptr, &outl, ad.data(), int(ad.size())) != 1)
    return Error{Errc::crypto_error, "aead ad"};
  if (len != 0 && EVP_EncryptUpdate(ctx, buf, &outl, buf, int(len)) != 1)
    return Error{Errc::crypto_error, "aead encrypt"};
  uint8_t tail[16];  // the stream cipher emits nothing at Final; keep it off the tag slot anyway
  if (EVP_EncryptFinal_ex(ctx, tail, &outl) != 1)
    return Error{Errc::crypto_error, "aead final"};
  uint8_t tag[kTagLen];
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, int(kTagLen), tag) != 1)
    return Error{Errc::crypto_error, "aead tag"};
  std::memcpy(buf + len, tag, kTagLen);
  return {};
}

Status aead_open(const Key32& key, const uint8_t* nonce, ByteSpan ad, uint8_t* buf, size_t len) {
  if (buf == nullptr || len < kTagLen) return Error{Errc::truncated, "aead shorter than tag"};
  if (!fits_int(len) || !fits_int(ad.size())) return Error{Errc::oversized, "aead input"};
  const size_t ct_len = len - kTagLen;
  uint8_t tag[kTagLen];
  std::memcpy(tag, buf + ct_len, kTagLen);
  EVP_CIPHER_CTX* ctx = thread_ctx(Use::open);
  if (!ctx) return Error{Errc::crypto_error, "cipher ctx"};
  int outl = 0;
  if (EVP_DecryptInit_ex2(ctx, nullptr, key.data(), nonce, nullptr) != 1)
    return Error{Errc::crypto_error, "aead init"};
  if (!ad.empty() &&
      EVP_DecryptUpdate(ctx, nullptr, &outl, ad.data(), int(ad.size())) != 1)
    return Error{Errc::crypto_error, "aead ad"};
  if (ct_len != 0 && EVP_DecryptUpdate(ctx, buf, &outl, buf, int(ct_len)) != 1)
    return Error{Errc::crypto_error, "aead decrypt"};
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, int(kTagLen), tag) != 1)
    return Error{Errc::crypto_error, "aead set tag"};
  uint8_t tail[16];
  if (EVP_DecryptFinal_ex(ctx, tail, &outl) != 1)
    return Error{Errc::auth_failed, "aead tag mismatch"};
  return {};
}

}  // namespace

// ---- random ---------------------------------------------------------------------------------

void random_bytes(MutByteSpan out) {
  // RAND_bytes only fails when the DRBG cannot be seeded. The API has no error channel, so we
  // keep asking rather than hand back predictable bytes.
  size_t done = 0;
  while (done < out.size()) {
    size_t chunk = std::min<size_t>(out.size() - done, size_t(INT_MAX));
    if (RAND_bytes(out.data() + done, int(chunk)) == 1) done += chunk;
  }
}

uint64_t random_u64() {
  uint8_t b[8];
  random_bytes(b);
  return load_le64(b);
}

uint32_t random_u32() { return uint32_t(random_u64()); }

// ---- hashing --------------------------------------------------------------------------------
// These return a plain Hash32: SHA-256 and HMAC can only fail on allocation failure, in which
// case the result is all zeros (which will then fail any AEAD or signature check downstream).

Hash32 sha256(ByteSpan data) {
  Hash32 out{};
  unsigned int len = 0;
  if (EVP_Digest(ptr_or_empty(data), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1)
    out.fill(0);
  return out;
}

Hash32 sha256(ByteSpan a, ByteSpan b) {
  Hash32 out{};
  MdCtxPtr ctx(EVP_MD_CTX_new());
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), ptr_or_empty(a), a.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), ptr_or_empty(b), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1)
    out.fill(0);
  return out;
}

Hash32 hmac_sha256(ByteSpan key, ByteSpan data) {
  Hash32 out{};
  unsigned int len = 0;
  if (!fits_int(key.size()) ||
      HMAC(EVP_sha256(), ptr_or_empty(key), int(key.size()), ptr_or_empty(data), data.size(),
           out.data(), &len) == nullptr ||
      len != out.size())
    out.fill(0);
  return out;
}

Status hkdf(ByteSpan salt, ByteSpan ikm, std::string_view info, MutByteSpan out) {
  if (out.empty() || out.size() > 255 * 32) return Error{Errc::oversized, "hkdf length"};
  KdfPtr kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return Error{Errc::crypto_error, "hkdf fetch"};
  KdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return Error{Errc::crypto_error, "hkdf ctx"};
  // The params only point at our buffers; OpenSSL copies them in EVP_KDF_derive.
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  size_t i = 0;
  params[i++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[i++] = OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ptr_or_empty(ikm)), ikm.size());
  // An absent salt is, per RFC 5869, HashLen zero bytes; HMAC pads an empty key to exactly
  // that, so leaving the parameter out for an empty salt gives the same result.
  if (!salt.empty())
    params[i++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data()), salt.size());
  if (!info.empty())
    params[i++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size());
  params[i] = OSSL_PARAM_construct_end();
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1)
    return Error{Errc::crypto_error, "hkdf derive"};
  return {};
}

KeyPair32 hkdf2(ByteSpan salt, ByteSpan ikm, std::string_view info) {
  Secret<64> okm;
  KeyPair32 out;
  if (!hkdf(salt, ikm, info, MutByteSpan(okm.data(), okm.size()))) return out;  // zeros
  std::memcpy(out.first.data(), okm.data(), 32);
  std::memcpy(out.second.data(), okm.data() + 32, 32);
  return out;
}

Key32 hkdf1(ByteSpan salt, ByteSpan ikm, std::string_view info) {
  Key32 out;
  if (!hkdf(salt, ikm, info, MutByteSpan(out.data(), out.size()))) out = Key32{};
  return out;
}

// ---- X25519 ---------------------------------------------------------------------------------

namespace {
// Long-lived private keys given as bytes (the router's static key) are imported once per
// thread: the thread keeps its last few imported X25519 keys as ready EVP_PKEYs; a key is
// compared in constant time and the slot least recently used is replaced (EVP_PKEY_free
// cleanses it). Ephemeral keys carry their own prepared key (X25519Keys::prepared) and do not
// pass through here, so 100 handshakes in flight no longer evict the static key.
class X25519KeyCache {
 public:
  EVP_PKEY* get(const Key32& priv) {
    ++tick_;
    Slot* victim = &slots_[0];
    for (auto& s : slots_) {
      if (s.pkey && CRYPTO_memcmp(s.priv.data(), priv.data(), priv.size()) == 0) {
        s.used = tick_;
        return s.pkey.get();
      }
      if (!s.pkey || s.used < victim->used) victim = &s;
    }
    victim->pkey.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv.data(), priv.size()));
    victim->priv = priv;
    victim->used = tick_;
    return victim->pkey.get();
  }

 private:
  struct Slot {
    Key32 priv;
    PkeyPtr pkey;
    uint64_t used = 0;
  };
  std::array<Slot, 8> slots_;
  uint64_t tick_ = 0;
};
thread_local X25519KeyCache x25519_keys;
}  // namespace

struct X25519Prepared {
  PkeyPtr pkey;
};

namespace {
Result<Key32> derive(EVP_PKEY* mine, const PublicKey32& peer_pub) {
  PkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_pub.data(),
                                           peer_pub.size()));
  if (!mine || !peer) return Error{Errc::crypto_error, "x25519 key"};
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(mine, nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1)
    return Error{Errc::crypto_error, "x25519 init"};
  Key32 shared;
  size_t len = shared.size();
  // OpenSSL already refuses an all-zero result; we check again so the guarantee does not
  // depend on the library version.
  if (EVP_PKEY_derive(ctx.get(), shared.data(), &len) != 1 || len != shared.size())
    return Error{Errc::crypto_error, "x25519 derive (low-order point?)"};
  if (all_zero(shared.data(), shared.size())) return Error{Errc::crypto_error, "x25519 zero"};
  return shared;
}
}  // namespace

X25519Keys x25519_keys_from(const Key32& priv) {
  X25519Keys keys;
  keys.priv = priv;
  auto prepared = std::make_shared<X25519Prepared>();
  prepared->pkey.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv.data(), priv.size()));
  if (!prepared->pkey) return keys;
  auto pub = raw_public(prepared->pkey.get());
  if (!pub) return keys;
  keys.pub = *pub;
  keys.prepared = std::move(prepared);
  return keys;
}

X25519Keys x25519_generate() {
  for (;;) {  // public-key derivation from a random scalar cannot fail short of OOM
    Key32 priv;
    random_bytes(MutByteSpan(priv.data(), priv.size()));
    auto keys = x25519_keys_from(priv);
    if (keys.prepared) return keys;
  }
}

Result<PublicKey32> x25519_public(const Key32& priv) {
  EVP_PKEY* pkey = x25519_keys.get(priv);  // kept: the key's agreements follow
  if (!pkey) return Error{Errc::crypto_error, "raw private key"};
  return raw_public(pkey);
}

Result<Key32> x25519_dh(const Key32& priv, const PublicKey32& peer_pub) {
  return derive(x25519_keys.get(priv), peer_pub);
}

Result<Key32> x25519_dh(const X25519Keys& mine, const PublicKey32& peer_pub) {
  if (mine.prepared) return derive(mine.prepared->pkey.get(), peer_pub);
  return x25519_dh(mine.priv, peer_pub);
}

// ---- Ed25519 --------------------------------------------------------------------------------

Ed25519Keys ed25519_generate() {
  Ed25519Keys keys;
  for (;;) {
    random_bytes(MutByteSpan(keys.priv.data(), keys.priv.size()));
    auto pub = ed25519_public(keys.priv);
    if (pub) { keys.pub = *pub; return keys; }
  }
}

Result<PublicKey32> ed25519_public(const Key32& priv) {
  return public_from_private(EVP_PKEY_ED25519, priv);
}

Result<Signature64> ed25519_sign(const Key32& priv, ByteSpan msg) {
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, priv.data(), priv.size()));
  if (!pkey) return Error{Errc::crypto_error, "ed25519 key"};
  MdCtxPtr ctx(EVP_MD_CTX_new());
  // Ed25519 is a one-shot ("pure") signature: no digest is given to DigestSignInit.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1)
    return Error{Errc::crypto_error, "ed25519 sign init"};
  Signature64 sig{};
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, ptr_or_empty(msg), msg.size()) != 1 ||
      len != sig.size())
    return Error{Errc::crypto_error, "ed25519 sign"};
  return sig;
}

bool ed25519_verify(const PublicKey32& pub, ByteSpan msg, ByteSpan sig) {
  if (sig.size() != 64) return false;
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), pub.size()));
  if (!pkey) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), ptr_or_empty(msg), msg.size()) == 1;
}

// ---- ChaCha20-Poly1305 ----------------------------------------------------------------------

Status aead_encrypt(const Key32& key, uint64_t nonce, ByteSpan ad, uint8_t* buf, size_t len) {
  auto n = i2p_nonce(nonce);
  return aead_seal(key, n.data(), ad, buf, len);
}

Status aead_decrypt(const Key32& key, uint64_t nonce, ByteSpan ad, uint8_t* buf, size_t len) {
  auto n = i2p_nonce(nonce);
  return aead_open(key, n.data(), ad, buf, len);
}

Result<Bytes> aead_encrypt(const Key32& key, uint64_t nonce, ByteSpan ad, ByteSpan plaintext) {
  Bytes out(plaintext.size() + kTagLen);
  if (!plaintext.empty()) std::memcpy(out.data(), plaintext.data(), plaintext.size());
  auto st = aead_encrypt(key, nonce, ad, out.data(), plaintext.size());
  if (!st) return st.error();
  return out;
}

Result<Bytes> aead_decrypt(const Key32& key, uint64_t nonce, ByteSpan ad, ByteSpan ciphertext) {
  if (ciphertext.size() < kTagLen) return Error{Errc::truncated, "aead shorter than tag"};
  Bytes out(ciphertext.begin(), ciphertext.end());
  auto st = aead_decrypt(key, nonce, ad, out.data(), out.size());
  if (!st) {
    secure_wipe(out.data(), out.size());  // do not leave unauthenticated plaintext around
    return st.error();
  }
  out.resize(ciphertext.size() - kTagLen);
  return out;
}

Status aead_encrypt_n12(const Key32& key, const ByteArray<12>& nonce, ByteSpan ad, uint8_t* buf,
                        size_t len) {
  return aead_seal(key, nonce.data(), ad, buf, len);
}

Status aead_decrypt_n12(const Key32& key, const ByteArray<12>& nonce, ByteSpan ad, uint8_t* buf,
                        size_t len) {
  return aead_open(key, nonce.data(), ad, buf, len);
}

// ---- raw ChaCha20 ---------------------------------------------------------------------------

Status chacha20_xor(const Key32& key, const ByteArray<12>& nonce, uint8_t* buf, size_t len,
                    uint32_t initial_counter) {
  if (len == 0) return {};
  if (buf == nullptr || !fits_int(len)) return Error{Errc::oversized, "chacha20 input"};
  // OpenSSL's EVP_chacha20 IV is 16 bytes: the 32-bit block counter little-endian, then
  // the 12-byte RFC 8439 nonce.
  uint8_t iv[16];
  iv[0] = uint8_t(initial_counter);
  iv[1] = uint8_t(initial_counter >> 8);
  iv[2] = uint8_t(initial_counter >> 16);
  iv[3] = uint8_t(initial_counter >> 24);
  std::memcpy(iv + 4, nonce.data(), nonce.size());
  EVP_CIPHER_CTX* ctx = thread_ctx(Use::stream);
  int outl = 0;
  if (!ctx || EVP_EncryptInit_ex2(ctx, nullptr, key.data(), iv, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx, buf, &outl, buf, int(len)) != 1 || size_t(outl) != len)
    return Error{Errc::crypto_error, "chacha20"};
  return {};
}

// ---- Noise symmetric state ------------------------------------------------------------------

SymmetricState::SymmetricState(std::string_view protocol_name) {
  // Noise InitializeSymmetric: a name of at most HASHLEN bytes is used directly, zero-padded;
  // a longer one (all of I2P's names) is hashed.
  if (protocol_name.size() <= h_.size()) {
    h_.fill(0);
    std::memcpy(h_.data(), protocol_name.data(), protocol_name.size());
  } else {
    h_ = sha256(as_bytes(protocol_name));
  }
  ck_ = Key32(h_);
}

void SymmetricState::mix_hash(ByteSpan data) { h_ = sha256(h_, data); }

void SymmetricState::mix_key(ByteSpan ikm) {
  auto keys = hkdf2(ck_.span(), ikm, "");
  ck_ = keys.first;
  k_ = keys.second;
  n_ = 0;
  has_k_ = true;
}

Result<Bytes> SymmetricState::encrypt_and_hash(ByteSpan plaintext) {
  Bytes out;
  if (has_k_) {
    // Noise reserves n = 2^64-1; a cipher state that reached it must not be used again.
    if (n_ == UINT64_MAX) return Error{Errc::wrong_state, "noise nonce exhausted"};
    auto ct = aead_encrypt(k_, n_, h_, plaintext);
    if (!ct) return ct.error();
    out = std::move(*ct);
    ++n_;
  } else {
    out.assign(plaintext.begin(), plaintext.end());
  }
  mix_hash(out);
  return out;
}

Result<Bytes> SymmetricState::decrypt_and_hash(ByteSpan ciphertext) {
  Bytes out;
  if (has_k_) {
    if (n_ == UINT64_MAX) return Error{Errc::wrong_state, "noise nonce exhausted"};
    auto pt = aead_decrypt(k_, n_, h_, ciphertext);
    if (!pt) return pt.error();  // h and n unchanged, as Noise requires on failure
    out = std::move(*pt);
    ++n_;
  } else {
    out.assign(ciphertext.begin(), ciphertext.end());
  }
  mix_hash(ciphertext);
  return out;
}

KeyPair32 SymmetricState::split() const { return hkdf2(ck_.span(), {}, ""); }

}  // namespace ssu2::crypto
