#define BOOST_TEST_MODULE session_lossy_link
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

#include "session_harness.hpp"

using namespace harness;

namespace {
void exchange(uint32_t seed, double drop, double dup, size_t per_side) {
  LinkConfig cfg;
  cfg.drop = drop;
  cfg.duplicate = dup;
  cfg.min_delay_ms = 5;
  cfg.max_delay_ms = 60;  // wide jitter: reordering
  cfg.seed = seed;
  Pair p(cfg);
  std::mt19937 sizes(seed * 31 + 1);
  std::map<uint32_t, I2npMessage> sent_a, sent_b;
  for (uint32_t i = 0; i < per_side; ++i) {
    size_t len = 1 + sizes() % (i % 10 == 0 ? 20000 : 1500);
    auto ma = message(100000 + i, len, p.now, 240);
    auto mb = message(200000 + i, len, p.now, 240);
    sent_a[ma.id] = ma;
    sent_b[mb.id] = mb;
    BOOST_REQUIRE((p.a.queue_message(p.now, ma, ma.id) == QueueResult::queued));
    BOOST_REQUIRE((p.b.queue_message(p.now, mb, mb.id) == QueueResult::queued));
  }
  p.collect();
  TimePoint limit = p.now + Millis{300'000};
  while (p.now < limit && (p.fb_a.size() < per_side || p.fb_b.size() < per_side)) p.step(limit);

  BOOST_TEST_MESSAGE("virtual ms " << (to_ms(p.now) - 1000) << " datagrams " << p.datagrams
                     << " resends a " << p.a.metrics().retransmissions << " b "
                     << p.b.metrics().retransmissions << " dup msgs b "
                     << p.b.metrics().duplicate_messages << " replays b "
                     << p.b.metrics().replayed_packets << " window a " << p.a.metrics().window);
  check_exactly_once(p.got_b, sent_a, p.fb_a);
  check_exactly_once(p.got_a, sent_b, p.fb_b);
  BOOST_TEST((p.a.state() == DataSession::State::active));
  BOOST_TEST((p.b.state() == DataSession::State::active));
  BOOST_TEST(p.a.metrics().retransmissions > 0u);
  BOOST_TEST(p.b.metrics().duplicate_messages + p.b.metrics().replayed_packets > 0u);
}
}  // namespace

BOOST_AUTO_TEST_CASE(three_hundred_messages_each_way_exactly_once_seed_1) {
  exchange(1, 0.10, 0.05, 300);
}

BOOST_AUTO_TEST_CASE(heavy_loss_seed_2) { exchange(2, 0.25, 0.10, 200); }
