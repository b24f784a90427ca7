// The sans-IO handshake core's own cost per handshake, both sides in one process: N routers
// (Alice) connect to one Bob through HandshakeEndpoint, datagrams passed in memory, Bob's
// stand-in session ACKing Session Confirmed. Prints microseconds of CPU per completed
// handshake for the whole exchange (Alice + Bob) and, as the baseline of the same run, the
// cost of the handshake's cryptography alone (3 X25519 on each side, 1 Ed25519 verify).
//
//   build/bench_handshake_core [N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <map>
#include <memory>

#include "transport/handshake/endpoint.hpp"
#include "transport/i2p/router_info.hpp"
#include "transport/i2p/router_keys.hpp"
#include "transport/ssu2/blocks.hpp"
#include "transport/ssu2/header.hpp"

using namespace ssu2;
using namespace ssu2::handshake;

namespace {

double cpu_us() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

struct Router {
  i2p::RouterKeys keys;
  i2p::RouterInfo ri;
  std::shared_ptr<LocalIdentity> local;
  ssu2::Address ep;
};

Router make_router(ssu2::Address ep) {
  Router r;
  r.ep = ep;
  r.keys = i2p::RouterKeys::generate();
  i2p::OwnRouterInfoParams p;
  p.host = ep.host();
  p.port = ep.port;
  p.mtu = 1500;
  p.net_id = 2;
  p.published_ms = uint64_t(std::time(nullptr)) * 1000;
  auto ri = i2p::make_own_router_info(r.keys, p);
  if (!ri) std::abort();
  r.ri = std::move(*ri);
  r.local = std::make_shared<LocalIdentity>();
  r.local->static_priv = r.keys.x25519_priv;
  r.local->static_pub = r.keys.x25519_pub;
  r.local->intro_key = r.keys.intro_key;
  r.local->router_hash = r.ri.hash();
  r.local->router_info = *r.ri.serialize();
  return r;
}

RemoteRouter remote_of(const Router& r) {
  RemoteRouter x;
  x.address = r.ep;
  x.static_key = r.keys.x25519_pub;
  x.intro_key = r.keys.intro_key;
  x.router_hash = r.ri.hash();
  x.mtu = 1500;
  return x;
}

// Bob's session's first Data packet (ACK of Session Confirmed), as the session core sends it.
Bytes ack0(const SessionContext& ctx) {
  wire::AckBlock ack;
  ack.ack_through = 0;
  auto body = wire::emit_blocks({ack});
  wire::ShortHeader h;
  h.dest_conn_id = ctx.their_conn_id;
  h.packet_number = ctx.next_send_packet_number;
  h.type = uint8_t(wire::MessageType::Data);
  auto clear = wire::encode(h);
  auto ct = crypto::aead_encrypt(ctx.send.data, h.packet_number, ByteSpan{clear}, *body);
  Bytes pkt(clear.begin(), clear.end());
  pkt.insert(pkt.end(), ct->begin(), ct->end());
  (void)wire::protect_short(MutByteSpan{pkt}, ctx.peer_intro_key, ctx.send.header2);
  return pkt;
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 500;
  Router bob = make_router(ssu2::Address::v4(127, 0, 0, 1, 9000));
  auto lim = EndpointLimits::for_sessions(size_t(n) + 10, size_t(n) + 10);
  lim.admission.session_requests_per_s = lim.admission.session_request_burst = 1e9;
  lim.admission.token_requests_per_s = lim.admission.token_request_burst = 1e9;
  lim.admission.max_pending_per_prefix = uint32_t(n) + 10;
  HandshakeEndpoint b(Config{}, bob.local, lim);
  std::vector<Router> alices;
  std::vector<std::unique_ptr<HandshakeEndpoint>> as;
  for (int i = 0; i < n; ++i) {
    alices.push_back(make_router(ssu2::Address::v4(127, 1, uint8_t(i >> 8), uint8_t(i), 9001)));
    as.push_back(std::make_unique<HandshakeEndpoint>(Config{}, alices.back().local, EndpointLimits{}));
  }
  std::map<ssu2::Address, size_t> index;
  for (int i = 0; i < n; ++i) index[alices[i].ep] = size_t(i);
  const Now now{TimePoint{0}, uint32_t(std::time(nullptr))};
  int done = 0;

  double t0 = cpu_us();
  for (int i = 0; i < n; ++i) {
    as[i]->connect(now, remote_of(bob));
    std::deque<std::pair<bool, Datagram>> q;  // (to_bob, datagram)
    auto pull = [&](HandshakeEndpoint& e, bool to_bob) {
      while (auto ev = e.poll_event())
        if (auto* d = std::get_if<HandshakeDone>(&*ev)) {
          if (d->session && !d->outbound) q.push_back({false, Datagram{d->peer, ack0(*d->session)}});
          if (d->session && d->outbound) ++done;
        }
      while (auto d = e.poll_transmit()) q.push_back({to_bob, std::move(*d)});
    };
    pull(*as[i], true);
    for (int guard = 0; !q.empty() && guard < 100; ++guard) {
      auto [to_bob, d] = std::move(q.front());
      q.pop_front();
      if (to_bob) {
        auto id = wire::peek_dest_conn_id(d.bytes, bob.local->intro_key);
        b.on_datagram(now, alices[i].ep, id ? *id : 0, d.bytes);
        pull(b, false);
      } else {
        auto id = wire::peek_dest_conn_id(d.bytes, alices[i].local->intro_key);
        as[i]->on_datagram(now, bob.ep, id ? *id : 0, d.bytes);
        pull(*as[i], true);
      }
    }
  }
  double core = (cpu_us() - t0) / std::max(done, 1);

  // Baseline: the cryptography of one handshake, both sides (6 X25519 key agreements,
  // 2 ephemeral key generations, 1 Ed25519 verify of Alice's RouterInfo).
  double t1 = cpu_us();
  for (int i = 0; i < n; ++i) {
    auto e1 = crypto::x25519_generate();
    auto e2 = crypto::x25519_generate();
    for (int k = 0; k < 3; ++k) {
      (void)crypto::x25519_dh(e1.priv, e2.pub);
      (void)crypto::x25519_dh(e2.priv, e1.pub);
    }
    (void)alices[size_t(i)].ri.verify();
  }
  double crypto_us = (cpu_us() - t1) / n;
  std::printf("{\"handshakes\":%d,\"core_us_per_handshake_both_sides\":%.1f,"
              "\"crypto_us_per_handshake_both_sides\":%.1f,\"ratio\":%.2f}\n",
              done, core, crypto_us, core / crypto_us);
  return done == n ? 0 : 1;
}
