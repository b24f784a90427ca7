#include "actors/support/metrics.hpp"

namespace ssu2d {

namespace {

bool name_char(char c, bool first, bool label) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  bool colon = !label && c == ':';
  if (first) return alpha || colon;
  return alpha || colon || (c >= '0' && c <= '9');
}

// HELP text escapes only backslash and newline (quotes are allowed there).
std::string escape_help(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace

std::string sanitize_metric_name(const std::string& name, bool label) {
  if (name.empty()) return "_";
  std::string out = name;
  for (size_t i = 0; i < out.size(); ++i)
    if (!name_char(out[i], i == 0, label)) out[i] = '_';
  return out;
}

std::string escape_label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += sanitize_metric_name(labels[i].first, true) + "=\"" +
           escape_label_value(labels[i].second) + "\"";
  }
  return out + "}";
}

MetricsRegistry::Family& MetricsRegistry::family(std::string name, const std::string& help,
                                                 bool is_counter) {
  name = sanitize_metric_name(name, false);
  auto it = families_.find(name);
  if (it != families_.end() && it->second.is_counter != is_counter)
    return family(name + (is_counter ? "_counter" : "_gauge"), help, is_counter);
  if (it == families_.end()) {
    it = families_.emplace(name, Family{}).first;
    it->second.help = help;
    it->second.is_counter = is_counter;
  }
  return it->second;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = family(name, help, true).counters[render_labels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = family(name, help, false).gauges[render_labels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Gauge& MetricsRegistry::gauge_fn(const std::string& name, const std::string& help,
                                 std::function<int64_t()> read) {
  auto& g = gauge(name, help);
  std::lock_guard<std::mutex> lock(mu_);  // render() reads the function under the lock
  g.observe(std::move(read));
  return g;
}

std::string MetricsRegistry::render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, fam] : families_) {
    if (!fam.help.empty()) out += "# HELP " + name + " " + escape_help(fam.help) + "\n";
    out += "# TYPE " + name + (fam.is_counter ? " counter\n" : " gauge\n");
    for (const auto& [labels, c] : fam.counters)
      out += name + labels + " " + std::to_string(c->value()) + "\n";
    for (const auto& [labels, g] : fam.gauges)
      out += name + labels + " " + std::to_string(g->value()) + "\n";
  }
  return out;
}

}  // namespace ssu2d
