// Idle sessions cost nothing (issue 14): once everything is delivered and ACKed, a
// DataSession's next wake-up is its next real deadline (the idle timeout), never a periodic
// tick, and that deadline is still honoured. In virtual time.
#define BOOST_TEST_MODULE session_idle
#include <boost/test/unit_test.hpp>

#include "session_harness.hpp"

using namespace harness;

namespace {

// Traffic as a node sees right after a handshake: Bob's NewToken control packet, a few I2NP
// messages each way, then nothing.
void busy_start(Pair& p) {
  BOOST_REQUIRE(p.b.send_blocks(p.now, {wire::NewTokenBlock{1'700'003'600, 0x1234}}).ok());
  for (uint32_t i = 0; i < 5; ++i) {
    BOOST_REQUIRE((p.a.queue_message(p.now, message(10 + i, 3000, p.now)) == QueueResult::queued));
    BOOST_REQUIRE((p.b.queue_message(p.now, message(20 + i, 700, p.now)) == QueueResult::queued));
  }
  p.collect();
  p.run_for(Millis{5000});
  BOOST_REQUIRE(p.got_a.size() == 5u);
  BOOST_REQUIRE(p.got_b.size() == 5u);
}

}  // namespace

BOOST_AUTO_TEST_CASE(idle_session_sleeps_until_its_idle_timeout) {
  Pair p;
  busy_start(p);
  const Millis idle = context(true, p.now).idle_timeout;
  // Everything is ACKed: nothing is due before the idle timeout, on either side.
  for (DataSession* s : {&p.a, &p.b}) {
    BOOST_REQUIRE(s->next_wakeup());
    BOOST_TEST(to_ms(*s->next_wakeup() - p.now) > to_ms(idle - Millis{5000}));
    BOOST_TEST(to_ms(*s->next_wakeup() - p.now) <= to_ms(idle));
  }
  // 300 s of virtual time: no wake-up, no datagram (a 1 s tick would be 300 of each).
  uint64_t datagrams = p.datagrams;
  size_t steps = 0;
  TimePoint end = p.now + Millis{300'000};
  while (steps < 100'000 && p.step(end)) ++steps;
  BOOST_TEST(steps == 0u);
  BOOST_TEST(p.datagrams == datagrams);
  BOOST_TEST(count_events<Terminated>(p.ev_a) == 0u);
  BOOST_TEST(count_events<Terminated>(p.ev_b) == 0u);
}

BOOST_AUTO_TEST_CASE(idle_timeout_is_still_honoured) {
  Pair p;
  busy_start(p);
  TimePoint quiet_since = p.now;
  const Millis idle = context(true, p.now).idle_timeout;
  p.run_for(idle + Millis{1000});
  for (auto* ev : {&p.ev_a, &p.ev_b}) {
    BOOST_REQUIRE(count_events<Terminated>(*ev) == 1u);
    for (auto& e : *ev)
      if (auto* t = std::get_if<Terminated>(&e))
        BOOST_TEST((t->reason == wire::TerminationReason::IdleTimeout));
  }
  // Not before the deadline: at most the 5 s of traffic earlier than `quiet_since`.
  BOOST_TEST(to_ms(p.now - quiet_since) >= to_ms(idle));
}

BOOST_AUTO_TEST_CASE(one_message_wakes_an_idle_session_only_briefly) {
  Pair p;
  busy_start(p);
  p.run_for(Millis{60'000});
  // One message after a minute of silence: a few wake-ups (send, ACK, last bandwidth
  // report), then asleep again until the idle timeout.
  BOOST_REQUIRE((p.a.queue_message(p.now, message(99, 500, p.now)) == QueueResult::queued));
  p.collect();
  p.run_for(Millis{5000});
  BOOST_TEST(p.got_b.size() == 6u);
  size_t steps = 0;
  TimePoint end = p.now + Millis{200'000};
  while (steps < 100'000 && p.step(end)) ++steps;
  BOOST_TEST(steps == 0u);
}
