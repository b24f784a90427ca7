#define BOOST_TEST_MODULE crypto_noise
#include <boost/test/unit_test.hpp>

// The Noise SymmetricState: initialisation, MixHash/MixKey chaining, EncryptAndHash and
// DecryptAndHash agreement between two parties, and failure on tampering.

#include "transport/crypto/crypto.hpp"

using namespace ssu2;
using namespace ssu2::crypto;

namespace {
const std::string_view kSsu2Name = "Noise_XKchaobfse+hs1+hs2+hs3_25519_ChaChaPoly_SHA256";

Bytes fill(size_t n, uint8_t v) { return Bytes(n, v); }
}  // namespace

BOOST_AUTO_TEST_CASE(initialize_hashes_long_names_and_pads_short_ones) {
  SymmetricState s(kSsu2Name);
  BOOST_TEST(to_hex(s.h()) == to_hex(sha256(as_bytes(kSsu2Name))));
  BOOST_TEST(to_hex(s.ck().span()) == to_hex(s.h()));
  BOOST_TEST(s.n() == 0u);

  SymmetricState short_name("Noise_N");  // 7 bytes: used as-is, zero padded
  Bytes expect(32, 0);
  std::string_view nm = "Noise_N";
  std::copy(nm.begin(), nm.end(), expect.begin());
  BOOST_TEST(to_hex(short_name.h()) == to_hex(expect));

  // Exactly 32 bytes is also used directly.
  std::string exact(32, 'x');
  SymmetricState s32(exact);
  BOOST_TEST(to_hex(s32.h()) == to_hex(as_bytes(exact)));
}

BOOST_AUTO_TEST_CASE(mix_hash_and_mix_key_follow_their_definitions) {
  SymmetricState s(kSsu2Name);
  auto h0 = s.h();
  Bytes data = fill(32, 0x11);
  s.mix_hash(data);
  BOOST_TEST(to_hex(s.h()) == to_hex(sha256(h0, data)));

  auto ck0 = s.ck();
  Bytes ikm = fill(32, 0x22);
  s.set_n(5);
  s.mix_key(ikm);
  auto expect = hkdf2(ck0.span(), ikm, "");
  BOOST_TEST(to_hex(s.ck().span()) == to_hex(expect.first.span()));
  BOOST_TEST(to_hex(s.k().span()) == to_hex(expect.second.span()));
  BOOST_TEST(s.n() == 0u);  // MixKey resets the nonce
}

BOOST_AUTO_TEST_CASE(without_key_data_passes_through_and_is_hashed) {
  SymmetricState s(kSsu2Name);
  auto h0 = s.h();
  Bytes pt = fill(10, 0x33);
  auto out = s.encrypt_and_hash(pt);
  BOOST_REQUIRE(out.ok());
  BOOST_TEST(to_hex(*out) == to_hex(pt));
  BOOST_TEST(to_hex(s.h()) == to_hex(sha256(h0, pt)));
  BOOST_TEST(s.n() == 0u);

  SymmetricState r(kSsu2Name);
  auto back = r.decrypt_and_hash(*out);
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(to_hex(*back) == to_hex(pt));
  BOOST_TEST(to_hex(r.h()) == to_hex(s.h()));
}

BOOST_AUTO_TEST_CASE(two_parties_agree_through_a_handshake_like_sequence) {
  // Deterministic keys: the test does not depend on the RNG.
  Key32 a_priv(ByteArray<32>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                             17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
  ByteArray<32> b_raw{};
  for (size_t i = 0; i < 32; ++i) b_raw[i] = uint8_t(0xa0 + i);
  Key32 b_priv(b_raw);
  auto a_pub = *x25519_public(a_priv);
  auto b_pub = *x25519_public(b_priv);

  SymmetricState alice(kSsu2Name), bob(kSsu2Name);
  for (auto* s : {&alice, &bob}) {
    s->mix_hash({});     // empty prologue
    s->mix_hash(b_pub);  // responder static key
    s->mix_hash(a_pub);  // initiator ephemeral
  }
  alice.mix_key(x25519_dh(a_priv, b_pub)->span());
  bob.mix_key(x25519_dh(b_priv, a_pub)->span());
  BOOST_TEST(to_hex(alice.ck().span()) == to_hex(bob.ck().span()));
  BOOST_TEST(to_hex(alice.k().span()) == to_hex(bob.k().span()));

  Bytes msg1 = fill(40, 0x5a);
  auto c1 = alice.encrypt_and_hash(msg1);
  BOOST_REQUIRE(c1.ok());
  BOOST_TEST(c1->size() == msg1.size() + kTagLen);
  BOOST_TEST(alice.n() == 1u);
  auto p1 = bob.decrypt_and_hash(*c1);
  BOOST_REQUIRE(p1.ok());
  BOOST_TEST(to_hex(*p1) == to_hex(msg1));
  BOOST_TEST(bob.n() == 1u);
  BOOST_TEST(to_hex(alice.h()) == to_hex(bob.h()));

  // The second message uses n = 1 and AD = the updated h.
  Bytes msg2 = fill(3, 0x01);
  auto h_before = bob.h();
  auto c2 = bob.encrypt_and_hash(msg2);
  BOOST_REQUIRE(c2.ok());
  auto direct = aead_encrypt(bob.k(), 1, h_before, msg2);
  BOOST_REQUIRE(direct.ok());
  BOOST_TEST(to_hex(*c2) == to_hex(*direct));
  auto p2 = alice.decrypt_and_hash(*c2);
  BOOST_REQUIRE(p2.ok());
  BOOST_TEST(to_hex(*p2) == to_hex(msg2));
  BOOST_TEST(to_hex(alice.h()) == to_hex(bob.h()));
  BOOST_TEST(to_hex(alice.h()) == to_hex(sha256(h_before, *c2)));

  auto sa = alice.split();
  auto sb = bob.split();
  BOOST_TEST(to_hex(sa.first.span()) == to_hex(sb.first.span()));
  BOOST_TEST(to_hex(sa.second.span()) == to_hex(sb.second.span()));
  BOOST_TEST(to_hex(sa.first.span()) != to_hex(sa.second.span()));
}

BOOST_AUTO_TEST_CASE(tampered_ciphertext_fails_and_leaves_state_unchanged) {
  SymmetricState alice(kSsu2Name), bob(kSsu2Name);
  Bytes ikm = fill(32, 0x77);
  alice.mix_key(ikm);
  bob.mix_key(ikm);
  auto c = alice.encrypt_and_hash(fill(20, 0x42));
  BOOST_REQUIRE(c.ok());

  Bytes bad = *c;
  bad[3] ^= 0x04;
  auto h_before = bob.h();
  auto r = bob.decrypt_and_hash(bad);
  BOOST_TEST(!r.ok());
  BOOST_TEST((r.error().code == Errc::auth_failed));
  BOOST_TEST(to_hex(bob.h()) == to_hex(h_before));
  BOOST_TEST(bob.n() == 0u);

  // The genuine ciphertext still decrypts afterwards.
  auto ok = bob.decrypt_and_hash(*c);
  BOOST_REQUIRE(ok.ok());
  BOOST_TEST(to_hex(alice.h()) == to_hex(bob.h()));

  // A differing transcript (h) makes the AD differ, so decryption fails too.
  SymmetricState carol(kSsu2Name);
  carol.mix_key(ikm);
  carol.mix_hash(as_bytes("something else"));
  SymmetricState dave(kSsu2Name);
  dave.mix_key(ikm);
  auto c2 = dave.encrypt_and_hash(fill(5, 1));
  BOOST_REQUIRE(c2.ok());
  BOOST_TEST(!carol.decrypt_and_hash(*c2).ok());

  // Too short for a tag is a clean error.
  BOOST_TEST(!carol.decrypt_and_hash(fill(15, 0)).ok());
}

BOOST_AUTO_TEST_CASE(exhausted_nonce_is_refused) {
  SymmetricState s(kSsu2Name);
  s.mix_key(fill(32, 9));
  s.set_n(UINT64_MAX);
  auto r = s.encrypt_and_hash(fill(4, 0));
  BOOST_TEST(!r.ok());
  BOOST_TEST((r.error().code == Errc::wrong_state));
}
