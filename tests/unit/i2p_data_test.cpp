#define BOOST_TEST_MODULE i2p_data
#include <boost/test/unit_test.hpp>

#include "transport/i2p/data.hpp"

using namespace ssu2;
using namespace ssu2::i2p;

BOOST_AUTO_TEST_CASE(integer_round_trip_and_bounds) {
  for (size_t len = 1; len <= 8; ++len) {
    const uint64_t v = len == 8 ? 0x0102030405060708ull : (uint64_t(1) << (8 * len)) - 2;
    Bytes out;
    Writer w(out);
    BOOST_REQUIRE(write_integer(w, v, len).ok());
    BOOST_TEST(out.size() == len);
    Reader r(out);
    auto got = read_integer(r, len);
    BOOST_REQUIRE(got.ok());
    BOOST_TEST(*got == v);
  }
  Bytes out;
  Writer w(out);
  BOOST_TEST(write_integer(w, 0x1234, 2).ok());
  BOOST_TEST(to_hex(out) == "1234");
  BOOST_TEST(write_integer(w, 0x10000, 2).error().code == Errc::oversized);
  BOOST_TEST(!write_integer(w, 1, 0).ok());
  BOOST_TEST(!write_integer(w, 1, 9).ok());
  const Bytes three{1, 2, 3};
  Reader r(three);
  BOOST_TEST(read_integer(r, 4).error().code == Errc::truncated);
}

BOOST_AUTO_TEST_CASE(date_is_8_byte_ms) {
  Bytes out;
  Writer w(out);
  write_date(w, 1700000000123ull);
  BOOST_TEST(to_hex(out) == "0000018bcfe5687b");
  Reader r(out);
  BOOST_TEST(*read_date(r) == 1700000000123ull);
}

BOOST_AUTO_TEST_CASE(string_round_trip_and_limits) {
  Bytes out;
  Writer w(out);
  BOOST_REQUIRE(write_string(w, "SSU2").ok());
  BOOST_TEST(to_hex(out) == "0453535532");
  BOOST_REQUIRE(write_string(w, std::string(255, 'x')).ok());
  BOOST_TEST(write_string(w, std::string(256, 'x')).error().code == Errc::oversized);
  Reader r(out);
  BOOST_TEST(*read_string(r) == "SSU2");
  BOOST_TEST(*read_string(r) == std::string(255, 'x'));
  BOOST_TEST(r.empty());

  const Bytes empty_str{0x00};
  Reader r0(empty_str);
  BOOST_TEST(read_string(r0)->empty());
  const Bytes short_str{0x05, 'a', 'b'};
  Reader r1(short_str);
  BOOST_TEST(read_string(r1).error().code == Errc::truncated);
  Reader r2(ByteSpan{});
  BOOST_TEST(read_string(r2).error().code == Errc::truncated);
}

BOOST_AUTO_TEST_CASE(mapping_written_sorted) {
  Mapping m;
  m.set("b", "2");
  m.set("a", "1");
  m.set("B", "x");  // 'B' (0x42) sorts before 'a' (0x61), as in Java's compareTo
  auto enc = encode_mapping(m);
  BOOST_REQUIRE(enc.ok());
  BOOST_TEST(to_hex(*enc) == "0012" "01423d01783b" "01613d01313b" "01623d01323b");
  auto dec = decode_mapping(*enc);
  BOOST_REQUIRE(dec.ok());
  BOOST_TEST((*dec == m));
  BOOST_TEST(*dec->get("a") == "1");
  BOOST_TEST(dec->get("c") == nullptr);
}

BOOST_AUTO_TEST_CASE(mapping_empty_and_special_chars) {
  auto e = decode_mapping(Bytes{0, 0});
  BOOST_REQUIRE(e.ok());
  BOOST_TEST(e->empty());
  // '=' and ';' inside strings are legal: the lengths delimit them.
  Mapping m;
  m.set("k=;", "v;=");
  m.set("", "");
  auto enc = encode_mapping(m);
  BOOST_REQUIRE(enc.ok());
  auto dec = decode_mapping(*enc);
  BOOST_REQUIRE(dec.ok());
  BOOST_TEST((*dec == m));
}

BOOST_AUTO_TEST_CASE(mapping_unsorted_input_accepted) {
  // "b=2;a=1;": unsorted on the wire is parsed (signatures are checked on raw bytes).
  auto dec = decode_mapping(from_hex("000c" "01623d01323b" "01613d01313b"));
  BOOST_REQUIRE(dec.ok());
  BOOST_TEST(dec->size() == 2u);
}

BOOST_AUTO_TEST_CASE(mapping_malformed) {
  struct Case { const char* hex; Errc code; };
  const Case cases[] = {
      {"", Errc::truncated},
      {"00", Errc::truncated},
      {"0006" "01613d", Errc::truncated},                  // size says 6, only 3 follow
      {"000c" "01613d01313b" "01613d01323b", Errc::malformed},  // duplicate key
      {"0006" "01613a01313b", Errc::malformed},            // ':' instead of '='
      {"0006" "01613d01312c", Errc::malformed},            // ',' instead of ';'
      {"0005" "01613d0131" "3b", Errc::malformed},         // size cuts the ';' off
      {"0004" "01613d05" "31313131313b", Errc::malformed}, // value runs past size
      {"0003" "05616263", Errc::malformed},                // key runs past size
  };
  for (const auto& c : cases) {
    const Bytes in = from_hex(c.hex);
    auto r = decode_mapping(in);
    BOOST_TEST(!r.ok(), c.hex);
    if (!r.ok()) BOOST_TEST(r.error().code == c.code, c.hex);
  }
  // Trailing bytes after a complete mapping.
  BOOST_TEST(decode_mapping(from_hex("0000ff")).error().code == Errc::malformed);
}

BOOST_AUTO_TEST_CASE(mapping_truncated_at_every_length) {
  Mapping m;
  m.set("host", "127.0.0.1");
  m.set("port", "23456");
  const Bytes enc = *encode_mapping(m);
  for (size_t n = 0; n < enc.size(); ++n) {
    auto r = decode_mapping(ByteSpan(enc).first(n));
    BOOST_TEST(!r.ok(), "length " << n);
  }
}

BOOST_AUTO_TEST_CASE(mapping_size_limits) {
  Mapping big_value;
  big_value.set("k", std::string(256, 'v'));
  BOOST_TEST(encode_mapping(big_value).error().code == Errc::oversized);
  Mapping big_key;
  big_key.set(std::string(256, 'k'), "v");
  BOOST_TEST(encode_mapping(big_key).error().code == Errc::oversized);
  // 256 entries of 4+3+255 = 262 bytes: 67072 > 65535.
  Mapping huge;
  for (int i = 0; i < 256; ++i) {
    char key[4];
    std::snprintf(key, sizeof key, "%03d", i);
    huge.set(key, std::string(255, 'v'));
  }
  BOOST_TEST(encode_mapping(huge).error().code == Errc::oversized);
  // 250 of them fit: 65500 bytes.
  Mapping fits;
  for (int i = 0; i < 250; ++i) {
    char key[4];
    std::snprintf(key, sizeof key, "%03d", i);
    fits.set(key, std::string(255, 'v'));
  }
  auto enc = encode_mapping(fits);
  BOOST_REQUIRE(enc.ok());
  BOOST_TEST(enc->size() == 2u + 65500u);
  BOOST_TEST((*decode_mapping(*enc) == fits));
}

BOOST_AUTO_TEST_CASE(decimal_parsing) {
  BOOST_TEST(*parse_decimal("0", 10) == 0u);
  BOOST_TEST(*parse_decimal("65535", 65535) == 65535u);
  BOOST_TEST(!parse_decimal("65536", 65535));
  BOOST_TEST(!parse_decimal("", 10));
  BOOST_TEST(!parse_decimal("-1", 10));
  BOOST_TEST(!parse_decimal("1a", 100));
  BOOST_TEST(!parse_decimal("5", 0));
  BOOST_TEST(*parse_decimal("4294967295", 0xffffffffu) == 0xffffffffu);
  BOOST_TEST(!parse_decimal("99999999999999999999", UINT64_MAX));
}
