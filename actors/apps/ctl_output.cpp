#include "actors/apps/ctl_output.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>

namespace ssu2d::ctl {

using nlohmann::json;

json to_json(const send_test_result& r, bool sequential) {
  return {{"sent", r.sent}, {"delivered", r.delivered}, {"failed", r.failed},
          {"elapsed_ms", r.elapsed_ms}, {"sequential", sequential},
          {"latency_min_us", r.latency_min_us}, {"latency_p50_us", r.latency_p50_us},
          {"latency_p99_us", r.latency_p99_us}, {"latency_max_us", r.latency_max_us},
          {"latency_mean_us", r.latency_mean_us}, {"failures", r.failures}};
}

namespace {
void row(const std::string& k, const std::string& v) {
  std::cout << std::left << std::setw(20) << k << v << "\n";
}
// Microseconds as milliseconds with `decimals` digits (RTTs on a LAN are below 1 ms).
std::string ms_text(uint64_t us, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, double(us) / 1000.0);
  return buf;
}
}  // namespace

void print_status(const node_status& s) {
  row("router hash", to_string(s.hash));
  std::string addrs;
  for (auto& a : s.addresses) addrs += (addrs.empty() ? "" : ", ") + a;
  row("addresses", addrs);
  row("control", s.control);
  row("uptime", std::to_string(s.uptime_ms / 1000) + " s");
  row("sessions", std::to_string(s.sessions));
  row("pending handshakes", std::to_string(s.pending_handshakes));
  row("datagrams in/out", std::to_string(s.datagrams_in) + " / " + std::to_string(s.datagrams_out));
  row("datagrams unknown", std::to_string(s.datagrams_unknown));
  row("bytes in/out", std::to_string(s.bytes_in) + " / " + std::to_string(s.bytes_out));
  auto kbps = [](uint64_t bps) { return std::to_string(bps / 1000) + "." + std::to_string(bps % 1000 / 100); };
  row("in KB/s", kbps(s.in_bps_1s) + " (1 s), " + kbps(s.in_bps_15s) + " (15 s), " +
                     kbps(s.in_bps_5m) + " (5 min)");
  row("out KB/s", kbps(s.out_bps_1s) + " (1 s), " + kbps(s.out_bps_15s) + " (15 s), " +
                      kbps(s.out_bps_5m) + " (5 min)");
  auto limit = [](uint64_t bps) {
    return bps == 0 ? std::string("unlimited")
                    : std::to_string(bps / 1024) + " KB/s (" + std::to_string(bps) + " B/s)";
  };
  row("limit in/out", limit(s.limit_in_bps) + " / " + limit(s.limit_out_bps));
  if (s.limit_in_bps || s.limit_out_bps)
    row("over limit", "in " + std::to_string(s.refused_in_bytes) + " B dropped, out " +
                          std::to_string(s.refused_out_bytes) + " B waited");
  row("log level", s.log_level);
  row("version", s.version);
  row("reachability", s.nat.reachability + (s.nat.external.empty() ? "" : " (external " + s.nat.external + ")"));
  std::string pub;
  for (auto& a : s.nat.published) pub += (pub.empty() ? "" : ", ") + a;
  row("published", (pub.empty() ? "no host" : pub) + ", caps " + s.nat.router_caps + " / " + s.nat.address_caps);
  for (auto& i : s.nat.introducers_v4) row("introducer ipv4", i);
  for (auto& i : s.nat.introducers_v6) row("introducer ipv6", i);
  for (auto& t : s.nat.peer_tests) row("peer test", t);
}

void sort_sessions(std::vector<session_info>& l, const std::string& key) {
  auto by = [&](auto f) {
    std::stable_sort(l.begin(), l.end(), [&](const session_info& a, const session_info& b) {
      return f(a) > f(b);
    });
  };
  if (key == "rtt") by([](const session_info& s) { return s.rtt_ms; });
  else if (key == "bytes") by([](const session_info& s) { return s.bytes_in + s.bytes_out; });
  else if (key == "peer")
    std::stable_sort(l.begin(), l.end(), [](const session_info& a, const session_info& b) {
      return to_string(a.peer) < to_string(b.peer);
    });
  else by([](const session_info& s) { return s.established_ms_ago; });
}

void print_sessions(const std::vector<session_info>& l) {
  std::cout << std::left << std::setw(46) << "PEER" << std::setw(5) << "DIR" << std::setw(24)
            << "REMOTE" << std::setw(13) << "STATE" << std::setw(8) << "AGE(s)" << std::setw(8)
            << "RTT(ms)" << std::setw(8) << "WINDOW" << std::setw(12) << "BYTES IN"
            << std::setw(12) << "BYTES OUT" << std::setw(9) << "I2NP IN" << "I2NP OUT\n";
  for (auto& s : l)
    std::cout << std::left << std::setw(46) << to_string(s.peer) << std::setw(5)
              << (s.outbound ? "out" : "in") << std::setw(24) << s.remote << std::setw(13)
              << s.state << std::setw(8) << s.established_ms_ago / 1000 << std::setw(8)
              << ms_text(s.rtt_us, 1) << std::setw(8) << s.window << std::setw(12) << s.bytes_in
              << std::setw(12) << s.bytes_out << std::setw(9) << s.i2np_in << s.i2np_out
              << "\n";
  if (l.empty()) std::cout << "(no sessions)\n";
}

void print_session_detail(const session_info& s) {
  row("peer", to_string(s.peer));
  row("remote", s.remote);
  row("state", s.state + (s.outbound ? " (outbound)" : " (inbound)"));
  row("age", std::to_string(s.established_ms_ago / 1000) + " s");
  row("rtt / rto", ms_text(s.rtt_us, 3) + " / " + std::to_string(s.rto_ms) + " ms");
  row("window / in flight", std::to_string(s.window) + " / " + std::to_string(s.in_flight));
  row("queued", std::to_string(s.queued));
  row("i2np in / out", std::to_string(s.i2np_in) + " / " + std::to_string(s.i2np_out));
  row("bytes in / out", std::to_string(s.bytes_in) + " / " + std::to_string(s.bytes_out));
  row("packets in / out", std::to_string(s.packets_in) + " / " + std::to_string(s.packets_out));
  row("retransmissions", std::to_string(s.retransmissions));
  row("answered control", std::to_string(s.control_answered));
  for (auto& [reason, n] : s.drops) row("dropped", std::to_string(n) + " " + reason);
}

void print_send_result(const send_test_result& r, bool sequential) {
  std::cout << "sent " << r.sent << ", delivered " << r.delivered << ", failed " << r.failed
            << " in " << r.elapsed_ms << " ms\n";
  if (sequential)
    std::cout << "latency us: min " << r.latency_min_us << ", p50 " << r.latency_p50_us
              << ", p99 " << r.latency_p99_us << ", max " << r.latency_max_us << ", mean "
              << r.latency_mean_us << "\n";
  for (auto& f : r.failures) std::cout << "failed " << f << "\n";
  if (r.failed > r.failures.size())
    std::cout << "(" << r.failed - r.failures.size() << " more failures not listed)\n";
}

int report(bool as_json, const std::string& code, const std::string& reason, int rc) {
  if (as_json) std::cout << json{{"error", code}, {"reason", reason}}.dump() << "\n";
  else std::cerr << "ssu2ctl: " << reason << "\n";
  return rc;
}

int report(bool as_json, const caf::error& e) {
  const std::string text = render_node_error(e);
  // render_node_error gives "CODE: TEXT" (or "system: CODE[: TEXT]" for CAF's own errors).
  std::string code = text, reason = text;
  const size_t skip = text.rfind("system: ", 0) == 0 ? 8 : 0;
  if (auto colon = text.find(": ", skip); colon != std::string::npos) code = text.substr(0, colon);
  return report(as_json, code, reason, 1);
}

Ticker::Ticker(std::string what, bool quiet, unsigned every_s) : what_(std::move(what)) {
  if (quiet) return;
  thread_ = std::thread([this, every_s] {
    std::unique_lock<std::mutex> lock(m_);
    while (!cv_.wait_for(lock, std::chrono::seconds(every_s), [this] { return done_; })) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.0f s", elapsed_s());
      std::cerr << "ssu2ctl: " << what_ << ": still waiting (" << buf << ")\n" << std::flush;
    }
  });
}

Ticker::~Ticker() {
  {
    std::lock_guard<std::mutex> lock(m_);
    done_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

double Ticker::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

void progress(bool quiet, const std::string& text) {
  if (!quiet) std::cerr << "ssu2ctl: " << text << "\n" << std::flush;
}

}  // namespace ssu2d::ctl
