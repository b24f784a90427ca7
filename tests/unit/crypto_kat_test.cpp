#define BOOST_TEST_MODULE crypto_kat
#include <boost/test/unit_test.hpp>

// Known-answer tests for every primitive behind crypto.hpp, with vectors from the RFCs.

#include "transport/crypto/crypto.hpp"

using namespace ssu2;
using namespace ssu2::crypto;

namespace {

template <size_t N>
ByteArray<N> arr(std::string_view hex) {
  Bytes b = from_hex(hex);
  BOOST_REQUIRE_EQUAL(b.size(), N);
  ByteArray<N> a{};
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}

Key32 key(std::string_view hex) { return Key32(arr<32>(hex)); }

std::string hex(ByteSpan s) { return to_hex(s); }

Bytes seq(uint8_t from, uint8_t to) {  // inclusive byte range, as the RFCs write inputs
  Bytes b;
  for (int v = from; v <= to; ++v) b.push_back(uint8_t(v));
  return b;
}

const std::string_view kSunscreen =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
    "future, sunscreen would be it.";

}  // namespace

// ---- SHA-256 / HMAC / HKDF ----

BOOST_AUTO_TEST_CASE(sha256_abc) {
  BOOST_TEST(hex(sha256(as_bytes("abc"))) ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The two-part form is SHA256(a || b).
  BOOST_TEST(hex(sha256(as_bytes("a"), as_bytes("bc"))) ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(hmac_sha256_rfc4231_case2) {
  BOOST_TEST(hex(hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))) ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(hkdf_rfc5869_case1) {
  Bytes ikm(22, 0x0b);
  Bytes salt = from_hex("000102030405060708090a0b0c");
  Bytes info = from_hex("f0f1f2f3f4f5f6f7f8f9");
  Bytes okm(42);
  BOOST_REQUIRE(hkdf(salt, ikm, std::string_view(reinterpret_cast<char*>(info.data()), info.size()),
                     okm).ok());
  BOOST_TEST(hex(okm) ==
             "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

BOOST_AUTO_TEST_CASE(hkdf_rfc5869_case2) {
  Bytes ikm = seq(0x00, 0x4f), salt = seq(0x60, 0xaf), info = seq(0xb0, 0xff);
  Bytes okm(82);
  BOOST_REQUIRE(hkdf(salt, ikm, std::string_view(reinterpret_cast<char*>(info.data()), info.size()),
                     okm).ok());
  BOOST_TEST(hex(okm) ==
             "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
             "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
             "cc30c58179ec3e87c14c01d5c1f3434f1d87");
}

BOOST_AUTO_TEST_CASE(hkdf_rfc5869_case3_empty_salt_and_info) {
  Bytes ikm(22, 0x0b);
  Bytes okm(42);
  BOOST_REQUIRE(hkdf({}, ikm, "", okm).ok());
  BOOST_TEST(hex(okm) ==
             "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

// I2P writes HKDF out as HMAC steps (ntcp2.rst "KDF for data phase"): with an empty ikm
// temp = HMAC(ck, ""), k1 = HMAC(temp, info || 0x01), k2 = HMAC(temp, k1 || info || 0x02).
// Checks hkdf2 against that spelled-out form, including the empty-ikm case the split uses.
BOOST_AUTO_TEST_CASE(hkdf2_matches_i2p_hmac_formulation) {
  Bytes ck = seq(0x20, 0x3f);
  for (std::string_view info : {std::string_view(""), std::string_view("ask")}) {
    for (Bytes ikm : {Bytes{}, seq(0x40, 0x5f)}) {
      auto temp = hmac_sha256(ck, ikm);
      Bytes m1(info.begin(), info.end());
      m1.push_back(1);
      auto k1 = hmac_sha256(temp, m1);
      Bytes m2(k1.begin(), k1.end());
      m2.insert(m2.end(), info.begin(), info.end());
      m2.push_back(2);
      auto k2 = hmac_sha256(temp, m2);
      auto pair = hkdf2(ck, ikm, info);
      BOOST_TEST(hex(pair.first.span()) == hex(k1));
      BOOST_TEST(hex(pair.second.span()) == hex(k2));
      BOOST_TEST(hex(hkdf1(ck, ikm, info).span()) == hex(k1));
    }
  }
}

BOOST_AUTO_TEST_CASE(hkdf_rejects_bad_lengths) {
  Bytes ikm(32, 1);
  Bytes empty_out;
  auto st = hkdf({}, ikm, "", empty_out);
  BOOST_TEST(!st.ok());
  Bytes too_long(255 * 32 + 1);
  st = hkdf({}, ikm, "", too_long);
  BOOST_TEST(!st.ok());
  BOOST_TEST((st.error().code == Errc::oversized));
}

// ---- X25519 ----

BOOST_AUTO_TEST_CASE(x25519_rfc7748_section5_2) {
  auto r1 = x25519_dh(key("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                      arr<32>("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"));
  BOOST_REQUIRE(r1.ok());
  BOOST_TEST(hex(r1->span()) == "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
  // The second u has its top bit set, which X25519 must ignore.
  auto r2 = x25519_dh(key("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                      arr<32>("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"));
  BOOST_REQUIRE(r2.ok());
  BOOST_TEST(hex(r2->span()) == "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

BOOST_AUTO_TEST_CASE(x25519_rfc7748_section6_1) {
  auto a_priv = key("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  auto b_priv = key("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  auto a_pub = x25519_public(a_priv);
  auto b_pub = x25519_public(b_priv);
  BOOST_REQUIRE(a_pub.ok());
  BOOST_REQUIRE(b_pub.ok());
  BOOST_TEST(hex(*a_pub) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  BOOST_TEST(hex(*b_pub) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  auto s1 = x25519_dh(a_priv, *b_pub);
  auto s2 = x25519_dh(b_priv, *a_pub);
  BOOST_REQUIRE(s1.ok());
  BOOST_REQUIRE(s2.ok());
  const char* shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  BOOST_TEST(hex(s1->span()) == shared);
  BOOST_TEST(hex(s2->span()) == shared);
}

// The same vectors through key pairs that keep their imported OpenSSL key (the form the
// handshake uses for ephemeral keys): same public keys, same shared secret, also from a copy,
// and a pair whose key was set by hand (no prepared key) still agrees.
BOOST_AUTO_TEST_CASE(x25519_prepared_key_pairs_give_the_rfc7748_results) {
  auto a = x25519_keys_from(key("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  auto b = x25519_keys_from(key("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
  BOOST_REQUIRE(a.prepared);
  BOOST_REQUIRE(b.prepared);
  BOOST_TEST(hex(a.pub) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  BOOST_TEST(hex(b.pub) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  const char* shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  X25519Keys a_copy = a;
  BOOST_TEST((a_copy.prepared == a.prepared));
  auto s1 = x25519_dh(a_copy, b.pub);
  auto s2 = x25519_dh(b, a.pub);
  BOOST_REQUIRE(s1.ok());
  BOOST_REQUIRE(s2.ok());
  BOOST_TEST(hex(s1->span()) == shared);
  BOOST_TEST(hex(s2->span()) == shared);
  X25519Keys by_hand;
  by_hand.priv = a.priv;
  auto s3 = x25519_dh(by_hand, b.pub);
  BOOST_REQUIRE(s3.ok());
  BOOST_TEST(hex(s3->span()) == shared);
  BOOST_TEST(!x25519_dh(a, PublicKey32{}).ok());  // low-order point refused on this path too
  auto g = x25519_generate();
  BOOST_TEST(g.prepared);
  BOOST_TEST((x25519_public(g.priv).ok() && *x25519_public(g.priv) == g.pub));
}

BOOST_AUTO_TEST_CASE(x25519_all_zero_peer_fails_cleanly) {
  auto priv = key("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  PublicKey32 zero{};
  auto r = x25519_dh(priv, zero);
  BOOST_TEST(!r.ok());
  BOOST_TEST((r.error().code == Errc::crypto_error));
  // u = 1 is another small-order point whose product is zero.
  PublicKey32 one{};
  one[0] = 1;
  BOOST_TEST(!x25519_dh(priv, one).ok());
}

BOOST_AUTO_TEST_CASE(x25519_generated_keys_agree) {
  auto a = x25519_generate();
  auto b = x25519_generate();
  BOOST_TEST(hex(a.pub) == hex(*x25519_public(a.priv)));
  auto s1 = x25519_dh(a.priv, b.pub);
  auto s2 = x25519_dh(b.priv, a.pub);
  BOOST_REQUIRE(s1.ok());
  BOOST_REQUIRE(s2.ok());
  BOOST_TEST(hex(s1->span()) == hex(s2->span()));
}

// ---- Ed25519 ----

namespace {
struct EdVector {
  const char* seed;
  const char* pub;
  const char* msg;
  const char* sig;
};
const EdVector kEdVectors[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};
}  // namespace

BOOST_AUTO_TEST_CASE(ed25519_rfc8032_tests_1_to_3) {
  for (const auto& v : kEdVectors) {
    BOOST_TEST_CONTEXT("seed " << v.seed) {
      auto seed = key(v.seed);
      Bytes msg = from_hex(v.msg);
      auto pub = ed25519_public(seed);
      BOOST_REQUIRE(pub.ok());
      BOOST_TEST(hex(*pub) == v.pub);
      auto sig = ed25519_sign(seed, msg);
      BOOST_REQUIRE(sig.ok());
      BOOST_TEST(hex(*sig) == v.sig);
      BOOST_TEST(ed25519_verify(*pub, msg, *sig));

      // One flipped bit anywhere (signature or message) must fail verification.
      auto bad = *sig;
      bad[10] ^= 0x01;
      BOOST_TEST(!ed25519_verify(*pub, msg, bad));
      Bytes bad_msg = msg;
      bad_msg.push_back(0);
      BOOST_TEST(!ed25519_verify(*pub, bad_msg, *sig));
      // Wrong signature length is a clean false, not a crash.
      BOOST_TEST(!ed25519_verify(*pub, msg, ByteSpan(sig->data(), 63)));
    }
  }
}

BOOST_AUTO_TEST_CASE(ed25519_generated_key_signs_and_verifies) {
  auto k = ed25519_generate();
  auto sig = ed25519_sign(k.priv, as_bytes("hello"));
  BOOST_REQUIRE(sig.ok());
  BOOST_TEST(ed25519_verify(k.pub, as_bytes("hello"), *sig));
  BOOST_TEST(!ed25519_verify(k.pub, as_bytes("hellp"), *sig));
}

// ---- ChaCha20 ----

BOOST_AUTO_TEST_CASE(chacha20_rfc8439_2_4_2) {
  auto k = key("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  auto nonce = arr<12>("000000000000004a00000000");
  Bytes buf(kSunscreen.begin(), kSunscreen.end());
  BOOST_REQUIRE(chacha20_xor(k, nonce, buf.data(), buf.size(), 1).ok());
  BOOST_TEST(hex(buf) ==
             "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
             "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
             "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
             "5af90bbf74a35be6b40b8eedf2785e42874d");
  // XOR twice gives the plaintext back.
  BOOST_REQUIRE(chacha20_xor(k, nonce, buf.data(), buf.size(), 1).ok());
  BOOST_TEST(std::string(buf.begin(), buf.end()) == kSunscreen);
  // A different initial counter gives a different keystream.
  Bytes other(kSunscreen.begin(), kSunscreen.end());
  BOOST_REQUIRE(chacha20_xor(k, nonce, other.data(), other.size(), 0).ok());
  BOOST_TEST(hex(other).substr(0, 8) != "6e2e359a");
}

// ---- ChaCha20-Poly1305 ----

namespace {
const char* kAeadKey = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
const char* kAeadCt =
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
    "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
    "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
    "3ff4def08e4b7a9de576d26586cec64b6116";
const char* kAeadTag = "1ae10b594f09e26a7e902ecbd0600691";
}  // namespace

BOOST_AUTO_TEST_CASE(aead_rfc8439_2_8_2_in_place) {
  auto k = key(kAeadKey);
  auto nonce = arr<12>("070000004041424344454647");
  Bytes ad = from_hex("50515253c0c1c2c3c4c5c6c7");
  Bytes buf(kSunscreen.begin(), kSunscreen.end());
  const size_t len = buf.size();
  buf.resize(len + kTagLen);
  BOOST_REQUIRE(aead_encrypt_n12(k, nonce, ad, buf.data(), len).ok());
  BOOST_TEST(hex(ByteSpan(buf.data(), len)) == kAeadCt);
  BOOST_TEST(hex(ByteSpan(buf.data() + len, kTagLen)) == kAeadTag);
  BOOST_REQUIRE(aead_decrypt_n12(k, nonce, ad, buf.data(), buf.size()).ok());
  BOOST_TEST(std::string(buf.begin(), buf.begin() + len) == kSunscreen);
}

BOOST_AUTO_TEST_CASE(aead_counter_nonce_is_four_zeros_then_le64) {
  auto k = key(kAeadKey);
  Bytes ad = from_hex("50515253c0c1c2c3c4c5c6c7");
  const Bytes pt(kSunscreen.begin(), kSunscreen.end());
  for (uint64_t n : {uint64_t(0), uint64_t(1), uint64_t(0x0102030405060708ull), ~uint64_t(0)}) {
    auto a = aead_encrypt(k, n, ad, pt);
    BOOST_REQUIRE(a.ok());
    ByteArray<12> nonce{};
    store_le64(nonce.data() + 4, n);
    Bytes b = pt;
    b.resize(pt.size() + kTagLen);
    BOOST_REQUIRE(aead_encrypt_n12(k, nonce, ad, b.data(), pt.size()).ok());
    BOOST_TEST(hex(*a) == hex(b));
  }
  // And the counters really are distinct nonces.
  BOOST_TEST(hex(*aead_encrypt(k, 1, ad, pt)) != hex(*aead_encrypt(k, 256, ad, pt)));
}

BOOST_AUTO_TEST_CASE(aead_round_trip_allocating_and_in_place) {
  auto k = key(kAeadKey);
  auto hs = as_bytes("header");
  Bytes ad(hs.begin(), hs.end());
  Bytes pt = seq(0, 200);
  auto ct = aead_encrypt(k, 42, ad, pt);
  BOOST_REQUIRE(ct.ok());
  BOOST_TEST(ct->size() == pt.size() + kTagLen);
  auto back = aead_decrypt(k, 42, ad, *ct);
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(hex(*back) == hex(pt));

  Bytes buf = pt;
  buf.resize(pt.size() + kTagLen);
  BOOST_REQUIRE(aead_encrypt(k, 42, ad, buf.data(), pt.size()).ok());
  BOOST_TEST(hex(buf) == hex(*ct));
  BOOST_REQUIRE(aead_decrypt(k, 42, ad, buf.data(), buf.size()).ok());
  BOOST_TEST(hex(ByteSpan(buf.data(), pt.size())) == hex(pt));

  // Empty plaintext: only a tag, still authenticated.
  auto tag_only = aead_encrypt(k, 7, ad, ByteSpan{});
  BOOST_REQUIRE(tag_only.ok());
  BOOST_TEST(tag_only->size() == kTagLen);
  auto empty = aead_decrypt(k, 7, ad, *tag_only);
  BOOST_REQUIRE(empty.ok());
  BOOST_TEST(empty->empty());
  BOOST_TEST(!aead_decrypt(k, 8, ad, *tag_only).ok());
}

BOOST_AUTO_TEST_CASE(aead_tampering_is_auth_failed) {
  auto k = key(kAeadKey);
  Bytes ad = from_hex("0102030405");
  Bytes pt = seq(0, 63);
  auto ct = aead_encrypt(k, 3, ad, pt);
  BOOST_REQUIRE(ct.ok());

  auto expect_auth_failed = [&](const Key32& kk, uint64_t n, const Bytes& a, const Bytes& c) {
    auto r = aead_decrypt(kk, n, a, c);
    BOOST_TEST(!r.ok());
    if (!r.ok()) BOOST_TEST((r.error().code == Errc::auth_failed));
  };
  Bytes bad = *ct;
  bad.back() ^= 0x80;  // tag byte
  expect_auth_failed(k, 3, ad, bad);
  bad = *ct;
  bad[5] ^= 0x01;  // ciphertext byte
  expect_auth_failed(k, 3, ad, bad);
  Bytes bad_ad = ad;
  bad_ad[0] ^= 0x01;  // associated data byte
  expect_auth_failed(k, 3, bad_ad, *ct);
  expect_auth_failed(k, 4, ad, *ct);  // wrong nonce
  auto other_key = key("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  expect_auth_failed(other_key, 3, ad, *ct);

  // In-place variant reports the same.
  Bytes buf = *ct;
  buf[0] ^= 0xff;
  auto st = aead_decrypt(k, 3, ad, buf.data(), buf.size());
  BOOST_TEST(!st.ok());
  BOOST_TEST((st.error().code == Errc::auth_failed));
}

BOOST_AUTO_TEST_CASE(aead_input_shorter_than_tag_is_clean_error) {
  auto k = key(kAeadKey);
  for (size_t n = 0; n < kTagLen; ++n) {
    Bytes shorty(n, 0xaa);
    auto r = aead_decrypt(k, 0, {}, shorty);
    BOOST_TEST(!r.ok());
    BOOST_TEST((r.error().code == Errc::truncated));
    auto st = aead_decrypt(k, 0, {}, shorty.data(), shorty.size());
    BOOST_TEST(!st.ok());
    auto st12 = aead_decrypt_n12(k, ByteArray<12>{}, {}, shorty.data(), shorty.size());
    BOOST_TEST(!st12.ok());
  }
  BOOST_TEST(!aead_decrypt(k, 0, {}, nullptr, 0).ok());
}

// The thread's cipher contexts are bound to their cipher once and only re-keyed per call: a
// failed open, other keys, nonces and lengths in between must not leak state into the next
// call (each result equals a fresh computation).
BOOST_AUTO_TEST_CASE(aead_contexts_are_reused_without_carrying_state) {
  Key32 k1, k2;
  for (size_t i = 0; i < 32; ++i) {
    k1.bytes[i] = uint8_t(i);
    k2.bytes[i] = uint8_t(200 - i);
  }
  Bytes msg(300, 0x42), ad(13, 0x07);
  auto c1 = aead_encrypt(k1, 5, ad, msg);
  BOOST_REQUIRE(c1.ok());
  Bytes bad = *c1;
  bad[10] ^= 1;
  BOOST_TEST(!aead_decrypt(k1, 5, ad, bad).ok());  // fails; the context is used again below
  auto c2 = aead_encrypt(k2, 6, ByteSpan{}, Bytes(17, 0x01));
  BOOST_REQUIRE(c2.ok());
  auto p1 = aead_decrypt(k1, 5, ad, *c1);
  BOOST_REQUIRE(p1.ok());
  BOOST_TEST((*p1 == msg));
  auto p2 = aead_decrypt(k2, 6, ByteSpan{}, *c2);
  BOOST_REQUIRE(p2.ok());
  BOOST_TEST((*p2 == Bytes(17, 0x01)));
  auto again = aead_encrypt(k1, 5, ad, msg);  // same inputs, same output
  BOOST_REQUIRE(again.ok());
  BOOST_TEST((*again == *c1));
  BOOST_TEST(!aead_decrypt(k2, 5, ad, *c1).ok());  // wrong key
}
