// Test harness for DataSession: two sessions wired back to back through a simulated link
// in virtual time. The link can drop, duplicate and reorder datagrams from a seeded RNG.
#pragma once
#include <boost/test/unit_test.hpp>

#include <functional>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "tests/support/seeded_random.hpp"
#include "transport/session/session.hpp"
#include "transport/ssu2/header.hpp"

namespace harness {
using namespace ssu2;
using namespace ssu2::session;

inline crypto::Key32 key(uint8_t v) {
  crypto::Key32 k;
  k.bytes.fill(v);
  return k;
}

inline const ssu2::Address kAddrA = ssu2::Address::v4(10, 0, 0, 1, 1111);
inline const ssu2::Address kAddrB = ssu2::Address::v4(10, 0, 0, 2, 2222);
inline constexpr uint64_t kUnixStartMs = 1'700'000'000'000ull;

// Keys: A->B uses k_ab=1, header keys (B intro 3, 4); B->A uses k_ba=2, (A intro 5, 6).
inline SessionContext context(bool alice, TimePoint now, size_t max_payload = 1200) {
  SessionContext c;
  c.now = now;
  c.unix_ms_at_now = kUnixStartMs + uint64_t(to_ms(now));
  c.max_payload = max_payload;
  DirectionKeys ab{key(1), key(3), key(4)};
  DirectionKeys ba{key(2), key(5), key(6)};
  uint32_t seed = alice ? 11 : 22;
  c.random = ssu2::testing::seeded_random(seed);
  if (alice) {
    c.peer = kAddrB;
    c.our_conn_id = 0xA;
    c.their_conn_id = 0xB;
    c.send = ab;
    c.receive = ba;
    c.first_packet_number = 1;
  } else {
    c.peer = kAddrA;
    c.our_conn_id = 0xB;
    c.their_conn_id = 0xA;
    c.send = ba;
    c.receive = ab;
    c.ack_session_confirmed = true;
    c.session_confirmed_header_key = key(7);
  }
  return c;
}

inline I2npMessage message(uint32_t id, size_t size, TimePoint now, uint32_t ttl_s = 60) {
  I2npMessage m;
  m.type = 20;
  m.id = id;
  m.expiration = uint32_t((kUnixStartMs + uint64_t(to_ms(now))) / 1000 + ttl_s);
  m.body.resize(size);
  for (size_t i = 0; i < size; ++i) m.body[i] = uint8_t(id * 7 + i);
  return m;
}

// Decrypts a datagram the way the peer would (for inspecting what a session sent).
struct Opened {
  wire::ShortHeader header;
  std::vector<wire::Block> blocks;
};
inline std::optional<Opened> open(ByteSpan dgram, const DirectionKeys& k) {
  Bytes buf(dgram.begin(), dgram.end());
  auto h = wire::unprotect_short(buf, k.k_header_1, k.k_header_2);
  if (!h) return std::nullopt;
  auto pt = crypto::aead_decrypt(k.k_data, h->packet_number, ByteSpan(buf.data(), 16),
                                 ByteSpan(buf.data() + 16, buf.size() - 16));
  if (!pt) return std::nullopt;
  auto blocks = wire::parse_blocks(*pt);
  if (!blocks) return std::nullopt;
  return Opened{*h, std::move(*blocks)};
}

// Builds a datagram as the given sender keys would (for injecting crafted packets).
inline Bytes seal(const DirectionKeys& k, uint64_t conn, uint32_t pn, const std::vector<wire::Block>& blocks,
                  bool immediate = false, uint8_t type = 6) {
  auto payload = wire::emit_blocks(blocks);
  Bytes pl = payload.ok() ? *payload : Bytes{};
  while (pl.size() < 8) pl.push_back(0);  // never used with real padding needs in tests
  wire::ShortHeader h;
  h.dest_conn_id = conn;
  h.packet_number = pn;
  h.type = type;
  h.set_immediate_ack(immediate);
  Bytes pkt(16 + pl.size() + 16);
  wire::encode_to(h, pkt.data());
  std::copy(pl.begin(), pl.end(), pkt.begin() + 16);
  (void)crypto::aead_encrypt(k.k_data, pn, ByteSpan(pkt.data(), 16), pkt.data() + 16, pl.size());
  (void)wire::protect_short(pkt, k.k_header_1, k.k_header_2);
  return pkt;
}

// DataSession reports everything through poll_event(), in order. Tests often look at one
// kind at a time: these pull every pending event of a session into a per-session stash and
// hand out one kind, leaving the others for the next call (PollStash outlives the calls).
struct Polled {
  std::vector<I2npMessage> messages;
  std::vector<DeliveryResult> feedback;
  std::vector<Event> control;  // NewTokenReceived, RouterInfoReceived, ControlReceived in order
  std::vector<Event> events;   // the state changes (Terminated, AddressChanged, ...)
};
inline std::map<const DataSession*, Polled>& poll_stash() {
  static std::map<const DataSession*, Polled> m;
  return m;
}
inline Polled& pull(DataSession& s) {
  auto& p = poll_stash()[&s];
  while (auto e = s.poll_event()) {
    if (auto* m = std::get_if<MessageReceived>(&*e)) p.messages.push_back(std::move(m->message));
    else if (auto* r = std::get_if<DeliveryResult>(&*e)) p.feedback.push_back(*r);
    else if (std::holds_alternative<ControlReceived>(*e) || std::holds_alternative<NewTokenReceived>(*e) ||
             std::holds_alternative<RouterInfoReceived>(*e))
      p.control.push_back(std::move(*e));
    else p.events.push_back(std::move(*e));
  }
  return p;
}
inline std::vector<I2npMessage> take_messages(DataSession& s) { return std::exchange(pull(s).messages, {}); }
inline std::vector<DeliveryResult> take_feedback(DataSession& s) { return std::exchange(pull(s).feedback, {}); }
inline std::vector<Event> take_control(DataSession& s) { return std::exchange(pull(s).control, {}); }
// Only the ControlReceived blocks (NAT and other blocks for the caller), in order.
inline std::vector<wire::Block> take_control_blocks(DataSession& s) {
  std::vector<wire::Block> out;
  for (auto& e : take_control(s))
    if (auto* c = std::get_if<ControlReceived>(&e)) out.push_back(std::move(c->block));
  return out;
}
inline std::vector<Event> take_events(DataSession& s) { return std::exchange(pull(s).events, {}); }
// A session that goes away (or is replaced in place) must not hand its events to a later one
// at the same address.
inline void forget_events(const DataSession& s) { poll_stash().erase(&s); }

struct LinkConfig {
  double drop = 0, duplicate = 0;
  int min_delay_ms = 10, max_delay_ms = 10;
  uint32_t seed = 1;
};

struct Pair {
  TimePoint now{Millis{1000}};
  DataSession a{context(true, TimePoint{Millis{1000}})};
  DataSession b{context(false, TimePoint{Millis{1000}})};
  LinkConfig link;
  std::mt19937 rng;
  struct InFlight {
    Bytes bytes;
    bool to_b;
    ssu2::Address from;
  };
  std::multimap<TimePoint, InFlight> wire_;
  std::vector<I2npMessage> got_a, got_b;
  std::vector<DeliveryResult> fb_a, fb_b;
  std::vector<Event> ev_a, ev_b;
  uint64_t datagrams = 0;
  // Optional tap: return false to drop the datagram.
  std::function<bool(const InFlight&)> filter;

  ~Pair() {
    forget_events(a);
    forget_events(b);
  }
  explicit Pair(LinkConfig cfg = {}, size_t max_payload = 1200) : link(cfg), rng(cfg.seed) {
    forget_events(a);
    forget_events(b);
    if (max_payload != 1200) {
      a = DataSession(context(true, now, max_payload));
      b = DataSession(context(false, now, max_payload));
    }
    collect();
  }

  void collect() {
    auto move_out = [&](DataSession& s, bool to_b, const ssu2::Address& from) {
      for (auto& d : s.take_datagrams()) {
        ++datagrams;
        InFlight f{std::move(d.bytes), to_b, from};
        if (filter && !filter(f)) continue;
        std::uniform_real_distribution<double> u(0, 1);
        if (u(rng) < link.drop) continue;
        int copies = u(rng) < link.duplicate ? 2 : 1;
        for (int i = 0; i < copies; ++i) {
          std::uniform_int_distribution<int> delay(link.min_delay_ms, link.max_delay_ms);
          wire_.emplace(now + Millis(delay(rng)), f);
        }
      }
    };
    move_out(a, true, kAddrA);
    move_out(b, false, kAddrB);
    for (auto& m : take_messages(a)) got_a.push_back(std::move(m));
    for (auto& m : take_messages(b)) got_b.push_back(std::move(m));
    for (auto& f : take_feedback(a)) fb_a.push_back(f);
    for (auto& f : take_feedback(b)) fb_b.push_back(f);
    for (auto& e : take_events(a)) ev_a.push_back(e);
    for (auto& e : take_events(b)) ev_b.push_back(e);
  }

  // Advances virtual time to the next event (wire delivery or a session wake-up).
  bool step(TimePoint limit) {
    std::optional<TimePoint> next;
    auto consider = [&](std::optional<TimePoint> t) { if (t && (!next || *t < *next)) next = t; };
    if (!wire_.empty()) consider(wire_.begin()->first);
    consider(a.next_wakeup());
    consider(b.next_wakeup());
    if (!next || *next > limit) {
      now = limit;
      return false;
    }
    now = std::max(now, *next);
    if (!wire_.empty() && wire_.begin()->first <= now) {
      auto f = std::move(wire_.begin()->second);
      wire_.erase(wire_.begin());
      if (f.to_b) b.on_datagram(now, f.bytes, f.from);
      else a.on_datagram(now, f.bytes, f.from);
    } else {
      if (a.next_wakeup() && *a.next_wakeup() <= now) a.on_timer(now);
      if (b.next_wakeup() && *b.next_wakeup() <= now) b.on_timer(now);
    }
    collect();
    return true;
  }
  // Bounded so that a session whose wake-up never advances fails the test instead of hanging.
  void run_until(TimePoint limit) {
    for (size_t i = 0; i < 2'000'000 && step(limit); ++i) {}
  }
  void run_for(Millis d) { run_until(now + d); }
};

// Does any datagram in `out` (sent by the session with `keys`) acknowledge packet `pn`?
inline bool acks(const std::vector<OutDatagram>& out, const DirectionKeys& keys, uint32_t pn) {
  for (auto& d : out)
    if (auto o = open(d.bytes, keys))
      for (auto& b : o->blocks)
        if (auto* a = std::get_if<wire::AckBlock>(&b); a && a->acks(pn)) return true;
  return false;
}

// Every message in `sent` arrived exactly once, unchanged, and its sender got exactly one
// feedback, "delivered".
inline void check_exactly_once(const std::vector<I2npMessage>& got,
                               const std::map<uint32_t, I2npMessage>& sent,
                               const std::vector<DeliveryResult>& fb) {
  std::set<uint32_t> ids;
  for (auto& m : got) {
    BOOST_TEST(ids.insert(m.id).second, "message " << m.id << " delivered twice");
    auto it = sent.find(m.id);
    BOOST_REQUIRE(it != sent.end());
    BOOST_TEST((it->second == m));
  }
  BOOST_TEST(ids.size() == sent.size());
  std::set<uint64_t> answered;
  for (auto& f : fb) {
    BOOST_TEST(answered.insert(f.feedback_id).second);
    BOOST_TEST(f.delivered);
  }
  BOOST_TEST(answered.size() == sent.size());
}

template <class E>
size_t count_events(const std::vector<Event>& ev) {
  size_t n = 0;
  for (auto& e : ev) n += std::holds_alternative<E>(e);
  return n;
}

}  // namespace harness
