// The node's HTTP server, on cpp-httplib (Debian's libcpp-httplib-dev):
//   GET /              the read-only web console (actors/support/console_page.html)
//   GET /metrics       the registry in the Prometheus text format (0.0.4)
//   GET /api/status    JSON, the same object as `ssu2ctl --json status`
//   GET /api/sessions  JSON, the same array as `ssu2ctl --json sessions`
// anything else 404. The /api answers come from the introspection actor (one request per
// HTTP request, through a scoped actor), so ssu2ctl and HTTP show one view of the node.
//
// Concurrency: `threads` workers serve connections side by side; accepted connections wait
// in a queue of at most `queue` (ssu2_http_queued_connections); when it is full the
// accepting thread serves the connection itself, so the listen backlog fills and the kernel
// holds further clients back (ssu2_http_queue_full_total). A client that sends nothing is
// cut off after two seconds, so idle connections only ever hold one worker each for that long.
//
// With auth_user set, every path answers 401 (WWW-Authenticate: Basic) unless the request
// carries that user and the password of auth_password_file (its first line).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/support/metrics.hpp"
#include "messages/interfaces.hpp"

namespace ssu2d {

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // numeric IPv4 or IPv6
  uint16_t port = 0;               // 0 = ephemeral (see HttpServer::port)
  std::string auth_user{};         // "" = no authentication
  std::string auth_password_file{};  // read by start()
  std::shared_ptr<MetricsRegistry> metrics{};
  caf::actor_system* system = nullptr;  // both set: /api/* answer, else 503
  introspection_client_actor introspection{};
  size_t threads = 8;  // a console tab holds one or two kept-alive connections
  size_t queue = 64;
};

class HttpServer {
 public:
  HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();
  // Binds and starts serving on a thread of its own. Returns false and a one-line error
  // naming the config key (metrics.host/port, metrics.auth_password_file) on failure.
  bool start(HttpServerOptions opts, std::string& error);
  // Stops accepting, ends the connections being served and joins every thread. Idempotent.
  void stop();
  uint16_t port() const { return port_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

// Reads the password: the first line of `path` without its line end. Returns "" and an
// error naming metrics.auth_password_file when the file is unreadable or the line empty.
std::string read_password_file(const std::string& path, std::string& error);

}  // namespace ssu2d
