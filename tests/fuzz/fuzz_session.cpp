// Data packets into a DataSession (transport/session/session.hpp), Bob's side of a session
// whose keys the target knows, so the fuzzer's payloads are sealed and header-protected as
// Alice would send them and reach block dispatch (ACKs, fragments, I2NP, Termination, path
// challenges, control blocks, ...). The input is a list of operations (see Op); between them
// virtual time moves. Checks: every datagram the session sends opens with Alice's receive keys
// and parses; every delivered message is complete; the outbound queue stays bounded.
#include <map>

#include "fuzz_common.hpp"
#include "transport/session/session.hpp"
#include "transport/ssu2/header.hpp"

using namespace ssu2;
using namespace ssu2::session;

namespace {

enum Op : uint8_t {
  kData,           // pn(2) flags(1) payload(chunk): a sealed Data packet from Alice's address
  kDataFrom,       // port(2) pn(2) flags(1) payload(chunk): the same from another address
  kRaw,            // chunk: the bytes as they are
  kConfirmed,      // pn(2) payload(chunk): a type 2 packet under the Session Confirmed key
  kBatch,          // n(1), then n x (pn(2) payload(chunk)): one read burst
  kAdvance,        // ms(2): time passes, timers fire when due
  kQueue,          // size(2) ttl(1): an outbound I2NP message
  kPoll,           // max(1): poll_transmit
  kSendBlocks,     // chunk: control blocks (parsed from the chunk) via send_blocks
  kTerminate,      // reason(1)
  kOpCount
};

crypto::Key32 key(uint8_t v) {
  crypto::Key32 k;
  k.bytes.fill(v);
  return k;
}

const ssu2::Address kAlice = ssu2::Address::v4(198, 18, 0, 1, 1111);
constexpr uint64_t kUnixStartMs = 1'700'000'000'000ull;
const DirectionKeys kAliceToBob{key(1), key(3), key(4)};
const DirectionKeys kBobToAlice{key(2), key(5), key(6)};
const crypto::Key32 kConfirmedKey = key(7);

SessionContext bob_context(TimePoint now) {
  SessionContext c;
  c.now = now;
  c.unix_ms_at_now = kUnixStartMs + uint64_t(to_ms(now));
  c.peer = kAlice;
  c.our_conn_id = 0xB;
  c.their_conn_id = 0xA;
  c.send = kBobToAlice;
  c.receive = kAliceToBob;
  c.ack_session_confirmed = true;
  c.session_confirmed_header_key = kConfirmedKey;
  c.random = fuzz::seeded_random(42);
  return c;
}

Bytes seal(const crypto::Key32& k_data, const crypto::Key32& h1, const crypto::Key32& h2,
           uint64_t conn, uint32_t pn, uint8_t type, uint8_t flags, ByteSpan payload) {
  Bytes pl(payload.begin(), payload.end());
  if (pl.size() < wire::kMinPayloadLen) {  // a padding block up to the minimum
    size_t n = pl.size() + 3 >= wire::kMinPayloadLen ? 0 : wire::kMinPayloadLen - pl.size() - 3;
    pl.push_back(254);
    pl.push_back(0);
    pl.push_back(uint8_t(n));
    pl.insert(pl.end(), n, 0);
  }
  wire::ShortHeader h;
  h.dest_conn_id = conn;
  h.packet_number = pn;
  h.type = type;
  h.flags[0] = flags;
  Bytes pkt(wire::kShortHeaderLen + pl.size() + crypto::kTagLen);
  wire::encode_to(h, pkt.data());
  std::copy(pl.begin(), pl.end(), pkt.begin() + wire::kShortHeaderLen);
  FUZZ_CHECK(crypto::aead_encrypt(k_data, pn, ByteSpan(pkt.data(), wire::kShortHeaderLen),
                                  pkt.data() + wire::kShortHeaderLen, pl.size()).ok());
  FUZZ_CHECK(wire::protect_short(pkt, h1, h2).ok());
  return pkt;
}

Bytes data_packet(uint32_t pn, uint8_t flags, ByteSpan payload) {
  return seal(kAliceToBob.k_data, kAliceToBob.k_header_1, kAliceToBob.k_header_2, 0xB, pn,
              uint8_t(wire::MessageType::Data), flags, payload);
}

// What Alice would do with a datagram from Bob: it must open and parse.
void check_sent(ByteSpan dgram) {
  Bytes buf(dgram.begin(), dgram.end());
  auto h = wire::unprotect_short(buf, kBobToAlice.k_header_1, kBobToAlice.k_header_2);
  FUZZ_CHECK(h.ok());
  FUZZ_CHECK(h->dest_conn_id == 0xA);
  FUZZ_CHECK(h->type == uint8_t(wire::MessageType::Data));
  auto pt = crypto::aead_decrypt(kBobToAlice.k_data, h->packet_number,
                                 ByteSpan(buf.data(), wire::kShortHeaderLen),
                                 ByteSpan(buf).subspan(wire::kShortHeaderLen));
  FUZZ_CHECK(pt.ok());
  FUZZ_CHECK(wire::parse_blocks(*pt).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in(data, size);
  TimePoint now{Millis{1000}};
  DataSession s(bob_context(now));
  TransmitBatch batch;
  uint32_t next_id = 1;

  auto drain = [&] {
    for (auto& d : s.take_datagrams()) check_sent(d.bytes);
    while (auto e = s.poll_event())
      if (auto* m = std::get_if<ssu2::session::MessageReceived>(&*e))
        FUZZ_CHECK(m->message.body.size() <= 65535 * 64);
    FUZZ_CHECK(s.metrics().queued <= DataSession::kMaxQueuedMessages);
  };

  for (int step = 0; step < 200 && !in.empty(); ++step) {
    switch (in.u8() % kOpCount) {
      case kData: {
        uint32_t pn = in.u16();
        uint8_t flags = in.u8();
        s.on_datagram(now, data_packet(pn, flags, in.chunk()), kAlice);
        break;
      }
      case kDataFrom: {
        ssu2::Address from = ssu2::Address::v4(198, 18, 0, 2, in.u16());
        uint32_t pn = in.u16();
        uint8_t flags = in.u8();
        s.on_datagram(now, data_packet(pn, flags, in.chunk()), from);
        break;
      }
      case kRaw:
        s.on_datagram(now, in.chunk(), kAlice);
        break;
      case kConfirmed: {
        uint32_t pn = in.u16();
        auto pkt = seal(key(9), kAliceToBob.k_header_1, kConfirmedKey, 0xB, pn,
                        uint8_t(wire::MessageType::SessionConfirmed), 0x01, in.chunk());
        s.on_datagram(now, pkt, kAlice);
        break;
      }
      case kBatch: {
        size_t n = in.u8() % 16;
        std::vector<Bytes> pkts;
        for (size_t i = 0; i < n; ++i) {
          uint32_t pn = in.u16();
          pkts.push_back(data_packet(pn, 0, in.chunk()));
        }
        std::vector<InDatagram> ins;
        for (auto& p : pkts) ins.push_back(InDatagram{MutByteSpan(p), kAlice});
        s.on_datagrams(now, ins);
        break;
      }
      case kAdvance: {
        now += Millis(in.u16());
        if (auto w = s.next_wakeup(); w && *w <= now) s.on_timer(now);
        break;
      }
      case kQueue: {
        I2npMessage m;
        m.type = 20;
        m.id = next_id++;
        uint8_t ttl = in.u8();
        m.expiration = uint32_t((kUnixStartMs + uint64_t(to_ms(now))) / 1000 + ttl);
        m.body.assign(in.u16() % 5000, uint8_t(m.id));
        (void)s.queue_message(now, std::move(m), m.id);
        break;
      }
      case kPoll: {
        size_t max = 1 + in.u8() % 64;
        batch.clear();
        size_t got = s.poll_transmit(now, batch, max);
        FUZZ_CHECK(got <= max && got == batch.size());
        for (auto& d : batch) check_sent(d.bytes);
        break;
      }
      case kSendBlocks: {
        auto blocks = wire::parse_blocks(in.chunk());
        if (blocks) (void)s.send_blocks(now, std::move(*blocks));
        break;
      }
      case kTerminate:
        s.terminate(now, wire::TerminationReason(in.u8()));
        break;
    }
    drain();
  }
  // Let the timers run for a while: resends, ACKs, idle and closing timers (a whole run to
  // the end costs thousands of wake-ups per input; the unit tests cover that).
  for (int i = 0; i < 100; ++i) {
    auto w = s.next_wakeup();
    if (!w) break;
    now = std::max(now, *w);
    s.on_timer(now);
    batch.clear();
    s.poll_transmit(now, batch);
    for (auto& d : batch) check_sent(d.bytes);
    drain();
  }
  return 0;
}
