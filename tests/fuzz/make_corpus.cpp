// Writes the seed corpora of the fuzz targets: make_corpus OUT_DIR (normally tests/fuzz/corpus)
// creates OUT_DIR/<target>/<name> files. Deterministic: the same tree gives the same files.
// A few valid inputs per target, each in the target's own input format (see each fuzz_*.cpp
// and the harness headers): real protected packets, every block type, real RouterInfos (ours
// and the i2pd one of tests/fixtures), complete handshakes, and peer tests / relays that the
// NAT engine accepts. Built in the fuzz build dir (not a test); rerun after changing a format:
//   build-fuzz/fuzz/make_corpus tests/fuzz/corpus
#include <filesystem>
#include <fstream>
#include <iostream>

#include "handshake_fuzz.hpp"
#include "nat_fuzz.hpp"
#include "transport/i2p/i2np.hpp"
#include "transport/ssu2/blocks.hpp"

using namespace fuzz;
namespace fs = std::filesystem;

namespace {

fs::path g_out;
size_t g_files = 0, g_bytes = 0;

void write(const std::string& target, const std::string& name, ByteSpan data) {
  fs::create_directories(g_out / target);
  std::ofstream f(g_out / target / name, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
  ++g_files;
  g_bytes += data.size();
}

Bytes blocks_bytes(const std::vector<wire::Block>& blocks) {
  Bytes out;
  for (const auto& b : blocks) FUZZ_CHECK(wire::append_block(out, b).ok());
  return out;
}

Bytes read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

// One of each block type with plausible contents.
std::vector<std::pair<std::string, wire::Block>> sample_blocks() {
  using namespace wire;
  std::vector<std::pair<std::string, Block>> v;
  ssu2::Address a4 = ssu2::Address::v4(198, 18, 0, 1, 9000);
  std::array<uint8_t, 16> ip6{0x20, 0x01, 0x0d, 0xb8};
  ssu2::Address a6 = ssu2::Address::v6(ip6, 9001);
  v.push_back({"datetime", DateTimeBlock{kWall}});
  v.push_back({"options", OptionsBlock{1, 2, 3, 4, 5, 6, 7, 8, {9, 9}}});
  v.push_back({"routerinfo", RouterInfoBlock{0, 1, Bytes(40, 0x11)}});
  v.push_back({"i2np", I2npBlock{20, 77, kWall + 60, Bytes(30, 0x22)}});
  v.push_back({"first_fragment", FirstFragmentBlock{20, 78, kWall + 60, Bytes(20, 0x33)}});
  v.push_back({"follow_on", FollowOnFragmentBlock{1, true, 78, Bytes(10, 0x44)}});
  v.push_back({"termination", TerminationBlock{5, TerminationReason::IdleTimeout, {}}});
  RelayRequestBlock rr;
  rr.nonce = 1; rr.relay_tag = 2; rr.timestamp = kWall; rr.alice = a4; rr.signature = Bytes(64, 0x55);
  v.push_back({"relay_request", rr});
  RelayResponseBlock rs;
  rs.nonce = 1; rs.has_details = true; rs.timestamp = kWall; rs.charlie = a6;
  rs.signature = Bytes(64, 0x66); rs.token = 0x1234;
  v.push_back({"relay_response", rs});
  RelayResponseBlock rj;
  rj.code = 70; rj.nonce = 3;
  v.push_back({"relay_response_reject", rj});
  RelayIntroBlock ri;
  ri.alice_hash.fill(0x77); ri.nonce = 1; ri.relay_tag = 2; ri.timestamp = kWall; ri.alice = a4;
  ri.signature = Bytes(64, 0x78);
  v.push_back({"relay_intro", ri});
  PeerTestBlock pt;
  pt.msg = 2; pt.hash = ByteArray<32>{}; pt.signed_data = PeerTestBlock::make_signed_data(2, 9, kWall, a4);
  pt.signature = Bytes(64, 0x88);
  v.push_back({"peer_test", pt});
  PeerTestBlock pt5;
  pt5.msg = 5; pt5.signed_data = PeerTestBlock::make_signed_data(2, 9, kWall, a6);
  v.push_back({"peer_test5", pt5});
  v.push_back({"next_nonce", NextNonceBlock{Bytes(8, 1)}});
  v.push_back({"ack", AckBlock{100, 2, {{1, 2}, {2, 3}, {0, 4}}}});
  v.push_back({"address", AddressBlock{a6}});
  v.push_back({"relay_tag_request", RelayTagRequestBlock{}});
  v.push_back({"relay_tag", RelayTagBlock{42}});
  v.push_back({"new_token", NewTokenBlock{kWall + 3600, 0xabcdef}});
  v.push_back({"path_challenge", PathChallengeBlock{Bytes(8, 0x99)}});
  v.push_back({"path_response", PathResponseBlock{Bytes(8, 0x9a)}});
  v.push_back({"first_packet_number", FirstPacketNumberBlock{7}});
  v.push_back({"congestion", CongestionBlock{kCongestionFlagEcn, {}}});
  v.push_back({"unknown", UnknownBlock{200, Bytes(3, 1)}});
  v.push_back({"padding", PaddingBlock{12}});
  return v;
}

void header_seeds() {
  const crypto::Key32 k1 = key_of(1), k2 = key_of(2);
  auto make = [&](uint8_t type, size_t len, bool long_header) {
    Bytes p(len, 0);
    for (size_t i = 0; i < len; ++i) p[i] = uint8_t(i * 13 + type);
    if (long_header) {
      wire::LongHeader h;
      h.dest_conn_id = 0x1111; h.src_conn_id = 0x2222; h.packet_number = 5; h.type = type; h.token = 9;
      wire::encode_to(h, p.data());
      FUZZ_CHECK(wire::protect_long(p, k1, k2).ok());
    } else {
      wire::ShortHeader h;
      h.dest_conn_id = 0x1111; h.packet_number = 5; h.type = type;
      wire::encode_to(h, p.data());
      FUZZ_CHECK(wire::protect_short(p, k1, k2).ok());
    }
    return p;
  };
  write("fuzz_header", "data", make(6, 60, false));
  write("fuzz_header", "session_confirmed", make(2, 100, false));
  write("fuzz_header", "session_request", make(0, 120, true));
  write("fuzz_header", "session_created", make(1, 88, true));
  write("fuzz_header", "retry", make(9, 64, true));
  write("fuzz_header", "token_request", make(10, 56, true));
  write("fuzz_header", "peer_test", make(7, 80, true));
  write("fuzz_header", "hole_punch", make(11, 70, true));
}

void blocks_seeds() {
  std::vector<wire::Block> all;
  for (auto& [name, b] : sample_blocks()) {
    write("fuzz_blocks", name, blocks_bytes({b}));
    if (!std::holds_alternative<wire::PaddingBlock>(b) &&
        !std::holds_alternative<wire::TerminationBlock>(b))
      all.push_back(b);
  }
  all.push_back(wire::TerminationBlock{1, wire::TerminationReason::NormalClose, {}});
  all.push_back(wire::PaddingBlock{5});
  write("fuzz_blocks", "all", blocks_bytes(all));
}

void i2np_seeds(const Router& r) {
  i2p::Message m;
  m.type = i2p::MessageType::Data;
  m.msg_id = 1234;
  m.expiration_ms = uint64_t(kWall) * 1000 + 60000;
  m.payload = Bytes(40, 0x5a);
  write("fuzz_i2np", "short", *i2p::encode_short(m));
  Bytes two = *i2p::encode_standard(m);
  write("fuzz_i2np", "standard", two);
  auto st = i2p::make_delivery_status(7, uint64_t(kWall) * 1000, 8, m.expiration_ms);
  Bytes s2 = *i2p::encode_standard(st);
  two.insert(two.end(), s2.begin(), s2.end());
  write("fuzz_i2np", "standard_two", two);
  write("fuzz_i2np", "delivery_status_payload", st.payload);
  auto ds = i2p::make_database_store(r.ri, 9, m.expiration_ms);
  FUZZ_CHECK(ds.ok());
  write("fuzz_i2np", "database_store_payload", ds->payload);
  write("fuzz_i2np", "database_store", *i2p::encode_standard(*ds));
}

void router_info_seeds(const Router& r, const fs::path& fixtures) {
  auto emit = [&](const std::string& name, ByteSpan ri) {
    Bytes plain{0};
    plain.insert(plain.end(), ri.begin(), ri.end());
    write("fuzz_router_info", name, plain);
    Bytes gz{1};
    auto z = i2p::gzip_compress(ri);
    FUZZ_CHECK(z.ok());
    gz.insert(gz.end(), z->begin(), z->end());
    write("fuzz_router_info", name + "_gzip", gz);
  };
  emit("ours", r.ri.bytes());
  Bytes i2pd = read_file(fixtures / "i2pd-2.45.1-router.info");
  if (!i2pd.empty()) emit("i2pd", i2pd);
}

// ---- fuzz_session ----
void session_seeds() {
  enum : uint8_t { kData, kDataFrom, kRaw, kConfirmed, kBatch, kAdvance, kQueue, kPoll, kSendBlocks, kTerminate };
  auto data = [](FuzzOutput& o, uint16_t pn, uint8_t flags, const std::vector<wire::Block>& b) {
    o.u8(kData); o.u16(pn); o.u8(flags); o.chunk(blocks_bytes(b));
  };
  uint32_t exp = kWall + 60;  // the target's clock starts at 1,700,000,000.001 s
  {
    FuzzOutput o;
    data(o, 0, 0, {wire::I2npBlock{20, 1, exp, Bytes(100, 1)}});
    data(o, 1, 1, {wire::I2npBlock{20, 2, exp, Bytes(10, 2)}, wire::AckBlock{0, 0, {}}});
    o.u8(kAdvance); o.u16(100);
    o.u8(kPoll); o.u8(8);
    write("fuzz_session", "i2np", o.out);
  }
  {
    FuzzOutput o;
    data(o, 0, 0, {wire::FirstFragmentBlock{20, 5, exp, Bytes(600, 3)}});
    data(o, 2, 0, {wire::FollowOnFragmentBlock{2, true, 5, Bytes(300, 5)}});
    data(o, 1, 0, {wire::FollowOnFragmentBlock{1, false, 5, Bytes(600, 4)}});
    o.u8(kPoll); o.u8(8);
    write("fuzz_session", "fragments", o.out);
  }
  {
    FuzzOutput o;
    o.u8(kQueue); o.u16(3000); o.u8(60);
    o.u8(kQueue); o.u16(100); o.u8(60);
    o.u8(kPoll); o.u8(16);
    data(o, 0, 0, {wire::AckBlock{2, 2, {}}});
    o.u8(kAdvance); o.u16(2000);
    o.u8(kPoll); o.u8(16);
    write("fuzz_session", "send_and_ack", o.out);
  }
  {
    FuzzOutput o;
    o.u8(kDataFrom); o.u16(5555); o.u16(0); o.u8(0);
    o.chunk(blocks_bytes({wire::PathChallengeBlock{Bytes(8, 7)}, wire::I2npBlock{20, 9, exp, {}}}));
    o.u8(kPoll); o.u8(8);
    o.u8(kAdvance); o.u16(3000);
    o.u8(kPoll); o.u8(8);
    write("fuzz_session", "path_challenge", o.out);
  }
  {
    FuzzOutput o;
    data(o, 0, 0, {wire::NewTokenBlock{kWall + 100, 77}, wire::RelayTagRequestBlock{},
                   wire::AddressBlock{ssu2::Address::v4(198, 18, 9, 9, 1)}});
    data(o, 1, 0, {wire::TerminationBlock{1, wire::TerminationReason::NormalClose, {}}});
    o.u8(kPoll); o.u8(8);
    write("fuzz_session", "control_and_termination", o.out);
  }
  {
    FuzzOutput o;
    o.u8(kConfirmed); o.u16(0); o.chunk(Bytes(64, 0));
    o.u8(kBatch); o.u8(3);
    for (uint16_t pn = 0; pn < 3; ++pn) { o.u16(pn); o.chunk(blocks_bytes({wire::I2npBlock{20, uint32_t(20 + pn), exp, Bytes(50, 1)}})); }
    o.u8(kSendBlocks); o.chunk(blocks_bytes({wire::RelayTagBlock{5}}));
    o.u8(kPoll); o.u8(8);
    o.u8(kTerminate); o.u8(3);
    o.u8(kAdvance); o.u16(1000);
    data(o, 3, 0, {wire::TerminationBlock{1, wire::TerminationReason::TerminationReceived, {}}});
    write("fuzz_session", "confirmed_batch_terminate", o.out);
  }
}

// ---- handshakes: Token Request, Session Request with the Retry's token, Session Confirmed ----
void handshake_request_ops(FuzzOutput& o, bool listener, uint8_t sc_mode) {
  // Token Request: sel 1 = new connection IDs; token 0; DateTime payload.
  o.u8(0); o.u8(1); o.u64(0x1111222233334444ull); o.u64(0x5555666677778888ull); o.u32(1);
  o.u64(0);
  o.u8(1); o.chunk({}); o.u8(0);
  // Session Request with the token of the Retry.
  o.u8(1); o.u8(0); o.u32(2); o.u8(9);
  o.u8(1); o.chunk({}); o.u8(0);
  // Session Confirmed: one fragment; RouterInfo (gzip per sc_mode), no DateTime.
  o.u8(2); o.u8(0);
  o.u8(sc_mode); o.chunk({});
  if (listener) o.u8(0);
}

void handshake_seeds() {
  for (bool listener : {true, false}) {
    std::string t = listener ? "fuzz_handshake_listener" : "fuzz_handshake_endpoint";
    { FuzzOutput o; handshake_request_ops(o, listener, 3); write(t, "full", o.out); }
    { FuzzOutput o; handshake_request_ops(o, listener, 7); write(t, "full_gzip", o.out); }
    {
      FuzzOutput o;
      handshake_request_ops(o, listener, 3);
      o.out.resize(o.out.size() - (listener ? 6 : 5));  // drop the Session Confirmed
      o.u8(2); o.u8(1); o.u8(3); o.chunk({}); if (listener) o.u8(1);  // two fragments, reversed
      write(t, "fragmented", o.out);
    }
  }
  // Endpoint: Carol connects to Bob, the network delivers everything; crossed connects.
  {
    FuzzOutput o;
    o.u8(4);
    for (int i = 0; i < 12; ++i) o.u8(6);
    write("fuzz_handshake_endpoint", "carol_connects", o.out);
  }
  {
    FuzzOutput o;
    o.u8(4); o.u8(5);
    for (int i = 0; i < 16; ++i) o.u8(6);
    write("fuzz_handshake_endpoint", "crossed", o.out);
  }
  {
    FuzzOutput o;
    o.u8(4); o.u8(8); o.u8(10); o.u16(1000);
    for (int i = 0; i < 12; ++i) o.u8(i % 3 ? 6 : 9);
    o.u8(11); o.u8(1); o.u8(0); o.u8(4);
    for (int i = 0; i < 12; ++i) o.u8(6);
    write("fuzz_handshake_endpoint", "loss_and_reconnect", o.out);
  }
}

// ---- NAT ----
void nat_seeds() {
  using namespace fuzz::nat_harness;
  // Alice: start a test with P1, P1 answers with message 4 naming Charlie (P2) signed by P2,
  // then P2's message 5 and 7 out of session.
  {
    FuzzOutput o;
    o.u8(kStartPeerTest); o.u8(0);
    // PeerTest: from P1, msg 4, code 0, hash P2, learned nonce, fresh ts, endpoint us,
    // signer P2, bhash P1, ahash us, good signature.
    o.u8(kPeerTestBlock); o.u8(1); o.u8(3); o.u8(0); o.u8(2); o.u8(0); o.u8(0); o.u8(0);
    o.u8(2); o.u8(1); o.u8(0); o.u8(0);
    write("fuzz_nat_blocks", "alice_msg4", o.out);
    // msg 5 from Charlie (sealed, learned nonce, DateTime) and msg 7 with a PeerTest block.
    FuzzOutput p = o;
    wire::PeerTestBlock m7;
    m7.msg = 7;
    m7.signed_data = wire::PeerTestBlock::make_signed_data(2, 0, kUnixBase, parties()[0].ep);
    o.u8(kPacket); o.u8(32); o.u8(0); o.u32(1); o.u64(0); o.u8(0); o.u8(0);
    o.chunk({}); o.u8(2);
    o.u8(kAdvance); o.u16(3500);
    o.u8(kPacket); o.u8(32); o.u8(0); o.u32(2); o.u64(0); o.u8(0); o.u8(0);
    o.chunk(blocks_bytes({m7})); o.u8(2);
    write("fuzz_nat_blocks", "alice_msgs_5_7", o.out);
    // The packet target: every odd op is a packet (op byte odd = sealed).
    FuzzOutput q;
    q.u8(kStartPeerTest); q.u8(0);
    q.u8(1); q.u8(32); q.u8(0); q.u32(1); q.u64(0); q.u8(0); q.u8(0); q.chunk({}); q.u8(2);
    q.u8(kPeerTestBlock); q.u8(1); q.u8(3); q.u8(0); q.u8(2); q.u8(0); q.u8(0); q.u8(0);
    q.u8(2); q.u8(1); q.u8(0); q.u8(0);
    q.u8(1); q.u8(32); q.u8(0); q.u32(2); q.u64(0); q.u8(0); q.u8(0); q.chunk(blocks_bytes({m7})); q.u8(2);
    write("fuzz_nat_packet", "alice_peer_test", q.out);
    FuzzOutput r;  // hole punch for a relay in progress
    r.u8(kRequestIntro); r.u8(0); r.u8(2); r.u8(0); r.u32(77);
    wire::RelayResponseBlock rs;
    rs.nonce = 0; rs.has_details = true; rs.timestamp = kUnixBase; rs.charlie = parties()[2].ep;
    rs.signature = Bytes(64, 1); rs.token = 5;
    r.u8(1); r.u8(1 | 32); r.u8(0); r.u32(3); r.u64(0); r.u8(0); r.u8(2); r.chunk(blocks_bytes({rs})); r.u8(2);
    write("fuzz_nat_packet", "hole_punch", r.out);
  }
  // Bob: P1 (Alice) sends message 1 signed by P1 over bhash = us; we relay it to P2.
  {
    FuzzOutput o;
    o.u8(kPeerTestBlock); o.u8(1); o.u8(0); o.u8(0); o.u8(0); o.u8(200); o.u32(4242); o.u8(0);
    o.u8(1); o.u8(1); o.u8(0); o.u8(0x80); o.u8(0);
    // Charlie (P2) answers with message 3, signed by P2 over bhash us, ahash P1.
    o.u8(kPeerTestBlock); o.u8(2); o.u8(2); o.u8(0); o.u8(0); o.u8(0); o.u8(0); o.u8(1);
    o.u8(2); o.u8(0); o.u8(1); o.u8(0);
    write("fuzz_nat_blocks", "bob_relays", o.out);
  }
  // Charlie: message 2 from Bob (P1) for Alice (P2).
  {
    FuzzOutput o;
    o.u8(kPeerTestBlock); o.u8(1); o.u8(1); o.u8(0); o.u8(2); o.u8(200); o.u32(999); o.u8(0);
    o.u8(2); o.u8(2); o.u8(1); o.u8(0x80); o.u8(0);
    o.u8(kAdvance); o.u16(100);
    write("fuzz_nat_blocks", "charlie_msg2", o.out);
  }
  // Relay: P1 asks us for a tag; P2 asks us to introduce it to P1 with that tag.
  {
    FuzzOutput o;
    o.u8(kRelayTagBlocks); o.u8(1); o.u8(1);
    o.u8(kRelayBlock); o.u8(2); o.u8(0); o.u8(2); o.u8(0); o.u8(1); o.u8(200); o.u32(31337);
    o.u8(1); o.u8(0); o.u8(0); o.u8(2); o.u8(0);
    write("fuzz_nat_blocks", "relay_bob", o.out);
    // We as Alice: request a tag from P1, P1 grants it; request an introduction.
    FuzzOutput a;
    a.u8(kRequestTag); a.u8(0);
    a.u8(kRelayTagBlocks); a.u8(1); a.u8(0); a.u32(1234);
    a.u8(kRequestIntro); a.u8(0); a.u8(2); a.u8(0); a.u32(1234);
    a.u8(kRelayBlock); a.u8(1); a.u8(2); a.u8(2); a.u8(1); a.u8(0); a.u8(0); a.u8(0); a.u8(0);
    a.u8(0); a.u8(2); a.u8(0); a.u64(99); a.u8(0);
    write("fuzz_nat_blocks", "relay_alice", a.out);
    // Charlie: RelayIntro from Bob (P1) for Alice (P2).
    FuzzOutput c;
    c.u8(kRouterInfoBlock); c.u8(1); c.u8(2); c.u8(1); c.u8(0);
    c.u8(kRelayBlock); c.u8(1); c.u8(1); c.u8(2); c.u8(1); c.u8(0); c.u8(200); c.u32(555);
    c.u8(0); c.u32(1); c.u8(0); c.u8(2); c.u8(2); c.u8(0);
    write("fuzz_nat_blocks", "relay_charlie", c.out);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::cerr << "usage: make_corpus OUT_DIR [FIXTURES_DIR (default tests/fixtures)]\n";
    return 2;
  }
  g_out = argv[1];
  fs::path fixtures = argc == 3 ? fs::path(argv[2]) : fs::path("tests/fixtures");
  if (!fs::exists(fixtures / "i2pd-2.45.1-router.info")) {
    std::cerr << "make_corpus: no " << (fixtures / "i2pd-2.45.1-router.info") << "\n";
    return 1;
  }
  const Router r = make_router(1, ssu2::Address::v4(198, 18, 1, 1, 9001));
  header_seeds();
  blocks_seeds();
  i2np_seeds(r);
  router_info_seeds(r, fixtures);
  session_seeds();
  handshake_seeds();
  nat_seeds();
  std::cout << "make_corpus: " << g_files << " files, " << g_bytes << " bytes in " << g_out << "\n";
  return 0;
}
