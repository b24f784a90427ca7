// ssu2ctl's output: tables and JSON for the node's replies, errors (plain or JSON) and
// progress lines for requests that take a while.
#pragma once
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <caf/error.hpp>
#include <nlohmann/json.hpp>

#include "messages/messages.hpp"

namespace ssu2d::ctl {

nlohmann::json to_json(const send_test_result& r, bool sequential);
void print_status(const node_status& s);
// Orders the list: "age" (oldest first), "rtt" / "bytes" (largest first) or "peer".
void sort_sessions(std::vector<session_info>& l, const std::string& key);
void print_sessions(const std::vector<session_info>& l);
void print_session_detail(const session_info& s);
void print_send_result(const send_test_result& r, bool sequential);

// Reports an error and returns rc: with --json one line {"error": CODE, "reason": REASON}
// on stdout, else "ssu2ctl: REASON" on stderr.
int report(bool as_json, const std::string& code, const std::string& reason, int rc);
// A node's error reply: CODE is its name ("unknown_session", "system: ..."), REASON its text.
int report(bool as_json, const caf::error& e);

// While alive, prints "ssu2ctl: WHAT: still waiting (N s)" to stderr every `every_s`
// seconds (nothing when quiet). The first line and the final one are the caller's.
class Ticker {
 public:
  Ticker(std::string what, bool quiet, unsigned every_s = 5);
  ~Ticker();
  double elapsed_s() const;

 private:
  std::string what_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// A progress line on stderr ("ssu2ctl: TEXT"), unless quiet.
void progress(bool quiet, const std::string& text);

}  // namespace ssu2d::ctl
