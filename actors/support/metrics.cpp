#include "actors/support/metrics.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

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

// ---- HTTP endpoint ------------------------------------------------------------------

namespace ssu2d {

struct MetricsHttpServer::Impl {
  int listen_fd = -1;
  int wake[2] = {-1, -1};
  std::shared_ptr<MetricsRegistry> registry;
  std::thread thread;
  ~Impl() {
    for (int fd : {listen_fd, wake[0], wake[1]})
      if (fd >= 0) ::close(fd);
  }
};

namespace {

// Reads until the end of the request head (blank line), 8 KiB or two seconds.
std::string read_request_head(int fd) {
  std::string in;
  char buf[1024];
  while (in.size() < 8192 && in.find("\r\n\r\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, size_t(n));
  }
  return in;
}

void send_all(int fd, const std::string& out) {
  size_t off = 0;
  while (off < out.size()) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 2000) <= 0) return;
    ssize_t n = ::send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += size_t(n);
  }
}

void serve_one(int fd, MetricsRegistry& registry) {
  std::string head = read_request_head(fd);
  bool ok = head.rfind("GET /metrics ", 0) == 0 || head.rfind("GET /metrics?", 0) == 0;
  std::string body = ok ? registry.render() : "not found\n";
  std::string out = std::string(ok ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.0 404 Not Found\r\n") +
                    "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                    "Content-Length: " + std::to_string(body.size()) +
                    "\r\nConnection: close\r\n\r\n" + body;
  send_all(fd, out);
}

void http_loop(std::shared_ptr<MetricsHttpServer::Impl> impl) {
  pollfd pfds[2] = {{impl->listen_fd, POLLIN, 0}, {impl->wake[0], POLLIN, 0}};
  for (;;) {
    int r = ::poll(pfds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || pfds[1].revents) return;
    int fd = ::accept4(impl->listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    serve_one(fd, *impl->registry);
    ::close(fd);
  }
}

}  // namespace

MetricsHttpServer::~MetricsHttpServer() { stop(); }

void MetricsHttpServer::stop() {
  if (!impl_) return;
  char c = 1;
  [[maybe_unused]] auto w = ::write(impl_->wake[1], &c, 1);
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_.reset();
}

bool MetricsHttpServer::start(const std::string& host, uint16_t port,
                              std::shared_ptr<MetricsRegistry> registry, std::string& error) {
  stop();
  auto impl = std::make_shared<Impl>();
  impl->registry = std::move(registry);
  sockaddr_storage ss{};
  socklen_t sl = 0;
  if (host.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) == 1) sl = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (inet_pton(AF_INET, host.c_str(), &a->sin_addr) == 1) sl = sizeof *a;
  }
  if (sl == 0) {
    error = "metrics: \"" + host + "\" is not a numeric IPv4/IPv6 address";
    return false;
  }
  impl->listen_fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (impl->listen_fd >= 0)
    ::setsockopt(impl->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (impl->listen_fd < 0 || ::bind(impl->listen_fd, reinterpret_cast<sockaddr*>(&ss), sl) != 0 ||
      ::listen(impl->listen_fd, 16) != 0 || ::pipe2(impl->wake, O_CLOEXEC) != 0) {
    error = "metrics: cannot listen on " + host + ":" + std::to_string(port) + ": " +
            std::strerror(errno);
    return false;
  }
  sockaddr_storage bound{};
  socklen_t bl = sizeof bound;
  ::getsockname(impl->listen_fd, reinterpret_cast<sockaddr*>(&bound), &bl);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  impl->thread = std::thread(http_loop, impl);
  impl_ = std::move(impl);
  return true;
}

}  // namespace ssu2d
