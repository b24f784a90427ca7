#define BOOST_TEST_MODULE i2p_i2np
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>

#include "transport/i2p/gzip.hpp"
#include "transport/i2p/i2np.hpp"
#include "transport/i2p/router_keys.hpp"

using namespace ssu2;
using namespace ssu2::i2p;

namespace {

Message sample() {
  Message m;
  m.type = MessageType::Data;
  m.msg_id = 0x01020304;
  m.expiration_ms = 1700000000123ull;
  m.payload = from_hex("deadbeef");
  return m;
}

Bytes load_fixture() {
  std::ifstream in(std::string(SSU2_TEST_FIXTURES) + "/i2pd-2.45.1-router.info", std::ios::binary);
  BOOST_REQUIRE(in.good());
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

BOOST_AUTO_TEST_CASE(type_numbers_match_spec) {
  BOOST_TEST(int(MessageType::DatabaseStore) == 1);
  BOOST_TEST(int(MessageType::DatabaseLookup) == 2);
  BOOST_TEST(int(MessageType::DatabaseSearchReply) == 3);
  BOOST_TEST(int(MessageType::DeliveryStatus) == 10);
  BOOST_TEST(int(MessageType::Garlic) == 11);
  BOOST_TEST(int(MessageType::TunnelData) == 18);
  BOOST_TEST(int(MessageType::TunnelGateway) == 19);
  BOOST_TEST(int(MessageType::Data) == 20);
  BOOST_TEST(int(MessageType::TunnelBuild) == 21);
  BOOST_TEST(int(MessageType::TunnelBuildReply) == 22);
  BOOST_TEST(int(MessageType::VariableTunnelBuild) == 23);
  BOOST_TEST(int(MessageType::VariableTunnelBuildReply) == 24);
  BOOST_TEST(int(MessageType::ShortTunnelBuild) == 25);
  BOOST_TEST(int(MessageType::OutboundTunnelBuildReply) == 26);
  BOOST_TEST(is_known_type(26));
  BOOST_TEST(!is_known_type(0));
  BOOST_TEST(!is_known_type(4));
  BOOST_TEST(!is_known_type(27));
  BOOST_TEST(to_string(MessageType::Garlic) == "Garlic");
}

BOOST_AUTO_TEST_CASE(short_header_known_bytes_and_round_trip) {
  auto enc = encode_short(sample());
  BOOST_REQUIRE(enc.ok());
  // 1700000000123 ms -> 1700000000 s = 0x6553f100.
  BOOST_TEST(to_hex(*enc) == "14" "01020304" "6553f100" "deadbeef");
  auto dec = decode_short(*enc);
  BOOST_REQUIRE(dec.ok());
  BOOST_TEST(int(dec->type) == 20);
  BOOST_TEST(dec->msg_id == 0x01020304u);
  BOOST_TEST(dec->expiration_ms == 1700000000000ull);  // rounded down to seconds
  BOOST_TEST(dec->payload == from_hex("deadbeef"));
}

BOOST_AUTO_TEST_CASE(short_header_message_id_alone) {
  const Bytes enc = *encode_short(sample());
  BOOST_TEST(short_message_id(enc).value_or(0) == 0x01020304u);
  BOOST_TEST(short_message_id(ByteSpan(enc).first(kShortHeaderLen)).value_or(0) == 0x01020304u);
  for (size_t n = 0; n < kShortHeaderLen; ++n) BOOST_TEST(!short_message_id(ByteSpan(enc).first(n)));
}

BOOST_AUTO_TEST_CASE(short_header_errors) {
  const Bytes enc = *encode_short(sample());
  for (size_t n = 0; n < kShortHeaderLen; ++n)
    BOOST_TEST(decode_short(ByteSpan(enc).first(n)).error().code == Errc::truncated);
  auto empty_payload = decode_short(ByteSpan(enc).first(kShortHeaderLen));
  BOOST_REQUIRE(empty_payload.ok());
  BOOST_TEST(empty_payload->payload.empty());
  Bytes type0 = enc;
  type0[0] = 0;
  BOOST_TEST(decode_short(type0).error().code == Errc::malformed);
  Message far = sample();
  far.expiration_ms = (uint64_t(1) << 32) * 1000;
  BOOST_TEST(encode_short(far).error().code == Errc::oversized);
}

BOOST_AUTO_TEST_CASE(standard_header_known_bytes_and_round_trip) {
  auto enc = encode_standard(sample());
  BOOST_REQUIRE(enc.ok());
  // SHA-256("\xde\xad\xbe\xef") = 5f78c33274e43fa9de5659265c1d917e25c03722dcb0b8d27db8d5feaa813953
  BOOST_TEST(to_hex(*enc) == "14" "01020304" "0000018bcfe5687b" "0004" "5f" "deadbeef");
  auto dec = decode_standard(*enc);
  BOOST_REQUIRE(dec.ok());
  BOOST_TEST((*dec == sample()));
}

BOOST_AUTO_TEST_CASE(standard_header_errors) {
  const Bytes enc = *encode_standard(sample());
  for (size_t n = 0; n < enc.size(); ++n)
    BOOST_TEST(decode_standard(ByteSpan(enc).first(n)).error().code == Errc::truncated, n);
  Bytes bad_sum = enc;
  bad_sum[15] ^= 1;
  BOOST_TEST(decode_standard(bad_sum).error().code == Errc::malformed);
  Bytes bad_payload = enc;
  bad_payload[16] ^= 1;
  BOOST_TEST(decode_standard(bad_payload).error().code == Errc::malformed);
  Bytes longer = enc;
  longer.push_back(0);
  BOOST_TEST(decode_standard(longer).error().code == Errc::malformed);
  Bytes size_too_big = enc;
  size_too_big[14] = 5;  // says 5 bytes, 4 follow
  BOOST_TEST(decode_standard(size_too_big).error().code == Errc::truncated);
  Message huge = sample();
  huge.payload.assign(65536, 0);
  BOOST_TEST(encode_standard(huge).error().code == Errc::oversized);
  huge.payload.resize(65535);
  BOOST_TEST(encode_standard(huge).ok());
}

BOOST_AUTO_TEST_CASE(standard_messages_back_to_back) {
  Bytes stream = *encode_standard(sample());
  Message second = sample();
  second.type = MessageType::Garlic;
  second.payload.clear();
  const Bytes enc2 = *encode_standard(second);
  stream.insert(stream.end(), enc2.begin(), enc2.end());
  Reader r(stream);
  auto a = read_standard(r);
  auto b = read_standard(r);
  BOOST_REQUIRE(a.ok());
  BOOST_REQUIRE(b.ok());
  BOOST_TEST((*a == sample()));
  BOOST_TEST((*b == second));
  BOOST_TEST(r.empty());
}

BOOST_AUTO_TEST_CASE(database_store_round_trip) {
  auto ri = RouterInfo::parse(load_fixture());
  BOOST_REQUIRE(ri.ok());
  auto m = make_database_store(*ri, 77, 1700000000000ull);
  BOOST_REQUIRE(m.ok());
  BOOST_TEST(int(m->type) == 1);
  // key(32) type(1)=0 reply token(4)=0 length(2) gzip...
  BOOST_TEST(to_hex(ByteSpan(m->payload).first(32)) == to_hex(ri->hash()));
  BOOST_TEST(to_hex(ByteSpan(m->payload).subspan(32, 5)) == "0000000000");
  BOOST_TEST(load_be16(&m->payload[37]) == m->payload.size() - 39);
  BOOST_TEST(to_hex(ByteSpan(m->payload).subspan(39, 2)) == "1f8b");

  auto ds = parse_database_store(m->payload);
  BOOST_REQUIRE(ds.ok());
  BOOST_TEST(ds->key == ri->hash());
  BOOST_TEST(ds->reply_token == 0u);
  BOOST_TEST(ds->router_info.verify());
  BOOST_TEST(ds->router_info.bytes() == ri->bytes());

  // Through the SSU2 short header and back.
  auto wire = encode_short(*m);
  BOOST_REQUIRE(wire.ok());
  auto back = decode_short(*wire);
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(parse_database_store(back->payload).ok());
}

BOOST_AUTO_TEST_CASE(database_store_errors) {
  auto ri = RouterInfo::parse(load_fixture());
  BOOST_REQUIRE(ri.ok());
  const Bytes p = make_database_store(*ri, 1, 0)->payload;
  for (size_t n = 0; n < p.size(); ++n) BOOST_TEST(!parse_database_store(ByteSpan(p).first(n)).ok(), n);
  Bytes wrong_key = p;
  wrong_key[0] ^= 1;
  BOOST_TEST(parse_database_store(wrong_key).error().code == Errc::malformed);
  Bytes leaseset = p;
  leaseset[32] = 3;
  BOOST_TEST(parse_database_store(leaseset).error().code == Errc::unsupported);
  Bytes trailing = p;
  trailing.push_back(0);
  BOOST_TEST(parse_database_store(trailing).error().code == Errc::malformed);

  // With a reply token, the tunnel id and gateway hash (36 bytes) precede the data.
  Bytes with_reply(p.begin(), p.begin() + 33);
  Writer w(with_reply);
  w.u32(5);
  w.zeros(36);
  w.bytes(ByteSpan(p).subspan(37));
  auto ds = parse_database_store(with_reply);
  BOOST_REQUIRE(ds.ok());
  BOOST_TEST(ds->reply_token == 5u);

  // A gzip bomb in place of the RouterInfo is refused by the size bound.
  const Bytes bomb = *gzip_compress(Bytes(1 << 20, 0));
  Bytes bombed(p.begin(), p.begin() + 37);
  Writer wb(bombed);
  wb.u16(uint16_t(bomb.size()));
  wb.bytes(bomb);
  BOOST_TEST(parse_database_store(bombed).error().code == Errc::oversized);
}

BOOST_AUTO_TEST_CASE(delivery_status_round_trip) {
  const Message m = make_delivery_status(0xa1b2c3d4, 1700000000123ull, 9, 1700000010000ull);
  BOOST_TEST(int(m.type) == 10);
  BOOST_TEST(to_hex(m.payload) == "a1b2c3d4" "0000018bcfe5687b");
  auto d = parse_delivery_status(m.payload);
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(d->msg_id == 0xa1b2c3d4u);
  BOOST_TEST(d->timestamp_ms == 1700000000123ull);
  for (size_t n = 0; n < m.payload.size(); ++n)
    BOOST_TEST(parse_delivery_status(ByteSpan(m.payload).first(n)).error().code == Errc::truncated);
  Bytes longer = m.payload;
  longer.push_back(0);
  BOOST_TEST(parse_delivery_status(longer).error().code == Errc::malformed);
}
