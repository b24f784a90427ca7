#define BOOST_TEST_MODULE i2p_base64
#include <boost/test/unit_test.hpp>

#include <random>

#include "transport/i2p/base64.hpp"

using namespace ssu2;
using namespace ssu2::i2p;

namespace {
Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }
}

// RFC 4648 section 10 vectors; they contain no '+' or '/', so I2P's alphabet gives the same.
BOOST_AUTO_TEST_CASE(rfc4648_base64_vectors) {
  const std::pair<const char*, const char*> v[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : v) {
    BOOST_TEST(base64_encode(as_bytes(plain)) == enc);
    auto d = base64_decode(enc);
    BOOST_REQUIRE(d.ok());
    BOOST_TEST(*d == b(plain));
  }
}

// 0xFB 0xFF is "+/8=" in standard Base64; I2P substitutes '-' and '~'.
BOOST_AUTO_TEST_CASE(i2p_alphabet) {
  const Bytes in{0xfb, 0xff};
  BOOST_TEST(base64_encode(in) == "-~8=");
  auto d = base64_decode("-~8=");
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(*d == in);
  BOOST_TEST(!base64_decode("+/8=").ok());  // the standard characters are not accepted
  BOOST_TEST(base64_encode(Bytes{0xff, 0xff, 0xff}) == "~~~~");
  BOOST_TEST(base64_encode(Bytes{0xf8, 0x00, 0x00}) == "-AAA");
}

BOOST_AUTO_TEST_CASE(unpadded_input_accepted) {
  auto d = base64_decode("Zm8");
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(*d == b("fo"));
}

BOOST_AUTO_TEST_CASE(malformed_base64) {
  for (const char* bad : {"Z", "Zg=", "Zg===", "Zh==", "Zm9=", "Zm9v!", "Zm=v", "=", "Zm 9v", "Zm9vY"}) {
    auto d = base64_decode(bad);
    BOOST_TEST(!d.ok(), bad);
    if (!d.ok()) BOOST_TEST(d.error().code == Errc::malformed);
  }
}

BOOST_AUTO_TEST_CASE(rfc4648_base32_vectors) {
  const std::pair<const char*, const char*> v[] = {
      {"", ""},          {"f", "my"},           {"fo", "mzxq"},        {"foo", "mzxw6"},
      {"foob", "mzxw6yq"}, {"fooba", "mzxw6ytb"}, {"foobar", "mzxw6ytboi"}};
  for (auto [plain, enc] : v) {
    BOOST_TEST(base32_encode(as_bytes(plain)) == enc);
    auto d = base32_decode(enc);
    BOOST_REQUIRE(d.ok());
    BOOST_TEST(*d == b(plain));
  }
  auto upper = base32_decode("MZXW6YTBOI");
  BOOST_REQUIRE(upper.ok());
  BOOST_TEST(*upper == b("foobar"));
}

BOOST_AUTO_TEST_CASE(malformed_base32) {
  for (const char* bad : {"m", "mzx", "mzxw6y", "my======", "mz", "m1", "my!"}) {
    BOOST_TEST(!base32_decode(bad).ok(), bad);
  }
}

BOOST_AUTO_TEST_CASE(b32_address_of_hash) {
  Bytes hash(32, 0);
  BOOST_TEST(b32_address(hash) == std::string(52, 'a') + ".b32.i2p");
}

BOOST_AUTO_TEST_CASE(random_round_trips) {
  std::mt19937 rng(12345);
  for (size_t len = 0; len < 100; ++len) {
    Bytes in(len);
    for (auto& x : in) x = uint8_t(rng());
    auto d64 = base64_decode(base64_encode(in));
    BOOST_REQUIRE(d64.ok());
    BOOST_TEST(*d64 == in);
    BOOST_TEST(base64_encode(in).size() == (len + 2) / 3 * 4);
    auto d32 = base32_decode(base32_encode(in));
    BOOST_REQUIRE(d32.ok());
    BOOST_TEST(*d32 == in);
  }
}
