// Shared test harness for the handshake_* tests: two routers with real keys and signed
// RouterInfos, a seeded random source, and an in-memory "network" that carries datagrams
// between Alice's OutboundHandshake and Bob's InboundListener / InboundHandshake in virtual
// time, with a hook to drop or rewrite datagrams.
#pragma once
#include <functional>
#include <ostream>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "tests/support/seeded_random.hpp"
#include "transport/handshake/inbound.hpp"
#include "transport/handshake/listener.hpp"
#include "transport/handshake/outbound.hpp"
#include "transport/handshake/tokens.hpp"
#include "transport/i2p/base64.hpp"
#include "transport/i2p/router_keys.hpp"
#include "transport/ssu2/blocks.hpp"
#include "transport/ssu2/header.hpp"

namespace ssu2::handshake {
inline std::ostream& operator<<(std::ostream& os, OutboundHandshake::State s) { return os << "outbound state " << int(s); }
inline std::ostream& operator<<(std::ostream& os, InboundHandshake::State s) { return os << "inbound state " << int(s); }
}  // namespace ssu2::handshake

namespace hs_test {

using namespace ssu2;
using namespace ssu2::handshake;

inline constexpr uint32_t kWall = 1'700'000'000;  // virtual wall clock, Unix seconds

using ssu2::testing::seeded_random;  // deterministic randomness for the code under test

struct Node {
  i2p::RouterKeys keys;
  i2p::RouterInfo ri;
  std::shared_ptr<LocalIdentity> local;
  ssu2::Address ep;
};

// Options to shape a router's RouterInfo.
struct NodeOptions {
  uint32_t net_id = 2;
  uint64_t published_ms = uint64_t(kWall) * 1000;
  size_t filler_bytes = 0;  // incompressible option bytes to make the RouterInfo large
  bool publish_other_static_key = false;  // RouterInfo advertises a different s
};

inline Node make_node(ssu2::Address ep, NodeOptions o = {}, uint64_t seed = 1) {
  Node n;
  n.ep = ep;
  n.keys = i2p::RouterKeys::generate();
  i2p::OwnRouterInfoParams p;
  p.host = "127.0.0.1";
  p.port = ep.port;
  p.mtu = 1500;
  p.net_id = o.net_id;
  p.published_ms = o.published_ms;
  auto ri = i2p::make_own_router_info(n.keys, p);
  BOOST_REQUIRE(ri.ok());
  n.ri = std::move(*ri);
  bool resign = false;
  if (o.filler_bytes) {
    auto rng = seeded_random(seed);
    size_t left = o.filler_bytes;
    for (int i = 0; left > 0; ++i) {
      size_t chunk = std::min<size_t>(left, 150);
      Bytes raw(chunk * 3 / 4 + 1);
      rng(MutByteSpan{raw});
      std::string v = i2p::base64_encode(raw).substr(0, chunk);
      n.ri.options.set("test.filler" + std::to_string(i), v);
      left -= chunk;
    }
    resign = true;
  }
  if (o.publish_other_static_key) {
    auto other = crypto::x25519_generate();
    n.ri.addresses[0].options.set("s", i2p::base64_encode(other.pub));
    resign = true;
  }
  if (resign) BOOST_REQUIRE(n.ri.sign(n.keys.ed25519_seed).ok());
  auto bytes = n.ri.serialize();
  BOOST_REQUIRE(bytes.ok());
  n.local = std::make_shared<LocalIdentity>();
  n.local->static_priv = n.keys.x25519_priv;
  n.local->static_pub = n.keys.x25519_pub;
  n.local->intro_key = n.keys.intro_key;
  n.local->router_hash = n.ri.hash();
  n.local->router_info = std::move(*bytes);
  return n;
}

inline RemoteRouter remote_of(const Node& n) {
  RemoteRouter r;
  r.address = n.ep;
  r.static_key = n.keys.x25519_pub;
  r.intro_key = n.keys.intro_key;
  r.router_hash = n.ri.hash();
  r.router_info = std::make_shared<i2p::RouterInfo>(n.ri);
  r.mtu = 1500;
  return r;
}

// A Data packet built from a SessionContext's send side (what the session core will do).
inline Bytes make_data_packet(const SessionContext& ctx, uint32_t pn, const std::vector<wire::Block>& blocks) {
  auto body = wire::emit_blocks(blocks);
  BOOST_REQUIRE(body.ok());
  wire::ShortHeader h;
  h.dest_conn_id = ctx.their_conn_id;
  h.packet_number = pn;
  h.type = uint8_t(wire::MessageType::Data);
  auto clear = wire::encode(h);
  auto ct = crypto::aead_encrypt(ctx.send.data, pn, ByteSpan{clear}, *body);
  BOOST_REQUIRE(ct.ok());
  Bytes pkt(clear.begin(), clear.end());
  pkt.insert(pkt.end(), ct->begin(), ct->end());
  BOOST_REQUIRE(wire::protect_short(MutByteSpan{pkt}, ctx.peer_intro_key, ctx.send.header2).ok());
  return pkt;
}

// Decrypts a Data packet with a SessionContext's receive side; nullopt if it does not verify.
inline std::optional<std::vector<wire::Block>> open_data_packet(const SessionContext& ctx, ByteSpan dgram) {
  Bytes copy(dgram.begin(), dgram.end());
  auto h = wire::unprotect_short(MutByteSpan{copy}, ctx.our_intro_key, ctx.receive.header2);
  if (!h || h->type != uint8_t(wire::MessageType::Data) || h->dest_conn_id != ctx.our_conn_id)
    return std::nullopt;
  auto pt = crypto::aead_decrypt(ctx.receive.data, h->packet_number, ByteSpan{copy.data(), 16},
                                 ByteSpan{copy}.subspan(16));
  if (!pt) return std::nullopt;
  auto blocks = wire::parse_blocks(*pt);
  if (!blocks) return std::nullopt;
  return *blocks;
}

// Alice <-> Bob over a lossy in-memory link, in virtual time.
struct Link {
  Config cfg;
  Node alice, bob;
  InboundListener listener;
  std::unique_ptr<OutboundHandshake> out;
  std::unique_ptr<InboundHandshake> in;
  std::optional<SessionContext> alice_ctx, bob_ctx;
  TimePoint now{0};
  int32_t alice_skew_s = 0, bob_skew_s = 0;  // added to the virtual wall clock
  uint32_t awall() const { return uint32_t(int64_t(kWall) + to_ms(now) / 1000 + alice_skew_s); }
  uint32_t bwall() const { return uint32_t(int64_t(kWall) + to_ms(now) / 1000 + bob_skew_s); }
  Now alice_now() const { return Now{now, awall()}; }
  Now bob_now() const { return Now{now, bwall()}; }
  // Return true to drop. `a2b` is the direction, `n` counts datagrams in that direction.
  std::function<bool(bool a2b, size_t n, const Bytes&)> drop;
  // Called on every delivered datagram; may rewrite it.
  std::function<void(bool a2b, size_t n, Bytes&)> tamper;
  size_t n_a2b = 0, n_b2a = 0;
  std::vector<Bytes> log_a2b, log_b2a;
  std::vector<std::unique_ptr<InboundHandshake>> extra_inbound;  // created by replays etc.
  size_t confirmed_seen_by_session = 0;
  uint32_t bob_pn = 0;
  bool bob_acks = true;  // Bob's session sends Data(ACK 0 + NewToken) once established

  Link(Config c, Node a, Node b, uint64_t seed = 7) : Link(c, c, std::move(a), std::move(b), seed) {}
  // Separate configurations for Alice (`c`) and Bob (`bob_cfg`).
  Link(Config c, Config bob_cfg, Node a, Node b, uint64_t seed = 7)
      : cfg(std::move(c)), alice(std::move(a)), bob(std::move(b)),
        listener(std::move(bob_cfg), bob.local, seeded_random(seed)) {}

  void connect(std::optional<Token> token = std::nullopt, uint64_t seed = 11) {
    out = std::make_unique<OutboundHandshake>(cfg, alice.local, remote_of(bob), token, seeded_random(seed));
    out->start(alice_now());
    pump();
  }

  void to_bob(Bytes d) {
    size_t n = n_a2b++;
    if (drop && drop(true, n, d)) return;
    if (tamper) tamper(true, n, d);
    log_a2b.push_back(d);
    if (in && !in->done()) {
      auto id = wire::peek_dest_conn_id(d, bob.local->intro_key);
      if (id && *id == in->our_conn_id()) {
        in->on_datagram(bob_now(), alice.ep, d);
        after_bob();
        return;
      }
    }
    if (bob_ctx) {
      // Established: stand in for Bob's session. A retransmitted Session Confirmed (its ACK
      // was lost) is recognised with the Session Confirmed header key and ACKed again.
      auto h = wire::peek_header(d, bob.local->intro_key, *bob_ctx->session_confirmed_header_key);
      if (h && h->type == uint8_t(wire::MessageType::SessionConfirmed) && bob_acks) {
        ++confirmed_seen_by_session;
        wire::AckBlock ack;
        queue_b2a.push_back(make_data_packet(*bob_ctx, ++bob_pn, {ack}));
      }
      return;
    }
    auto o = listener.on_datagram(bob_now(), alice.ep, d);
    for (auto& r : o.replies) queue_b2a.push_back(std::move(r.bytes));
    if (o.handshake) {
      if (in && !in->done())
        extra_inbound.push_back(std::move(o.handshake));
      else
        in = std::move(o.handshake);
      after_bob();
    }
  }

  void after_bob() {
    if (!in) return;
    for (auto& d : in->take_outgoing()) queue_b2a.push_back(std::move(d.bytes));
    if (in->state() == InboundHandshake::State::established && !bob_ctx) {
      bob_ctx = in->take_session();
      if (bob_acks) {
        std::vector<wire::Block> blocks;
        wire::AckBlock ack;
        ack.ack_through = 0;
        blocks.push_back(ack);
        if (bob_ctx->token_to_send)
          blocks.push_back(wire::NewTokenBlock{bob_ctx->token_to_send->expires, bob_ctx->token_to_send->value});
        queue_b2a.push_back(make_data_packet(*bob_ctx, bob_ctx->next_send_packet_number, blocks));
      }
    }
  }

  void to_alice(Bytes d) {
    size_t n = n_b2a++;
    if (drop && drop(false, n, d)) return;
    if (tamper) tamper(false, n, d);
    log_b2a.push_back(d);
    out->on_datagram(alice_now(), bob.ep, d);
    after_alice();
  }

  void after_alice() {
    for (auto& d : out->take_outgoing()) queue_a2b.push_back(std::move(d.bytes));
    if (out->state() == OutboundHandshake::State::established && !alice_ctx) alice_ctx = out->take_session();
  }

  std::vector<Bytes> queue_a2b, queue_b2a;
  void pump() {
    after_alice();
    for (int guard = 0; guard < 1000 && (!queue_a2b.empty() || !queue_b2a.empty()); ++guard) {
      auto a = std::exchange(queue_a2b, {});
      for (auto& d : a) to_bob(std::move(d));
      auto b = std::exchange(queue_b2a, {});
      for (auto& d : b) to_alice(std::move(d));
    }
  }

  // Advances virtual time through the machines' deadlines until Alice is done or `limit`.
  void run(Millis limit = Millis{60000}) {
    pump();
    TimePoint end = now + limit;
    while (!out->done() && now < end) {
      std::optional<TimePoint> next = out->next_deadline();
      if (in && !in->done()) {
        auto b = in->next_deadline();
        if (b && (!next || *b < *next)) next = b;
      }
      if (!next) break;
      Micros step = std::max<Micros>(*next - now, Millis{0});
      now += step;
      out->on_timer(alice_now());
      after_alice();
      if (in && !in->done()) {
        in->on_timer(bob_now());
        after_bob();
      }
      pump();
    }
  }
};

}  // namespace hs_test
