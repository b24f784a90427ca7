#define BOOST_TEST_MODULE i2p_identity
#include <boost/test/unit_test.hpp>

#include <random>

#include "transport/i2p/identity.hpp"

using namespace ssu2;
using namespace ssu2::i2p;

namespace {

crypto::PublicKey32 fill32(uint8_t start) {
  crypto::PublicKey32 k;
  for (size_t i = 0; i < 32; ++i) k[i] = uint8_t(start + i);
  return k;
}

RouterIdentity sample() {
  ByteArray<32> pad;
  for (size_t i = 0; i < 32; ++i) pad[i] = uint8_t(0xa0 + i);
  return RouterIdentity::create(fill32(0x00), fill32(0x40), pad);
}

}  // namespace

BOOST_AUTO_TEST_CASE(layout_of_created_identity) {
  const Bytes s = sample().serialize();
  BOOST_REQUIRE_EQUAL(s.size(), kRouterIdentityLen);
  BOOST_REQUIRE_EQUAL(s.size(), 391u);
  // X25519 key in the first 32 bytes.
  for (size_t i = 0; i < 32; ++i) BOOST_TEST(s[i] == i);
  // 320 bytes of padding: the seed repeated 10 times.
  for (size_t i = 32; i < 352; ++i) BOOST_TEST(s[i] == 0xa0 + (i - 32) % 32);
  // Ed25519 key right-aligned in the 128-byte signing field (bytes 352..384).
  for (size_t i = 0; i < 32; ++i) BOOST_TEST(s[352 + i] == 0x40 + i);
  // Key certificate: type 5, length 4, sig type 7, crypto type 4.
  BOOST_TEST(to_hex(ByteSpan(s).subspan(384)) == "05000400070004");
}

BOOST_AUTO_TEST_CASE(round_trip_and_hash) {
  const RouterIdentity id = sample();
  const Bytes s = id.serialize();
  auto p = RouterIdentity::parse(s);
  BOOST_REQUIRE(p.ok());
  BOOST_TEST((*p == id));
  BOOST_TEST(p->encryption_key() == fill32(0x00));
  BOOST_TEST(p->signing_key() == fill32(0x40));
  BOOST_TEST(p->hash() == crypto::sha256(s));
}

BOOST_AUTO_TEST_CASE(padding_kept_verbatim) {
  // Padding that is not a repetition (an older router) must survive parse/serialize
  // unchanged, or the router hash would change.
  Bytes s = sample().serialize();
  std::mt19937 rng(7);
  for (size_t i = 32; i < 352; ++i) s[i] = uint8_t(rng());
  auto p = RouterIdentity::parse(s);
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(p->serialize() == s);
  BOOST_TEST(p->hash() == crypto::sha256(s));
}

BOOST_AUTO_TEST_CASE(random_padding_differs) {
  const auto a = RouterIdentity::create(fill32(0), fill32(0x40));
  const auto b = RouterIdentity::create(fill32(0), fill32(0x40));
  BOOST_TEST(a.encryption_key() == b.encryption_key());
  BOOST_TEST(a.signing_key() == b.signing_key());
  BOOST_TEST(a.hash() != b.hash());
}

BOOST_AUTO_TEST_CASE(other_key_types_unsupported) {
  const Bytes good = sample().serialize();
  auto with_cert = [&](const char* cert_hex) {
    Bytes s(good.begin(), good.begin() + 384);
    const Bytes c = from_hex(cert_hex);
    s.insert(s.end(), c.begin(), c.end());
    return RouterIdentity::parse(s);
  };
  BOOST_TEST(with_cert("000000").error().code == Errc::unsupported);          // NULL (DSA/ElGamal)
  BOOST_TEST(with_cert("05000400080004").error().code == Errc::unsupported);  // sig type 8
  BOOST_TEST(with_cert("05000400000004").error().code == Errc::unsupported);  // DSA sig
  BOOST_TEST(with_cert("05000400070000").error().code == Errc::unsupported);  // ElGamal crypto
  BOOST_TEST(with_cert("030000").error().code == Errc::unsupported);          // signed cert
  BOOST_TEST(with_cert("050002").error().code == Errc::truncated);            // payload missing
  BOOST_TEST(with_cert("0500020007").error().code == Errc::malformed);        // too short
  BOOST_TEST(with_cert("050006000700040000").error().code == Errc::malformed);  // excess data
  BOOST_TEST(with_cert("05000400070004").ok());
}

BOOST_AUTO_TEST_CASE(truncated_at_every_length) {
  const Bytes s = sample().serialize();
  for (size_t n = 0; n < s.size(); ++n) {
    auto p = RouterIdentity::parse(ByteSpan(s).first(n));
    BOOST_REQUIRE(!p.ok());
    BOOST_TEST((p.error().code == Errc::truncated), "length " << n);
  }
  Bytes longer = s;
  longer.push_back(0);
  BOOST_TEST(RouterIdentity::parse(longer).error().code == Errc::malformed);
}

BOOST_AUTO_TEST_CASE(certificate_codec) {
  Certificate c{5, {0, 7, 0, 4}};
  Bytes out;
  Writer w(out);
  write_certificate(w, c);
  BOOST_TEST(to_hex(out) == "05000400070004");
  Reader r(out);
  auto back = read_certificate(r);
  BOOST_REQUIRE(back.ok());
  BOOST_TEST((*back == c));
}
