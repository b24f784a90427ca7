#define BOOST_TEST_MODULE node_two_nodes
#include <boost/test/unit_test.hpp>

// Two complete nodes in one process (one actor system each) talking SSU2 over 127.0.0.1:
// handshake with Token Request / Retry, I2NP both ways with delivery feedback, disconnect,
// reconnect with the New Token (no Retry), and a connection in the other direction.

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "actors/node.hpp"
#include "actors/support/clock.hpp"
#include "tests/support/i2np_data.hpp"
#include "tests/unit/node_harness.hpp"
#include "messages/messages.hpp"

using namespace ssu2d;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

using namespace node_test;

namespace {

using wait_atom = caf::atom_constant<caf::atom("twait")>;
using count_atom = caf::atom_constant<caf::atom("tcount")>;


// Subscribes to a manager's inbound I2NP and counts every message by its I2NP id, keeping
// the bytes so that contents can be compared. (wait_atom, n) answers once n messages came.
struct collector_state {
  std::map<uint32_t, std::vector<std::vector<uint8_t>>> got;
  size_t total = 0;
  std::vector<std::pair<size_t, caf::response_promise>> waiters;
};
caf::behavior collector(caf::stateful_actor<collector_state>* self) {
  return {
    [self](i2np_atom, i2np_message& m) {
      auto& st = self->state;
      BOOST_REQUIRE(m.bytes.size() >= 9);
      uint32_t id = uint32_t(m.bytes[1]) << 24 | uint32_t(m.bytes[2]) << 16 |
                    uint32_t(m.bytes[3]) << 8 | m.bytes[4];
      st.got[id].push_back(std::move(m.bytes));
      st.total++;
      for (auto it = st.waiters.begin(); it != st.waiters.end();) {
        if (st.total >= it->first) {
          it->second.deliver(st.total);
          it = st.waiters.erase(it);
        } else {
          ++it;
        }
      }
    },
    [self](wait_atom, uint64_t n) -> caf::result<size_t> {
      if (self->state.total >= n) return self->state.total;
      auto rp = self->make_response_promise();
      self->state.waiters.emplace_back(size_t(n), rp);
      return rp;
    },
    [self](count_atom) { return self->state.got; },
  };
}

struct Batch {
  std::map<uint32_t, std::vector<uint8_t>> sent;  // id -> bytes
};

// Routes every message of the batch through `manager` with delivery feedback, all at once,
// and returns (delivered, failed) once every request was answered.
std::pair<size_t, size_t> send_batch(caf::actor_system& sys, const subsystem_manager_actor& manager,
                                     const router_hash& to, const Batch& b) {
  caf::scoped_actor self{sys};
  size_t delivered = 0, failed = 0;
  for (auto& [id, bytes] : b.sent)
    self->request(manager, kWait, route_atom::value, i2np_message{to, bytes},
                  confirm_atom::value)
        .receive([&](const delivery_report& r) {
                   BOOST_CHECK(r.peer == to);
                   delivered++;
                 },
                 [&](caf::error& e) {
                   BOOST_TEST_MESSAGE("delivery failed: " << render_node_error(e));
                   failed++;
                 });
  return {delivered, failed};
}

// Same, but with all requests outstanding at the same time (uses the session's window
// and fragmentation for real): a driver actor issues them and reports the totals.
std::pair<size_t, size_t> send_batch_concurrently(caf::actor_system& sys,
                                                  const subsystem_manager_actor& manager,
                                                  const router_hash& to, const Batch& b) {
  caf::scoped_actor self{sys};
  auto report_to = caf::actor_cast<caf::actor>(self);
  auto msgs = std::make_shared<std::vector<std::vector<uint8_t>>>();
  for (auto& [id, bytes] : b.sent) msgs->push_back(bytes);
  auto driver = sys.spawn([=](caf::event_based_actor* d) {
    auto counts = std::make_shared<std::pair<size_t, size_t>>(0, 0);
    auto finish = [=] {
      if (counts->first + counts->second == msgs->size()) {
        d->send(report_to, counts->first, counts->second);
        d->quit();
      }
    };
    for (auto& bytes : *msgs)
      d->request(manager, kWait, route_atom::value, i2np_message{to, bytes},
                 confirm_atom::value)
          .then([=](const delivery_report&) { counts->first++; finish(); },
                [=](caf::error&) { counts->second++; finish(); });
  });
  std::pair<size_t, size_t> out{0, 0};
  bool done = false;
  self->receive([&](size_t delivered, size_t failed) { out = {delivered, failed}; done = true; },
                caf::after(kWait + 5s) >> [&] {});
  if (!done) caf::anon_send_exit(driver, caf::exit_reason::user_shutdown);
  BOOST_REQUIRE_MESSAGE(done, "delivery feedback did not all arrive in time");
  return out;
}

Batch make_batch(uint32_t first_id, size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> size(1, 20 * 1024);
  Batch b;
  for (size_t i = 0; i < n; ++i) b.sent[first_id + uint32_t(i)] = test_support::i2np_data_message(first_id + uint32_t(i), size(rng), unix_now_s(), rng);
  return b;
}

handshake_stats hs_stats(TestNode& n) {
  caf::scoped_actor self{*n.sys};
  handshake_stats out;
  self->request(n.node->handshake(), kWait, handshake_stats_atom::value)
      .receive([&](handshake_stats& s) { out = std::move(s); },
               [&](caf::error& e) { BOOST_FAIL("stats: " << render_node_error(e)); });
  return out;
}

size_t session_count(TestNode& n) {
  caf::scoped_actor self{*n.sys};
  size_t out = 0;
  self->request(n.node->manager(), kWait, sessions_atom::value)
      .receive([&](session_list& l) { out = l.sessions.size(); },
               [&](caf::error& e) { BOOST_FAIL("sessions: " << render_node_error(e)); });
  return out;
}

// Bounded wait for a condition that other actors make true (polls, never asserts on time).
template <class F>
bool eventually(F&& f) {
  auto end = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return f();
}


void disconnect(TestNode& from, const TestNode& to) {
  caf::scoped_actor self{*from.sys};
  self->request(from.node->manager(), kWait, disconnect_atom::value, to.node->hash())
      .receive([&](bool ok) { BOOST_TEST(ok); },
               [&](caf::error& e) { BOOST_FAIL("disconnect: " << render_node_error(e)); });
  // Both ends report the session closed: A at once, B when the Termination arrives.
  BOOST_REQUIRE(eventually([&] { return session_count(from) == 0; }));
  BOOST_REQUIRE(eventually([&] { return hs_stats(from).connected == 0; }));
}

// Every message arrived exactly once, byte for byte, and nothing else arrived.
void check_received(caf::actor_system& sys, const caf::actor& coll, const Batch& b,
                    size_t expected_total) {
  caf::scoped_actor self{sys};
  self->request(coll, kWait, wait_atom::value, uint64_t(expected_total))
      .receive([&](size_t) {},
               [&](caf::error& e) { BOOST_FAIL("messages missing: " << render_node_error(e)); });
  std::map<uint32_t, std::vector<std::vector<uint8_t>>> got;
  self->request(coll, kWait, count_atom::value)
      .receive([&](std::map<uint32_t, std::vector<std::vector<uint8_t>>>& g) { got = std::move(g); },
               [&](caf::error&) {});
  for (auto& [id, bytes] : b.sent) {
    auto it = got.find(id);
    BOOST_REQUIRE_MESSAGE(it != got.end(), "message " << id << " not delivered");
    BOOST_CHECK_EQUAL(it->second.size(), 1u);
    BOOST_CHECK(it->second.front() == bytes);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(two_nodes_connect_exchange_disconnect_reconnect) {
  TestNode a("ssu2d-two-nodes", "a"), b("ssu2d-two-nodes", "b");
  auto coll_a = a.sys->spawn(collector);
  auto coll_b = b.sys->spawn(collector);
  caf::anon_send(a.node->manager(), listen_atom::value, caf::actor_cast<i2np_listener_actor>(coll_a));
  caf::anon_send(b.node->manager(), listen_atom::value, caf::actor_cast<i2np_listener_actor>(coll_b));

  // 1. A connects to B with B's RouterInfo: no token yet, so Token Request / Retry.
  BOOST_TEST(connect(a, b) == b.node->hash());
  auto s1 = hs_stats(a);
  BOOST_TEST(s1.outbound_started == 1u);
  BOOST_TEST(s1.outbound_with_token == 0u);
  BOOST_TEST(s1.retries_received == 1u);
  BOOST_TEST(s1.established_outbound == 1u);
  BOOST_REQUIRE(eventually([&] { return session_count(b) == 1; }));
  BOOST_TEST(hs_stats(b).established_inbound == 1u);

  // 2. 200 messages of 1 B .. 20 KiB each way, all outstanding at once, with feedback.
  auto ab = make_batch(1'000'000, 200, 42);
  auto ba = make_batch(2'000'000, 200, 43);
  auto [ab_ok, ab_fail] = send_batch_concurrently(*a.sys, a.node->manager(), b.node->hash(), ab);
  auto [ba_ok, ba_fail] = send_batch_concurrently(*b.sys, b.node->manager(), a.node->hash(), ba);
  BOOST_TEST(ab_ok == 200u);
  BOOST_TEST(ab_fail == 0u);
  BOOST_TEST(ba_ok == 200u);
  BOOST_TEST(ba_fail == 0u);
  check_received(*b.sys, coll_b, ab, 200);
  check_received(*a.sys, coll_a, ba, 200);

  // The session's introspection reflects the traffic.
  {
    caf::scoped_actor self{*a.sys};
    self->request(a.node->manager(), kWait, session_atom::value, b.node->hash())
        .receive(
            [&](const session_info& s) {
              BOOST_TEST(s.state == "established");
              BOOST_TEST(s.outbound);
              BOOST_TEST(s.i2np_out == 200u);
              BOOST_TEST(s.i2np_in == 200u);
              BOOST_TEST(s.bytes_out > 200u * 9);
              BOOST_TEST(s.packets_in > 0u);
              BOOST_TEST(s.rtt_ms < 1000u);
            },
            [&](caf::error& e) { BOOST_FAIL("session: " << render_node_error(e)); });
  }

  // 3. B's New Token reached A's token cache.
  BOOST_REQUIRE(eventually([&] { return hs_stats(a).new_tokens_received >= 1; }));

  // 4. Disconnect (Termination, normal close) and reconnect: the token skips the Retry.
  disconnect(a, b);
  BOOST_REQUIRE(eventually([&] { return session_count(b) == 0; }));
  BOOST_TEST(connect(a, b) == b.node->hash());
  auto s2 = hs_stats(a);
  BOOST_TEST(s2.outbound_started == 2u);
  BOOST_TEST(s2.outbound_with_token == 1u);
  BOOST_TEST(s2.retries_received == 1u);  // still only the first connection's Retry
  BOOST_TEST(s2.established_outbound == 2u);
  BOOST_REQUIRE(eventually([&] { return session_count(b) == 1; }));
  auto again = make_batch(3'000'000, 20, 44);
  auto [again_ok, again_fail] = send_batch(*a.sys, a.node->manager(), b.node->hash(), again);
  BOOST_TEST(again_ok == 20u);
  BOOST_TEST(again_fail == 0u);
  check_received(*b.sys, coll_b, again, 220);

  // 5. The other direction: B connects to A (B has no token for A: Retry again).
  disconnect(a, b);
  BOOST_REQUIRE(eventually([&] { return session_count(b) == 0 && hs_stats(b).connected == 0; }));
  BOOST_TEST(connect(b, a) == a.node->hash());
  auto sb = hs_stats(b);
  BOOST_TEST(sb.outbound_started == 1u);
  BOOST_TEST(sb.retries_received == 1u);
  BOOST_REQUIRE(eventually([&] { return session_count(a) == 1; }));
  auto back = make_batch(4'000'000, 20, 45);
  auto [back_ok, back_fail] = send_batch(*b.sys, b.node->manager(), a.node->hash(), back);
  BOOST_TEST(back_ok == 20u);
  BOOST_TEST(back_fail == 0u);
  check_received(*a.sys, coll_a, back, 220);

  // No handshake failed along the way.
  BOOST_TEST(hs_stats(a).failures.empty());
  BOOST_TEST(hs_stats(b).failures.empty());

  caf::anon_send_exit(coll_a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(coll_b, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(connect_rejects_garbage_and_own_router_info) {
  TestNode a("ssu2d-two-nodes", "c");
  caf::scoped_actor self{*a.sys};
  self->request(a.node->manager(), kWait, connect_atom::value, std::vector<uint8_t>{1, 2, 3})
      .receive([&](const router_hash&) { BOOST_FAIL("garbage accepted"); },
               [&](caf::error& e) { BOOST_TEST(render_node_error(e).rfind("bad_request", 0) == 0); });
  self->request(a.node->manager(), kWait, connect_atom::value, a.node->router_info_bytes())
      .receive([&](const router_hash&) { BOOST_FAIL("connected to ourselves"); },
               [&](caf::error& e) { BOOST_TEST(render_node_error(e).rfind("bad_request", 0) == 0); });
}

// Both routers dial each other at the same moment (as configured peers do at start): each
// side's pending outbound handshake is registered under the other's endpoint, so the peer's
// own Session Request reaches the outbound machine first; it must still reach the listener,
// and the two crossed sessions must not terminate each other.
BOOST_AUTO_TEST_CASE(crossed_connects_both_succeed) {
  TestNode a("ssu2d-two-nodes", "d"), b("ssu2d-two-nodes", "e");
  caf::scoped_actor sa{*a.sys}, sb{*b.sys};
  auto ha = sa->request(a.node->manager(), kWait + 5s, connect_atom::value,
                        b.node->router_info_bytes());
  auto hb = sb->request(b.node->manager(), kWait + 5s, connect_atom::value,
                        a.node->router_info_bytes());
  router_hash got_a, got_b;
  ha.receive([&](const router_hash& h) { got_a = h; },
             [&](caf::error& e) { BOOST_FAIL("A->B: " << render_node_error(e)); });
  hb.receive([&](const router_hash& h) { got_b = h; },
             [&](caf::error& e) { BOOST_FAIL("B->A: " << render_node_error(e)); });
  BOOST_TEST(got_a == b.node->hash());
  BOOST_TEST(got_b == a.node->hash());
  BOOST_REQUIRE(eventually([&] { return session_count(a) == 1 && session_count(b) == 1; }));
  auto ab = make_batch(5'000'000, 10, 46);
  auto ba = make_batch(6'000'000, 10, 47);
  auto [ab_ok, ab_fail] = send_batch(*a.sys, a.node->manager(), b.node->hash(), ab);
  auto [ba_ok, ba_fail] = send_batch(*b.sys, b.node->manager(), a.node->hash(), ba);
  BOOST_TEST(ab_ok == 10u);
  BOOST_TEST(ab_fail == 0u);
  BOOST_TEST(ba_ok == 10u);
  BOOST_TEST(ba_fail == 0u);
  BOOST_TEST(hs_stats(a).failures.empty());
  BOOST_TEST(hs_stats(b).failures.empty());
}

// The manager connects on demand: it knows B's RouterInfo (as from config or a
// DatabaseStore) and holds the messages until the session is up.
BOOST_AUTO_TEST_CASE(manager_connects_on_demand) {
  TestNode a("ssu2d-two-nodes", "f"), b("ssu2d-two-nodes", "g");
  auto coll_b = b.sys->spawn(collector);
  caf::anon_send(b.node->manager(), listen_atom::value, caf::actor_cast<i2np_listener_actor>(coll_b));
  {
    caf::scoped_actor self{*a.sys};
    // Unknown router: refused at once.
    self->request(a.node->manager(), kWait, route_atom::value,
                  i2np_message{b.node->hash(), make_batch(1, 1, 1).sent.begin()->second},
                  confirm_atom::value)
        .receive([&](const delivery_report&) { BOOST_FAIL("routed without a session"); },
                 [&](caf::error& e) { BOOST_TEST(render_node_error(e).rfind("no_session", 0) == 0); });
  }
  caf::anon_send(a.node->manager(), router_info_atom::value, b.node->router_info_bytes());
  auto batch = make_batch(7'000'000, 30, 48);
  auto [ok, failed] = send_batch_concurrently(*a.sys, a.node->manager(), b.node->hash(), batch);
  BOOST_TEST(ok == 30u);
  BOOST_TEST(failed == 0u);
  check_received(*b.sys, coll_b, batch, 30);
  BOOST_TEST(hs_stats(a).outbound_started == 1u);  // one handshake for all 30 messages
  caf::anon_send_exit(coll_b, caf::exit_reason::user_shutdown);
}

// After both ends closed a session (here the peer ended it, as i2pd does at its idle
// timeout: B's Termination closes A's side too), the next message A routes reconnects on
// demand through the RouterInfo A's manager remembered, and is delivered.
BOOST_AUTO_TEST_CASE(send_after_the_peer_closed_reconnects_on_demand) {
  TestNode a("ssu2d-two-nodes", "h"), b("ssu2d-two-nodes", "i");
  auto coll_b = b.sys->spawn(collector);
  caf::anon_send(b.node->manager(), listen_atom::value, caf::actor_cast<i2np_listener_actor>(coll_b));
  BOOST_TEST(connect(a, b) == b.node->hash());
  auto first = make_batch(8'000'000, 5, 49);
  BOOST_TEST(send_batch(*a.sys, a.node->manager(), b.node->hash(), first).first == 5u);
  disconnect(b, a);  // B terminates; A's session ends on B's Termination
  BOOST_REQUIRE(eventually([&] { return session_count(a) == 0 && hs_stats(a).connected == 0; }));
  auto again = make_batch(9'000'000, 5, 50);
  auto [ok, failed] = send_batch(*a.sys, a.node->manager(), b.node->hash(), again);
  BOOST_TEST(ok == 5u);
  BOOST_TEST(failed == 0u);
  check_received(*b.sys, coll_b, again, 10);
  BOOST_TEST(hs_stats(a).outbound_started == 2u);
  BOOST_TEST(hs_stats(a).established_outbound == 2u);
  BOOST_TEST(hs_stats(a).failures.empty());
  caf::anon_send_exit(coll_b, caf::exit_reason::user_shutdown);
}
