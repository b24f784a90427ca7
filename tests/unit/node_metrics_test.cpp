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
