// Every handshake message into Bob's InboundListener and the InboundHandshakes it creates
// (transport/handshake/listener.hpp, inbound.hpp): Token Requests, Session Requests and
// Session Confirmed fragments built by FuzzAlice (handshake_fuzz.hpp) with fuzzed headers and
// payloads, raw datagrams, mutated copies of earlier datagrams, and time passing. Checks: an
// established session belongs to the static key Alice proved in Noise and to her RouterInfo;
// every reply Bob sends is one Alice can open (Retry) or is a Session Created for her.
#include <map>

#include "handshake_fuzz.hpp"
#include "transport/handshake/inbound.hpp"
#include "transport/handshake/listener.hpp"

using namespace fuzz;

namespace {

enum Op : uint8_t { kTokenRequest, kSessionRequest, kSessionConfirmed, kRaw, kReplay, kAdvance, kMove, kOpCount };

const Router& bob() {
  static const Router r = make_router(1, ssu2::Address::v4(198, 18, 1, 1, 9001));
  return r;
}
const Router& alice() {
  static const Router r = make_router(2, ssu2::Address::v4(198, 18, 2, 2, 9002));
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  TimePoint now{0};
  auto wall = [&] { return kWall + uint32_t(to_ms(now) / 1000); };
  auto clocks = [&] { return Now{now, wall()}; };
  Config cfg;
  InboundListener listener(cfg, bob().local, seeded_random(7));
  std::map<uint64_t, std::unique_ptr<InboundHandshake>> pending;  // by our connection ID
  FuzzAlice fa{alice(), remote_of(bob())};
  ssu2::Address from = alice().ep;
  std::vector<Bytes> sent;  // Alice's datagrams, for replays

  auto replies = [&](std::vector<Datagram> out) {
    for (auto& d : out) {
      FUZZ_CHECK(d.bytes.size() <= wire::kMaxPacketLenV4);
      fa.on_reply(d.bytes);
    }
  };
  auto settle = [&] {
    for (auto it = pending.begin(); it != pending.end();) {
      auto& h = *it->second;
      replies(h.take_outgoing());
      if (h.state() == InboundHandshake::State::established) {
        auto s = h.take_session();
        FUZZ_CHECK(s.has_value());
        FUZZ_CHECK(s->peer_static_key == alice().keys.x25519_pub);
        FUZZ_CHECK(s->peer_hash == alice().ri.hash());
        FUZZ_CHECK(s->our_conn_id == h.our_conn_id());
        FUZZ_LOG("bob: established\n");
      }
      if (h.failed()) FUZZ_LOG("bob: handshake failed: %s\n", std::string(to_string(h.failed()->reason)).c_str());
      if (h.done()) it = pending.erase(it);
      else ++it;
    }
  };
  auto to_bob = [&](Bytes d) {
    if (sent.size() < 32) sent.push_back(d);
    auto id = wire::peek_dest_conn_id(d, bob().keys.intro_key);
    if (id) {
      if (auto it = pending.find(*id); it != pending.end()) {
        it->second->on_datagram(clocks(), from, d);
        settle();
        return;
      }
    }
    auto o = listener.on_datagram(clocks(), from, d);
    replies(std::move(o.replies));
    if (o.handshake) {
      uint64_t id2 = o.handshake->our_conn_id();
      FUZZ_CHECK(o.handshake->peer() == from);
      if (pending.size() < 64) pending[id2] = std::move(o.handshake);
    }
    settle();
  };

  for (int step = 0; step < 64 && !in.empty(); ++step) {
    switch (in.u8() % kOpCount) {
      case kTokenRequest: to_bob(fa.token_request(in, wall())); break;
      case kSessionRequest: to_bob(fa.session_request(in, wall())); break;
      case kSessionConfirmed: {
        auto frags = fa.session_confirmed(in, wall());
        uint8_t order = in.u8();
        if (order & 1) std::reverse(frags.begin(), frags.end());
        for (auto& f : frags) to_bob(f);
        break;
      }
      case kRaw: {
        auto c = in.chunk();
        to_bob(Bytes(c.begin(), c.end()));
        break;
      }
      case kReplay: {
        if (sent.empty()) break;
        Bytes d = sent[in.u8() % sent.size()];
        mutate(in, d);
        to_bob(std::move(d));
        break;
      }
      case kAdvance: {
        now += Millis(in.u16());
        for (auto& [id, h] : pending) h->on_timer(clocks());
        settle();
        break;
      }
      case kMove:  // Alice's packets now come from another port
        from = ssu2::Address::v4(198, 18, 2, 2, in.u16());
        break;
    }
  }
  return 0;
}
