// udp_impair_proxy: a small seeded UDP relay that impairs traffic, for loss/reorder tests.
//
//   udp_impair_proxy --listen 127.0.0.1:P --target 127.0.0.1:T [--seed N] [--drop 0.05]
//                    [--dup 0.01] [--reorder 0.05] [--delay-ms 2] [--jitter-ms 3]
//                    [--max-seconds 600]
//
// Datagrams arriving on the listen socket from a client are forwarded to the target from an
// upstream socket of that client's own; datagrams the target sends back to that upstream
// socket go to the client. Each direction is impaired independently: dropped with probability
// `drop`, duplicated with probability `dup`, held back by an extra 5..25 ms with probability
// `reorder` (so later packets overtake it), and delayed by delay-ms + uniform(0, jitter-ms).
// Only loopback and 198.18.0.0/15 (test namespaces) addresses are accepted. The proxy stops by itself after --max-seconds, or on
// SIGTERM/SIGINT, and prints its counters as one JSON line on stderr.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
volatile std::sig_atomic_t g_stop = 0;

struct Options {
  sockaddr_in listen{}, target{};
  uint64_t seed = 1;
  double drop = 0, dup = 0, reorder = 0;
  int delay_ms = 0, jitter_ms = 0, max_seconds = 600;
};

bool parse_endpoint(const std::string& s, sockaddr_in& out) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  out.sin_family = AF_INET;
  if (inet_pton(AF_INET, s.substr(0, colon).c_str(), &out.sin_addr) != 1) return false;
  int port = std::atoi(s.c_str() + colon + 1);
  if (port < 0 || port > 65535) return false;
  out.sin_port = htons(uint16_t(port));
  // Loopback or the test networks' 198.18.0.0/15 (the namespaces a test creates itself):
  // this tool must never send impaired traffic anywhere else.
  const uint32_t a = ntohl(out.sin_addr.s_addr);
  return (a >> 24) == 127 || (a >> 17) == (0xC612'0000u >> 17);
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "udp_impair_proxy: %s\n", why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  bool have_listen = false, have_target = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + a).c_str());
    std::string v = argv[++i];
    if (a == "--listen") have_listen = parse_endpoint(v, o.listen);
    else if (a == "--target") have_target = parse_endpoint(v, o.target);
    else if (a == "--seed") o.seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--drop") o.drop = std::atof(v.c_str());
    else if (a == "--dup") o.dup = std::atof(v.c_str());
    else if (a == "--reorder") o.reorder = std::atof(v.c_str());
    else if (a == "--delay-ms") o.delay_ms = std::atoi(v.c_str());
    else if (a == "--jitter-ms") o.jitter_ms = std::atoi(v.c_str());
    else if (a == "--max-seconds") o.max_seconds = std::atoi(v.c_str());
    else usage(("unknown option " + a).c_str());
  }
  if (!have_listen || !have_target) usage("--listen and --target take 127.x.y.z:port");
  return o;
}

struct Pending {
  Clock::time_point due;
  uint64_t seq;
  int fd;
  sockaddr_in to;
  std::vector<uint8_t> data;
  bool operator>(const Pending& o) const { return due != o.due ? due > o.due : seq > o.seq; }
};

struct Counters {
  uint64_t received = 0, forwarded = 0, dropped = 0, duplicated = 0, reordered = 0;
};

uint64_t key_of(const sockaddr_in& a) {
  return uint64_t(a.sin_addr.s_addr) << 16 | a.sin_port;
}

int udp_socket(const sockaddr_in* bind_to) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) { std::perror("socket"); std::exit(1); }
  int buf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const sockaddr_in* b = bind_to ? bind_to : &any;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(b), sizeof *b) != 0) {
    std::perror("bind");
    std::exit(1);
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse(argc, argv);
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::signal(SIGINT, [](int) { g_stop = 1; });

  std::mt19937_64 rng(opt.seed);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  int listen_fd = udp_socket(&opt.listen);
  std::map<uint64_t, int> upstream_of;           // client -> upstream socket
  std::map<int, sockaddr_in> client_of;          // upstream socket -> client
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue;
  Counters c;
  uint64_t seq = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(opt.max_seconds);

  auto schedule = [&](int out_fd, const sockaddr_in& to, const uint8_t* p, size_t n) {
    ++c.received;
    if (coin(rng) < opt.drop) { ++c.dropped; return; }
    int copies = coin(rng) < opt.dup ? 2 : 1;
    if (copies == 2) ++c.duplicated;
    for (int i = 0; i < copies; ++i) {
      int delay = opt.delay_ms + (opt.jitter_ms > 0 ? int(rng() % uint64_t(opt.jitter_ms + 1)) : 0);
      if (coin(rng) < opt.reorder) { delay += 5 + int(rng() % 21); ++c.reordered; }
      queue.push(Pending{Clock::now() + std::chrono::milliseconds(delay), seq++, out_fd, to,
                         std::vector<uint8_t>(p, p + n)});
    }
  };

  std::vector<uint8_t> buf(65536);
  while (!g_stop && Clock::now() < deadline) {
    std::vector<pollfd> fds{{listen_fd, POLLIN, 0}};
    for (auto& [fd, _] : client_of) fds.push_back({fd, POLLIN, 0});
    int timeout = 50;
    if (!queue.empty()) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(queue.top().due - Clock::now()).count();
      timeout = int(std::max<long>(0, std::min<long>(ms, 50)));
    }
    if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) break;
    for (auto& pfd : fds) {
      if (!(pfd.revents & POLLIN)) continue;
      for (int burst = 0; burst < 64; ++burst) {
        sockaddr_in from{};
        socklen_t len = sizeof from;
        ssize_t n = ::recvfrom(pfd.fd, buf.data(), buf.size(), MSG_DONTWAIT,
                               reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) break;
        if (pfd.fd == listen_fd) {
          auto k = key_of(from);
          auto it = upstream_of.find(k);
          if (it == upstream_of.end()) {
            sockaddr_in local = opt.listen;  // the upstream socket: same address, any port
            local.sin_port = 0;
            int up = udp_socket(&local);
            it = upstream_of.emplace(k, up).first;
            client_of[up] = from;
          }
          schedule(it->second, opt.target, buf.data(), size_t(n));
        } else {
          schedule(listen_fd, client_of[pfd.fd], buf.data(), size_t(n));
        }
      }
    }
    auto now = Clock::now();
    while (!queue.empty() && queue.top().due <= now) {
      const Pending& p = queue.top();
      if (::sendto(p.fd, p.data.data(), p.data.size(), 0,
                   reinterpret_cast<const sockaddr*>(&p.to), sizeof p.to) >= 0)
        ++c.forwarded;
      queue.pop();
    }
  }
  std::fprintf(stderr,
               "{\"received\":%llu,\"forwarded\":%llu,\"dropped\":%llu,\"duplicated\":%llu,"
               "\"reordered\":%llu}\n",
               (unsigned long long)c.received, (unsigned long long)c.forwarded,
               (unsigned long long)c.dropped, (unsigned long long)c.duplicated,
               (unsigned long long)c.reordered);
  return 0;
}
