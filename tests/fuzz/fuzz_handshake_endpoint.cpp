// Every handshake message into the sans-IO HandshakeEndpoint (transport/handshake/endpoint.hpp)
// in both roles. Bob's endpoint gets FuzzAlice's crafted Token Requests / Session Requests /
// Session Confirmed (handshake_fuzz.hpp) and raw datagrams; a second real endpoint (Carol)
// connects to Bob and Bob to Carol (crossed connects, replacements), over a network the fuzzer
// controls: each datagram in flight is delivered, dropped, duplicated or mutated. Retry,
// Session Created and Data into the outbound side come from Bob's real answers and their
// mutations. Checks: every established session names the router whose static key it proved;
// the session table and pending table stay within their limits; every handshake ends.
#include <deque>

#include "handshake_fuzz.hpp"
#include "transport/handshake/endpoint.hpp"

using namespace fuzz;

namespace {

enum Op : uint8_t {
  kTokenRequest, kSessionRequest, kSessionConfirmed, kRaw,  // FuzzAlice -> Bob
  kConnectCarol, kConnectBob,                               // connects
  kDeliver, kDeliverMutated, kDrop, kDuplicate,             // the datagram in flight first
  kAdvance, kCloseSession, kGoneSession,
  kOpCount
};

const Router& bob() {
  static const Router r = make_router(1, ssu2::Address::v4(198, 18, 1, 1, 9001));
  return r;
}
const Router& alice() {
  static const Router r = make_router(2, ssu2::Address::v4(198, 18, 2, 2, 9002));
  return r;
}
const Router& carol() {
  static const Router r = make_router(3, ssu2::Address::v4(198, 18, 3, 3, 9003));
  return r;
}

// Data packet 0 of a new inbound session: an ACK of Session Confirmed.
Bytes first_data_packet(const SessionContext& ctx) {
  wire::AckBlock ack;
  auto body = wire::emit_blocks({ack});
  FUZZ_CHECK(body.ok());
  wire::ShortHeader h;
  h.dest_conn_id = ctx.their_conn_id;
  h.packet_number = ctx.next_send_packet_number;
  h.type = uint8_t(wire::MessageType::Data);
  auto clear = wire::encode(h);
  auto ct = crypto::aead_encrypt(ctx.send.data, h.packet_number, ByteSpan{clear}, *body);
  FUZZ_CHECK(ct.ok());
  Bytes pkt(clear.begin(), clear.end());
  pkt.insert(pkt.end(), ct->begin(), ct->end());
  FUZZ_CHECK(wire::protect_short(MutByteSpan{pkt}, ctx.peer_intro_key, ctx.send.header2).ok());
  return pkt;
}

struct InFlight {
  ssu2::Address from;
  Datagram d;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  TimePoint now{0};
  auto wall = [&] { return kWall + uint32_t(to_ms(now) / 1000); };
  auto clocks = [&] { return Now{now, wall()}; };
  EndpointLimits limits = EndpointLimits::for_sessions(8, 4);
  HandshakeEndpoint b(Config{}, bob().local, limits, seeded_random(11));
  HandshakeEndpoint c(Config{}, carol().local, limits, seeded_random(12));
  FuzzAlice fa{alice(), remote_of(bob())};
  std::deque<InFlight> net;  // between Bob and Carol
  std::vector<uint64_t> b_sessions, c_sessions;

  auto check_done = [&](const HandshakeDone& d, const Router& peer) {
    FUZZ_LOG("done: outbound %d session %d reason '%s'\n", d.outbound, d.session.has_value(), d.reason.c_str());
    if (!d.session) return;
    FUZZ_CHECK(d.reason.empty());
    FUZZ_CHECK(d.session->our_conn_id == d.conn_id);
    FUZZ_CHECK(d.session->peer_hash == d.router);
    // The only routers that can finish a handshake here: the peer, or (at Bob) Alice.
    if (d.router == alice().ri.hash())
      FUZZ_CHECK(d.session->peer_static_key == alice().keys.x25519_pub);
    else
      FUZZ_CHECK(d.router == peer.ri.hash() && d.session->peer_static_key == peer.keys.x25519_pub);
  };
  auto pump = [&](HandshakeEndpoint& e, const Router& self, const Router& peer,
                  std::vector<uint64_t>& sessions) {
    while (auto ev = e.poll_event()) {
      if (auto* d = std::get_if<HandshakeDone>(&*ev)) {
        check_done(*d, peer);
        if (d->session && sessions.size() < 64) sessions.push_back(d->conn_id);
        // Stand in for Bob's new session: its first Data packet ACKs Session Confirmed,
        // which is what switches Alice to the data phase.
        if (d->session && !d->outbound && d->peer == peer.ep && net.size() < 256)
          net.push_back(InFlight{self.ep, Datagram{d->peer, first_data_packet(*d->session)}});
      }
    }
    while (auto t = e.poll_transmit()) {
      FUZZ_CHECK(t->bytes.size() <= wire::kMaxPacketLenV4);
      if (t->to == alice().ep)
        fa.on_reply(t->bytes);
      else if (net.size() < 256)
        net.push_back(InFlight{self.ep, std::move(*t)});
    }
    auto st = e.stats();
    FUZZ_CHECK(e.pending() <= limits.max_pending);
    FUZZ_CHECK(st.open_sessions <= limits.max_sessions);
  };
  auto pump_all = [&] {
    pump(b, bob(), carol(), b_sessions);
    pump(c, carol(), bob(), c_sessions);
  };
  auto deliver = [&](HandshakeEndpoint& e, const Router& to, const ssu2::Address& from, ByteSpan d) {
    auto id = wire::peek_dest_conn_id(d, to.keys.intro_key);
    auto r = e.on_datagram(clocks(), from, id ? *id : 0, d);
    if (r.what == Disposition::to_session) FUZZ_CHECK(e.has_session(r.session));
    pump_all();
  };
  auto deliver_flight = [&](InFlight f) {
    if (f.d.to == bob().ep) deliver(b, bob(), f.from, f.d.bytes);
    else if (f.d.to == carol().ep) deliver(c, carol(), f.from, f.d.bytes);
  };

  for (int step = 0; step < 96 && !in.empty(); ++step) {
    const uint8_t op = in.u8() % kOpCount;
    switch (op) {
      case kTokenRequest: deliver(b, bob(), alice().ep, fa.token_request(in, wall())); break;
      case kSessionRequest: deliver(b, bob(), alice().ep, fa.session_request(in, wall())); break;
      case kSessionConfirmed:
        for (auto& f : fa.session_confirmed(in, wall())) deliver(b, bob(), alice().ep, f);
        break;
      case kRaw: {
        uint8_t who = in.u8();
        ssu2::Address from = (who & 1) ? carol().ep : alice().ep;
        uint64_t conn = (who & 2) ? in.u64() : 0;
        auto chunk = in.chunk();
        if (who & 2) {
          (void)b.on_datagram(clocks(), from, conn, chunk);
          pump_all();
        } else {
          deliver(b, bob(), from, chunk);
        }
        break;
      }
      case kConnectCarol: {
        auto r = c.connect(clocks(), remote_of(bob()));
        (void)r;
        pump_all();
        break;
      }
      case kConnectBob: {
        auto r = b.connect(clocks(), remote_of(carol()));
        (void)r;
        pump_all();
        break;
      }
      case kDeliver:
      case kDeliverMutated:
      case kDrop:
      case kDuplicate: {
        if (net.empty()) break;
        InFlight f = std::move(net.front());
        net.pop_front();
        if (op == kDrop) break;
        if (op == kDuplicate) deliver_flight(f);
        if (op == kDeliverMutated) mutate(in, f.d.bytes);
        deliver_flight(std::move(f));
        break;
      }
      case kAdvance: {
        now += Millis(in.u16() * 4);
        b.on_timeout(clocks());
        c.on_timeout(clocks());
        pump_all();
        break;
      }
      case kCloseSession: {
        auto& v = (in.u8() & 1) ? b_sessions : c_sessions;
        auto& e = (&v == &b_sessions) ? b : c;
        if (!v.empty()) e.on_session_closed(v[in.u8() % v.size()]);
        break;
      }
      case kGoneSession: {
        auto& v = (in.u8() & 1) ? b_sessions : c_sessions;
        auto& e = (&v == &b_sessions) ? b : c;
        if (!v.empty()) {
          size_t i = in.u8() % v.size();
          e.on_session_gone(v[i]);
          v.erase(v.begin() + ptrdiff_t(i));
        }
        break;
      }
    }
  }
  // Every pending handshake ends within its timeout.
  for (int i = 0; i < 100; ++i) {
    auto tb = b.poll_timeout(), tc = c.poll_timeout();
    if (!tb && !tc) break;
    TimePoint next = std::min(tb.value_or(TimePoint::max()), tc.value_or(TimePoint::max()));
    now = std::max(now, next);
    b.on_timeout(clocks());
    c.on_timeout(clocks());
    net.clear();
    pump_all();
  }
  FUZZ_CHECK(b.pending() == 0 && c.pending() == 0);
  return 0;
}
