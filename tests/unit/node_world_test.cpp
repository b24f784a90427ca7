#define BOOST_TEST_MODULE node_world
#include <boost/test/unit_test.hpp>

// Two and three whole nodes in virtual time (tests/unit/node_world.hpp): the real actors,
// keys and cryptography over an in-memory network, under CAF's test coordinator. Each case
// covers protocol minutes in well under a second of real time, and the same steps every run.

#include <map>
#include <random>

#include "tests/unit/node_world.hpp"

using namespace ssu2d;
using namespace node_world;
using namespace std::chrono_literals;

namespace {

// An I2NP Data message (short header: type 20, id, expiration) with a body of `size` bytes,
// expiring two minutes after `now_s` (the world's wall clock).
std::vector<uint8_t> data_message(uint32_t id, size_t size, uint32_t now_s, std::mt19937& rng) {
  const uint32_t exp = now_s + 120;
  std::vector<uint8_t> m{20};
  for (int s = 24; s >= 0; s -= 8) m.push_back(uint8_t(id >> s));
  for (int s = 24; s >= 0; s -= 8) m.push_back(uint8_t(exp >> s));
  for (size_t i = 0; i < size; ++i) m.push_back(uint8_t(rng()));
  return m;
}

struct Sent {
  std::map<uint32_t, std::vector<uint8_t>> by_id;
  size_t delivered = 0, failed = 0;
};

// Routes `n` messages from `from` to `to` with delivery feedback, all at once, and runs the
// world until every one is answered (delivered: the peer ACKed all of it).
Sent send_all(World& w, WorldNode& from, const WorldNode& to, uint32_t first_id, size_t n,
              uint32_t seed, size_t max_size = 12'000) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> size(1, max_size);
  auto out = std::make_shared<Sent>();
  for (size_t i = 0; i < n; ++i) {
    const uint32_t id = first_id + uint32_t(i);
    out->by_id[id] = data_message(id, size(rng), unix_now_s(w.sched().clock()), rng);
  }
  auto manager = from.actors.manager;
  const auto peer = to.hash;
  for (auto& [id, bytes] : out->by_id)
    w.sys().spawn([=, bytes = bytes](caf::event_based_actor* self) {
      self->request(manager, caf::infinite, route_atom::value, i2np_message{peer, bytes},
                    confirm_atom::value)
          .then([=](const delivery_report&) { out->delivered++; },
                [=](caf::error&) { out->failed++; });
    });
  w.run_until([&] { return out->delivered + out->failed == n; }, 10min);
  return *out;
}

// What `at` received from `from`, by message id; every id at most once.
std::map<uint32_t, std::vector<uint8_t>> received_from(const WorldNode& at, const WorldNode& from) {
  std::map<uint32_t, std::vector<uint8_t>> got;
  for (auto& m : *at.received) {
    if (!(m.peer == from.hash) || m.bytes.size() < 9 || m.bytes[0] != 20) continue;
    uint32_t id = 0;
    for (int i = 1; i <= 4; ++i) id = (id << 8) | m.bytes[size_t(i)];
    BOOST_CHECK_MESSAGE(!got.count(id), "message " << id << " delivered twice");
    got[id] = m.bytes;
  }
  return got;
}

std::optional<router_hash> connect(World& w, WorldNode& from, const WorldNode& to,
                                   std::string* error = nullptr) {
  return w.ask<router_hash>(from.actors.manager, error, connect_atom::value, to.router_info());
}

size_t sessions(World& w, WorldNode& n) {
  auto l = w.ask<session_list>(n.actors.manager, nullptr, sessions_atom::value);
  return l ? l->sessions.size() : 0;
}

std::optional<session_info> session_with(World& w, WorldNode& at, const WorldNode& peer) {
  return w.ask<session_info>(at.actors.manager, nullptr, session_atom::value, peer.hash);
}

}  // namespace

BOOST_AUTO_TEST_CASE(handshake_then_data_both_ways) {
  World w;
  auto& a = w.add_node("198.18.0.1", 9001);
  auto& b = w.add_node("198.18.0.2", 9002);
  std::string err;
  auto h = connect(w, a, b, &err);
  BOOST_REQUIRE_MESSAGE(h, "connect: " << err);
  BOOST_TEST(*h == b.hash);
  auto st = w.ask<handshake_stats>(a.actors.handshake, nullptr, handshake_stats_atom::value);
  BOOST_REQUIRE(st);
  BOOST_TEST(st->retries_received == 1u);  // no token yet: Token Request, Retry
  BOOST_TEST(st->established_outbound == 1u);
  BOOST_TEST(sessions(w, a) == 1u);
  BOOST_TEST(sessions(w, b) == 1u);

  auto ab = send_all(w, a, b, 1000, 60, 1);
  auto ba = send_all(w, b, a, 5000, 60, 2);
  BOOST_TEST(ab.delivered == 60u);
  BOOST_TEST(ba.delivered == 60u);
  BOOST_TEST(received_from(b, a) == ab.by_id);
  BOOST_TEST(received_from(a, b) == ba.by_id);
  BOOST_TEST(w.net().counters().dropped == 0u);
  BOOST_TEST_MESSAGE("virtual time " << std::chrono::duration_cast<std::chrono::milliseconds>(w.elapsed()).count()
                     << " ms, datagrams " << w.net().counters().delivered);
}

// A fifth of all datagrams lost, both ways, from the first handshake message on: the
// handshake retransmits, every message still arrives exactly once, and every sender hears
// that it did.
BOOST_AUTO_TEST_CASE(lossy_link_delivers_everything_once) {
  World w;
  auto& a = w.add_node("198.18.0.1", 9001);
  auto& b = w.add_node("198.18.0.2", 9002);
  auto rng = std::make_shared<std::mt19937>(7);
  w.net().set_drop([rng](const ssu2::Address&, const ssu2::Address&, std::span<const uint8_t>) {
    return (*rng)() % 5 == 0;
  });
  std::string err;
  BOOST_REQUIRE_MESSAGE(connect(w, a, b, &err), "connect: " << err);
  auto ab = send_all(w, a, b, 1000, 80, 3);
  auto ba = send_all(w, b, a, 5000, 80, 4);
  BOOST_TEST(ab.delivered == 80u);
  BOOST_TEST(ba.delivered == 80u);
  BOOST_TEST(received_from(b, a) == ab.by_id);
  BOOST_TEST(received_from(a, b) == ba.by_id);
  BOOST_TEST(w.net().counters().dropped > 100u);
  auto sa = session_with(w, a, b);
  BOOST_REQUIRE(sa);
  BOOST_TEST(sa->retransmissions > 0u);
  BOOST_TEST_MESSAGE("lossy: virtual " << std::chrono::duration_cast<std::chrono::milliseconds>(w.elapsed()).count()
                     << " ms, dropped " << w.net().counters().dropped << " of "
                     << w.net().counters().delivered + w.net().counters().dropped);
}

// A's NAT rebinds (new source address and port) in the middle of a session: B validates the
// new path and answers there; nothing is lost either way.
BOOST_AUTO_TEST_CASE(path_change_keeps_the_session) {
  World w;
  auto& a = w.add_node("198.18.0.1", 9001);
  auto& b = w.add_node("198.18.0.2", 9002);
  BOOST_REQUIRE(connect(w, a, b));
  BOOST_TEST(send_all(w, a, b, 100, 10, 5).delivered == 10u);
  const auto moved = *ssu2::Address::parse("198.18.0.11", 9101);
  w.net().rebind(a.address(), moved);
  auto ab = send_all(w, a, b, 1000, 30, 6);
  auto ba = send_all(w, b, a, 5000, 30, 7);
  BOOST_TEST(ab.delivered == 30u);
  BOOST_TEST(ba.delivered == 30u);
  BOOST_TEST(received_from(a, b) == ba.by_id);
  auto sb = session_with(w, b, a);
  BOOST_REQUIRE(sb);
  BOOST_TEST(sb->remote == moved.to_string());
  BOOST_TEST(sessions(w, a) == 1u);
  BOOST_TEST(sessions(w, b) == 1u);
}

// A session that carries a message now and then stays up for as long as it does (it must
// not end in "idle timeout" while in use); left idle, both ends close it after the idle
// timeout, and a new connect works. (Automatic peer tests are off: with no third router
// they never settle, and their retest every minute is traffic that keeps the session up.)
BOOST_AUTO_TEST_CASE(live_session_stays_idle_session_ends) {
  World w;
  auto quiet = [](NodeConfig& c) { c.nat.auto_peer_test = false; };
  auto& a = w.add_node("198.18.0.1", 9001, quiet);
  auto& b = w.add_node("198.18.0.2", 9002, quiet);
  BOOST_REQUIRE(connect(w, a, b));
  const auto start = w.elapsed();
  for (uint32_t i = 0; i < 15; ++i) {  // one message a minute, alternating directions
    w.run_for(60s);
    auto r = i % 2 ? send_all(w, b, a, 100 + i, 1, i) : send_all(w, a, b, 100 + i, 1, i);
    BOOST_TEST(r.delivered == 1u);
  }
  BOOST_TEST(w.elapsed() - start >= 15min);
  BOOST_TEST(sessions(w, a) == 1u);
  BOOST_TEST(sessions(w, b) == 1u);
  auto st = w.ask<handshake_stats>(a.actors.handshake, nullptr, handshake_stats_atom::value);
  BOOST_TEST(st->established_outbound == 1u);  // the same session all along

  const auto idle_from = w.elapsed();
  BOOST_TEST(w.run_until([&] { return sessions(w, a) == 0 && sessions(w, b) == 0; }, 10min));
  const auto idle_for = w.elapsed() - idle_from;
  BOOST_TEST(idle_for >= 330s);  // the idle timeout, not earlier
  BOOST_TEST(idle_for < 400s);
  BOOST_REQUIRE(connect(w, a, b));
  BOOST_TEST(send_all(w, a, b, 900, 3, 9).delivered == 3u);
}

// B ends the session: A hears the Termination and closes too; a message A routes afterwards
// reconnects on demand (the manager knows B's RouterInfo) and arrives.
BOOST_AUTO_TEST_CASE(termination_then_reconnect_on_demand) {
  World w;
  auto& a = w.add_node("198.18.0.1", 9001);
  auto& b = w.add_node("198.18.0.2", 9002);
  BOOST_REQUIRE(connect(w, a, b));
  auto ok = w.ask<bool>(b.actors.manager, nullptr, disconnect_atom::value, a.hash);
  BOOST_TEST(ok.value_or(false));
  BOOST_TEST(w.run_until([&] { return sessions(w, a) == 0 && sessions(w, b) == 0; }, 30s));
  auto again = send_all(w, a, b, 2000, 5, 10);
  BOOST_TEST(again.delivered == 5u);
  BOOST_TEST(received_from(b, a).size() == 5u);
  auto st = w.ask<handshake_stats>(a.actors.handshake, nullptr, handshake_stats_atom::value);
  BOOST_TEST(st->established_outbound == 2u);
  BOOST_TEST(st->outbound_with_token == 1u);  // the second handshake used B's NewToken
}
