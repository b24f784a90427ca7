#define BOOST_TEST_MODULE node_socket
#include <deque>
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <functional>
#include <random>
#include <thread>

#include "actors/socket_actor.hpp"
#include "tests/support/caf_round_trip.hpp"
#include "actors/support/datagram_path.hpp"

using namespace ssu2d;
using namespace std::chrono_literals;

namespace {

constexpr auto kWait = 5s;  // bound for every wait on a real socket; never a timing assertion

ssu2::crypto::Key32 key_of(uint8_t fill) {
  ssu2::crypto::Key32 k;
  k.bytes.fill(fill);
  return k;
}

// A fake SSU2 packet whose first 8 bytes carry `conn_id` masked with the receiver's intro
// key the way ssu2.rst "Header Encryption KDF" describes; the rest is seeded noise.
std::vector<uint8_t> packet_for(uint64_t conn_id, const ssu2::crypto::Key32& receiver_key,
                                size_t len, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> p(len);
  for (auto& b : p) b = uint8_t(rng());
  ssu2::ByteArray<12> iv;
  std::memcpy(iv.data(), p.data() + len - 24, 12);
  uint8_t mask[8] = {0};
  BOOST_REQUIRE(ssu2::crypto::chacha20_xor(receiver_key, iv, mask, 8, ssu2::wire::kHeaderChaChaCounter).ok());
  ssu2::store_be64(p.data(), conn_id);
  for (int i = 0; i < 8; ++i) p[i] ^= mask[i];
  return p;
}

struct Fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  // `inbound` and `session` stand in for a datagram target / a session: scoped actors are
  // dynamically typed, so they are registered through caf::actor_cast to those roles (they
  // receive whatever comes, with receive() below).
  std::unique_ptr<caf::scoped_actor> inbound, session, client;
  socket_actor a, b;
  ssu2::Address a_ep, b_ep;
  ssu2::crypto::Key32 key_a = key_of(0xa1), key_b = key_of(0xb2);
  std::shared_ptr<MetricsRegistry> metrics_b = std::make_shared<MetricsRegistry>();

  Fixture() {
    register_messages(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    inbound = std::make_unique<caf::scoped_actor>(*sys);
    session = std::make_unique<caf::scoped_actor>(*sys);
    client = std::make_unique<caf::scoped_actor>(*sys);
    a = make_socket(key_a, a_ep, datagram_target_actor{});
    b = make_socket(key_b, b_ep, caf::actor_cast<datagram_target_actor>(*inbound), metrics_b);
  }
  ~Fixture() {
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  }

  socket_actor make_socket(const ssu2::crypto::Key32& k, ssu2::Address& ep,
                           datagram_target_actor handler,
                           std::shared_ptr<MetricsRegistry> metrics = nullptr) {
    UdpSocket s;
    std::string err;
    BOOST_REQUIRE_MESSAGE(open_udp("127.0.0.1", 0, s, err), err);
    BOOST_REQUIRE(s.local.port != 0);
    ep = s.local;
    SocketOptions o;
    o.sockets.push_back(s);
    o.intro_key = k;
    o.new_inbound = handler;
    o.metrics = std::move(metrics);
    return spawn_socket_actor(*sys, std::move(o));
  }

  template <class... Ts>
  bool ask_bool(const socket_actor& who, Ts... xs) {
    bool out = false;
    (*client)->request(who, kWait, xs...).receive([&](bool r) { out = r; },
                                                  [&](caf::error& e) { BOOST_FAIL(sys->render(e)); });
    return out;
  }

  socket_stats stats(const socket_actor& who) {
    socket_stats s;
    (*client)->request(who, kWait, socket_stats_atom::value)
        .receive([&](socket_stats& r) { s = r; },
                 [&](caf::error& e) { BOOST_FAIL(sys->render(e)); });
    return s;
  }

  void send(const socket_actor& from, const ssu2::Address& to, std::vector<uint8_t> bytes) {
    (*client)->send(from, send_atom::value, send_request{to, std::move(bytes)});
  }

  // Waits (bounded) for one datagram at `who`; fails the test on timeout. The socket hands
  // datagrams over in batches (one request per batch, answered true); the rest of a batch
  // waits here for the next call.
  std::map<caf::actor_addr, std::deque<datagram>> received;
  datagram expect_datagram(caf::scoped_actor& who) {
    auto& q = received[who->address()];
    if (q.empty())
      who->receive(
          [&](inbound_atom, std::vector<datagram>& batch) {
            for (auto& d : batch) q.push_back(std::move(d));
            return true;
          },
          caf::after(kWait) >> [] {});
    BOOST_REQUIRE_MESSAGE(!q.empty(), "no datagram arrived");
    datagram got = std::move(q.front());
    q.pop_front();
    return got;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(peek_unmasks_what_the_sender_masked) {
  auto k = key_of(7);
  auto p = packet_for(0x0102030405060708ull, k, 64, 1);
  auto id = peek_dest_conn_id(ssu2::ByteSpan(p.data(), p.size()), k);
  BOOST_REQUIRE(id.has_value());
  BOOST_TEST(*id == 0x0102030405060708ull);
  // Another key gives another value: the ID is only readable with the receiver's intro key.
  auto other = peek_dest_conn_id(ssu2::ByteSpan(p.data(), p.size()), key_of(8));
  BOOST_TEST(other.value_or(0) != 0x0102030405060708ull);
  // Too short to be SSU2 (header 16 + payload 8 + MAC 16).
  BOOST_TEST(!peek_dest_conn_id(ssu2::ByteSpan(p.data(), kMinSsu2Packet - 1), k).has_value());
  BOOST_TEST(peek_dest_conn_id(ssu2::ByteSpan(p.data(), kMinSsu2Packet), k).has_value());
}

BOOST_AUTO_TEST_CASE(open_udp_rejects_bad_addresses) {
  UdpSocket s;
  std::string err;
  BOOST_TEST(!open_udp("not-an-ip", 0, s, err));
  BOOST_TEST(err.find("not-an-ip") != std::string::npos);
}

// Addresses travel between actors as the core's binary ssu2::Address: through CAF's
// serializers it is the length (family), the 16 IP bytes and the port, no text.
BOOST_AUTO_TEST_CASE(addresses_serialize_in_binary) {
  caf::actor_system_config cfg;
  register_messages(cfg);
  caf::actor_system sys{cfg};
  datagram in{*ssu2::Address::parse("2001:db8::7", 4567), {1, 2, 3}, 42};
  auto out = test_support::caf_round_trip(sys, in);
  BOOST_REQUIRE(out);
  BOOST_TEST((out->from == in.from));
  BOOST_TEST(out->from.to_string() == "[2001:db8::7]:4567");
  BOOST_TEST(out->bytes == in.bytes);
  BOOST_TEST(out->conn_id == 42u);
  for (auto a : {ssu2::Address::v4(10, 1, 2, 3, 65535), *ssu2::Address::parse("::1", 1)}) {
    std::vector<char> one;
    caf::binary_serializer s1{sys, one};
    BOOST_REQUIRE(!s1(a));
    BOOST_TEST(one.size() == 1u + 16u + 2u);
    ssu2::Address back;
    caf::binary_deserializer d1{sys, one};
    BOOST_REQUIRE(!d1(back));
    BOOST_TEST(back.to_string() == a.to_string());
  }
}

BOOST_FIXTURE_TEST_CASE(demux_register_unknown_unregister, Fixture) {
  const uint64_t id = 0x1122334455667788ull, unknown_id = 42;

  BOOST_TEST(ask_bool(b, register_atom::value, id,
                      caf::actor_cast<datagram_target_actor>(*session)));

  // Registered ID -> the registered actor, bytes and source intact.
  auto p1 = packet_for(id, key_b, 80, 2);
  send(a, b_ep, p1);
  auto d1 = expect_datagram(*session);
  BOOST_TEST(d1.conn_id == id);
  BOOST_TEST(d1.bytes == p1);
  BOOST_TEST(d1.from.to_string() == a_ep.to_string());

  // Unknown ID -> the new-inbound handler.
  auto p2 = packet_for(unknown_id, key_b, 60, 3);
  send(a, b_ep, p2);
  auto d2 = expect_datagram(*inbound);
  BOOST_TEST(d2.conn_id == unknown_id);
  BOOST_TEST(d2.bytes == p2);

  // After unregister the same ID is unknown again.
  BOOST_TEST(ask_bool(b, unregister_atom::value, id));
  BOOST_TEST(!ask_bool(b, unregister_atom::value, id));
  auto p3 = packet_for(id, key_b, 70, 4);
  send(a, b_ep, p3);
  auto d3 = expect_datagram(*inbound);
  BOOST_TEST(d3.bytes == p3);

  // And the other direction: b sends to a, where the ID was registered with a's key.
  BOOST_TEST(ask_bool(a, register_atom::value, uint64_t(9),
                      caf::actor_cast<datagram_target_actor>(*session)));
  auto p4 = packet_for(9, key_a, 100, 5);
  send(b, a_ep, p4);
  auto d4 = expect_datagram(*session);
  BOOST_TEST(d4.conn_id == 9u);
  BOOST_TEST(d4.from.to_string() == b_ep.to_string());

  auto sa = stats(a), sb = stats(b);
  BOOST_TEST(sb.datagrams_in == 3u);
  BOOST_TEST(sa.datagrams_out == 3u);
  BOOST_TEST(sb.datagrams_out == 1u);
}

BOOST_FIXTURE_TEST_CASE(address_fallback_for_pending_outbound, Fixture) {
  // Session Created / Retry are masked with the sender's key: the ID cannot be read, so
  // a pending outbound handshake registers the peer's address instead.
  BOOST_TEST(ask_bool(b, register_ep_atom::value, a_ep,
                      caf::actor_cast<datagram_target_actor>(*session)));
  auto p = packet_for(5, key_a, 64, 6);  // masked with the *sender's* key
  send(a, b_ep, p);
  auto d = expect_datagram(*session);
  BOOST_TEST(d.bytes == p);
  BOOST_TEST(ask_bool(b, unregister_ep_atom::value, a_ep));
}

BOOST_FIXTURE_TEST_CASE(short_datagrams_are_counted_not_delivered, Fixture) {
  send(a, b_ep, std::vector<uint8_t>(10, 0xee));
  auto p = packet_for(77, key_b, 60, 7);
  send(a, b_ep, p);
  // Datagrams from one sender arrive in order on loopback: the short one came first and
  // was dropped, so the next thing the handler sees is the valid packet.
  auto d = expect_datagram(*inbound);
  BOOST_TEST(d.bytes == p);
  auto s = stats(b);
  BOOST_TEST(s.datagrams_in == 2u);
  BOOST_TEST(s.unknown == 1u);
}

BOOST_FIXTURE_TEST_CASE(entries_of_terminated_sessions_are_removed, Fixture) {
  // docs/DEFECTS.md defect 13: a session that ends must not stay in the demux map.
  auto doomed = sys->spawn([](datagram_target_actor::pointer)
                               -> datagram_target_actor::behavior_type {
    return {[](inbound_atom, const std::vector<datagram>&) { return true; }};
  });
  BOOST_TEST(ask_bool(b, register_atom::value, uint64_t(1234), doomed));
  BOOST_TEST(stats(b).registered == 1u);
  caf::anon_send_exit(doomed, caf::exit_reason::user_shutdown);
  (*client)->wait_for(doomed);
  // The down message reaches the socket actor asynchronously: poll, bounded.
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (stats(b).registered != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  BOOST_TEST(stats(b).registered == 0u);
  auto p = packet_for(1234, key_b, 60, 8);
  send(a, b_ep, p);
  BOOST_TEST(expect_datagram(*inbound).bytes == p);
}

BOOST_FIXTURE_TEST_CASE(failed_sends_are_reported_and_not_fatal, Fixture) {
  // a has only an IPv4 socket: an IPv6 destination cannot be sent and the requester is told.
  send(a, *ssu2::Address::parse("::1", 9), std::vector<uint8_t>(50, 1));
  bool reported = false;
  (*client)->receive(
      [&](send_failed_atom, const send_failure& f) {
        reported = true;
        BOOST_TEST(f.to.host() == "::1");
        BOOST_TEST(!f.reason.empty());
      },
      caf::after(kWait) >> [] {});
  BOOST_TEST(reported);
  BOOST_TEST(stats(a).send_errors == 1u);
  // The socket still works afterwards.
  auto p = packet_for(3, key_b, 60, 9);
  send(a, b_ep, p);
  BOOST_TEST(expect_datagram(*inbound).bytes == p);
}

// ---- the batched data path: session inboxes, wake-ups, direct sends ---------------------

namespace {

// Takes from `inbox` after each wake until `want` datagrams arrived (bounded).
std::vector<InboundDatagram> collect(caf::scoped_actor& owner, DatagramInbox& inbox, size_t want) {
  std::vector<InboundDatagram> got, batch;
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    owner->receive([](inbox_atom) {}, caf::after(kWait) >> [] {});
    size_t n = inbox.take(batch);
    for (size_t i = 0; i < n; ++i) got.push_back(batch[i]);
  }
  return got;
}

// Counts the wake-ups waiting in `owner`'s mailbox (what arrives within `quiet` of the last).
size_t count_wakes(caf::scoped_actor& owner, std::chrono::milliseconds quiet) {
  size_t n = 0;
  bool more = true;
  while (more)
    owner->receive([&](inbox_atom) { n++; }, caf::after(quiet) >> [&] { more = false; });
  return n;
}

void wait_until(const std::function<bool()>& cond) {
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!cond() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
}

uint64_t metric(MetricsRegistry& m, const std::string& name, const Labels& labels) {
  return m.counter(name, "", labels).value();
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(batch_demux_to_registered_session_inbox, Fixture) {
  const uint64_t id = 0xabcdef0102030405ull;
  auto inbox = make_session_inbox(metrics_b, 1024);
  BOOST_TEST(ask_bool(b, register_session_atom::value, id,
                      caf::actor_cast<inbox_wake_actor>(*session), inbox));
  std::vector<std::vector<uint8_t>> sent;
  for (uint32_t i = 0; i < 100; ++i) {
    sent.push_back(packet_for(id, key_b, 60 + i, 100 + i));
    send(a, b_ep, sent.back());
  }
  auto got = collect(*session, *inbox, sent.size());
  BOOST_REQUIRE_EQUAL(got.size(), sent.size());
  for (size_t i = 0; i < got.size(); ++i) {  // one sender on loopback: in order
    BOOST_TEST(got[i].bytes == sent[i]);
    BOOST_TEST(got[i].conn_id == id);
    BOOST_TEST(got[i].from.to_string() == a_ep.to_string());
  }
  // Nothing went the actor way.
  BOOST_TEST(stats(b).datagrams_in == sent.size());
  BOOST_TEST(stats(b).registered == 1u);
}

BOOST_FIXTURE_TEST_CASE(one_wake_per_burst, Fixture) {
  const uint64_t id = 77;
  auto inbox = make_session_inbox(metrics_b, 1024);
  BOOST_TEST(ask_bool(b, register_session_atom::value, id,
                      caf::actor_cast<inbox_wake_actor>(*session), inbox));
  for (uint32_t i = 0; i < 40; ++i) send(a, b_ep, packet_for(id, key_b, 64, i));
  wait_until([&] { return inbox->size() == 40; });
  BOOST_REQUIRE_EQUAL(inbox->size(), 40u);
  // Nobody took: the 40 datagrams caused exactly one wake-up.
  BOOST_TEST(count_wakes(*session, 200ms) == 1u);
  std::vector<InboundDatagram> batch;
  BOOST_TEST(inbox->take(batch) == 40u);
  BOOST_TEST(inbox->size() == 0u);
  // After the take, the next burst wakes again, once.
  for (uint32_t i = 0; i < 10; ++i) send(a, b_ep, packet_for(id, key_b, 64, 50 + i));
  wait_until([&] { return inbox->size() == 10; });
  BOOST_TEST(count_wakes(*session, 200ms) == 1u);
  BOOST_TEST(inbox->take(batch) == 10u);
}

BOOST_FIXTURE_TEST_CASE(full_session_inbox_drops_and_counts, Fixture) {
  const uint64_t id = 0x5151;
  auto inbox = make_session_inbox(metrics_b, 8);
  BOOST_TEST(ask_bool(b, register_session_atom::value, id,
                      caf::actor_cast<inbox_wake_actor>(*session), inbox));
  for (uint32_t i = 0; i < 30; ++i) send(a, b_ep, packet_for(id, key_b, 64, i));
  wait_until([&] { return stats(b).datagrams_in == 30; });
  BOOST_REQUIRE_EQUAL(stats(b).datagrams_in, 30u);
  BOOST_TEST(inbox->size() == 8u);
  BOOST_TEST(inbox->dropped() == 22u);
  BOOST_TEST(metric(*metrics_b, "ssu2_datagrams_dropped_total", {{"reason", "inbox_full"}}) == 22u);
  BOOST_TEST(metrics_b->gauge("ssu2_session_inbox_datagrams", "").value() == 8);
  // The first eight are kept, in order; afterwards there is room again.
  std::vector<InboundDatagram> batch;
  BOOST_REQUIRE_EQUAL(inbox->take(batch), 8u);
  for (uint32_t i = 0; i < 8; ++i) BOOST_TEST(batch[i].bytes == packet_for(id, key_b, 64, i));
  BOOST_TEST(metrics_b->gauge("ssu2_session_inbox_datagrams", "").value() == 0);
  auto p = packet_for(id, key_b, 70, 99);
  send(a, b_ep, p);
  auto got = collect(*session, *inbox, 1);
  BOOST_REQUIRE_EQUAL(got.size(), 1u);
  BOOST_TEST(got[0].bytes == p);
}

BOOST_FIXTURE_TEST_CASE(unknown_conn_id_still_reaches_new_inbound, Fixture) {
  auto inbox = make_session_inbox(metrics_b, 16);
  BOOST_TEST(ask_bool(b, register_session_atom::value, uint64_t(1),
                      caf::actor_cast<inbox_wake_actor>(*session), inbox));
  auto p = packet_for(2, key_b, 90, 5);
  send(a, b_ep, p);
  auto d = expect_datagram(*inbound);
  BOOST_TEST(d.conn_id == 2u);
  BOOST_TEST(d.bytes == p);
  BOOST_TEST(d.from.to_string() == a_ep.to_string());
  BOOST_TEST(inbox->size() == 0u);
  // A session entry unregisters like any other.
  BOOST_TEST(ask_bool(b, unregister_atom::value, uint64_t(1)));
  BOOST_TEST(stats(b).registered == 0u);
}

BOOST_FIXTURE_TEST_CASE(session_entry_removed_when_its_actor_dies, Fixture) {
  auto doomed = sys->spawn([](inbox_wake_actor::pointer) -> inbox_wake_actor::behavior_type {
    return {[](inbox_atom) {}};
  });
  auto inbox = make_session_inbox(metrics_b, 16);
  BOOST_TEST(ask_bool(b, register_session_atom::value, uint64_t(4321), doomed, inbox));
  BOOST_TEST(stats(b).registered == 1u);
  caf::anon_send_exit(doomed, caf::exit_reason::user_shutdown);
  (*client)->wait_for(doomed);
  wait_until([&] { return stats(b).registered == 0; });
  BOOST_TEST(stats(b).registered == 0u);
  auto p = packet_for(4321, key_b, 60, 8);
  send(a, b_ep, p);
  BOOST_TEST(expect_datagram(*inbound).bytes == p);
  BOOST_TEST(inbox->size() == 0u);
}

BOOST_FIXTURE_TEST_CASE(udp_sender_sends_a_batch_with_sendmmsg, Fixture) {
  const uint64_t id = 0x600d;
  auto inbox = make_session_inbox(metrics_b, 1024);
  BOOST_TEST(ask_bool(b, register_session_atom::value, id,
                      caf::actor_cast<inbox_wake_actor>(*session), inbox));
  UdpSocket s;
  std::string err;
  BOOST_REQUIRE_MESSAGE(open_udp("127.0.0.1", 0, s, err), err);
  auto reg = std::make_shared<MetricsRegistry>();
  UdpSender sender({s}, reg);
  std::vector<ssu2::session::OutDatagram> batch;
  for (uint32_t i = 0; i < 150; ++i)  // more than one sendmmsg call (kSendBatch)
    batch.push_back({packet_for(id, key_b, 80 + i % 7, 300 + i), b_ep});
  // One IPv6 destination in the middle: this sender has no IPv6 socket.
  auto v6 = ssu2::Address::parse("::1", 9);
  BOOST_REQUIRE(v6.has_value());
  batch.insert(batch.begin() + 70, {std::vector<uint8_t>(60, 1), *v6});
  auto r = sender.send(batch);
  BOOST_TEST(r.blocked_from == batch.size());  // 4 MiB of socket buffer: no push-back
  BOOST_TEST(r.sent == 150u);
  BOOST_REQUIRE_EQUAL(r.failed.size(), 1u);
  BOOST_TEST(r.failed[0].index == 70u);
  BOOST_TEST(r.failed[0].error == EAFNOSUPPORT);
  BOOST_TEST(metric(*reg, "ssu2_datagrams_sent_total", {}) == 150u);
  BOOST_TEST(metric(*reg, "ssu2_send_errors_total", {{"reason", "os_error"}}) == 1u);
  batch.erase(batch.begin() + 70);
  auto got = collect(*session, *inbox, batch.size());
  BOOST_REQUIRE_EQUAL(got.size(), batch.size());
  for (size_t i = 0; i < got.size(); ++i) BOOST_TEST(got[i].bytes == batch[i].bytes);
  BOOST_TEST(got[0].from.to_string() == s.local.to_string());
}

BOOST_FIXTURE_TEST_CASE(backlogged_sender_hands_the_batch_to_the_socket_actor, Fixture) {
  // While the socket actor's retry queue is non-empty, a session's batch queues behind it
  // (send_atom) instead of overtaking: nothing is lost, order is kept.
  const uint64_t id = 0xbac;
  auto inbox = make_session_inbox(metrics_b, 1024);
  BOOST_TEST(ask_bool(b, register_session_atom::value, id,
                      caf::actor_cast<inbox_wake_actor>(*session), inbox));
  auto sender = std::make_shared<UdpSender>(std::vector<UdpSocket>{}, nullptr);
  sender->set_backlogged(true);
  auto to = b_ep;
  std::vector<std::vector<uint8_t>> packets;
  for (uint32_t i = 0; i < 20; ++i) packets.push_back(packet_for(id, key_b, 64, 700 + i));
  auto socket_a = a;
  auto user = sys->spawn([=](caf::event_based_actor* self) -> caf::behavior {
    std::vector<ssu2::session::OutDatagram> out;
    for (auto& p : packets) out.push_back({p, to});
    auto failed = send_datagrams(self, DatagramPath{nullptr, sender}, socket_a, out);
    return {[failed](int) { return failed.size(); }};
  });
  size_t failed = 1;
  (*client)->request(user, kWait, 1).receive([&](size_t n) { failed = n; },
                                             [&](caf::error& e) { BOOST_FAIL(sys->render(e)); });
  BOOST_TEST(failed == 0u);
  auto got = collect(*session, *inbox, packets.size());
  BOOST_REQUIRE_EQUAL(got.size(), packets.size());
  for (size_t i = 0; i < got.size(); ++i) BOOST_TEST(got[i].bytes == packets[i]);
  caf::anon_send_exit(user, caf::exit_reason::user_shutdown);
}
