#define BOOST_TEST_MODULE wire_blocks
#include <boost/test/unit_test.hpp>

#include <random>
#include <set>

#include "transport/ssu2/blocks.hpp"

using namespace ssu2;
using namespace ssu2::wire;

namespace {

Bytes seq(size_t n, uint8_t start = 1) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(start + i);
  return b;
}

std::array<uint8_t, 16> v6addr() {
  std::array<uint8_t, 16> a{};
  for (size_t i = 0; i < 16; ++i) a[i] = uint8_t(0x20 + i);
  return a;
}

// One instance of every block type (Padding last), with non-default field values.
std::vector<Block> every_block() {
  std::vector<Block> v;
  v.push_back(DateTimeBlock{1700000000});
  v.push_back(OptionsBlock{1, 2, 3, 4, 0x0506, 0x0708, 0x090a, 0x0b0c, seq(3)});
  v.push_back(RouterInfoBlock{kRouterInfoFlagFlood | kRouterInfoFlagGzip, 0x01, seq(50)});
  v.push_back(I2npBlock{19, 0xa1b2c3d4, 1700000060, seq(20)});
  v.push_back(FirstFragmentBlock{18, 0x01020304, 1700000061, seq(7)});
  v.push_back(FollowOnFragmentBlock{127, true, 0x01020304, seq(5)});
  {
    RelayRequestBlock b;
    b.nonce = 11; b.relay_tag = 22; b.timestamp = 33; b.version = 2;
    b.alice = ssu2::Address::v4(10, 0, 0, 1, 12345);
    b.signature = seq(64);
    v.push_back(b);
  }
  {
    RelayResponseBlock b;
    b.code = 0; b.nonce = 44; b.has_details = true; b.timestamp = 55; b.version = 2;
    b.charlie = ssu2::Address::v6(v6addr(), 4567);
    b.signature = seq(64, 9);
    b.token = 0x0102030405060708ull;
    v.push_back(b);
  }
  {
    RelayResponseBlock b;  // Bob reject with a signature but no Charlie endpoint
    b.code = 3; b.nonce = 45; b.has_details = true; b.timestamp = 56;
    b.charlie = ssu2::Address{{}, 0, 0};
    b.signature = seq(64, 7);
    v.push_back(b);
  }
  {
    RelayResponseBlock b;  // bare rejection
    b.code = 128; b.nonce = 46;
    v.push_back(b);
  }
  {
    RelayIntroBlock b;
    for (size_t i = 0; i < 32; ++i) b.alice_hash[i] = uint8_t(i * 3);
    b.nonce = 11; b.relay_tag = 22; b.timestamp = 33;
    b.alice = ssu2::Address::v6(v6addr(), 9999);
    b.signature = seq(64, 2);
    v.push_back(b);
  }
  {
    PeerTestBlock b;
    b.msg = 2; b.code = 0;
    b.hash = ByteArray<32>{};
    (*b.hash)[0] = 0xaa;
    b.signed_data = PeerTestBlock::make_signed_data(2, 0xcafebabe, 1700000001,
                                                    ssu2::Address::v4(1, 2, 3, 4, 5));
    b.signature = seq(64, 3);
    v.push_back(b);
  }
  {
    PeerTestBlock b;  // message 5: no hash, no signature
    b.msg = 5;
    b.signed_data = PeerTestBlock::make_signed_data(2, 1, 2, ssu2::Address::v6(v6addr(), 6));
    v.push_back(b);
  }
  v.push_back(NextNonceBlock{seq(4)});
  v.push_back(AckBlock{10, 2, {{1, 2}, {2, 3}}});
  v.push_back(AddressBlock{ssu2::Address::v4(192, 168, 0, 1, 8080)});
  v.push_back(AddressBlock{ssu2::Address::v6(v6addr(), 443)});
  v.push_back(RelayTagRequestBlock{});
  v.push_back(RelayTagBlock{0x11223344});
  v.push_back(NewTokenBlock{1700003600, 0xfeedfacecafebeefull});
  v.push_back(PathChallengeBlock{seq(8)});
  v.push_back(PathResponseBlock{seq(8)});
  v.push_back(FirstPacketNumberBlock{77});
  v.push_back(CongestionBlock{kCongestionFlagImmediateAck | kCongestionFlagEcn, {}});
  v.push_back(TerminationBlock{12345, TerminationReason::IdleTimeout, seq(2)});
  v.push_back(PaddingBlock{13});
  return v;
}

Bytes emit_ok(const std::vector<Block>& v) {
  auto r = emit_blocks(v);
  BOOST_REQUIRE_MESSAGE(r.ok(), std::string(r.ok() ? "" : r.error().what));
  return *r;
}

Errc parse_err(const Bytes& payload) {
  auto r = parse_blocks(payload);
  BOOST_REQUIRE(!r.ok());
  return r.error().code;
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_every_block_type) {
  auto blocks = every_block();
  std::set<uint8_t> types;
  size_t expected_len = 0;
  for (const auto& b : blocks) {
    types.insert(block_type(b));
    expected_len += encoded_size(b);
  }
  // All 22 defined types are present.
  BOOST_TEST(types.size() == 22u);
  Bytes payload = emit_ok(blocks);
  BOOST_TEST(payload.size() == expected_len);
  auto parsed = parse_blocks(payload);
  BOOST_REQUIRE(parsed.ok());
  BOOST_REQUIRE(parsed->size() == blocks.size());
  for (size_t i = 0; i < blocks.size(); ++i)
    BOOST_TEST((parsed->at(i) == blocks[i]), "block " << i << " type " << int(block_type(blocks[i])));
}

// Hand-written bytes following the spec drawings, so the layout cannot drift silently.
BOOST_AUTO_TEST_CASE(fixed_byte_layout) {
  std::vector<Block> v{
      DateTimeBlock{0x5f5e1000},
      AckBlock{10, 2, {{1, 2}, {2, 3}}},
      AddressBlock{ssu2::Address::v4(192, 168, 0, 1, 8080)},
      I2npBlock{0x13, 0x01020304, 0x0a0b0c0d, {0xee}},
      FollowOnFragmentBlock{3, true, 0x01020304, {0xdd}},
      NewTokenBlock{0x11223344, 0x0102030405060708ull},
      RelayTagRequestBlock{},
      CongestionBlock{0x01, {}},
      TerminationBlock{5, TerminationReason::TerminationReceived, {}},
      PaddingBlock{2},
  };
  const std::string expected =
      "00" "0004" "5f5e1000"
      "0c" "0009" "0000000a" "02" "0102" "0203"
      "0d" "0006" "1f90" "c0a80001"
      "03" "000a" "13" "01020304" "0a0b0c0d" "ee"
      "05" "0006" "07" "01020304" "dd"
      "11" "000c" "11223344" "0102030405060708"
      "0f" "0000"
      "15" "0001" "01"
      "06" "0009" "0000000000000005" "01"
      "fe" "0002" "0000";
  Bytes payload = emit_ok(v);
  BOOST_TEST(to_hex(payload) == expected);
  auto parsed = parse_blocks(from_hex(expected));
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST((*parsed == v));
}

BOOST_AUTO_TEST_CASE(peer_test_accessors) {
  PeerTestBlock b;
  b.msg = 1;
  b.signed_data = PeerTestBlock::make_signed_data(2, 0xcafebabe, 1700000001,
                                                  ssu2::Address::v4(1, 2, 3, 4, 0x1234));
  BOOST_TEST(to_hex(b.signed_data) == "02" "cafebabe" "6553f101" "06" "1234" "01020304");
  BOOST_TEST(b.version() == 2);
  BOOST_TEST(b.nonce() == 0xcafebabeu);
  BOOST_TEST(b.timestamp() == 1700000001u);
  BOOST_TEST((b.alice() == ssu2::Address::v4(1, 2, 3, 4, 0x1234)));
  // Message 1 with a hash cannot be emitted; message 2 without one neither.
  b.hash = ByteArray<32>{};
  BOOST_TEST(!emit_blocks({b}).ok());
  b.msg = 2;
  BOOST_TEST(emit_blocks({b}).ok());
  b.hash.reset();
  BOOST_TEST(!emit_blocks({b}).ok());
}

BOOST_AUTO_TEST_CASE(relay_signed_data_layout) {
  RelayRequestBlock b;
  b.nonce = 1; b.relay_tag = 2; b.timestamp = 3; b.version = 2;
  b.alice = ssu2::Address::v4(10, 0, 0, 1, 0x3039);
  BOOST_TEST(to_hex(b.signed_data()) == "00000001" "00000002" "00000003" "02" "06" "3039" "0a000001");
}

BOOST_AUTO_TEST_CASE(unknown_blocks_are_kept_and_skipped) {
  // reserved 14, experimental 224, reserved 255, then a DateTime after them.
  Bytes payload = from_hex("0e0002abcd" "e00000" "ff0001ee" "00000400000001");
  auto r = parse_blocks(payload);
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE(r->size() == 4u);
  auto* u = std::get_if<UnknownBlock>(&r->at(0));
  BOOST_REQUIRE(u);
  BOOST_TEST(u->type == 14);
  BOOST_TEST(to_hex(u->data) == "abcd");
  BOOST_TEST(std::get<UnknownBlock>(r->at(1)).type == 224);
  BOOST_TEST(std::get<UnknownBlock>(r->at(2)).type == 255);
  BOOST_TEST(std::get<DateTimeBlock>(r->at(3)).timestamp == 1u);
  // And they re-emit byte-identically.
  BOOST_TEST((emit_ok(*r) == payload));
}

BOOST_AUTO_TEST_CASE(empty_payload_and_padding_only) {
  auto r = parse_blocks({});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->empty());
  auto p = parse_blocks(from_hex("fe0000"));
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(std::get<PaddingBlock>(p->at(0)).length == 0);
}

BOOST_AUTO_TEST_CASE(malformed_payloads) {
  // size beyond payload
  BOOST_TEST((parse_err(from_hex("000005" "00000001")) == Errc::truncated));
  BOOST_TEST((parse_err(from_hex("00")) == Errc::truncated));
  BOOST_TEST((parse_err(from_hex("0000")) == Errc::truncated));
  // wrong fixed sizes
  for (const char* hex : {
           "000003" "000000",                     // DateTime 3
           "000005" "0000000000",                 // DateTime 5
           "01000b" "0000000000000000000000",     // Options 11
           "020001" "00",                         // RouterInfo 1
           "030008" "0000000000000000",           // I2NP 8
           "040009" "000000000000000000",         // First fragment without data
           "050005" "0200000000",                 // Follow-on without data
           "050006" "000000000000",               // Follow-on fragment number 0
           "060008" "0000000000000000",           // Termination 8
           "0c0004" "00000000",                   // ACK 4
           "0c0006" "000000000001",               // ACK with half a range
           "0d0007" "00000000000000",             // Address 7
           "0d0000" "",                           // Address 0
           "0f0001" "00",                         // RelayTagRequest 1
           "100005" "0000000001",                 // RelayTag 5
           "100004" "00000000",                   // RelayTag zero
           "11000b" "0000000000000000000000",     // NewToken 11
           "140003" "000000",                     // FirstPacketNumber 3
           "150000" "",                           // Congestion 0
           "0a0003" "000000",                     // PeerTest message 0
           "0a0003" "080000",                     // PeerTest message 8
           "0a000e" "010000" "02" "00000001" "00000002" "07" "00",  // asz 7
           "0a000d" "020000" "02000000010000000200",                // msg 2 missing hash
           "070010" "00" "00000001" "00000002" "00000003" "02" "06" "00",  // RelayRequest cut
           "080006" "00" "00" "00000001",         // RelayResponse accept without details
           "08000c" "00" "00" "00000001" "00000002" "02" "00",  // accept without token
       }) {
    auto r = parse_blocks(from_hex(hex));
    BOOST_TEST(!r.ok(), "accepted " << hex);
    // The block head is consistent, so the block's own check must be what rejects it.
    if (!r.ok()) BOOST_TEST((r.error().code == Errc::malformed), hex << ": " << r.error().what);
  }
  // Padding not last, two paddings
  BOOST_TEST((parse_err(from_hex("fe0000" "00000400000001")) == Errc::malformed));
  BOOST_TEST((parse_err(from_hex("fe0001aa" "fe0000")) == Errc::malformed));
}

BOOST_AUTO_TEST_CASE(emit_rejects_unencodable) {
  BOOST_TEST(!emit_blocks({PaddingBlock{1}, DateTimeBlock{1}}).ok());
  BOOST_TEST(!emit_blocks({PaddingBlock{1}, PaddingBlock{1}}).ok());
  BOOST_TEST(!emit_blocks({TerminationBlock{}, DateTimeBlock{1}}).ok());
  BOOST_TEST(emit_blocks({DateTimeBlock{1}, TerminationBlock{}, PaddingBlock{0}}).ok());
  BOOST_TEST(!emit_blocks({AddressBlock{ssu2::Address{{}, 5, 1}}}).ok());
  BOOST_TEST(!emit_blocks({FollowOnFragmentBlock{0, false, 1, {1}}}).ok());
  BOOST_TEST(!emit_blocks({FollowOnFragmentBlock{128, false, 1, {1}}}).ok());
  BOOST_TEST(!emit_blocks({RelayTagBlock{0}}).ok());
  Bytes out{9};
  auto st = append_block(out, PathChallengeBlock{Bytes(70000, 1)});
  BOOST_TEST((st.error().code == Errc::oversized));
  BOOST_TEST(out.size() == 1u);  // unchanged
  BOOST_TEST(append_block(out, PathChallengeBlock{Bytes(65535, 1)}).ok());
  BOOST_TEST(out.size() == 1u + 3 + 65535);
}

// Every prefix of a valid payload: a clean error unless it ends on a block boundary, never
// a crash. Then seeded single-byte corruption and random garbage.
BOOST_AUTO_TEST_CASE(truncation_at_every_length_and_fuzz) {
  auto blocks = every_block();
  Bytes payload = emit_ok(blocks);
  std::set<size_t> boundaries{0};
  size_t off = 0;
  for (const auto& b : blocks) boundaries.insert(off += encoded_size(b));
  for (size_t n = 0; n <= payload.size(); ++n) {
    auto r = parse_blocks(ByteSpan(payload.data(), n));
    BOOST_TEST(r.ok() == (boundaries.count(n) == 1), "prefix " << n);
  }
  std::mt19937 rng(1234);
  for (int i = 0; i < 5000; ++i) {
    Bytes p = payload;
    p[rng() % p.size()] = uint8_t(rng());
    (void)parse_blocks(p);
  }
  for (int i = 0; i < 2000; ++i) {
    Bytes p(rng() % 200);
    for (auto& b : p) b = uint8_t(rng() % 24);  // mostly known types
    auto r = parse_blocks(p);
    if (r.ok()) {
      // Whatever parses re-emits and re-parses to the same blocks.
      auto again = emit_blocks(*r);
      if (again.ok()) {
        auto r2 = parse_blocks(*again);
        BOOST_REQUIRE(r2.ok());
        BOOST_TEST((*r2 == *r));
      }
    }
  }
}

// ---- ACK ----

BOOST_AUTO_TEST_CASE(ack_spec_examples) {
  auto only10 = AckBlock::from_packets({10});
  BOOST_REQUIRE(only10);
  BOOST_TEST(only10->ack_through == 10u);
  BOOST_TEST(only10->acnt == 0);
  BOOST_TEST(only10->ranges.empty());

  auto eight_to_ten = AckBlock::from_packets({8, 10, 9});
  BOOST_REQUIRE(eight_to_ten);
  BOOST_TEST(eight_to_ten->acnt == 2);
  BOOST_TEST(eight_to_ten->ranges.empty());

  auto ex = AckBlock::from_packets({10, 9, 8, 6, 5, 2, 1, 0});
  BOOST_REQUIRE(ex);
  BOOST_TEST(ex->ack_through == 10u);
  BOOST_TEST(ex->acnt == 2);
  BOOST_REQUIRE(ex->ranges.size() == 2u);
  BOOST_TEST((ex->ranges[0] == AckBlock::Range{1, 2}));
  BOOST_TEST((ex->ranges[1] == AckBlock::Range{2, 3}));
  BOOST_TEST((ex->acked_packets() == std::vector<uint32_t>{10, 9, 8, 6, 5, 2, 1, 0}));
  BOOST_TEST(ex->acks(6));
  BOOST_TEST(!ex->acks(7));
  BOOST_TEST(!ex->acks(11));
  auto iv = ex->acked_intervals();
  BOOST_REQUIRE(iv.size() == 3u);
  BOOST_TEST((iv[0] == AckBlock::Interval{8, 10}));
  BOOST_TEST((iv[2] == AckBlock::Interval{0, 2}));
  BOOST_TEST(!AckBlock::from_packets({}).has_value());
}

BOOST_AUTO_TEST_CASE(ack_counts_above_255_split) {
  // 600 consecutive: acnt 255 then (0,255) (0,89).
  std::vector<uint32_t> pk;
  for (uint32_t p = 1000; p < 1600; ++p) pk.push_back(p);
  auto a = AckBlock::from_packets(pk);
  BOOST_REQUIRE(a);
  BOOST_TEST(a->ack_through == 1599u);
  BOOST_TEST(a->acnt == 255);
  BOOST_REQUIRE(a->ranges.size() == 2u);
  BOOST_TEST((a->ranges[0] == AckBlock::Range{0, 255}));
  BOOST_TEST((a->ranges[1] == AckBlock::Range{0, 89}));
  BOOST_TEST(a->acked_intervals().size() == 1u);  // (0, n) ranges merge with the run
  BOOST_TEST(a->acked_packets().size() == 600u);
  // A gap of 300: (255, 0) then (45, 1).
  auto g = AckBlock::from_packets({400, 99});
  BOOST_REQUIRE(g);
  BOOST_REQUIRE(g->ranges.size() == 2u);
  BOOST_TEST((g->ranges[0] == AckBlock::Range{255, 0}));
  BOOST_TEST((g->ranges[1] == AckBlock::Range{45, 1}));
  BOOST_TEST((g->acked_packets() == std::vector<uint32_t>{400, 99}));
}

BOOST_AUTO_TEST_CASE(ack_random_sets_round_trip_and_limit) {
  std::mt19937 rng(77);
  for (int iter = 0; iter < 200; ++iter) {
    std::set<uint32_t> s;
    uint32_t base = rng() % 100000;
    size_t n = 1 + rng() % 300;
    for (size_t i = 0; i < n; ++i) s.insert(base + rng() % 1500);
    auto a = AckBlock::from_packets(std::vector<uint32_t>(s.begin(), s.end()), 100000);
    BOOST_REQUIRE(a);
    auto got = a->acked_packets();
    BOOST_TEST((std::set<uint32_t>(got.begin(), got.end()) == s));
    // Wire round trip.
    auto parsed = parse_blocks(emit_ok({*a}));
    BOOST_REQUIRE(parsed.ok());
    BOOST_TEST((std::get<AckBlock>(parsed->at(0)) == *a));
    // With a range budget: a subset, always containing the newest packets.
    auto lim = AckBlock::from_packets(std::vector<uint32_t>(s.begin(), s.end()), 4);
    BOOST_REQUIRE(lim);
    BOOST_TEST(lim->ranges.size() <= 4u);
    auto part = lim->acked_packets();
    for (auto p : part) BOOST_TEST(s.count(p) == 1u);
    BOOST_TEST(part.front() == *s.rbegin());
    for (const auto& r : lim->ranges) BOOST_TEST(!(r.nack == 0 && r.ack == 0));
  }
}

BOOST_AUTO_TEST_CASE(ack_below_zero_is_clamped) {
  AckBlock a{1, 5, {{3, 4}}};
  BOOST_TEST((a.acked_packets() == std::vector<uint32_t>{1, 0}));
  AckBlock b{0xffffffffu, 255, {{255, 255}, {255, 255}}};
  BOOST_TEST(b.acks(0xffffffffu));
  BOOST_TEST(b.acks(0xffffffffu - 255));
  BOOST_TEST(!b.acks(0xffffffffu - 256));
}

BOOST_AUTO_TEST_CASE(span_ack_emitter_matches_the_block_encoder) {
  AckBlock b;
  b.ack_through = 0x01020304;
  b.acnt = 7;
  b.ranges = {{1, 2}, {0, 255}, {9, 0}};
  Bytes via_block, via_span{0xEE};  // appends after what is there
  BOOST_REQUIRE(append_block(via_block, b));
  append_ack_block(via_span, b.ack_through, b.acnt, b.ranges);
  BOOST_TEST((Bytes(via_span.begin() + 1, via_span.end()) == via_block));
  Bytes none;
  append_ack_block(none, 5, 0, {});
  auto parsed = parse_blocks(none);
  BOOST_REQUIRE(parsed);
  BOOST_REQUIRE(parsed->size() == 1u);
  auto* a = std::get_if<AckBlock>(&(*parsed)[0]);
  BOOST_REQUIRE(a);
  BOOST_TEST(a->ack_through == 5u);
  BOOST_TEST(a->ranges.empty());
}

// The debug helper lists parsed blocks' type numbers (UnknownBlock its stored type).
BOOST_AUTO_TEST_CASE(block_type_list_names_types) {
  BOOST_TEST(block_type_list(std::vector<Block>{PaddingBlock{3}, DateTimeBlock{1234}}) == "254,0");
  BOOST_TEST(block_type_list(std::vector<Block>{UnknownBlock{99, {}}, RelayTagRequestBlock{}}) == "99,15");
  BOOST_TEST(block_type_list(std::vector<Block>{}).empty());
}
