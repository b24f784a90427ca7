#define BOOST_TEST_MODULE wire_header
#include <boost/test/unit_test.hpp>

#include <random>

#include "transport/ssu2/header.hpp"

using namespace ssu2;
using namespace ssu2::wire;

namespace {

crypto::Key32 key_from(uint8_t start) {
  ByteArray<32> k{};
  for (size_t i = 0; i < k.size(); ++i) k[i] = uint8_t(start + i);
  return crypto::Key32(k);
}

// A packet of `len` bytes: header bytes from `header`, the rest deterministic pseudo-random
// "ciphertext" (seeded).
Bytes make_packet(ByteSpan header, size_t len, uint32_t seed) {
  Bytes p(len);
  std::mt19937 rng(seed);
  for (auto& b : p) b = uint8_t(rng());
  std::copy(header.begin(), header.end(), p.begin());
  return p;
}

// ChaCha20 keystream computed straight from the crypto wrapper (independent of header.cpp).
Bytes keystream(const crypto::Key32& k, const uint8_t* iv_src, size_t n) {
  ByteArray<12> iv{};
  if (iv_src) std::memcpy(iv.data(), iv_src, 12);
  Bytes ks(n, 0);
  BOOST_REQUIRE(crypto::chacha20_xor(k, iv, ks.data(), ks.size(), 1).ok());
  return ks;
}

ShortHeader sample_data_header() {
  ShortHeader h;
  h.dest_conn_id = 0x0102030405060708ull;
  h.packet_number = 0x0a0b0c0d;
  h.type = uint8_t(MessageType::Data);
  h.set_immediate_ack(true);
  return h;
}

LongHeader sample_long(MessageType t) {
  LongHeader h;
  h.dest_conn_id = 0x1111222233334444ull;
  h.packet_number = 0xdeadbeef;
  h.type = uint8_t(t);
  h.src_conn_id = 0x5555666677778888ull;
  h.token = 0x99aabbccddeeff00ull;
  return h;
}

}  // namespace

BOOST_AUTO_TEST_CASE(type_classification) {
  for (int t : {0, 1, 7, 9, 10, 11}) BOOST_TEST(uses_long_header(uint8_t(t)));
  for (int t : {2, 6, 3, 4, 5, 8, 12, 255}) BOOST_TEST(!uses_long_header(uint8_t(t)));
  BOOST_TEST(is_known_type(2));
  BOOST_TEST(is_known_type(6));
  BOOST_TEST(!is_known_type(3));
  BOOST_TEST(has_ephemeral_key(0));
  BOOST_TEST(has_ephemeral_key(1));
  BOOST_TEST(!has_ephemeral_key(9));
  BOOST_TEST(kMinPacketLen == 40u);
  BOOST_TEST(kMinLongPacketLen == 56u);
  BOOST_TEST(kMinHandshakePacketLen == 88u);
}

// Byte layout from the spec drawings, written out by hand.
BOOST_AUTO_TEST_CASE(short_header_fixed_layout) {
  auto bytes = encode(sample_data_header());
  BOOST_TEST(to_hex(bytes) == "0102030405060708" "0a0b0c0d" "06" "01" "0000");
  auto h = decode_short(bytes);
  BOOST_REQUIRE(h.ok());
  BOOST_TEST(h->dest_conn_id == 0x0102030405060708ull);
  BOOST_TEST(h->packet_number == 0x0a0b0c0du);
  BOOST_TEST(h->type == 6);
  BOOST_TEST(h->immediate_ack());
  BOOST_TEST((*h == sample_data_header()));

  ShortHeader c;
  c.type = uint8_t(MessageType::SessionConfirmed);
  c.set_confirmed_fragment(1, 2);
  BOOST_TEST(encode(c)[13] == 0x12);
  BOOST_TEST(c.confirmed_fragment_number() == 1);
  BOOST_TEST(c.confirmed_total_fragments() == 2);
}

BOOST_AUTO_TEST_CASE(long_header_fixed_layout) {
  auto bytes = encode(sample_long(MessageType::Retry));
  BOOST_TEST(to_hex(bytes) ==
             "1111222233334444" "deadbeef" "09" "02" "02" "00"
             "5555666677778888" "99aabbccddeeff00");
  auto h = decode_long(bytes);
  BOOST_REQUIRE(h.ok());
  BOOST_TEST((*h == sample_long(MessageType::Retry)));
  BOOST_TEST(validate_long(*h).ok());
  auto bad = *h;
  bad.version = 1;
  BOOST_TEST(validate_long(bad).error().code == Errc::unsupported);
  bad = *h;
  bad.net_id = 99;
  BOOST_TEST(!validate_long(bad).ok());
  BOOST_TEST(validate_long(bad, 99).ok());
  bad = *h;
  bad.type = 6;
  BOOST_TEST(!validate_long(bad).ok());
}

BOOST_AUTO_TEST_CASE(decode_truncated) {
  Bytes b(31, 0);
  for (size_t n = 0; n < 16; ++n) BOOST_TEST(!decode_short(ByteSpan(b.data(), n)).ok());
  for (size_t n = 0; n < 32; ++n) BOOST_TEST(!decode_long(ByteSpan(b.data(), n)).ok());
  BOOST_TEST(decode_short(ByteSpan(b.data(), 16)).ok());
  BOOST_TEST(decode_long(ByteSpan(b.data(), 31)).error().code == Errc::truncated);
}

// Known answer from RFC 8439 appendix A.1 test vector #2 (all-zero key and nonce, counter 1,
// the counter i2pd and Java I2P use for header protection):
// with zero keys and a zero tail both masks are the first 8 keystream bytes, and the long
// header tail + ephemeral key are XORed with keystream bytes 0..47 in one pass.
BOOST_AUTO_TEST_CASE(protection_known_answer_zero_key) {
  const crypto::Key32 zero;
  auto hdr = encode(sample_long(MessageType::SessionRequest));
  Bytes packet(100, 0);
  std::copy(hdr.begin(), hdr.end(), packet.begin());  // ephemeral key bytes 32..63 are 0
  Bytes plain = packet;
  BOOST_REQUIRE(protect_long(packet, zero, zero).ok());
  const Bytes ks = from_hex(
      "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
      "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f");
  for (size_t i = 0; i < 8; ++i) {
    BOOST_TEST(packet[i] == uint8_t(plain[i] ^ ks[i]));
    BOOST_TEST(packet[8 + i] == uint8_t(plain[8 + i] ^ ks[i]));
  }
  for (size_t i = 16; i < 64; ++i) BOOST_TEST(packet[i] == uint8_t(plain[i] ^ ks[i - 16]));
  for (size_t i = 64; i < packet.size(); ++i) BOOST_TEST(packet[i] == 0);
}

// The masks come from the right 12-byte slices: k_header_1 with packet[len-24, len-12),
// k_header_2 with packet[len-12, len).
BOOST_AUTO_TEST_CASE(short_protection_uses_spec_iv_slices) {
  auto k1 = key_from(0x10), k2 = key_from(0x80);
  auto hdr = encode(sample_data_header());
  Bytes packet = make_packet(hdr, 77, 1);
  const Bytes plain = packet;
  BOOST_REQUIRE(protect_short(packet, k1, k2).ok());
  auto m1 = keystream(k1, plain.data() + plain.size() - 24, 8);
  auto m2 = keystream(k2, plain.data() + plain.size() - 12, 8);
  for (size_t i = 0; i < 8; ++i) {
    BOOST_TEST(packet[i] == uint8_t(plain[i] ^ m1[i]));
    BOOST_TEST(packet[8 + i] == uint8_t(plain[8 + i] ^ m2[i]));
  }
  BOOST_TEST(std::equal(packet.begin() + 16, packet.end(), plain.begin() + 16));

  auto h = unprotect_short(packet, k1, k2);
  BOOST_REQUIRE(h.ok());
  BOOST_TEST((*h == sample_data_header()));
  BOOST_TEST((packet == plain));
}

BOOST_AUTO_TEST_CASE(long_protection_round_trip_and_tail_length) {
  auto k1 = key_from(0x01), k2 = key_from(0x41);
  // Retry: only 16..31 encrypted with k2 / zero nonce.
  {
    auto hdr = encode(sample_long(MessageType::Retry));
    Bytes packet = make_packet(hdr, 56, 2);
    const Bytes plain = packet;
    BOOST_REQUIRE(protect_long(packet, k1, k2).ok());
    auto ks = keystream(k2, nullptr, 16);
    for (size_t i = 16; i < 32; ++i) BOOST_TEST(packet[i] == uint8_t(plain[i] ^ ks[i - 16]));
    BOOST_TEST(std::equal(packet.begin() + 32, packet.end(), plain.begin() + 32));
    auto h = unprotect_long(packet, k1, k2);
    BOOST_REQUIRE(h.ok());
    BOOST_TEST((*h == sample_long(MessageType::Retry)));
    BOOST_TEST((packet == plain));
  }
  // Session Created: 16..63 in one keystream.
  {
    auto hdr = encode(sample_long(MessageType::SessionCreated));
    Bytes packet = make_packet(hdr, 120, 3);
    const Bytes plain = packet;
    BOOST_REQUIRE(protect_long(packet, k1, k2).ok());
    auto ks = keystream(k2, nullptr, 48);
    for (size_t i = 16; i < 64; ++i) BOOST_TEST(packet[i] == uint8_t(plain[i] ^ ks[i - 16]));
    BOOST_TEST(std::equal(packet.begin() + 64, packet.end(), plain.begin() + 64));
    auto h = unprotect_long(packet, k1, k2);
    BOOST_REQUIRE(h.ok());
    BOOST_TEST(h->type == 1);
    BOOST_TEST((packet == plain));
  }
}

BOOST_AUTO_TEST_CASE(wrong_key_gives_other_connection_id) {
  auto k1 = key_from(0x20), k2 = key_from(0x60), wrong = key_from(0x21);
  auto hdr = encode(sample_data_header());
  Bytes packet = make_packet(hdr, 60, 4);
  BOOST_REQUIRE(protect_short(packet, k1, k2).ok());
  // The wire bytes do not show the plaintext ID.
  BOOST_TEST(load_be64(packet.data()) != sample_data_header().dest_conn_id);
  auto good = peek_dest_conn_id(packet, k1);
  BOOST_REQUIRE(good.ok());
  BOOST_TEST(*good == sample_data_header().dest_conn_id);
  auto bad = peek_dest_conn_id(packet, wrong);
  BOOST_REQUIRE(bad.ok());
  BOOST_TEST(*bad != sample_data_header().dest_conn_id);
  Bytes copy = packet;
  auto h = unprotect_short(copy, wrong, k2);
  BOOST_REQUIRE(h.ok());
  BOOST_TEST(h->dest_conn_id != sample_data_header().dest_conn_id);
}

BOOST_AUTO_TEST_CASE(peek_does_not_modify_and_reads_type) {
  auto k1 = key_from(0x05), k2 = key_from(0x99);
  auto hdr = encode(sample_long(MessageType::TokenRequest));
  Bytes packet = make_packet(hdr, 70, 5);
  BOOST_REQUIRE(protect_long(packet, k1, k2).ok());
  const Bytes wire = packet;
  auto h = peek_header(packet, k1, k2);
  BOOST_REQUIRE(h.ok());
  BOOST_TEST((packet == wire));
  BOOST_TEST(h->type == uint8_t(MessageType::TokenRequest));
  BOOST_TEST(h->dest_conn_id == 0x1111222233334444ull);
  BOOST_TEST(h->packet_number == 0xdeadbeefu);
  BOOST_TEST(h->flags[0] == kProtocolVersion);
  BOOST_TEST(h->flags[1] == kDefaultNetId);
  auto raw = peek_short(packet, k1, k2);
  BOOST_REQUIRE(raw.ok());
  BOOST_TEST(std::equal(raw->first16.begin(), raw->first16.end(), hdr.begin()));
  BOOST_TEST((packet == wire));
}

BOOST_AUTO_TEST_CASE(peek_short_then_apply_equals_unprotect_short) {
  auto k1 = key_from(0x21), k2 = key_from(0x42);
  ShortHeader sh;
  sh.dest_conn_id = 0x0102030405060708ull;
  sh.packet_number = 77;
  sh.type = uint8_t(MessageType::Data);
  sh.flags = {0x01, 0x00, 0x00};
  Bytes packet = make_packet(encode(sh), 60, 9);
  BOOST_REQUIRE(protect_short(packet, k1, k2).ok());
  Bytes a = packet, b = packet;
  auto peeked = peek_short(a, k1, k2);
  BOOST_REQUIRE(peeked.ok());
  BOOST_TEST((a == packet));  // peeking changes nothing
  peeked->apply(a);
  auto h = unprotect_short(b, k1, k2);
  BOOST_REQUIRE(h.ok());
  BOOST_TEST((a == b));
  BOOST_TEST(peeked->header.dest_conn_id == h->dest_conn_id);
  BOOST_TEST(peeked->header.packet_number == 77u);
  BOOST_TEST(peeked->header.type == h->type);
  BOOST_TEST(std::equal(peeked->header.flags.begin(), peeked->header.flags.end(), h->flags.begin()));
}

BOOST_AUTO_TEST_CASE(minimum_lengths_are_clean_errors) {
  auto k1 = key_from(1), k2 = key_from(2);
  for (size_t n = 0; n < 40; ++n) {
    Bytes p(n, 0xab);
    const Bytes before = p;
    BOOST_TEST(protect_short(p, k1, k2).error().code == Errc::truncated);
    BOOST_TEST(!unprotect_short(p, k1, k2).ok());
    BOOST_TEST(!peek_dest_conn_id(p, k1).ok());
    BOOST_TEST(!peek_header(p, k1, k2).ok());
    BOOST_TEST((p == before));
  }
  for (size_t n = 0; n < 56; ++n) {
    Bytes p(n, 0xab);
    BOOST_TEST(!protect_long(p, k1, k2).ok());
    BOOST_TEST(!unprotect_long(p, k1, k2).ok());
  }
  // Session Request needs 88 bytes; a 60-byte one is refused both ways and left untouched.
  auto hdr = encode(sample_long(MessageType::SessionRequest));
  for (size_t n : {56u, 60u, 87u}) {
    Bytes p = make_packet(hdr, n, 6);
    const Bytes before = p;
    BOOST_TEST(protect_long(p, k1, k2).error().code == Errc::truncated);
    BOOST_TEST((p == before));
  }
  {
    // Protect a valid 88-byte Session Request, then cut it: the unmasked type asks for 88.
    Bytes p = make_packet(hdr, 88, 7);
    BOOST_REQUIRE(protect_long(p, k1, k2).ok());
    BOOST_TEST(unprotect_long(p, k1, k2).ok());
  }
  Bytes forty(40, 0);
  BOOST_TEST(protect_short(forty, k1, k2).ok());
}

// Seeded random packets of every length through unprotect: never crash, errors are clean.
BOOST_AUTO_TEST_CASE(random_input_never_crashes) {
  std::mt19937 rng(42);
  auto k1 = key_from(7), k2 = key_from(9);
  for (size_t n = 0; n < 200; ++n) {
    Bytes p(n);
    for (auto& b : p) b = uint8_t(rng());
    Bytes q = p;
    (void)unprotect_short(p, k1, k2);
    auto r = unprotect_long(q, k1, k2);
    if (!r.ok()) BOOST_TEST((r.error().code == Errc::truncated));
  }
}
