// DataSession under the outbound bandwidth limit (poll_transmit's byte budget, held()), with
// the node's sharing (TokenBucket + BucketShare, transport/common/token_bucket.hpp) driven
// as the session actor drives it, in virtual time: nothing is dropped while held, an idle
// held session does not spin, and two busy sessions under one limit share it evenly.
#define BOOST_TEST_MODULE session_bandwidth_limit
#include "tests/unit/session_harness.hpp"

#include <memory>

#include "transport/common/token_bucket.hpp"

using namespace harness;

namespace {

// One sending session (Alice) and its receiver (Bob) on a 5 ms link, Alice's output under a
// BucketShare of a shared bucket, Bob's (ACKs) unlimited.
struct Flow {
  explicit Flow(TokenBucket* bucket, TimePoint now)
      : tx(context(true, now)), rx(context(false, now)), share(bucket) {}
  DataSession tx, rx;
  BucketShare<TokenBucket> share;
  std::optional<TimePoint> token_wake;
  uint32_t next_id = 1;
  size_t outstanding = 0;
  uint64_t body_bytes_in = 0, sent_bytes = 0;
  size_t received = 0, delivered = 0, failed = 0, holds = 0;
};

constexpr Millis kDelay{5};
constexpr size_t kMsg = 3000;  // three packets each

struct World {
  TimePoint now{Millis{1000}};
  TokenBucket bucket;
  std::vector<std::unique_ptr<Flow>> flows;
  struct Dgram {
    Flow* f;
    bool to_rx;
    Bytes bytes;
  };
  std::multimap<TimePoint, Dgram> wire;

  explicit World(uint64_t rate, size_t n) : bucket(TokenBucket::for_rate(rate)) {
    for (size_t i = 0; i < n; ++i) flows.push_back(std::make_unique<Flow>(&bucket, now));
  }

  void top_up(Flow& f) {
    while (f.outstanding < 64) {
      BOOST_REQUIRE(f.tx.queue_message(now, message(f.next_id, kMsg, now), f.next_id) ==
                    QueueResult::queued);
      ++f.next_id;
      ++f.outstanding;
    }
  }
  // What the session actor's drain does.
  void drain_tx(Flow& f) {
    size_t budget = f.share.open(now), used = 0;
    TransmitBatch batch;
    for (;;) {
      batch.clear();
      size_t n = f.tx.poll_transmit(now, batch, 64, budget - std::min(budget, used));
      for (auto& d : batch) {
        used += d.bytes.size();
        wire.emplace(now + kDelay, Dgram{&f, true, d.bytes});
      }
      if (n < 64 || f.tx.held()) break;
    }
    f.sent_bytes += used;
    if (f.tx.held()) ++f.holds;
    f.token_wake = f.share.close(now, used, f.tx.held());
    while (auto e = f.tx.poll_event())
      if (auto* r = std::get_if<DeliveryResult>(&*e)) {
        --f.outstanding;
        (r->delivered ? f.delivered : f.failed)++;
      }
    top_up(f);
  }
  void drain_rx(Flow& f) {
    for (auto& d : f.rx.take_datagrams()) wire.emplace(now + kDelay, Dgram{&f, false, std::move(d.bytes)});
    while (auto e = f.rx.poll_event())
      if (auto* m = std::get_if<MessageReceived>(&*e)) {
        ++f.received;
        f.body_bytes_in += m->message.body.size();
      }
  }
  std::optional<TimePoint> tx_wake(Flow& f) {
    auto w = f.tx.next_wakeup();
    if (f.token_wake && (!w || *f.token_wake < *w)) w = f.token_wake;
    return w;
  }
  void run_until(TimePoint end) {
    for (auto& f : flows) {
      top_up(*f);
      drain_tx(*f);
      drain_rx(*f);
    }
    for (size_t i = 0; i < 3'000'000; ++i) {
      std::optional<TimePoint> next;
      auto consider = [&](std::optional<TimePoint> t) { if (t && (!next || *t < *next)) next = t; };
      if (!wire.empty()) consider(wire.begin()->first);
      for (auto& f : flows) {
        consider(tx_wake(*f));
        consider(f->rx.next_wakeup());
      }
      BOOST_REQUIRE(next);
      if (*next > end) break;
      // Time always moves on or something is due now: a held session never asks to be
      // woken in the past over and over (that would be a busy loop in the node).
      now = std::max(now, *next);
      if (!wire.empty() && wire.begin()->first <= now) {
        auto d = std::move(wire.begin()->second);
        wire.erase(wire.begin());
        if (d.to_rx) {
          d.f->rx.on_datagram(now, d.bytes, kAddrA);
          drain_rx(*d.f);
        } else {
          d.f->tx.on_datagram(now, d.bytes, kAddrB);
          drain_tx(*d.f);
        }
        continue;
      }
      for (auto& f : flows) {
        if (auto w = f->tx.next_wakeup(); w && *w <= now) f->tx.on_timer(now);
        if (auto w = tx_wake(*f); w && *w <= now) drain_tx(*f);
        if (auto w = f->rx.next_wakeup(); w && *w <= now) {
          f->rx.on_timer(now);
          drain_rx(*f);
        }
      }
    }
    now = end;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(held_packets_wait_and_nothing_is_lost) {
  DataSession a(context(true, TimePoint{Millis{1000}}));
  TimePoint now{Millis{1000}};
  for (uint32_t id = 1; id <= 10; ++id)
    BOOST_REQUIRE(a.queue_message(now, message(id, kMsg, now), id) == QueueResult::queued);
  TransmitBatch batch;
  // No budget: nothing ack-eliciting is built, and the session says it holds packets.
  BOOST_TEST(a.poll_transmit(now, batch, 64, 0) == 0u);
  BOOST_TEST(a.held());
  // Held: no send deadline in the past (the caller wakes it when tokens come).
  auto w = a.next_wakeup();
  BOOST_TEST((!w || *w > now));
  // A budget of 2000 bytes: two packets (the second overdraws), still held.
  batch.clear();
  BOOST_TEST(a.poll_transmit(now, batch, 64, 2000) == 2u);
  BOOST_TEST(a.held());
  // Unlimited: more goes out (as far as the window allows) and nothing is held.
  batch.clear();
  BOOST_TEST(a.poll_transmit(now, batch, 64) >= 1u);
  BOOST_TEST(!a.held());
}

BOOST_AUTO_TEST_CASE(one_session_sends_at_the_limit_and_delivers_everything) {
  const uint64_t rate = 200 * 1024;
  World w(rate, 1);
  w.run_until(TimePoint{Millis{11'000}});  // 10 s
  auto& f = *w.flows[0];
  BOOST_TEST(f.failed == 0u);
  BOOST_TEST(f.holds > 100u);
  // What left is the rate over 10 s, plus at most the initial burst and a packet or two.
  BOOST_TEST(double(f.sent_bytes) <= 10.0 * rate + w.bucket.burst() + 3000);
  BOOST_TEST(double(f.sent_bytes) >= 10.0 * rate * 0.97);
  // Every message was delivered once, in full (the last ones may still be on their way).
  BOOST_TEST(f.received + 64 >= f.next_id - 1);
  BOOST_TEST(f.delivered + 64 >= f.next_id - 1);
  BOOST_TEST(f.body_bytes_in == f.received * kMsg);
}

BOOST_AUTO_TEST_CASE(two_busy_sessions_share_the_limit_evenly) {
  const uint64_t rate = 200 * 1024;
  World w(rate, 2);
  w.run_until(TimePoint{Millis{11'000}});
  auto& a = *w.flows[0];
  auto& b = *w.flows[1];
  BOOST_TEST(a.failed + b.failed == 0u);
  uint64_t total = a.sent_bytes + b.sent_bytes;
  BOOST_TEST(double(total) <= 10.0 * rate + w.bucket.burst() + 6000);
  BOOST_TEST(double(total) >= 10.0 * rate * 0.97);
  double ratio = double(a.body_bytes_in) / double(b.body_bytes_in);
  BOOST_TEST_MESSAGE("bytes received " << a.body_bytes_in << " / " << b.body_bytes_in);
  BOOST_TEST(ratio > 0.9);
  BOOST_TEST(ratio < 1.1);
}
