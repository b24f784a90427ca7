#define BOOST_TEST_MODULE handshake_kdf
#include <boost/test/unit_test.hpp>

#include "transport/crypto/crypto.hpp"
#include "transport/ssu2/kdf.hpp"

using namespace ssu2;

namespace {
crypto::Key32 key_of(std::string_view hex) {
  crypto::Key32 k;
  auto b = from_hex(hex);
  BOOST_REQUIRE_EQUAL(b.size(), 32u);
  std::copy(b.begin(), b.end(), k.bytes.begin());
  return k;
}
std::string hex(const crypto::Key32& k) { return to_hex(k.span()); }
}  // namespace

// Expected values computed independently (Python hashlib/hmac, RFC 5869 HKDF) from the
// formulas in ssu2.rst "KDF for Initial ChainKey", "KDF for Session Request/Created" and
// "KDF for data phase".
BOOST_AUTO_TEST_CASE(initial_state_known_answer) {
  crypto::PublicKey32 bpk{};
  for (int i = 0; i < 32; ++i) bpk[i] = uint8_t(i);
  auto st = wire::initial_handshake_state(bpk);
  BOOST_TEST(hex(st.ck()) == "b13722817423a8fdf42df2e60ed1edf41b93071db1ec24a367f784ec270d8132");
  BOOST_TEST(to_hex(st.h()) == "2bcc710b42c3233217c683ae3c24cc6761ee64efcdc16d0345ac4b68dbf62110");
}

BOOST_AUTO_TEST_CASE(header_keys_known_answer) {
  auto ck = key_of(std::string(64, '1'));
  auto created = wire::session_created_header_key(ck);
  auto confirmed = wire::session_confirmed_header_key(ck);
  BOOST_REQUIRE(created.ok());
  BOOST_REQUIRE(confirmed.ok());
  BOOST_TEST(hex(*created) == "4d3a9e8c77bc9a1734088c73c858780f6ef419e2e7d763706cc8c5eda0a4ef06");
  BOOST_TEST(hex(*confirmed) == "b9e68d65fd21b39759d6a9685d5daa9d2393bbff18bed3b731048489a3b90efa");
}

BOOST_AUTO_TEST_CASE(data_phase_known_answer) {
  auto keys = wire::data_phase_keys(key_of(std::string(64, '1')));
  BOOST_REQUIRE(keys.ok());
  BOOST_TEST(hex(keys->alice_to_bob.data) == "efda71e9ca9c07c49b9c7721985ae742bbb90642cffd84f6de2e3a6d0f0d8a0c");
  BOOST_TEST(hex(keys->alice_to_bob.header2) == "1934208d73ffec3e36edc54185ca5393e6aa7ded578e084e7f2b686491bf27e0");
  BOOST_TEST(hex(keys->bob_to_alice.data) == "9e5dee02df0bead6bf4431c49d964df3174863d5c312b4dc1952822baaa691dc");
  BOOST_TEST(hex(keys->bob_to_alice.header2) == "947304fae1466b8e8e87329067ca94a822aa55c77e8ca85c9f03771fa6a53e31");
}

// Both ends run the XK chain from their own keys (DH(e, rs) == DH(s, re) etc.) and end
// with the same chaining key, hence the same header and data-phase keys.
BOOST_AUTO_TEST_CASE(both_sides_derive_the_same_keys) {
  auto bob_s = crypto::x25519_generate();
  auto alice_s = crypto::x25519_generate();
  auto alice_e = crypto::x25519_generate();
  auto bob_e = crypto::x25519_generate();
  auto a = wire::initial_handshake_state(bob_s.pub);
  auto b = wire::initial_handshake_state(bob_s.pub);
  Bytes header(32, 0x5a);
  for (auto* st : {&a, &b}) {
    st->mix_hash(header);
    st->mix_hash(alice_e.pub);
  }
  a.mix_key(crypto::x25519_dh(alice_e.priv, bob_s.pub)->span());
  b.mix_key(crypto::x25519_dh(bob_s.priv, alice_e.pub)->span());
  BOOST_TEST((a.ck() == b.ck()));
  BOOST_TEST(hex(*wire::session_created_header_key(a.ck())) == hex(*wire::session_created_header_key(b.ck())));
  a.mix_key(crypto::x25519_dh(alice_e.priv, bob_e.pub)->span());
  b.mix_key(crypto::x25519_dh(bob_e.priv, alice_e.pub)->span());
  BOOST_TEST(hex(*wire::session_confirmed_header_key(a.ck())) == hex(*wire::session_confirmed_header_key(b.ck())));
  a.mix_key(crypto::x25519_dh(alice_s.priv, bob_e.pub)->span());
  b.mix_key(crypto::x25519_dh(bob_e.priv, alice_s.pub)->span());
  auto ka = wire::data_phase_keys(a.ck());
  auto kb = wire::data_phase_keys(b.ck());
  BOOST_REQUIRE(ka.ok() && kb.ok());
  BOOST_TEST(hex(ka->alice_to_bob.data) == hex(kb->alice_to_bob.data));
  BOOST_TEST(hex(ka->bob_to_alice.header2) == hex(kb->bob_to_alice.header2));
  // The two directions must differ.
  BOOST_TEST(hex(ka->alice_to_bob.data) != hex(ka->bob_to_alice.data));
  BOOST_TEST(hex(ka->alice_to_bob.header2) != hex(ka->bob_to_alice.header2));
}
