#define BOOST_TEST_MODULE node_introspection
#include <boost/test/unit_test.hpp>

#include "actors/introspection_actor.hpp"
#include "actors/subsystem_manager.hpp"
#include "actors/support/logging.hpp"

using namespace ssu2d;
using namespace std::chrono_literals;

namespace {

constexpr auto kWait = 10s;  // bound for network round trips; never a timing assertion

router_hash hash_of(uint8_t fill) {
  router_hash h;
  h.bytes.fill(fill);
  return h;
}

// Server side: manager + introspection published on 127.0.0.1:0. Client side: a second
// actor system in the same process, so every reply really crosses the middleman and is
// serialized with the registered message types.
struct Fixture {
  caf::actor_system_config server_cfg, client_cfg;
  std::unique_ptr<caf::actor_system> server, client;
  std::shared_ptr<MetricsRegistry> metrics = std::make_shared<MetricsRegistry>();
  subsystem_manager_actor manager;
  introspection_actor introspection;
  introspection_client_actor remote;
  uint16_t port = 0;

  Fixture() {
    for (auto* c : {&server_cfg, &client_cfg}) {
      register_messages(*c);
      c->load<caf::io::middleman>();
      c->set("logger.console", caf::atom("none"));
    }
    server = std::make_unique<caf::actor_system>(server_cfg);
    client = std::make_unique<caf::actor_system>(client_cfg);

    SubsystemOptions mo;
    mo.local_hash = hash_of(0x11);
    mo.metrics = metrics;
    manager = spawn_subsystem_manager(*server, mo);
    IntrospectionOptions io;
    io.hash = hash_of(0x11);
    io.addresses = {"127.0.0.1:4567"};
    io.manager = manager;
    io.metrics = metrics;
    introspection = spawn_introspection_actor(*server, io);
    auto p = publish_introspection(*server, introspection, "127.0.0.1", 0, false);
    if (!p) BOOST_FAIL("publish: " + server->render(p.error()));
    port = *p;
    BOOST_REQUIRE(port != 0);
    auto r = client->middleman().remote_actor<introspection_client_actor>("127.0.0.1", port);
    if (!r) BOOST_FAIL("remote_actor: " + client->render(r.error()));
    remote = *r;
  }
  ~Fixture() {
    server->middleman().unpublish(introspection, port);
    caf::anon_send_exit(introspection, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(manager, caf::exit_reason::user_shutdown);
  }

  // One request from the client system; returns the reply or the error.
  template <class T, class... Ts>
  std::pair<T, caf::error> ask(Ts... xs) {
    caf::scoped_actor self{*client};
    std::pair<T, caf::error> out;
    bool done = false;
    self->request(remote, kWait, xs...)
        .receive([&](T& v) { out.first = std::move(v); done = true; },
                 [&](caf::error& e) { out.second = std::move(e); done = true; });
    BOOST_REQUIRE(done);
    return out;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(status_through_remote_actor, Fixture) {
  auto [s, err] = ask<node_status>(status_atom::value);
  BOOST_REQUIRE(!err);
  BOOST_TEST(to_hex(s.hash) == std::string(64, '1'));
  BOOST_TEST(to_string(s.hash) == "ERERERERERERERERERERERERERERERERERERERERERE=");  // I2P base64
  BOOST_TEST(s.log_level == log_level_name());
  BOOST_TEST((s.addresses == std::vector<std::string>{"127.0.0.1:4567"}));
  BOOST_TEST(s.sessions == 0u);
  BOOST_TEST(s.version.find("ssu2d") == 0u);
}

// The interface is checked when a client connects: one that expects another actor (or the
// old dynamic one) is refused instead of sending messages nobody handles.
BOOST_FIXTURE_TEST_CASE(a_client_with_another_interface_is_refused, Fixture) {
  auto wrong = client->middleman().remote_actor<socket_stats_actor>("127.0.0.1", port);
  BOOST_REQUIRE(!wrong);
  BOOST_TEST((wrong.error() == caf::sec::unexpected_actor_messaging_interface));
  auto dynamic = client->middleman().remote_actor("127.0.0.1", port);
  BOOST_TEST(!dynamic);
}

BOOST_FIXTURE_TEST_CASE(sessions_follow_the_manager_table, Fixture) {
  caf::scoped_actor local{*server};
  auto peer = hash_of(0xab);
  // A stand-in session actor: answers introspection, reports a disconnect to `local`.
  auto observer = caf::actor_cast<caf::actor>(local);
  auto mgr = manager;
  auto session = server->spawn([peer, observer, mgr](caf::event_based_actor* self) -> caf::behavior {
    return {
      [peer](session_atom) {
        session_info s;
        s.peer = peer;
        s.state = "established";
        s.rtt_ms = 42;
        return s;
      },
      [self, observer](disconnect_atom) { self->send(observer, disconnect_atom::value); },
      [self, observer, peer, mgr](closed_atom) {
        self->request(mgr, kWait, closed_atom::value, peer, std::string("test"))
            .then([self, observer](bool r) { self->send(observer, closed_atom::value, r); });
      },
    };
  });
  local->request(manager, kWait, established_atom::value, peer, caf::actor_cast<managed_session_actor>(session),
                 std::string("10.0.0.2:9000"))
      .receive([](bool ok) { BOOST_TEST(ok); }, [](caf::error&) { BOOST_FAIL("established"); });

  auto [list, e1] = ask<session_list>(sessions_atom::value);
  BOOST_REQUIRE(!e1);
  BOOST_REQUIRE(list.sessions.size() == 1u);
  BOOST_TEST(list.sessions[0].peer == peer);
  BOOST_TEST(list.sessions[0].remote == "10.0.0.2:9000");
  BOOST_TEST(list.sessions[0].state == "established");
  BOOST_TEST(list.sessions[0].rtt_ms == 42u);  // the list carries each session's own state

  // The detail comes from the session actor itself.
  auto [one, e2] = ask<session_info>(session_atom::value, to_string(peer));
  BOOST_REQUIRE(!e2);
  BOOST_TEST(one.peer == peer);
  BOOST_TEST(one.rtt_ms == 42u);

  auto [st, e3] = ask<node_status>(status_atom::value);
  BOOST_TEST(st.sessions == 1u);

  auto [text, e4] = ask<std::string>(metrics_atom::value);
  BOOST_TEST(text.find("ssu2_connected_routers 1\n") != std::string::npos);

  // disconnect reaches the session actor
  auto [ok, e5] = ask<bool>(disconnect_atom::value, to_string(peer));
  BOOST_REQUIRE(!e5);
  BOOST_TEST(ok);
  bool told = false;
  local->receive([&](disconnect_atom) { told = true; }, caf::after(kWait) >> [] {});
  BOOST_TEST(told);

  // A close from an actor that is not the registered session is ignored...
  local->request(manager, kWait, closed_atom::value, peer, std::string("test"))
      .receive([](bool removed) { BOOST_TEST(!removed); }, [](caf::error&) { BOOST_FAIL("closed"); });
  // ...the session's own close removes it.
  local->send(session, closed_atom::value);
  bool removed = false;
  local->receive([&](closed_atom, bool r) { removed = r; }, caf::after(kWait) >> [] {});
  BOOST_TEST(removed);
  auto [after, e6] = ask<session_list>(sessions_atom::value);
  BOOST_TEST(after.sessions.empty());
  caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
}

BOOST_FIXTURE_TEST_CASE(errors_cross_the_network_with_their_codes, Fixture) {
  auto [r1, unknown] = ask<session_info>(session_atom::value, std::string(64, 'c'));
  BOOST_TEST(unknown.code() == uint8_t(node_errc::unknown_session));
  BOOST_TEST(render_node_error(unknown).rfind("unknown_session", 0) == 0u);

  auto [r2, bad] = ask<session_info>(session_atom::value, std::string("xyz"));
  BOOST_TEST(bad.code() == uint8_t(node_errc::bad_request));

  // This fixture has no handshake actor behind the manager.
  auto [r3, na] = ask<router_hash>(connect_atom::value, std::vector<uint8_t>{1, 2, 3});
  BOOST_TEST(na.code() == uint8_t(node_errc::not_available));
  BOOST_TEST(render_node_error(na).rfind("not_available: no handshake actor", 0) == 0u);

  // send to a router without a session: every message fails, none is sent.
  auto [r4, e4] = ask<send_test_result>(send_test_atom::value, std::string(64, 'a'),
                                        uint32_t(3), uint32_t(100), uint32_t(100));
  BOOST_REQUIRE(!e4);
  BOOST_TEST(r4.sent == 0u);
  BOOST_TEST(r4.delivered == 0u);
  BOOST_TEST(r4.failed == 3u);
  // Each failed message says why (issue 12: send failures gave no reason).
  BOOST_REQUIRE(r4.failures.size() == 3u);
  for (uint32_t i = 0; i < 3; ++i)
    BOOST_TEST(r4.failures[i].rfind("message " + std::to_string(i + 1) + ": no_session", 0) == 0u,
               r4.failures[i]);
  auto [r5, bad5] = ask<send_test_result>(send_test_atom::value, std::string("nothex"),
                                          uint32_t(1), uint32_t(1), uint32_t(1));
  BOOST_TEST(bad5.code() == uint8_t(node_errc::bad_request));
  // MIN above MAX, and MAX above the 60 KiB test limit, are refused.
  auto [r6, bad6] = ask<send_test_result>(send_test_atom::value, std::string(64, 'a'),
                                          uint32_t(1), uint32_t(10), uint32_t(5));
  BOOST_TEST(bad6.code() == uint8_t(node_errc::bad_request));
  auto [r7, bad7] = ask<send_test_result>(send_test_atom::value, std::string(64, 'a'),
                                          uint32_t(1), uint32_t(1), uint32_t(70000));
  BOOST_TEST(bad7.code() == uint8_t(node_errc::bad_request));
}

namespace {

// A stand-in session for send tests: holds each (deliver, confirm) request until
// `release_at` are pending, then answers all of them 1 ms later, and reports the most it
// ever held at once to (max_atom).
using max_atom = caf::atom_constant<caf::atom("maxpend")>;
caf::behavior holding_session(caf::event_based_actor* self, router_hash peer, size_t release_at) {
  struct held {
    std::vector<caf::response_promise> pending;
    size_t max_pending = 0;
    bool release_scheduled = false;
  };
  auto st = std::make_shared<held>();
  return {
    [self, release_at, st](deliver_atom, std::vector<uint8_t>&, confirm_atom) {
      st->pending.push_back(self->make_response_promise());
      st->max_pending = std::max(st->max_pending, st->pending.size());
      if (st->pending.size() >= release_at && !st->release_scheduled) {
        st->release_scheduled = true;
        self->delayed_send(self, 1ms, tick_atom::value);
      }
    },
    [peer, st](tick_atom) {
      st->release_scheduled = false;
      for (auto& rp : st->pending) rp.deliver(delivery_report{peer, 0});
      st->pending.clear();
    },
    [st](max_atom) { return uint64_t(st->max_pending); },
  };
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(sequential_send_keeps_one_message_outstanding, Fixture) {
  caf::scoped_actor local{*server};
  auto peer = hash_of(0xcd);
  auto register_session = [&](const caf::actor& session) {
    local->request(manager, kWait, established_atom::value, peer, caf::actor_cast<managed_session_actor>(session),
                   std::string("10.0.0.3:9000"))
        .receive([](bool ok) { BOOST_REQUIRE(ok); },
                 [](caf::error&) { BOOST_FAIL("established"); });
  };
  auto max_pending = [&](const caf::actor& session) {
    uint64_t got = 0;
    local->request(session, kWait, max_atom::value)
        .receive([&](uint64_t n) { got = n; }, [](caf::error&) { BOOST_FAIL("max_pending"); });
    return got;
  };

  // Sequential: the session answers each message as soon as it holds one, and never holds two.
  auto seq = server->spawn(holding_session, peer, size_t(1));
  register_session(seq);
  auto [r, err] = ask<send_test_result>(send_sequential_atom::value, to_string(peer),
                                        uint32_t(10), uint32_t(1024), uint32_t(1024));
  BOOST_REQUIRE(!err);
  BOOST_TEST(r.sent == 10u);
  BOOST_TEST(r.delivered == 10u);
  BOOST_TEST(r.failed == 0u);
  BOOST_TEST(max_pending(seq) == 1u);
  // Each report comes at least 1 ms (the stand-in's delay) after its message was handed over.
  BOOST_TEST(r.latency_min_us >= 1000u);
  BOOST_TEST(r.latency_min_us <= r.latency_p50_us);
  BOOST_TEST(r.latency_p50_us <= r.latency_p99_us);
  BOOST_TEST(r.latency_p99_us <= r.latency_max_us);
  BOOST_TEST(r.latency_mean_us >= r.latency_min_us);
  BOOST_TEST(r.latency_mean_us <= r.latency_max_us);
  caf::anon_send_exit(seq, caf::exit_reason::user_shutdown);

  // The windowed form hands all 5 over before any report: a stand-in (for another peer) that
  // answers only once it holds 5 completes it, having held 5 at once.
  auto peer2 = hash_of(0xce);
  auto win = server->spawn(holding_session, peer2, size_t(5));
  local->request(manager, kWait, established_atom::value, peer2, caf::actor_cast<managed_session_actor>(win),
                 std::string("10.0.0.4:9000"))
      .receive([](bool ok) { BOOST_REQUIRE(ok); }, [](caf::error&) { BOOST_FAIL("established"); });
  auto [w, werr] = ask<send_test_result>(send_test_atom::value, to_string(peer2), uint32_t(5),
                                         uint32_t(1024), uint32_t(1024));
  BOOST_REQUIRE(!werr);
  BOOST_TEST(w.delivered == 5u);
  BOOST_TEST(max_pending(win) == 5u);
  BOOST_TEST(w.latency_min_us >= 1000u);
  caf::anon_send_exit(win, caf::exit_reason::user_shutdown);

  // Errors are the same as for the windowed form.
  auto [r2, bad] = ask<send_test_result>(send_sequential_atom::value, std::string("nothex"),
                                         uint32_t(1), uint32_t(1), uint32_t(1));
  BOOST_TEST(bad.code() == uint8_t(node_errc::bad_request));
  auto [r3, bad3] = ask<send_test_result>(send_sequential_atom::value, to_string(peer),
                                          uint32_t(1), uint32_t(10), uint32_t(5));
  BOOST_TEST(bad3.code() == uint8_t(node_errc::bad_request));
  // No session: every message fails, none is sent, and there is no latency to report.
  auto [r4, e4] = ask<send_test_result>(send_sequential_atom::value, std::string(64, 'a'),
                                        uint32_t(3), uint32_t(100), uint32_t(100));
  BOOST_REQUIRE(!e4);
  BOOST_TEST(r4.sent == 0u);
  BOOST_TEST(r4.failed == 3u);
  BOOST_TEST(r4.latency_max_us == 0u);
}

// ssu2ctl loglevel: "" asks, a name sets the node logger's level, which status reports.
BOOST_FIXTURE_TEST_CASE(log_level_is_changed_at_run_time, Fixture) {
  const std::string before = log_level_name();
  auto [now, e1] = ask<std::string>(log_level_atom::value, std::string());
  BOOST_REQUIRE(!e1);
  BOOST_TEST(now == before);
  auto [set, e2] = ask<std::string>(log_level_atom::value, std::string("debug"));
  BOOST_REQUIRE(!e2);
  BOOST_TEST(set == "debug");
  BOOST_TEST(log_level_name() == "debug");
  auto [s, e3] = ask<node_status>(status_atom::value);
  BOOST_REQUIRE(!e3);
  BOOST_TEST(s.log_level == "debug");
  auto [bad, e4] = ask<std::string>(log_level_atom::value, std::string("loud"));
  BOOST_TEST(e4.code() == uint8_t(node_errc::bad_request));
  BOOST_TEST(render_node_error(e4).find("unknown log level \"loud\"") != std::string::npos);
  BOOST_TEST(log_level_name() == "debug");  // unchanged by the refused request
  set_log_level(before);
}
