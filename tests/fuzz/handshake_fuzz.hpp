// Shared by fuzz_handshake_listener.cpp and fuzz_handshake_endpoint.cpp: deterministic routers
// (fixed keys, signed RouterInfos) and FuzzAlice, a test-side Alice that builds every
// handshake message towards Bob with a payload the fuzzer chooses, so that fuzzed payloads get
// past header protection and the AEAD: Token Request (intro key), Session Request (Noise "e",
// "es" with Bob's static key), and, once Bob's Session Created opened under her keys, Session
// Confirmed ("s", "se", fragmented as the fuzzer says). The Noise steps follow ssu2.rst as the
// core's OutboundHandshake does; only the payloads differ.
#pragma once
#include <optional>
#include <string>

#include "fuzz_common.hpp"
#include "transport/handshake/config.hpp"
#include "transport/handshake/packet.hpp"
#include "transport/handshake/payload.hpp"
#include "transport/i2p/gzip.hpp"
#include "transport/i2p/router_keys.hpp"
#include "transport/ssu2/blocks.hpp"
#include "transport/ssu2/header.hpp"
#include "transport/ssu2/kdf.hpp"

namespace fuzz {

using namespace ssu2::handshake;
using wire::LongHeader;
using wire::MessageType;

inline constexpr uint32_t kWall = 1'700'000'000;

struct Router {
  i2p::RouterKeys keys;
  i2p::RouterInfo ri;
  std::shared_ptr<LocalIdentity> local;
  ssu2::Address ep;
};

inline Router make_router(uint8_t tag, ssu2::Address ep) {
  Router r;
  r.ep = ep;
  r.keys.x25519_priv = key_of(uint8_t(tag * 4 + 1));
  r.keys.x25519_pub = *crypto::x25519_public(r.keys.x25519_priv);
  r.keys.ed25519_seed = key_of(uint8_t(tag * 4 + 2));
  r.keys.ed25519_pub = *crypto::ed25519_public(r.keys.ed25519_seed);
  r.keys.intro_key = key_of(uint8_t(tag * 4 + 3));
  for (size_t i = 0; i < 32; ++i) r.keys.identity_padding[i] = uint8_t(tag + i);
  i2p::OwnRouterInfoParams p;
  char host[32];
  std::snprintf(host, sizeof host, "%u.%u.%u.%u", ep.ip[0], ep.ip[1], ep.ip[2], ep.ip[3]);
  p.host = host;
  p.port = ep.port;
  p.mtu = 1500;
  p.address_caps = "BC";
  p.published_ms = uint64_t(kWall) * 1000;
  auto ri = i2p::make_own_router_info(r.keys, p);
  FUZZ_CHECK(ri.ok());
  r.ri = std::move(*ri);
  r.local = std::make_shared<LocalIdentity>();
  r.local->static_priv = r.keys.x25519_priv;
  r.local->static_pub = r.keys.x25519_pub;
  r.local->intro_key = r.keys.intro_key;
  r.local->router_hash = r.ri.hash();
  r.local->router_info = *r.ri.serialize();
  return r;
}

inline RemoteRouter remote_of(const Router& r) {
  RemoteRouter rr;
  rr.address = r.ep;
  rr.static_key = r.keys.x25519_pub;
  rr.intro_key = r.keys.intro_key;
  rr.router_hash = r.ri.hash();
  rr.router_info = std::make_shared<i2p::RouterInfo>(r.ri);
  rr.mtu = 1500;
  return rr;
}

// A payload for a handshake message: mode byte, then either the fuzzer's raw bytes or the
// blocks the message needs (DateTime, RouterInfo for Session Confirmed) followed by the
// fuzzer's bytes as extra blocks.
inline Bytes payload_from(FuzzInput& in, uint32_t wall, const Bytes* router_info) {
  uint8_t mode = in.u8();
  ByteSpan extra = in.chunk();
  Bytes out;
  if (mode % 4 == 0) return Bytes(extra.begin(), extra.end());
  if (router_info) {
    bool gz = mode & 4;
    if (gz) {
      auto z = i2p::gzip_compress(*router_info);
      FUZZ_CHECK(z.ok());
      (void)payload::router_info(out, *z, true);
    } else {
      (void)payload::router_info(out, *router_info, false);
    }
  }
  if (mode % 4 != 3) (void)payload::date_time(out, wall + int8_t(in.u8()));
  out.insert(out.end(), extra.begin(), extra.end());
  if (out.size() < 8) (void)payload::padding(out, 8);
  return out;
}

struct FuzzAlice {
  Router self;
  RemoteRouter bob;

  uint64_t src_conn_id = 0, dest_conn_id = 0;
  std::optional<uint64_t> token;  // from Bob's last Retry
  crypto::SymmetricState noise;
  crypto::X25519Keys ephemeral;
  crypto::Key32 created_header_key;
  bool request_sent = false;
  std::optional<crypto::PublicKey32> bob_ephemeral;  // Session Created opened

  LongHeader header_from(FuzzInput& in, MessageType t) {
    LongHeader h;
    uint8_t sel = in.u8();
    if (sel & 1) {  // new connection IDs
      dest_conn_id = in.u64();
      src_conn_id = in.u64();
    }
    h.dest_conn_id = dest_conn_id;
    h.src_conn_id = src_conn_id;
    h.packet_number = in.u32();
    h.type = (sel & 2) ? in.u8() : packet::type_byte(t);
    h.net_id = (sel & 4) ? in.u8() : 2;
    h.version = (sel & 8) ? in.u8() : 2;
    h.token = (sel & 16) || !token ? in.u64() : *token;
    return h;
  }

  Bytes token_request(FuzzInput& in, uint32_t wall) {
    LongHeader h = header_from(in, MessageType::TokenRequest);
    Bytes body = payload_from(in, wall, nullptr);
    auto pkt = packet::seal_symmetric(h, bob.intro_key, body);
    return pkt ? *pkt : Bytes{};
  }

  Bytes session_request(FuzzInput& in, uint32_t wall) {
    LongHeader h = header_from(in, MessageType::SessionRequest);
    ephemeral = crypto::x25519_keys_from(key_of(in.u8()));
    noise = wire::initial_handshake_state(bob.static_key);
    auto clear = wire::encode(h);
    Bytes body = payload_from(in, wall, nullptr);
    noise.mix_hash(ByteSpan{clear});
    noise.mix_hash(ByteSpan{ephemeral.pub});
    auto dh = crypto::x25519_dh(ephemeral.priv, bob.static_key);
    FUZZ_CHECK(dh.ok());
    noise.mix_key(dh->span());
    auto ct = crypto::aead_encrypt(noise.k(), 0, ByteSpan{noise.h()}, body);
    FUZZ_CHECK(ct.ok());
    noise.mix_hash(*ct);
    created_header_key = *wire::session_created_header_key(noise.ck());
    request_sent = true;
    bob_ephemeral.reset();
    auto pkt = packet::seal_handshake(clear, ephemeral.pub, *ct, bob.intro_key, bob.intro_key);
    return pkt ? *pkt : Bytes{};
  }

  // Every datagram Bob sends to Alice: a Retry gives a token, a Session Created under the
  // keys of our last Session Request moves on to Session Confirmed.
  void on_reply(ByteSpan pkt) {
    if (auto r = packet::open_symmetric(pkt, bob.intro_key, MessageType::Retry)) {
      if (r->header.token != 0) token = r->header.token;
      FUZZ_LOG("alice: retry token %llx\n", (unsigned long long)r->header.token);
      return;
    }
    if (!request_sent) return;
    auto o = packet::open_handshake(pkt, bob.intro_key, created_header_key, MessageType::SessionCreated);
    if (!o) return;
    crypto::SymmetricState st = noise;
    auto y = o->ephemeral();
    st.mix_hash(o->header_bytes());
    st.mix_hash(ByteSpan{y});
    auto dh = crypto::x25519_dh(ephemeral.priv, y);
    if (!dh) return;
    st.mix_key(dh->span());
    // Fails for a Session Created answering an earlier request with the same ephemeral key.
    auto pt = crypto::aead_decrypt(st.k(), 0, ByteSpan{st.h()}, o->ciphertext());
    if (!pt) return;
    st.mix_hash(o->ciphertext());
    FUZZ_CHECK(payload::parse(*pt).ok());  // what Bob sends parses
    noise = st;
    bob_ephemeral = y;
    FUZZ_LOG("alice: session created opened\n");
  }

  // Session Confirmed fragments (empty if no Session Created was opened yet).
  std::vector<Bytes> session_confirmed(FuzzInput& in, uint32_t wall) {
    std::vector<Bytes> out;
    if (!bob_ephemeral) return out;
    uint8_t shape = in.u8();
    size_t n = 1 + shape % 3;              // fragments
    uint8_t total = (shape & 0x80) ? in.u8() : uint8_t(n);  // frag byte as claimed
    Bytes body = payload_from(in, wall, &self.local->router_info);
    crypto::SymmetricState st = noise;
    auto hk = *wire::session_confirmed_header_key(st.ck());
    wire::ShortHeader h0;
    h0.dest_conn_id = dest_conn_id;
    h0.packet_number = 0;
    h0.type = packet::type_byte(MessageType::SessionConfirmed);
    h0.set_confirmed_fragment(0, total);
    auto clear0 = wire::encode(h0);
    st.mix_hash(ByteSpan{clear0});
    auto part1 = crypto::aead_encrypt(st.k(), 1, ByteSpan{st.h()}, ByteSpan{self.local->static_pub});
    FUZZ_CHECK(part1.ok());
    st.mix_hash(*part1);
    auto dh = crypto::x25519_dh(self.local->static_priv, *bob_ephemeral);
    FUZZ_CHECK(dh.ok());
    st.mix_key(dh->span());
    auto part2 = crypto::aead_encrypt(st.k(), 0, ByteSpan{st.h()}, body);
    FUZZ_CHECK(part2.ok());
    Bytes jumbo = std::move(*part1);
    jumbo.insert(jumbo.end(), part2->begin(), part2->end());
    size_t space = (jumbo.size() + n - 1) / n;
    for (size_t i = 0; i < n; ++i) {
      wire::ShortHeader hi = h0;
      hi.set_confirmed_fragment(uint8_t(i), total);
      auto clear = wire::encode(hi);
      size_t off = std::min(jumbo.size(), i * space), len = std::min(space, jumbo.size() - off);
      Bytes pkt(clear.begin(), clear.end());
      pkt.insert(pkt.end(), jumbo.begin() + off, jumbo.begin() + off + len);
      if (wire::protect_short(MutByteSpan{pkt}, bob.intro_key, hk).ok()) out.push_back(std::move(pkt));
    }
    return out;
  }
};

// Flips / overwrites a few bytes of a datagram as the fuzzer says.
inline void mutate(FuzzInput& in, Bytes& d) {
  uint8_t n = in.u8() % 4;
  for (uint8_t i = 0; i < n && !d.empty(); ++i) {
    size_t at = in.u16() % d.size();
    d[at] ^= in.u8() | 1;
  }
  if (in.u8() & 1 && !d.empty()) d.resize(in.u16() % (d.size() + 1));
}

}  // namespace fuzz
