#define BOOST_TEST_MODULE i2p_router_keys
#include <boost/test/unit_test.hpp>

#include "transport/i2p/router_keys.hpp"

using namespace ssu2;
using namespace ssu2::i2p;

namespace {
RouterKeys fixed_keys() {
  RouterKeys k;
  for (size_t i = 0; i < 32; ++i) {
    k.x25519_priv.bytes[i] = uint8_t(1 + i);
    k.ed25519_seed.bytes[i] = uint8_t(0x51 + i);
    k.intro_key.bytes[i] = uint8_t(0x91 + i);
    k.identity_padding[i] = uint8_t(0xc1 + i);
  }
  k.x25519_pub = *crypto::x25519_public(k.x25519_priv);
  k.ed25519_pub = *crypto::ed25519_public(k.ed25519_seed);
  return k;
}

// Rewrites the trailing checksum so only the content check can catch an edit.
void reseal(Bytes& b) {
  const auto sum = crypto::sha256(ByteSpan(b).first(b.size() - 32));
  std::copy(sum.begin(), sum.end(), b.end() - 32);
}
}  // namespace

BOOST_AUTO_TEST_CASE(round_trip) {
  const RouterKeys k = fixed_keys();
  const Bytes b = serialize_router_keys(k);
  BOOST_REQUIRE_EQUAL(b.size(), kRouterKeysFileLen);
  BOOST_TEST(std::string(b.begin(), b.begin() + 8) == "SSU2KEYS");
  BOOST_TEST(b[8] == 1);
  auto back = parse_router_keys(b);
  BOOST_REQUIRE(back.ok());
  BOOST_TEST((*back == k));
  BOOST_TEST(back->identity().hash() == k.identity().hash());
}

BOOST_AUTO_TEST_CASE(generated_keys_are_consistent) {
  const RouterKeys k = RouterKeys::generate();
  BOOST_TEST(*crypto::x25519_public(k.x25519_priv) == k.x25519_pub);
  BOOST_TEST(*crypto::ed25519_public(k.ed25519_seed) == k.ed25519_pub);
  BOOST_TEST(parse_router_keys(serialize_router_keys(k)).ok());
  BOOST_TEST(!(RouterKeys::generate() == k));
}

BOOST_AUTO_TEST_CASE(every_flipped_byte_is_an_error) {
  const Bytes b = serialize_router_keys(fixed_keys());
  for (size_t i = 0; i < b.size(); ++i) {
    Bytes bad = b;
    bad[i] ^= 0x04;
    BOOST_TEST(!parse_router_keys(bad).ok(), "byte " << i);
  }
}

BOOST_AUTO_TEST_CASE(truncated_and_extended) {
  const Bytes b = serialize_router_keys(fixed_keys());
  for (size_t n = 0; n < b.size(); ++n) BOOST_TEST(!parse_router_keys(ByteSpan(b).first(n)).ok(), n);
  Bytes longer = b;
  longer.push_back(0);
  BOOST_TEST(parse_router_keys(longer).error().code == Errc::malformed);
}

BOOST_AUTO_TEST_CASE(version_and_key_consistency) {
  Bytes b = serialize_router_keys(fixed_keys());
  Bytes v2 = b;
  v2[8] = 2;
  reseal(v2);
  BOOST_TEST(parse_router_keys(v2).error().code == Errc::unsupported);
  // A checksum-valid file whose X25519 public key does not match its private key.
  Bytes swapped = b;
  swapped[9 + 32] ^= 1;
  reseal(swapped);
  BOOST_TEST(parse_router_keys(swapped).error().code == Errc::malformed);
  Bytes ed = b;
  ed[9 + 96] ^= 1;
  reseal(ed);
  BOOST_TEST(parse_router_keys(ed).error().code == Errc::malformed);
}
