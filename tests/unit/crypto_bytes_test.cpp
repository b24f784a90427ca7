#define BOOST_TEST_MODULE crypto_bytes
#include <boost/test/unit_test.hpp>

#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"

using namespace ssu2;

BOOST_AUTO_TEST_CASE(reader_stops_at_end_and_stays_failed) {
  Bytes b{1, 2, 3};
  Reader r(b);
  BOOST_TEST(r.u16() == 0x0102);
  BOOST_TEST(r.u16() == 0);  // only one byte left
  BOOST_TEST(!r.ok());
  BOOST_TEST(r.u8() == 0);
  BOOST_TEST(r.remaining() == 0u);
}

BOOST_AUTO_TEST_CASE(writer_and_endianness_round_trip) {
  Bytes b;
  Writer w(b);
  w.u8(0xab); w.u16(0x1234); w.u32(0xdeadbeef); w.u64(0x0102030405060708ull);
  BOOST_TEST(to_hex(b) == "ab1234deadbeef0102030405060708");
  Reader r(b);
  BOOST_TEST(r.u8() == 0xab);
  BOOST_TEST(r.u16() == 0x1234);
  BOOST_TEST(r.u32() == 0xdeadbeefu);
  BOOST_TEST(r.u64() == 0x0102030405060708ull);
  BOOST_TEST(r.ok());
  uint8_t le[8];
  store_le64(le, 0x0102030405060708ull);
  BOOST_TEST(le[0] == 8);
  BOOST_TEST(load_le64(le) == 0x0102030405060708ull);
}

BOOST_AUTO_TEST_CASE(hex_rejects_bad_digits) {
  BOOST_TEST(from_hex("0g").empty());
  BOOST_TEST(from_hex("abc").empty());
  BOOST_TEST(to_hex(from_hex("00ff7f")) == "00ff7f");
}

BOOST_AUTO_TEST_CASE(result_carries_error) {
  Result<int> r(Errc::truncated, "len");
  BOOST_TEST(!r.ok());
  BOOST_TEST(r.error().code == Errc::truncated);
  BOOST_TEST(to_string(r.error().code) == "truncated");
  Result<int> v(5);
  BOOST_TEST(*v == 5);
}
