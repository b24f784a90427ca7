#include "actors/support/http_server.hpp"

#include <httplib.h>
#include <sys/socket.h>
#include <openssl/crypto.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "actors/support/status_json.hpp"
#include "console_page.hpp"
#include "transport/crypto/crypto.hpp"

namespace ssu2d {

namespace {

constexpr auto kApiTimeout = std::chrono::seconds(5);
constexpr time_t kIoTimeoutSeconds = 2;

// httplib's task queue, bounded: at most `limit` connections wait for one of the workers.
// When full, the connection is served on the accepting thread (which then accepts nothing
// else: the listen backlog holds the next clients), so no connection is ever dropped
// without an answer and nothing grows without bound.
class BoundedPool : public httplib::TaskQueue {
 public:
  BoundedPool(size_t threads, size_t limit, Counter& full, Gauge& queued)
      : limit_(limit), full_(full), queued_(queued) {
    for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) workers_.emplace_back([this] { run(); });
  }
  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (jobs_.size() < limit_) {
        jobs_.push_back(std::move(fn));
        queued_.set(int64_t(jobs_.size()));
        cv_.notify_one();
        return;
      }
    }
    full_.inc();
    fn();
  }
  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping, and every accepted connection was served
        fn = std::move(jobs_.front());
        jobs_.pop_front();
        queued_.set(int64_t(jobs_.size()));
      }
      fn();
    }
  }

  size_t limit_;
  Counter& full_;
  Gauge& queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
  bool stop_ = false;
};

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One request to the introspection actor; `out` is the JSON answer or {"error": ...}.
template <class T, class Atom, class Render>
bool ask(caf::actor_system& sys, const introspection_client_actor& who, Atom atom, Render render,
         std::string& out) {
  caf::scoped_actor self{sys};
  bool ok = false;
  self->request(who, kApiTimeout, atom)
      .receive([&](T& v) { out = dump(render(v)); ok = true; },
               [&](caf::error& e) { out = dump({{"error", render_node_error(e)}}); });
  return ok;
}

// Equal without an early exit: compares digests, so neither length nor content leaks.
bool same_secret(const std::string& a, const std::string& b) {
  auto da = ssu2::crypto::sha256(ssu2::ByteSpan(reinterpret_cast<const uint8_t*>(a.data()), a.size()));
  auto db = ssu2::crypto::sha256(ssu2::ByteSpan(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions opts;
  std::string expected_auth;  // "Basic base64(user:password)", "" = open
  httplib::Server svr;
  std::thread thread;
  Counter* responses[5] = {};  // 200, 401, 404, 503, other
  Counter* queue_full = nullptr;
  Gauge* queued = nullptr;

  void count(int status) {
    int k = status == 200 ? 0 : status == 401 ? 1 : status == 404 ? 2 : status == 503 ? 3 : 4;
    responses[k]->inc();
  }

  void api(httplib::Response& res, bool ok, std::string body) {
    res.status = ok ? 200 : 503;
    res.set_header("Cache-Control", "no-store");
    res.set_content(std::move(body), "application/json");
  }

  void routes() {
    svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (expected_auth.empty() || same_secret(req.get_header_value("Authorization"), expected_auth))
        return httplib::Server::HandlerResponse::Unhandled;
      res.status = 401;
      res.set_header("WWW-Authenticate", "Basic realm=\"ssu2d\", charset=\"UTF-8\"");
      res.set_content("authentication required\n", "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    });
    svr.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(opts.metrics ? opts.metrics->render() : std::string{},
                      "text/plain; version=0.0.4; charset=utf-8");
    });
    svr.Get("/api/status", [this](const httplib::Request&, httplib::Response& res) {
      std::string out = R"({"error":"no introspection actor"})";
      bool ok = opts.system && opts.introspection &&
                ask<node_status>(*opts.system, opts.introspection, status_atom::value,
                                 status_json, out);
      api(res, ok, std::move(out));
    });
    svr.Get("/api/sessions", [this](const httplib::Request&, httplib::Response& res) {
      std::string out = R"({"error":"no introspection actor"})";
      bool ok = opts.system && opts.introspection &&
                ask<session_list>(*opts.system, opts.introspection, sessions_atom::value,
                                  [](const session_list& l) { return sessions_json(l.sessions); },
                                  out);
      api(res, ok, std::move(out));
    });
    svr.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      // Everything the page needs is inline; it may only fetch from this node.
      res.set_header("Content-Security-Policy",
                     "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                     "connect-src 'self'");
      res.set_content(generated::console_page_html, "text/html; charset=utf-8");
    });
    svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.status == 404) res.set_content("not found\n", "text/plain; charset=utf-8");
    });
    svr.set_logger([this](const httplib::Request&, const httplib::Response& res) {
      count(res.status);
    });
  }
};

std::string read_password_file(const std::string& path, std::string& error) {
  const std::string key = "config: \"metrics.auth_password_file\": ";
  std::ifstream in(path);
  if (!in) {
    error = key + "cannot read \"" + path + "\": " + std::strerror(errno);
    return {};
  }
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) error = key + "\"" + path + "\" has an empty first line";
  return line;
}

HttpServer::HttpServer() = default;

HttpServer::~HttpServer() { stop(); }

void HttpServer::stop() {
  if (!impl_) return;
  impl_->svr.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_.reset();
  port_ = 0;
}

bool HttpServer::start(HttpServerOptions opts, std::string& error) {
  stop();
  auto impl = std::make_unique<Impl>();
  if (!opts.auth_user.empty()) {
    auto password = read_password_file(opts.auth_password_file, error);
    if (password.empty()) return false;
    impl->expected_auth =
        httplib::make_basic_authentication_header(opts.auth_user, password).second;
  }
  if (!opts.metrics) opts.metrics = std::make_shared<MetricsRegistry>();
  auto& m = *opts.metrics;
  const char* resp = "ssu2_http_responses_total";
  const char* resp_help = "HTTP responses by status code";
  const char* codes[5] = {"200", "401", "404", "503", "other"};
  for (int k = 0; k < 5; ++k) impl->responses[k] = &m.counter(resp, resp_help, {{"code", codes[k]}});
  impl->queue_full = &m.counter("ssu2_http_queue_full_total",
                                "HTTP connections served on the accepting thread (queue full)");
  impl->queued = &m.gauge("ssu2_http_queued_connections",
                          "Accepted HTTP connections waiting for a worker");
  impl->opts = std::move(opts);
  auto& o = impl->opts;
  Impl* raw = impl.get();
  impl->svr.new_task_queue = [raw] {
    return new BoundedPool(raw->opts.threads, raw->opts.queue, *raw->queue_full, *raw->queued);
  };
  impl->svr.set_read_timeout(kIoTimeoutSeconds, 0);
  impl->svr.set_write_timeout(kIoTimeoutSeconds, 0);
  impl->svr.set_keep_alive_timeout(kIoTimeoutSeconds);
  impl->svr.set_payload_max_length(64 * 1024);
  // httplib's default adds SO_REUSEPORT, which would let a second node bind the same port
  // and take half the scrapes; SO_REUSEADDR alone still allows a quick restart.
  impl->svr.set_socket_options([](socket_t sock) {
    int one = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  });
  impl->routes();

  errno = 0;
  int port = o.port;
  bool bound = o.port == 0 ? (port = impl->svr.bind_to_any_port(o.host)) > 0
                           : impl->svr.bind_to_port(o.host, o.port);
  if (!bound) {
    error = "metrics: cannot listen on " + o.host + ":" + std::to_string(o.port) +
            " (metrics.host, metrics.port)" + (errno ? std::string(": ") + std::strerror(errno) : "");
    return false;
  }
  impl->thread = std::thread([raw] { raw->svr.listen_after_bind(); });
  // stop() only reaches a server that runs: wait (bounded) until it does.
  for (int i = 0; i < 2000 && !impl->svr.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  port_ = uint16_t(port);
  impl_ = std::move(impl);
  return true;
}

}  // namespace ssu2d
