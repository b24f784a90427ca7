// Shared by fuzz_nat_packet.cpp and fuzz_nat_blocks.cpp: one NatEngine (us) with two peers
// whose keys the harness knows (P1, P2: RouterInfos learned, sessions up), driven by a list of
// operations. Blocks come either raw (any type, parsed from fuzzer bytes) or built from
// fuzzed fields with a fresh timestamp and a valid signature by the router the fuzzer picks,
// so that the peer-test and relay machines get past their signature and skew checks; nonces
// the engine chose are learned from what it sends so later messages can answer them.
// Out-of-session packets (Peer Test 5-7, Hole Punch) are sealed with our intro key.
// Checks: every block list the engine sends is encodable, every packet it sends opens with the
// intro key of a router it knows, and its timers move on.
#pragma once
#include <array>
#include <vector>

#include "fuzz_common.hpp"
#include "transport/handshake/packet.hpp"
#include "transport/i2p/gzip.hpp"
#include "transport/i2p/router_keys.hpp"
#include "transport/nat/engine.hpp"
#include "transport/nat/oos_packet.hpp"
#include "transport/nat/signing.hpp"

namespace fuzz::nat_harness {

using namespace ssu2::nat;
using ssu2::Now;
inline constexpr uint32_t kUnixBase = 1'700'000'000;

struct Party {
  i2p::RouterKeys keys;
  i2p::RouterInfo ri;
  ssu2::Address ep;
  RouterHash hash() const { return ri.hash(); }
};

inline Party make_party(uint8_t tag, ssu2::Address ep) {
  Party p;
  p.keys.x25519_priv = key_of(uint8_t(tag * 4 + 1));
  p.keys.x25519_pub = *crypto::x25519_public(p.keys.x25519_priv);
  p.keys.ed25519_seed = key_of(uint8_t(tag * 4 + 2));
  p.keys.ed25519_pub = *crypto::ed25519_public(p.keys.ed25519_seed);
  p.keys.intro_key = key_of(uint8_t(tag * 4 + 3));
  for (size_t i = 0; i < 32; ++i) p.keys.identity_padding[i] = uint8_t(tag + i);
  i2p::OwnRouterInfoParams params;
  char host[32];
  std::snprintf(host, sizeof host, "%u.%u.%u.%u", ep.ip[0], ep.ip[1], ep.ip[2], ep.ip[3]);
  params.host = host;
  params.port = ep.port;
  params.address_caps = "BC";
  params.published_ms = uint64_t(kUnixBase) * 1000;
  p.ri = *i2p::make_own_router_info(p.keys, params);
  p.ep = ep;
  return p;
}

// [0] = us, [1] = P1, [2] = P2.
inline const std::array<Party, 3>& parties() {
  static const std::array<Party, 3> p{make_party(1, ssu2::Address::v4(198, 18, 0, 1, 7001)),
                                      make_party(2, ssu2::Address::v4(198, 18, 0, 2, 7002)),
                                      make_party(3, ssu2::Address::v4(198, 18, 0, 3, 7003))};
  return p;
}

enum Op : uint8_t {
  kRawBlock,        // from(1) type(1) chunk
  kPeerTestBlock,   // from(1) fields..., signed
  kRelayBlock,      // from(1) kind(1) fields..., signed
  kRelayTagBlocks,  // from(1) kind(1) tag(4)
  kRouterInfoBlock, // from(1) which(1) gzip(1)
  kPacket,          // type(1) nonce sel, fields, payload chunk: sealed out-of-session packet
  kRawPacket,       // from(1) chunk
  kStartPeerTest,   // bob(1)
  kRequestTag,      // introducer(1)
  kRequestIntro,    // bob(1) charlie(1) tag(4)
  kAdvance,         // ms(2)
  kSessionToggle,   // who(1)
  kOpCount
};

struct Harness {
  TimePoint mono{0};
  Now now() const { return Now{mono, uint32_t(kUnixBase + to_ms(mono) / 1000)}; }
  std::unique_ptr<NatEngine> engine;
  std::vector<uint32_t> nonces;  // chosen by the engine, seen in what it sent
  std::vector<uint32_t> tags;
  bool session_up[3] = {false, true, true};

  Harness() {
    const auto& us = parties()[0];
    nat::LocalIdentity local;
    local.hash = us.hash();
    local.signing_priv = us.keys.ed25519_seed;
    local.intro_key = us.keys.intro_key.bytes;
    local.v4 = us.ep;
    local.router_info = us.ri.bytes();
    engine = std::make_unique<NatEngine>(std::move(local), nat::Config{}, seeded_random(5));
    for (int i = 1; i < 3; ++i) {
      engine->learn_peer(*peer_info_from(parties()[i].ri));
      engine->session_established(now(), parties()[i].hash(), parties()[i].ep);
    }
  }

  const Party& party(uint8_t sel) { return parties()[sel % 3]; }
  const Party& peer(uint8_t sel) { return parties()[1 + sel % 2]; }
  uint32_t nonce(FuzzInput& in) {
    uint8_t sel = in.u8();
    if (sel < 192 && !nonces.empty()) return nonces[sel % nonces.size()];
    return in.u32();
  }
  uint32_t timestamp(FuzzInput& in) {
    uint8_t sel = in.u8();
    return sel & 0x80 ? in.u32() : now().unix_s + int8_t(sel << 1) / 2;
  }
  ssu2::Address endpoint(FuzzInput& in) {
    uint8_t sel = in.u8();
    if (sel < 128) return party(sel).ep;
    if (sel < 192) return ssu2::Address::v4(198, 18, in.u8(), in.u8(), in.u16());
    std::array<uint8_t, 16> ip{};
    for (auto& b : ip) b = in.u8();
    return ssu2::Address::v6(ip, in.u16());
  }
  Bytes signature(const crypto::Key32& priv, ByteSpan msg, FuzzInput& in) {
    auto s = nat::sign(priv, msg);
    FUZZ_CHECK(s.ok());
    if (in.u8() == 0xff && !s->empty()) (*s)[0] ^= 1;  // sometimes a bad one
    return *s;
  }

  void learn(const std::vector<Action>& actions) {
    for (const auto& a : actions) {
      FUZZ_LOG("nat action %zu\n", a.index());
      if (const auto* sb = std::get_if<SendBlocks>(&a)) {
        FUZZ_CHECK(wire::emit_blocks(sb->blocks).ok());
        for (const auto& b : sb->blocks) {
          uint32_t n = 0;
          if (auto* p = std::get_if<wire::PeerTestBlock>(&b)) n = p->nonce();
          if (auto* r = std::get_if<wire::RelayRequestBlock>(&b)) n = r->nonce;
          if (auto* r = std::get_if<wire::RelayIntroBlock>(&b)) n = r->nonce;
          if (auto* r = std::get_if<wire::RelayResponseBlock>(&b)) n = r->nonce;
          if (auto* t = std::get_if<wire::RelayTagBlock>(&b)) tags.push_back(t->relay_tag);
          if (n && nonces.size() < 16) nonces.push_back(n);
        }
      } else if (const auto* sp = std::get_if<SendPacket>(&a)) {
        FUZZ_CHECK(sp->bytes.size() <= wire::kMaxPacketLenV4);
        // Sealed for a router the engine knows (P1 or P2: the address may be any the
        // fuzzer claimed for it).
        bool opens = false;
        for (int i = 0; i < 3; ++i) {
          auto o = open_oos_packet(sp->bytes, parties()[i].keys.intro_key.bytes, 2);
          FUZZ_LOG("nat packet to %s: with key of party %d: %s %s\n", sp->to.to_string().c_str(), i,
                   o.ok() ? "ok" : std::string(to_string(o.error().code)).c_str(), o.ok() ? "" : o.error().what);
          opens = opens || (i > 0 && o.ok());
        }
        FUZZ_CHECK(opens);
      } else if (const auto* g = std::get_if<RelayTagGranted>(&a)) {
        if (tags.size() < 16) tags.push_back(g->tag);
      }
    }
    if (nonces.size() >= 16) nonces.erase(nonces.begin(), nonces.begin() + 8);
    if (tags.size() >= 16) tags.erase(tags.begin(), tags.begin() + 8);
  }

  void block_from(uint8_t from_sel, const wire::Block& b) {
    const Party& from = party(from_sel);
    // Through the block codec, as a session would hand it over.
    Bytes bytes;
    if (!wire::append_block(bytes, b).ok()) return;
    auto parsed = wire::parse_blocks(bytes);
    if (!parsed) return;
    engine->on_blocks(now(), from.hash(), *parsed);
  }

  void peer_test_block(FuzzInput& in) {
    uint8_t from = in.u8();
    wire::PeerTestBlock b;
    b.msg = uint8_t(1 + in.u8() % 7);
    b.code = in.u8() & 0x80 ? in.u8() : 0;
    b.flag = 0;
    uint8_t hsel = in.u8();
    if (wire::PeerTestBlock::message_has_hash(b.msg)) b.hash = party(hsel).hash();
    uint32_t nonce = this->nonce(in);
    b.signed_data = wire::PeerTestBlock::make_signed_data(2, nonce, timestamp(in), endpoint(in));
    // Signed by a router the fuzzer picks over bhash [|| ahash].
    const Party& signer = party(in.u8());
    const Party& bsel = party(in.u8());
    uint8_t asel = in.u8();
    crypto::Hash32 ahash = party(asel).hash();
    auto msg = peer_test_message(bsel.hash(), asel & 0x80 ? nullptr : &ahash, b.signed_data);
    b.signature = signature(signer.keys.ed25519_seed, msg, in);
    block_from(from, b);
  }

  void relay_block(FuzzInput& in) {
    uint8_t from = in.u8();
    uint8_t kind = in.u8() % 3;
    const Party& signer = party(in.u8());
    const Party& bsel = party(in.u8());
    const Party& csel = party(in.u8());
    uint32_t nonce = this->nonce(in);
    uint32_t tag = (in.u8() & 1 && !tags.empty()) ? tags[in.u8() % tags.size()] : in.u32();
    uint32_t ts = timestamp(in);
    ssu2::Address e = endpoint(in);
    if (kind == 0) {
      wire::RelayRequestBlock r;
      r.nonce = nonce; r.relay_tag = tag; r.timestamp = ts; r.alice = e;
      r.signature = signature(signer.keys.ed25519_seed,
                              relay_request_message(bsel.hash(), csel.hash(), r.signed_data()), in);
      block_from(from, r);
    } else if (kind == 1) {
      wire::RelayIntroBlock r;
      r.alice_hash = party(in.u8()).hash();
      r.nonce = nonce; r.relay_tag = tag; r.timestamp = ts; r.alice = e;
      r.signature = signature(signer.keys.ed25519_seed,
                              relay_request_message(bsel.hash(), csel.hash(), r.signed_data()), in);
      block_from(from, r);
    } else {
      wire::RelayResponseBlock r;
      r.code = in.u8() & 0x80 ? in.u8() : 0;
      r.nonce = nonce;
      r.has_details = true;
      r.timestamp = ts;
      r.charlie = e;
      if (r.code == 0) r.token = in.u64();
      r.signature = signature(signer.keys.ed25519_seed,
                              relay_response_message(bsel.hash(), r.signed_data()), in);
      block_from(from, r);
    }
  }

  void packet(FuzzInput& in) {
    uint8_t sel = in.u8();
    wire::LongHeader h;
    h.type = sel & 1 ? uint8_t(wire::MessageType::HolePunch) : uint8_t(wire::MessageType::PeerTest);
    uint32_t nonce = this->nonce(in);
    h.dest_conn_id = nonce_conn_id(nonce);
    h.src_conn_id = ~h.dest_conn_id;
    if (sel & 2) std::swap(h.dest_conn_id, h.src_conn_id);
    if (sel & 4) h.dest_conn_id = in.u64();
    h.packet_number = in.u32();
    h.net_id = sel & 8 ? in.u8() : 2;
    h.token = in.u64();
    // Payload: DateTime (fresh unless the fuzzer says otherwise) + blocks built above or raw.
    Bytes payload;
    if (!(sel & 16)) (void)wire::append_block(payload, wire::DateTimeBlock{timestamp(in)});
    if (sel & 32) (void)wire::append_block(payload, wire::AddressBlock{endpoint(in)});
    auto extra = in.chunk();
    payload.insert(payload.end(), extra.begin(), extra.end());
    if (payload.size() < 8) payload.insert(payload.end(), {254, 0, 5, 0, 0, 0, 0, 0});
    ssu2::Address from = endpoint(in);
    auto pkt = handshake::packet::seal_symmetric(h, parties()[0].keys.intro_key, payload);
    if (pkt) (void)engine->on_packet(now(), from, *pkt);
  }

  void step(uint8_t op, FuzzInput& in) {
    FUZZ_LOG("nat op %d\n", op % kOpCount);
    switch (op % kOpCount) {
      case kRawBlock: {
        uint8_t from = in.u8();
        uint8_t type = in.u8();
        auto b = wire::parse_block(type, in.chunk());
        if (b) engine->on_block(now(), party(from).hash(), *b);
        break;
      }
      case kPeerTestBlock: peer_test_block(in); break;
      case kRelayBlock: relay_block(in); break;
      case kRelayTagBlocks: {
        uint8_t from = in.u8();
        if (in.u8() & 1) {
          block_from(from, wire::RelayTagRequestBlock{});
        } else {
          uint32_t t = in.u32();
          if (t) block_from(from, wire::RelayTagBlock{t});
        }
        break;
      }
      case kRouterInfoBlock: {
        uint8_t from = in.u8();
        const Party& p = party(in.u8());
        wire::RouterInfoBlock b;
        b.data = p.ri.bytes();
        if (in.u8() & 1) {
          auto z = i2p::gzip_compress(b.data);
          if (z) { b.data = *z; b.flags = wire::kRouterInfoFlagGzip; }
        }
        if (in.u8() == 0xff && !b.data.empty()) b.data[in.u16() % b.data.size()] ^= 1;
        block_from(from, b);
        break;
      }
      case kPacket: packet(in); break;
      case kRawPacket: {
        ssu2::Address from = endpoint(in);
        (void)engine->on_packet(now(), from, in.chunk());
        break;
      }
      case kStartPeerTest: {
        const Party& bob = peer(in.u8());
        (void)engine->start_peer_test(now(), bob.hash(), parties()[0].ep);
        break;
      }
      case kRequestTag: (void)engine->request_relay_tag(now(), peer(in.u8()).hash()); break;
      case kRequestIntro: {
        const Party& bob = peer(in.u8());
        const Party& charlie = party(in.u8());
        uint32_t tag = (in.u8() & 1 && !tags.empty()) ? tags[in.u8() % tags.size()] : in.u32();
        (void)engine->request_introduction(now(), bob.hash(), charlie.hash(), tag, parties()[0].ep);
        break;
      }
      case kAdvance:
        mono += Millis(in.u16());
        engine->on_timer(now());
        break;
      case kSessionToggle: {
        uint8_t who = 1 + in.u8() % 2;
        if (session_up[who]) engine->session_closed(now(), parties()[who].hash());
        else engine->session_established(now(), parties()[who].hash(), parties()[who].ep);
        session_up[who] = !session_up[who];
        break;
      }
    }
    learn(engine->take_actions());
  }

  void log_counters() {
    const auto& c = engine->counters();
    FUZZ_LOG("nat counters: malformed %llu sig %llu stale %llu replay %llu nonce %llu tag %llu peer %llu "
             "sender %llu unexpected %llu rejected %llu limit %llu\n",
             (unsigned long long)c.malformed, (unsigned long long)c.bad_signature,
             (unsigned long long)c.stale_timestamp, (unsigned long long)c.replayed_nonce,
             (unsigned long long)c.unknown_nonce, (unsigned long long)c.unknown_tag,
             (unsigned long long)c.unknown_peer, (unsigned long long)c.wrong_sender,
             (unsigned long long)c.unexpected, (unsigned long long)c.rejected_sent,
             (unsigned long long)c.limit);
  }

  void finish() {
    log_counters();
    for (int i = 0; i < 1000; ++i) {
      auto d = engine->next_deadline();
      if (!d) break;
      mono = std::max(mono, *d);
      engine->on_timer(now());
      learn(engine->take_actions());
    }
    FUZZ_CHECK(!engine->next_deadline().has_value() || engine->next_deadline()->count() > mono.count());
  }
};

}  // namespace fuzz::nat_harness
