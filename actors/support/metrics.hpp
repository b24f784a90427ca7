// A small thread-safe registry of counters and gauges with labels, rendered in the
// Prometheus text exposition format (version 0.0.4). Handles returned by counter()/gauge()
// stay valid for the registry's lifetime, so hot paths look a metric up once and then only
// touch an atomic.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ssu2d {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void set(int64_t v) { v_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { v_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return read_ ? read_() : v_.load(std::memory_order_relaxed); }
  // The gauge reads its value from `read` when rendered (it must be thread-safe, e.g. an
  // atomic load), for figures kept elsewhere.
  void observe(std::function<int64_t()> read) { read_ = std::move(read); }

 private:
  std::atomic<int64_t> v_{0};
  std::function<int64_t()> read_;
};

class MetricsRegistry {
 public:
  // Returns the series `name{labels}`, creating family and series on first use. The help
  // text of the first registration wins. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*; label
  // names [a-zA-Z_][a-zA-Z0-9_]*; invalid names are sanitised (bad characters become '_').
  // A name already used with the other type gets a "_counter"/"_gauge" suffix instead of
  // mixing types in one family.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  // A gauge whose value is read from `read` at render time (see Gauge::observe).
  Gauge& gauge_fn(const std::string& name, const std::string& help, std::function<int64_t()> read);

  // Families sorted by name, series sorted by label text; "# HELP" and "# TYPE" lines first.
  std::string render() const;

 private:
  struct Family {
    std::string help;
    bool is_counter = true;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // key: rendered label set
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
  };
  Family& family(std::string name, const std::string& help, bool is_counter);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

// Helpers exposed for tests.
std::string sanitize_metric_name(const std::string& name, bool label);
std::string escape_label_value(const std::string& v);  // \\ \" \n
std::string render_labels(const Labels& labels);       // {a="x",b="y"} or ""

}  // namespace ssu2d
