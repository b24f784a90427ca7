#define BOOST_TEST_MODULE node_metrics
#include <boost/test/unit_test.hpp>

#include "actors/support/metrics.hpp"

using namespace ssu2d;

BOOST_AUTO_TEST_CASE(renders_prometheus_text_format) {
  MetricsRegistry m;
  m.counter("ssu2_rx_total", "Datagrams received").inc(3);
  m.counter("ssu2_drop_total", "Dropped", {{"reason", "short"}}).inc();
  m.counter("ssu2_drop_total", "ignored second help", {{"reason", "unknown"}}).inc(2);
  m.gauge("ssu2_sessions", "Open sessions").set(-4);
  BOOST_TEST(m.render() ==
             "# HELP ssu2_drop_total Dropped\n"
             "# TYPE ssu2_drop_total counter\n"
             "ssu2_drop_total{reason=\"short\"} 1\n"
             "ssu2_drop_total{reason=\"unknown\"} 2\n"
             "# HELP ssu2_rx_total Datagrams received\n"
             "# TYPE ssu2_rx_total counter\n"
             "ssu2_rx_total 3\n"
             "# HELP ssu2_sessions Open sessions\n"
             "# TYPE ssu2_sessions gauge\n"
             "ssu2_sessions -4\n");
}

BOOST_AUTO_TEST_CASE(same_series_returns_same_handle) {
  MetricsRegistry m;
  auto& a = m.counter("c", "h", {{"k", "v"}});
  auto& b = m.counter("c", "h", {{"k", "v"}});
  BOOST_TEST(&a == &b);
  a.inc();
  b.inc();
  BOOST_TEST(a.value() == 2u);
  BOOST_TEST(&m.counter("c", "h", {{"k", "w"}}) != &a);
}

BOOST_AUTO_TEST_CASE(escapes_label_values_and_help) {
  BOOST_TEST(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  BOOST_TEST(render_labels({{"peer", "x\"y"}, {"bad-name", "1"}}) ==
             "{peer=\"x\\\"y\",bad_name=\"1\"}");
  MetricsRegistry m;
  m.gauge("g", "line1\nline2 \\ \"q\"").set(1);
  BOOST_TEST(m.render() == "# HELP g line1\\nline2 \\\\ \"q\"\n# TYPE g gauge\ng 1\n");
}

BOOST_AUTO_TEST_CASE(sanitizes_names_and_keeps_types_apart) {
  BOOST_TEST(sanitize_metric_name("9a-b:c", false) == "_a_b:c");
  BOOST_TEST(sanitize_metric_name("a:b", true) == "a_b");
  MetricsRegistry m;
  m.counter("x", "counter").inc();
  m.gauge("x", "gauge").set(5);  // cannot share the family: becomes x_gauge
  BOOST_TEST(m.render() ==
             "# HELP x counter\n# TYPE x counter\nx 1\n"
             "# HELP x_gauge gauge\n# TYPE x_gauge gauge\nx_gauge 5\n");
}

// ---- HTTP endpoint (real loopback socket, bounded waits) ----
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace {
std::string http_get(uint16_t port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  BOOST_REQUIRE(fd >= 0);
  timeval tv{5, 0};  // bound every wait
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n";
  BOOST_REQUIRE(::send(fd, req.data(), req.size(), 0) == ssize_t(req.size()));
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, size_t(n));
  ::close(fd);
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(http_endpoint_serves_metrics) {
  auto reg = std::make_shared<MetricsRegistry>();
  reg->counter("ssu2_test_total", "t").inc(7);
  MetricsHttpServer http;
  std::string err;
  BOOST_REQUIRE_MESSAGE(http.start("127.0.0.1", 0, reg, err), err);
  BOOST_REQUIRE(http.port() != 0);
  auto ok = http_get(http.port(), "/metrics");
  BOOST_TEST(ok.rfind("HTTP/1.0 200 OK\r\n", 0) == 0u);
  BOOST_TEST(ok.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  BOOST_TEST(ok.find("\r\n\r\n" + reg->render()) != std::string::npos);
  BOOST_TEST(http_get(http.port(), "/other").rfind("HTTP/1.0 404", 0) == 0u);
  http.stop();
  BOOST_TEST(!http.start("nonsense", 0, reg, err));
  BOOST_TEST(err.find("nonsense") != std::string::npos);
}
