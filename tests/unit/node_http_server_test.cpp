// The node's HTTP server on real loopback sockets (bounded waits): /metrics, the JSON API
// through a real introspection actor, the console page, basic auth, and concurrency (an idle
// or half-sent connection must not hold up a scrape).
#define BOOST_TEST_MODULE node_http_server
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

#include "actors/introspection_actor.hpp"
#include "actors/support/http_server.hpp"
#include "actors/support/status_json.hpp"

using namespace ssu2d;
using nlohmann::json;

namespace {

// A connected TCP socket to 127.0.0.1:port with 5 s receive/send timeouts.
int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  BOOST_REQUIRE(fd >= 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

struct Reply {
  std::string head, body;
  bool has(const std::string& header_line) const {
    return head.find("\r\n" + header_line + "\r\n") != std::string::npos;
  }
};

// One request on its own connection (Connection: close), read to the end.
Reply get(uint16_t port, const std::string& path, const std::string& extra_headers = "") {
  int fd = connect_to(port);
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
                    extra_headers + "\r\n";
  BOOST_REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == ssize_t(req.size()));
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, size_t(n));
  ::close(fd);
  auto end = out.find("\r\n\r\n");
  BOOST_REQUIRE_MESSAGE(end != std::string::npos, "no HTTP reply: " + out);
  return {out.substr(0, end + 2), out.substr(end + 4)};
}

// The server has not closed `fd`: nothing to read yet and no EOF.
bool still_open(int fd) {
  char c;
  ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

router_hash hash_of(uint8_t fill) {
  router_hash h;
  h.bytes.fill(fill);
  return h;
}

// Stands in for the subsystem manager: one established session.
caf::behavior fake_manager(caf::event_based_actor*) {
  return {[](sessions_atom) {
    session_info s;
    s.peer = hash_of(0x22);
    s.remote = "127.0.0.2:4000";
    s.state = "established";
    s.outbound = true;
    s.rtt_ms = 12;
    s.bytes_in = 3000;
    return session_list{{s}};
  },
          // status counts sessions with one question to the manager
          [](session_count_atom) { return uint64_t(1); }};
}

struct System {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  System() {
    register_messages(cfg);
    cfg.set("logger.console", caf::atom("none"));
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(serves_metrics_and_404) {
  auto reg = std::make_shared<MetricsRegistry>();
  reg->counter("ssu2_test_total", "t").inc(7);
  HttpServer http;
  std::string err;
  BOOST_REQUIRE_MESSAGE(http.start({.metrics = reg}, err), err);
  BOOST_REQUIRE(http.port() != 0);
  auto ok = get(http.port(), "/metrics");
  BOOST_TEST(ok.head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0u);
  BOOST_TEST(ok.has("Content-Type: text/plain; version=0.0.4; charset=utf-8"));
  BOOST_TEST(ok.body.find("ssu2_test_total 7\n") != std::string::npos);
  // The registry as rendered now (it counted the first response meanwhile).
  BOOST_TEST(ok.body.find("# TYPE ssu2_http_responses_total counter") != std::string::npos);
  BOOST_TEST(get(http.port(), "/other").head.rfind("HTTP/1.1 404", 0) == 0u);
  BOOST_TEST(get(http.port(), "/metrics").body.find(
                 "ssu2_http_responses_total{code=\"404\"} 1\n") != std::string::npos);
  http.stop();
  BOOST_TEST(http.port() == 0);
  HttpServer bad;
  BOOST_TEST(!bad.start({.host = "192.0.2.1", .metrics = reg}, err));  // not an address of ours
  BOOST_TEST(err.find("192.0.2.1") != std::string::npos);
  BOOST_TEST(err.find("metrics.host") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(port_in_use_is_named) {
  HttpServer a, b;
  std::string err;
  BOOST_REQUIRE_MESSAGE(a.start(HttpServerOptions{}, err), err);
  BOOST_TEST(!b.start({.port = a.port()}, err));
  BOOST_TEST(err.find("metrics.port") != std::string::npos);
  BOOST_TEST(err.find("in use") != std::string::npos, err);
}

// The old server served one connection at a time: a client that connected and sent
// nothing held every scrape for two seconds. Here two such clients (one silent, one with
// half a request head) stay connected while scrapes are answered.
BOOST_AUTO_TEST_CASE(idle_connections_do_not_stall_a_scrape) {
  auto reg = std::make_shared<MetricsRegistry>();
  reg->counter("ssu2_test_total", "t").inc(1);
  HttpServer http;
  std::string err;
  BOOST_REQUIRE_MESSAGE(http.start({.metrics = reg}, err), err);
  int silent = connect_to(http.port());
  int partial = connect_to(http.port());
  std::string half = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
  BOOST_REQUIRE(::send(partial, half.data(), half.size(), MSG_NOSIGNAL) == ssize_t(half.size()));
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    auto r = get(http.port(), "/metrics");
    BOOST_TEST(r.head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0u);
    BOOST_TEST(r.body.find("ssu2_test_total 1\n") != std::string::npos);
  }
  auto took = std::chrono::steady_clock::now() - start;
  // Both idle clients are still being held (the server cuts them off after 2 s), so the
  // scrapes were answered beside them, not after them.
  BOOST_TEST(still_open(silent));
  BOOST_TEST(still_open(partial));
  BOOST_TEST(took < std::chrono::seconds(2));
  ::close(silent);
  ::close(partial);
}

BOOST_AUTO_TEST_CASE(api_answers_through_the_introspection_actor) {
  System s;
  IntrospectionOptions io;
  io.hash = hash_of(0x11);
  io.addresses = {"127.0.0.1:4567"};
  io.manager = caf::actor_cast<subsystem_manager_actor>(s.sys->spawn(fake_manager));  // answers a subset
  auto introspection = spawn_introspection_actor(*s.sys, io);
  HttpServer http;
  std::string err;
  BOOST_REQUIRE_MESSAGE(http.start({.system = s.sys.get(), .introspection = introspection}, err),
                        err);
  auto st = get(http.port(), "/api/status");
  BOOST_TEST(st.head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0u);
  BOOST_TEST(st.has("Content-Type: application/json"));
  auto j = json::parse(st.body);
  BOOST_TEST(j["router_hash"] == to_string(hash_of(0x11)));
  BOOST_TEST(j["addresses"] == json::array({"127.0.0.1:4567"}));
  BOOST_TEST(j["sessions"] == 1);
  // The same fields as ssu2ctl --json status (one JSON builder for both).
  std::set<std::string> keys, want;
  for (auto& [k, v] : j.items()) keys.insert(k);
  const json reference = status_json(node_status{});
  for (auto& [k, v] : reference.items()) want.insert(k);
  BOOST_TEST(keys == want);

  auto se = get(http.port(), "/api/sessions");
  BOOST_TEST(se.head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0u);
  auto l = json::parse(se.body);
  BOOST_REQUIRE(l.is_array());
  BOOST_REQUIRE(l.size() == 1u);
  BOOST_TEST(l[0]["peer"] == to_string(hash_of(0x22)));
  BOOST_TEST(l[0]["rtt_ms"] == 12);
  BOOST_TEST(l[0]["outbound"] == true);

  http.stop();
  // Without an introspection actor the API says so instead of inventing data.
  BOOST_REQUIRE_MESSAGE(http.start(HttpServerOptions{}, err), err);
  BOOST_TEST(get(http.port(), "/api/status").head.rfind("HTTP/1.1 503", 0) == 0u);
  http.stop();
  caf::anon_send_exit(introspection, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(io.manager, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(console_page_is_served_self_contained) {
  HttpServer http;
  std::string err;
  BOOST_REQUIRE_MESSAGE(http.start(HttpServerOptions{}, err), err);
  auto r = get(http.port(), "/");
  BOOST_TEST(r.head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0u);
  BOOST_TEST(r.has("Content-Type: text/html; charset=utf-8"));
  BOOST_TEST(r.head.find("Content-Security-Policy: default-src 'none';") != std::string::npos);
  BOOST_TEST(r.body.rfind("<!doctype html>", 0) == 0u);
  BOOST_TEST(r.body.find("<canvas id=\"graph\"") != std::string::npos);
  BOOST_TEST(r.body.find("api/status") != std::string::npos);
  BOOST_TEST(r.body.find("</html>") != std::string::npos);
  BOOST_TEST(r.body.find("src=\"http") == std::string::npos);  // nothing from elsewhere
}

BOOST_AUTO_TEST_CASE(basic_auth_guards_every_path) {
  std::string file = "/tmp/ssu2d-http-test-" + std::to_string(::getpid()) + ".pw";
  {
    std::ofstream(file) << "s3cret\n";
  }
  HttpServer http;
  std::string err;
  BOOST_REQUIRE_MESSAGE(http.start({.auth_user = "ops", .auth_password_file = file}, err), err);
  for (const char* path : {"/", "/metrics", "/api/status", "/nothing"}) {
    auto r = get(http.port(), path);
    BOOST_TEST(r.head.rfind("HTTP/1.1 401", 0) == 0u, path);
    BOOST_TEST(r.has("WWW-Authenticate: Basic realm=\"ssu2d\", charset=\"UTF-8\""));
  }
  // "ops:wrong" and "opsx:s3cret" in base64
  BOOST_TEST(get(http.port(), "/metrics", "Authorization: Basic b3BzOndyb25n\r\n")
                 .head.rfind("HTTP/1.1 401", 0) == 0u);
  BOOST_TEST(get(http.port(), "/metrics", "Authorization: Basic b3BzeDpzM2NyZXQ=\r\n")
                 .head.rfind("HTTP/1.1 401", 0) == 0u);
  // "ops:s3cret"
  auto ok = get(http.port(), "/metrics", "Authorization: Basic b3BzOnMzY3JldA==\r\n");
  BOOST_TEST(ok.head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0u);
  BOOST_TEST(ok.body.find("ssu2_http_responses_total{code=\"401\"} 6\n") != std::string::npos);
  http.stop();
  std::remove(file.c_str());

  HttpServer missing;
  BOOST_TEST(!missing.start({.auth_user = "ops", .auth_password_file = file}, err));
  BOOST_TEST(err.rfind("config: \"metrics.auth_password_file\": cannot read", 0) == 0u, err);
  {
    std::ofstream(file) << "\n";
  }
  BOOST_TEST(!missing.start({.auth_user = "ops", .auth_password_file = file}, err));
  BOOST_TEST(err.find("empty first line") != std::string::npos, err);
  std::remove(file.c_str());
}

BOOST_AUTO_TEST_CASE(stop_ends_held_connections) {
  HttpServer http;
  std::string err;
  BOOST_REQUIRE_MESSAGE(http.start(HttpServerOptions{}, err), err);
  int silent = connect_to(http.port());
  BOOST_TEST(get(http.port(), "/metrics").head.rfind("HTTP/1.1 200", 0) == 0u);
  http.stop();  // joins every thread, the one holding `silent` too
  char c;
  BOOST_TEST(::recv(silent, &c, 1, 0) <= 0);  // closed (EOF or reset), not left hanging
  ::close(silent);
}
