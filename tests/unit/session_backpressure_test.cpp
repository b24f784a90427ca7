// Receiver backpressure under loss (issue 15): large messages both ways over a lossy,
// duplicating, reordering link with a small reassembly memory limit, so that the receiver
// spends much of the run above its soft limit. A packet refused for reassembly room is not
// ACKed; if such a refusal can last for good, the sender gives up after kMaxSends and the
// session ends with "timeout". The tests require that it never does.
#define BOOST_TEST_MODULE session_backpressure
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

#include "session_harness.hpp"

using namespace harness;

namespace {

struct Run {
  uint32_t seed = 1;
  double drop = 0.05, dup = 0.02;
  size_t per_side = 600;
  size_t max_size = 61440;
  size_t reassembly_limit = 256 * 1024;
  int min_delay_ms = 1, max_delay_ms = 3;  // as impaired_link.py: RTT far below the minimum RTO
};

void exchange(const Run& r) {
  LinkConfig cfg;
  cfg.drop = r.drop;
  cfg.duplicate = r.dup;
  cfg.min_delay_ms = r.min_delay_ms;
  cfg.max_delay_ms = r.max_delay_ms;  // jitter: reordering
  cfg.seed = r.seed;
  Pair p(cfg);
  auto ca = context(true, p.now);
  auto cb = context(false, p.now);
  ca.reassembly_limit = cb.reassembly_limit = r.reassembly_limit;
  p.a = DataSession(ca);
  p.b = DataSession(cb);

  std::mt19937 sizes(r.seed * 31 + 7);
  std::map<uint32_t, I2npMessage> sent_a, sent_b;
  size_t queued_a = 0, queued_b = 0;
  // Keeps both send queues topped up (they hold at most kMaxQueuedMessages).
  auto top_up = [&](DataSession& s, size_t& queued, uint32_t base, std::map<uint32_t, I2npMessage>& sent) {
    while (queued < r.per_side) {
      size_t len = 1 + sizes() % r.max_size;
      auto m = message(base + uint32_t(queued), len, p.now, 240);
      if (s.queue_message(p.now, m, m.id) != QueueResult::queued) break;
      sent[m.id] = std::move(m);
      ++queued;
    }
  };

  TimePoint limit = p.now + Millis{600'000};
  size_t steps = 0;
  while (p.now < limit && (p.fb_a.size() < r.per_side || p.fb_b.size() < r.per_side)) {
    if (p.a.state() != DataSession::State::active || p.b.state() != DataSession::State::active) break;
    top_up(p.a, queued_a, 100'000, sent_a);
    top_up(p.b, queued_b, 500'000, sent_b);
    p.collect();
    if (!p.step(limit)) break;
    ++steps;
  }

  auto& ma = p.a.metrics();
  auto& mb = p.b.metrics();
  BOOST_TEST_MESSAGE("seed " << r.seed << " virtual ms " << (to_ms(p.now) - 1000) << " steps " << steps
                     << " datagrams " << p.datagrams << " resends a " << ma.retransmissions << " b "
                     << mb.retransmissions << " backpressure drops a "
                     << ma.dropped(DropReason::reassembly_backpressure) << " b "
                     << mb.dropped(DropReason::reassembly_backpressure) << " delivered a->b "
                     << p.got_b.size() << " b->a " << p.got_a.size());
  for (auto* ev : {&p.ev_a, &p.ev_b})
    for (auto& e : *ev)
      if (auto* t = std::get_if<Terminated>(&e))
        BOOST_TEST_MESSAGE("terminated on " << (ev == &p.ev_a ? "a" : "b") << " reason "
                           << int(t->reason) << " by_peer " << t->by_peer);

  BOOST_TEST(count_events<Terminated>(p.ev_a) == 0u);
  BOOST_TEST(count_events<Terminated>(p.ev_b) == 0u);
  BOOST_TEST((p.a.state() == DataSession::State::active));
  BOOST_TEST((p.b.state() == DataSession::State::active));

  BOOST_TEST(sent_a.size() == r.per_side);
  BOOST_TEST(sent_b.size() == r.per_side);
  BOOST_TEST_CONTEXT("a->b") { check_exactly_once(p.got_b, sent_a, p.fb_a); }
  BOOST_TEST_CONTEXT("b->a") { check_exactly_once(p.got_a, sent_b, p.fb_b); }
  // The run must really have exercised backpressure, or it proves nothing.
  BOOST_TEST(ma.dropped(DropReason::reassembly_backpressure) +
                 mb.dropped(DropReason::reassembly_backpressure) >
             0u);
}

}  // namespace

BOOST_AUTO_TEST_CASE(large_messages_both_ways_small_reassembly_limit_seed_1) { exchange({.seed = 1}); }
BOOST_AUTO_TEST_CASE(large_messages_both_ways_small_reassembly_limit_seed_2) { exchange({.seed = 2}); }
BOOST_AUTO_TEST_CASE(large_messages_both_ways_small_reassembly_limit_seed_3) { exchange({.seed = 3}); }
