#define BOOST_TEST_MODULE nat_codec
#include <boost/test/unit_test.hpp>

#include "transport/nat/nonce_filter.hpp"
#include "transport/nat/oos_packet.hpp"
#include "transport/nat/signing.hpp"

using namespace ssu2;
using namespace ssu2::nat;

namespace {
ByteArray<32> key(uint8_t v) { ByteArray<32> k; k.fill(v); return k; }

wire::LongHeader header(uint8_t type, uint32_t nonce) {
  wire::LongHeader h;
  h.type = type;
  h.dest_conn_id = nonce_conn_id(nonce);
  h.src_conn_id = ~nonce_conn_id(nonce);
  h.packet_number = 0x01020304;
  h.token = 99;
  return h;
}

wire::PeerTestBlock pt(uint8_t msg) {
  wire::PeerTestBlock b;
  b.msg = msg;
  b.signed_data = wire::PeerTestBlock::make_signed_data(2, 42, 1000, ssu2::Address::v4(1, 2, 3, 4, 5555));
  return b;
}
}  // namespace

BOOST_AUTO_TEST_CASE(conn_id_from_nonce) {
  BOOST_CHECK_EQUAL(nonce_conn_id(0x11223344), 0x1122334411223344ull);
}

BOOST_AUTO_TEST_CASE(oos_round_trip_and_rejections) {
  std::vector<wire::Block> blocks{wire::DateTimeBlock{1000},
                                  wire::AddressBlock{ssu2::Address::v4(9, 9, 9, 9, 99)}, pt(7)};
  auto pkt = seal_oos_packet(header(7, 42), blocks, key(1));
  BOOST_REQUIRE(pkt.ok());
  auto o = open_oos_packet(*pkt, key(1), 2);
  BOOST_REQUIRE(o.ok());
  BOOST_CHECK(o->header == header(7, 42));
  BOOST_CHECK_EQUAL(*o->datetime, 1000u);
  BOOST_CHECK(*o->address == ssu2::Address::v4(9, 9, 9, 9, 99));
  BOOST_CHECK(*o->peer_test == pt(7));
  // Wrong key, wrong net ID, flipped byte, truncations: clean errors.
  BOOST_CHECK(open_oos_packet(*pkt, key(2), 2).error().code != Errc::ok);
  BOOST_CHECK(!open_oos_packet(*pkt, key(1), 3).ok());
  for (size_t i = 0; i < pkt->size(); i += 7) {
    Bytes bad = *pkt;
    bad[i] ^= 0x40;
    BOOST_CHECK(!open_oos_packet(bad, key(1), 2).ok());
  }
  for (size_t n = 0; n < pkt->size(); ++n)
    BOOST_CHECK(!open_oos_packet(ByteSpan(pkt->data(), n), key(1), 2).ok());
  // Not a NAT type.
  BOOST_CHECK(!seal_oos_packet(header(0, 1), blocks, key(1)).ok());
  // A repeated block is malformed.
  std::vector<wire::Block> twice{wire::DateTimeBlock{1}, wire::DateTimeBlock{2}, pt(5)};
  auto p2 = seal_oos_packet(header(7, 1), twice, key(1));
  BOOST_REQUIRE(p2.ok());
  auto o2 = open_oos_packet(*p2, key(1), 2);
  BOOST_REQUIRE(!o2.ok());
  BOOST_CHECK(o2.error().code == Errc::malformed);
}

// docs/DEFECTS.md defect 10. Guards: NAT nonces have a filter of their own, keyed by kind and sender
// (the session's I2NP message-ID filter never sees them).
BOOST_AUTO_TEST_CASE(nonce_filter_remembers_and_forgets) {
  NonceFilter f(Millis{1000}, 3);
  crypto::Hash32 a{}, b{};
  b[0] = 1;
  using I = NonceFilter::Insert;
  BOOST_CHECK(f.insert(TimePoint{Millis{0}}, NonceKind::RelayBob, a, 1) == I::fresh);
  BOOST_CHECK(f.insert(TimePoint{Millis{10}}, NonceKind::RelayBob, a, 1) == I::replay);
  // Different sender or kind: a different nonce space.
  BOOST_CHECK(f.insert(TimePoint{Millis{10}}, NonceKind::RelayBob, b, 1) == I::fresh);
  BOOST_CHECK(f.insert(TimePoint{Millis{10}}, NonceKind::PeerTestBob, a, 1) == I::fresh);
  BOOST_CHECK(f.insert(TimePoint{Millis{10}}, NonceKind::PeerTestBob, a, 2) == I::full);
  // One rotation later still remembered, two later forgotten.
  BOOST_CHECK(f.insert(TimePoint{Millis{1500}}, NonceKind::RelayBob, a, 1) == I::replay);
  BOOST_CHECK(f.insert(TimePoint{Millis{2600}}, NonceKind::RelayBob, a, 1) == I::fresh);
}

BOOST_AUTO_TEST_CASE(signed_messages_have_spec_layout) {
  crypto::Hash32 bh{}, ah{};
  bh.fill(0xbb);
  ah.fill(0xaa);
  Bytes data{1, 2, 3};
  auto m = peer_test_message(bh, &ah, data);
  BOOST_REQUIRE_EQUAL(m.size(), 16u + 32 + 32 + 3);
  BOOST_CHECK(std::string(m.begin(), m.begin() + 16) == "PeerTestValidate");
  BOOST_CHECK_EQUAL(m[16], 0xbb);
  BOOST_CHECK_EQUAL(m[48], 0xaa);
  BOOST_CHECK_EQUAL(m.back(), 3);
  BOOST_CHECK_EQUAL(peer_test_message(bh, nullptr, data).size(), 16u + 32 + 3);
  auto r = relay_request_message(bh, ah, data);
  BOOST_CHECK(std::string(r.begin(), r.begin() + 16) == "RelayRequestData");
  auto s = relay_response_message(bh, data);
  BOOST_CHECK(std::string(s.begin(), s.begin() + 16) == "RelayAgreementOK");
  BOOST_CHECK_EQUAL(s.size(), 16u + 32 + 3);
  crypto::Key32 priv;
  priv.bytes.fill(7);
  auto pub = *crypto::ed25519_public(priv);
  auto sig = sign(priv, m);
  BOOST_REQUIRE(sig.ok());
  BOOST_CHECK(verify(pub, m, *sig));
  BOOST_CHECK(!verify(pub, s, *sig));
  BOOST_CHECK(!verify(pub, m, ByteSpan(sig->data(), 63)));
}
