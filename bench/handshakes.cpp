// bench/handshakes: a load generator built on the project's sans-IO core.
//
// Many simulated routers (each with its own RouterKeys and a signed RouterInfo) open SSU2
// sessions to ONE running ssu2d node: the full handshake of a real router
// (transport/handshake OutboundHandshake: Token Request, Retry, Session Request, Session
// Created, Session Confirmed, Bob's first Data), then a DataSession
// (transport/session) each, which stays open and answers whatever the node sends (ACKs,
// NewToken, ...), like a real router's session. Sources are many loopback addresses
// 127.a.b.c, one bound UDP socket each, several sessions per socket; one thread, epoll.
//
// It reports, for the node (pid on the command line, /proc/PID/stat and /proc/PID/status):
// handshakes/s accepted, node CPU per handshake, node RSS at checkpoints (1k/5k/10k
// sessions by default), the node's idle CPU over --idle-seconds with every session open
// (with the node's idle CPU with no bench session as the baseline, same run), and delivery
// of one message on --sample sessions (ACKed by the node; with --ctl also counted by the
// node's ssu2_i2np_messages_total{direction="in"}). Last line: one JSON object.
//
//   handshakes --router-info NODE_DIR/router.info --pid NODEPID --sessions 5000
//              [--in-flight 100] [--per-socket 4] [--idle-seconds 60] [--baseline-seconds 10]
//              [--sample 100] [--checkpoints 1000,5000,10000] [--net-id 2]
//              [--ctl "build/ssu2ctl --node 127.0.0.1:PORT"] [--keepalive-s 0]
//              [--hold-seconds 0] [--no-close]
//
// bench/handshakes.py starts a node with the limits raised and runs this against it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <sstream>
#include <string>
#include <vector>

#include "transport/handshake/data_phase.hpp"
#include "transport/handshake/outbound.hpp"
#include "transport/i2p/router_info.hpp"
#include "transport/i2p/router_keys.hpp"
#include "transport/session/session.hpp"
#include "transport/ssu2/header.hpp"

namespace {

using namespace ssu2;
namespace hs = ssu2::handshake;
namespace ss = ssu2::session;

TimePoint steady_ms() {
  return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now().time_since_epoch());
}
uint64_t unix_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}
uint32_t wall_s() { return uint32_t(unix_ms() / 1000); }
double mono_s() { return double(to_ms(steady_ms())) / 1000.0; }

[[noreturn]] void die(const std::string& m) {
  std::cerr << "handshakes: " << m << "\n";
  std::exit(2);
}

struct Options {
  std::string router_info;
  int pid = 0;
  size_t sessions = 1000;
  size_t in_flight = 100;
  size_t per_socket = 4;
  double idle_seconds = 60;
  double baseline_seconds = 10;
  double settle_seconds = 5;
  size_t sample = 100;
  std::vector<size_t> checkpoints{1000, 5000, 10000};
  uint8_t net_id = 2;
  std::string ctl;
  double keepalive_s = 0;  // 0: no keep-alive traffic (idle timeout is 330 s)
  double hold_seconds = 0;  // keep the sessions open (looping) this long after the report
  bool close_at_end = true;
};

// ---- the node's process figures ------------------------------------------------------

struct ProcSample {
  double cpu_s = 0;  // utime + stime of every thread
  long rss_kb = 0;
  double at = 0;     // mono_s()
};

ProcSample sample_proc(int pid) {
  ProcSample s;
  s.at = mono_s();
  std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(st)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');
  if (close == std::string::npos) die("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(all.substr(close + 2));
  std::vector<std::string> f;
  for (std::string w; in >> w;) f.push_back(w);
  // After "pid (comm) ": state is field 3, utime 14, stime 15.
  if (f.size() < 13) die("short /proc/PID/stat");
  static const double tck = double(sysconf(_SC_CLK_TCK));
  s.cpu_s = (std::stod(f[11]) + std::stod(f[12])) / tck;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stol(line.substr(6));
  return s;
}

double self_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// ---- addresses ------------------------------------------------------------------------

sockaddr_in to_sockaddr(const Address& a) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_port = htons(a.port);
  std::memcpy(&s.sin_addr, a.ip.data(), 4);
  return s;
}

Address from_sockaddr(const sockaddr_in& s) {
  Address a;
  std::memcpy(a.ip.data(), &s.sin_addr, 4);
  a.port = ntohs(s.sin_port);
  return a;
}

// Socket j's source address 127.a.b.c: consecutive sockets in different /24 prefixes (as
// routers on the network are; the node rate-limits per /24), a = 1 + j % 200, b = j / 200 % 256,
// c = 1 + j / 51200 (51,200 prefixes; 127.0.0.0/16 left alone).
Address source_ip(size_t j) {
  return Address::v4(127, uint8_t(1 + j % 200), uint8_t(j / 200 % 256), uint8_t(1 + j / 51200), 0);
}

// ---- one simulated router -------------------------------------------------------------

std::shared_ptr<const hs::LocalIdentity> make_router(const Address& ep, uint8_t net_id) {
  auto keys = i2p::RouterKeys::generate();
  i2p::OwnRouterInfoParams p;
  p.host = ep.host();
  p.port = ep.port;
  p.mtu = 1500;
  p.net_id = net_id;
  p.published_ms = unix_ms();
  auto ri = i2p::make_own_router_info(keys, p);
  if (!ri) die(std::string("make_own_router_info: ") + ri.error().what);
  auto bytes = ri->serialize();
  if (!bytes) die("RouterInfo serialize failed");
  auto l = std::make_shared<hs::LocalIdentity>();
  l->static_priv = keys.x25519_priv;
  l->static_pub = keys.x25519_pub;
  l->intro_key = keys.intro_key;
  l->router_hash = ri->hash();
  l->router_info = std::move(*bytes);
  return l;
}

enum class SlotState : uint8_t { waiting, handshaking, established, failed, closed };

struct Slot {
  uint32_t sock = 0;
  SlotState state = SlotState::waiting;
  std::shared_ptr<const hs::LocalIdentity> local;
  std::unique_ptr<hs::OutboundHandshake> hs;
  std::unique_ptr<ss::DataSession> ds;
  uint64_t our_conn_id = 0;
  TimePoint started{};
  std::optional<TimePoint> armed;
  bool dirty = false;
  TimePoint next_keepalive{};
};

struct Sock {
  int fd = -1;
  Address local;
  std::vector<uint32_t> slots;
  bool handshaking = false;  // one handshake per source address at a time
};

struct Stats {
  size_t started = 0, established = 0, failed = 0, terminated = 0;
  std::map<std::string, size_t> failures, terminations;
  uint64_t rx = 0, tx = 0, rx_unmatched = 0, tx_errors = 0;
  uint64_t i2np_in = 0, control_in = 0, delivered = 0, not_delivered = 0;
  std::vector<double> hs_ms;  // handshake durations
};

struct Checkpoint {
  size_t sessions = 0;
  double at = 0, node_cpu_s = 0, self_cpu = 0;
  long rss_kb = 0;
};

class Bench {
 public:
  explicit Bench(Options o) : o_(std::move(o)) {}
  int run();

 private:
  void load_node();
  void open_sockets();
  void start_handshake(uint32_t i);
  void on_readable(Sock& s);
  void on_datagram(Sock& s, ByteSpan d);
  void flush(uint32_t i);
  void arm(uint32_t i);
  void send(Sock& s, ByteSpan bytes);
  void loop_once(int max_wait_ms);
  void run_for(double seconds);
  size_t in_flight() const { return stats_.started - stats_.established - stats_.failed; }
  uint64_t node_i2np_in();

  Options o_;
  hs::RemoteRouter bob_;
  sockaddr_in bob_sa_{};
  hs::Config cfg_;
  std::vector<Sock> socks_;
  std::vector<Slot> slots_;
  std::vector<std::shared_ptr<const hs::LocalIdentity>> routers_;
  int ep_ = -1;
  using Timer = std::pair<int64_t, uint32_t>;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::vector<uint32_t> dirty_;
  ss::TransmitBatch tx_;
  Stats stats_;
  uint32_t next_start_ = 0;
  std::vector<uint8_t> rxbuf_ = std::vector<uint8_t>(32 * 2048);
};

void Bench::load_node() {
  std::ifstream in(o_.router_info, std::ios::binary);
  if (!in) die("cannot read " + o_.router_info);
  Bytes raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto ri = i2p::RouterInfo::parse(raw);
  if (!ri || !ri->verify()) die(o_.router_info + ": not a valid signed RouterInfo");
  const auto* a = ri->ssu2_address();
  if (!a || !a->host() || !a->port() || !a->static_key() || !a->intro_key())
    die(o_.router_info + ": no SSU2 address with host, port, s and i");
  auto addr = Address::parse(*a->host(), *a->port());
  if (!addr || addr->is_v6()) die("the node's SSU2 address must be IPv4 (loopback)");
  bob_.address = *addr;
  bob_.static_key = *a->static_key();
  bob_.intro_key = crypto::Key32(*a->intro_key());
  bob_.router_hash = ri->hash();
  bob_.router_info = std::make_shared<i2p::RouterInfo>(*ri);
  bob_.mtu = a->mtu().value_or(0);
  bob_sa_ = to_sockaddr(bob_.address);
  cfg_.net_id = o_.net_id;
  std::cout << "node " << bob_.address.to_string() << " pid " << o_.pid << "\n";
}

void Bench::open_sockets() {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  size_t want = o_.sessions / o_.per_socket + 64;
  if (rl.rlim_cur < want) {
    rlimit up{std::max<rlim_t>(want, rl.rlim_cur), std::max<rlim_t>(want, rl.rlim_max)};
    if (setrlimit(RLIMIT_NOFILE, &up) != 0) {
      up.rlim_cur = rl.rlim_max;
      up.rlim_max = rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &up);
    }
  }
  ep_ = epoll_create1(EPOLL_CLOEXEC);
  if (ep_ < 0) die("epoll_create1 failed");
  size_t nsock = (o_.sessions + o_.per_socket - 1) / o_.per_socket;
  socks_.resize(nsock);
  for (size_t j = 0; j < nsock; ++j) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket() failed at " + std::to_string(j) + ": " + std::strerror(errno));
    auto sa = to_sockaddr(source_ip(j));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
      die("bind " + source_ip(j).host() + ": " + std::strerror(errno));
    socklen_t len = sizeof sa;
    getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    socks_[j].fd = fd;
    socks_[j].local = from_sockaddr(sa);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = uint32_t(j);
    if (epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl failed");
  }
  // Session i uses socket i % nsock: consecutive handshakes come from different addresses.
  slots_.resize(o_.sessions);
  for (size_t i = 0; i < o_.sessions; ++i) {
    slots_[i].sock = uint32_t(i % nsock);
    socks_[i % nsock].slots.push_back(uint32_t(i));
  }
}

void Bench::send(Sock& s, ByteSpan bytes) {
  ssize_t n = ::sendto(s.fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&bob_sa_),
                       sizeof bob_sa_);
  if (n < 0) stats_.tx_errors++;
  else stats_.tx++;
}

void Bench::start_handshake(uint32_t i) {
  auto& sl = slots_[i];
  auto& s = socks_[sl.sock];
  sl.local = routers_[i];
  sl.hs = std::make_unique<hs::OutboundHandshake>(cfg_, sl.local, bob_, std::nullopt);
  sl.our_conn_id = sl.hs->our_conn_id();
  sl.state = SlotState::handshaking;
  sl.started = steady_ms();
  s.handshaking = true;
  stats_.started++;
  sl.hs->start(Now{sl.started, wall_s()});
  flush(i);
}

void Bench::arm(uint32_t i) {
  auto& sl = slots_[i];
  std::optional<TimePoint> next;
  if (sl.hs) next = sl.hs->next_deadline();
  else if (sl.ds) next = sl.ds->next_wakeup();
  if (sl.ds && o_.keepalive_s > 0 && (!next || sl.next_keepalive < *next)) next = sl.next_keepalive;
  if (!next || (sl.armed && *sl.armed <= *next)) return;
  sl.armed = next;
  timers_.push({to_ms(*next), i});
}

// Moves what the core produced onto the wire / into the counters, then re-arms.
void Bench::flush(uint32_t i) {
  auto& sl = slots_[i];
  auto& s = socks_[sl.sock];
  TimePoint now = steady_ms();
  if (sl.hs) {
    for (auto& d : sl.hs->take_outgoing()) send(s, d.bytes);
    if (sl.hs->state() == hs::OutboundHandshake::State::established) {
      auto ctx = sl.hs->take_session();
      sl.hs.reset();
      s.handshaking = false;
      stats_.established++;
      stats_.hs_ms.push_back(double(to_ms(now - sl.started)));
      sl.state = SlotState::established;
      sl.ds = std::make_unique<ss::DataSession>(hs::to_session_context(*ctx, now, unix_ms()));
      for (auto& p : ctx->first_packets) sl.ds->on_datagram(now, p, ctx->peer);
      sl.ds->on_timer(now);
      sl.next_keepalive = now + Millis(int64_t(o_.keepalive_s * 1000) + int64_t(i % 1000));
    } else if (sl.hs->state() == hs::OutboundHandshake::State::failed) {
      stats_.failed++;
      stats_.failures[std::string(hs::to_string(sl.hs->failed()->reason))]++;
      sl.hs.reset();
      s.handshaking = false;
      sl.state = SlotState::failed;
      return;
    }
  }
  if (!sl.ds) return;
  for (;;) {
    tx_.clear();
    size_t n = sl.ds->poll_transmit(now, tx_, 64);
    for (auto& d : tx_) send(s, d.bytes);
    if (n < 64) break;
  }
  while (auto e = sl.ds->poll_event()) {
    if (std::holds_alternative<ss::MessageReceived>(*e)) {
      stats_.i2np_in++;
    } else if (auto* r = std::get_if<ss::DeliveryResult>(&*e)) {
      (r->delivered ? stats_.delivered : stats_.not_delivered)++;
    } else if (std::holds_alternative<ss::ControlReceived>(*e) ||
               std::holds_alternative<ss::NewTokenReceived>(*e) ||
               std::holds_alternative<ss::RouterInfoReceived>(*e)) {
      stats_.control_in++;
    } else if (auto* t = std::get_if<ss::Terminated>(&*e); t && sl.state == SlotState::established) {
      sl.state = SlotState::closed;
      stats_.terminated++;
      stats_.terminations[std::string(t->by_peer ? "peer: " : "") + wire::to_string(t->reason)]++;
    }
  }
  if (sl.ds->can_be_freed()) {
    sl.ds.reset();
    return;
  }
  arm(i);
}

void Bench::on_datagram(Sock& s, ByteSpan d) {
  TimePoint now = steady_ms();
  stats_.rx++;
  // Retry / Session Created: long header under Bob's intro key, our handshake's conn id.
  std::optional<uint64_t> bob_id;
  for (uint32_t i : s.slots) {
    auto& sl = slots_[i];
    if (!sl.hs) continue;
    if (!bob_id) {
      auto id = wire::peek_dest_conn_id(d, bob_.intro_key);
      bob_id = id ? *id : 0;
    }
    if (*bob_id == sl.our_conn_id) {
      sl.hs->on_datagram(Now{now, wall_s()}, bob_.address, d);
      if (!sl.dirty) dirty_.push_back(i), sl.dirty = true;
      return;
    }
  }
  // Data: short header under the receiver's (our router's) intro key.
  for (uint32_t i : s.slots) {
    auto& sl = slots_[i];
    if (!sl.hs && !sl.ds) continue;
    auto id = wire::peek_dest_conn_id(d, sl.local->intro_key);
    if (!id || *id != sl.our_conn_id) continue;
    if (sl.hs) sl.hs->on_datagram(Now{now, wall_s()}, bob_.address, d);
    else sl.ds->on_datagram(now, d, bob_.address);
    if (!sl.dirty) dirty_.push_back(i), sl.dirty = true;
    return;
  }
  stats_.rx_unmatched++;
}

void Bench::on_readable(Sock& s) {
  constexpr size_t kBatch = 32, kMax = 2048;
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  sockaddr_in from[kBatch];
  for (int round = 0; round < 16; ++round) {
    for (size_t k = 0; k < kBatch; ++k) {
      iov[k] = {rxbuf_.data() + k * kMax, kMax};
      msgs[k] = {};
      msgs[k].msg_hdr.msg_iov = &iov[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
      msgs[k].msg_hdr.msg_name = &from[k];
      msgs[k].msg_hdr.msg_namelen = sizeof from[k];
    }
    int n = ::recvmmsg(s.fd, msgs, kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    for (int k = 0; k < n; ++k) {
      if (from_sockaddr(from[k]) != bob_.address) {
        stats_.rx_unmatched++;
        continue;
      }
      on_datagram(s, ByteSpan(rxbuf_.data() + size_t(k) * kMax, msgs[k].msg_len));
    }
    if (size_t(n) < kBatch) return;
  }
}

void Bench::loop_once(int max_wait_ms) {
  int wait = max_wait_ms;
  if (!timers_.empty()) {
    auto d = timers_.top().first - to_ms(steady_ms());
    wait = int(std::clamp<int64_t>(d, 0, max_wait_ms));
  }
  epoll_event evs[256];
  int n = epoll_wait(ep_, evs, 256, wait);
  for (int k = 0; k < n; ++k) on_readable(socks_[evs[k].data.u32]);
  for (uint32_t i : dirty_) {
    slots_[i].dirty = false;
    flush(i);
  }
  dirty_.clear();
  auto now = steady_ms();
  while (!timers_.empty() && timers_.top().first <= to_ms(now)) {
    auto [t, i] = timers_.top();
    timers_.pop();
    auto& sl = slots_[i];
    if (!sl.armed || to_ms(*sl.armed) != t) continue;  // superseded
    sl.armed.reset();
    if (sl.hs) sl.hs->on_timer(Now{now, wall_s()});
    else if (sl.ds) {
      if (o_.keepalive_s > 0 && now >= sl.next_keepalive && sl.state == SlotState::established) {
        // A small I2NP message (a real router's traffic keeps a session alive the same way).
        ss::I2npMessage m;
        m.type = 20;
        m.id = uint32_t(i) * 7919u + uint32_t(to_ms(now));
        m.expiration = wall_s() + 60;
        m.body.assign(16, 0);
        sl.ds->queue_message(now, std::move(m));
        sl.next_keepalive = now + Millis(int64_t(o_.keepalive_s * 1000));
      }
      sl.ds->on_timer(now);
    }
    flush(i);
  }
}

void Bench::run_for(double seconds) {
  double end = mono_s() + seconds;
  while (mono_s() < end) loop_once(int(std::max(1.0, std::min(50.0, (end - mono_s()) * 1000))));
}

uint64_t Bench::node_i2np_in() {
  if (o_.ctl.empty()) return 0;
  std::string cmd = o_.ctl + " metrics 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return 0;
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  // ssu2_i2np_messages_total{direction="in"} N
  auto k = out.find("ssu2_i2np_messages_total{direction=\\\"in\\\"}");
  size_t skip = 0;
  if (k != std::string::npos) skip = std::strlen("ssu2_i2np_messages_total{direction=\\\"in\\\"}");
  else if ((k = out.find("ssu2_i2np_messages_total{direction=\"in\"}")) != std::string::npos)
    skip = std::strlen("ssu2_i2np_messages_total{direction=\"in\"}");
  else return 0;
  return std::strtoull(out.c_str() + k + skip, nullptr, 10);
}

std::string hex(const crypto::Hash32& h) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t b : h) s += d[b >> 4], s += d[b & 15];
  return s;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

int Bench::run() {
  load_node();
  open_sockets();

  // Identities first: key generation and signing are the bench's work, not the node's.
  double t0 = mono_s();
  routers_.reserve(o_.sessions);
  for (size_t i = 0; i < o_.sessions; ++i) {
    Address ep = socks_[slots_[i].sock].local;
    routers_.push_back(make_router(ep, o_.net_id));
  }
  std::cout << o_.sessions << " routers (keys + signed RouterInfo) made in " << mono_s() - t0
            << " s, " << socks_.size() << " sockets on " << socks_.front().local.host() << ".."
            << socks_.back().local.host() << "\n";

  // Baseline: the node's idle CPU before any bench session (same run).
  ProcSample base0 = sample_proc(o_.pid);
  if (o_.baseline_seconds > 0) usleep(useconds_t(o_.baseline_seconds * 1e6));
  ProcSample base1 = sample_proc(o_.pid);
  double base_pct = o_.baseline_seconds > 0
                        ? 100.0 * (base1.cpu_s - base0.cpu_s) / (base1.at - base0.at)
                        : 0;
  std::cout << "baseline: node idle with no bench session " << base_pct << " % of a core over "
            << o_.baseline_seconds << " s, RSS " << base1.rss_kb << " kB\n";

  // Ramp: keep --in-flight handshakes going until every session was tried.
  std::vector<size_t> cps;
  for (size_t c : o_.checkpoints)
    if (c <= o_.sessions) cps.push_back(c);
  if (cps.empty() || cps.back() != o_.sessions) cps.push_back(o_.sessions);
  std::vector<Checkpoint> done_cps;
  size_t next_cp = 0;
  ProcSample ramp0 = sample_proc(o_.pid);
  double self0 = self_cpu_s();
  double ramp_t0 = mono_s(), last_progress = ramp_t0;
  size_t last_done = 0;
  while (next_start_ < o_.sessions || in_flight() > 0) {
    while (next_start_ < o_.sessions && in_flight() < o_.in_flight &&
           !socks_[slots_[next_start_].sock].handshaking)
      start_handshake(next_start_++);
    loop_once(10);
    while (next_cp < cps.size() &&
           (stats_.established >= cps[next_cp] ||
            (next_start_ == o_.sessions && in_flight() == 0))) {
      auto p = sample_proc(o_.pid);
      done_cps.push_back({stats_.established, p.at, p.cpu_s, self_cpu_s(), p.rss_kb});
      std::cout << "checkpoint: " << stats_.established << " established (" << stats_.failed
                << " failed) after " << p.at - ramp_t0 << " s, node RSS " << p.rss_kb
                << " kB, node CPU " << p.cpu_s - ramp0.cpu_s << " s\n"
                << std::flush;
      ++next_cp;
    }
    size_t done = stats_.established + stats_.failed;
    if (done != last_done) last_done = done, last_progress = mono_s();
    if (mono_s() - last_progress > 60) {
      std::map<int, size_t> states;
      for (auto& sl : slots_)
        if (sl.hs) states[int(sl.hs->state())]++;
      std::cout << "no handshake finished for 60 s: stopping the ramp; in flight by state:";
      for (auto& [st, n] : states) std::cout << " " << st << "=" << n;
      std::cout << "\n";
      break;
    }
  }
  double ramp_t1 = mono_s();
  ProcSample ramp1 = sample_proc(o_.pid);
  double self1 = self_cpu_s();
  double ramp_s = ramp_t1 - ramp_t0;
  double hps = stats_.established / ramp_s;
  double cpu_per_hs_ms = stats_.established ? 1000.0 * (ramp1.cpu_s - ramp0.cpu_s) / double(stats_.established) : 0;
  std::cout << "ramp: " << stats_.established << " of " << o_.sessions << " established, "
            << stats_.failed << " failed in " << ramp_s << " s = " << hps
            << " handshakes/s; node CPU " << ramp1.cpu_s - ramp0.cpu_s << " s = "
            << cpu_per_hs_ms << " ms per handshake (node " << 100.0 * (ramp1.cpu_s - ramp0.cpu_s) / ramp_s
            << " % of a core); bench CPU " << self1 - self0 << " s\n";
  std::cout << "handshake ms: p50 " << percentile(stats_.hs_ms, 0.5) << ", p99 "
            << percentile(stats_.hs_ms, 0.99) << ", max " << percentile(stats_.hs_ms, 1.0) << "\n";
  for (auto& [f, n] : stats_.failures) std::cout << "  failed: " << n << " " << f << "\n";

  // Idle: every session open, nothing queued; the bench answers whatever the node sends.
  run_for(o_.settle_seconds);
  uint64_t rx0 = stats_.rx, tx0 = stats_.tx, idle_rx = 0;
  ProcSample idle0 = sample_proc(o_.pid);
  double selfi0 = self_cpu_s();
  run_for(o_.idle_seconds);
  ProcSample idle1 = sample_proc(o_.pid);
  double idle_pct = 100.0 * (idle1.cpu_s - idle0.cpu_s) / (idle1.at - idle0.at);
  double self_idle_pct = 100.0 * (self_cpu_s() - selfi0) / (idle1.at - idle0.at);
  idle_rx = stats_.rx - rx0;
  size_t open = 0;
  for (auto& sl : slots_) open += sl.state == SlotState::established;
  std::cout << "idle: " << open << " sessions open, node " << idle_pct << " % of a core over "
            << idle1.at - idle0.at << " s (baseline " << base_pct << " %), RSS " << idle1.rss_kb
            << " kB; datagrams node->bench " << stats_.rx - rx0 << ", bench->node "
            << stats_.tx - tx0 << "; bench " << self_idle_pct << " %\n";
  long rss_growth = idle1.rss_kb - base1.rss_kb;
  double per_session_kb = open ? double(rss_growth) / double(open) : 0;
  std::cout << "RSS growth " << rss_growth << " kB = " << per_session_kb << " kB per session\n";

  // Sample: one message on `sample` established sessions, ACK-checked.
  std::vector<uint32_t> picks;
  if (o_.sample && open) {
    size_t step = std::max<size_t>(1, open / o_.sample);
    size_t seen = 0;
    for (uint32_t i = 0; i < slots_.size() && picks.size() < o_.sample; ++i)
      if (slots_[i].state == SlotState::established && seen++ % step == 0) picks.push_back(i);
  }
  uint64_t node_in0 = node_i2np_in();
  uint64_t del0 = stats_.delivered, nd0 = stats_.not_delivered;
  for (uint32_t i : picks) {
    ss::I2npMessage m;
    m.type = 20;
    m.id = 0x5a000000u + i;
    m.expiration = wall_s() + 60;
    m.body.assign(100, uint8_t(i));
    slots_[i].ds->queue_message(steady_ms(), std::move(m), i + 1);
    flush(i);
  }
  double sample_end = mono_s() + 15;
  while (mono_s() < sample_end && stats_.delivered + stats_.not_delivered - del0 - nd0 < picks.size())
    loop_once(10);
  run_for(0.5);
  uint64_t node_in1 = node_i2np_in();
  size_t delivered = stats_.delivered - del0;
  std::cout << "sample: " << picks.size() << " messages, " << delivered << " ACKed by the node";
  if (!o_.ctl.empty()) std::cout << ", node counted " << node_in1 - node_in0 << " in";
  std::cout << "\n";

  // The other direction: the node sends one message to each of up to 10 sampled sessions
  // (ssu2ctl send, run as a child while this loop keeps answering); ssu2ctl exits 0 only
  // when the node got the delivery report, i.e. our DataSession ACKed it.
  size_t back_tried = 0, back_ok = 0;
  uint64_t in_before = stats_.i2np_in;
  if (!o_.ctl.empty())
    for (size_t k = 0; k < picks.size() && back_tried < 10; k += std::max<size_t>(1, picks.size() / 10)) {
      std::string cmd = o_.ctl + " --timeout 10 send " + hex(slots_[picks[k]].local->router_hash) +
                        " 1 100 > /dev/null 2>&1";
      pid_t child = fork();
      if (child == 0) {
        execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        _exit(127);
      }
      if (child < 0) break;
      back_tried++;
      int status = 0;
      double until = mono_s() + 20;
      while (mono_s() < until && waitpid(child, &status, WNOHANG) == 0) loop_once(5);
      if (mono_s() >= until) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
      } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        back_ok++;
      }
    }
  if (back_tried)
    std::cout << "node -> bench: " << back_ok << " of " << back_tried << " ssu2ctl send delivered, "
              << stats_.i2np_in - in_before << " messages received by the bench\n";

  for (size_t k = 0; k < done_cps.size(); ++k) {
    auto& c = done_cps[k];
    double dt = c.at - (k ? done_cps[k - 1].at : ramp0.at);
    double dcpu = c.node_cpu_s - (k ? done_cps[k - 1].node_cpu_s : ramp0.cpu_s);
    size_t dn = c.sessions - (k ? done_cps[k - 1].sessions : 0);
    std::cout << "  at " << c.sessions << " sessions: RSS " << c.rss_kb << " kB ("
              << (c.sessions ? double(c.rss_kb - base1.rss_kb) / double(c.sessions) : 0)
              << " kB/session), interval " << (dt > 0 ? double(dn) / dt : 0) << " hs/s, "
              << (dn ? 1000.0 * dcpu / double(dn) : 0) << " ms node CPU per handshake\n";
  }
  for (auto& [r, n] : stats_.terminations) std::cout << "  terminated: " << n << " " << r << "\n";

  // JSON summary.
  std::ostringstream j;
  j.setf(std::ios::fixed);
  j.precision(3);
  j << "{\"sessions\":" << o_.sessions << ",\"in_flight\":" << o_.in_flight
    << ",\"per_socket\":" << o_.per_socket << ",\"established\":" << stats_.established
    << ",\"failed\":" << stats_.failed << ",\"ramp_s\":" << ramp_s << ",\"handshakes_per_s\":" << hps
    << ",\"node_cpu_ms_per_handshake\":" << cpu_per_hs_ms
    << ",\"hs_ms_p50\":" << percentile(stats_.hs_ms, 0.5)
    << ",\"hs_ms_p99\":" << percentile(stats_.hs_ms, 0.99)
    << ",\"baseline_idle_pct\":" << base_pct << ",\"baseline_rss_kb\":" << base1.rss_kb
    << ",\"idle_sessions\":" << open << ",\"idle_seconds\":" << idle1.at - idle0.at
    << ",\"idle_pct\":" << idle_pct << ",\"idle_rss_kb\":" << idle1.rss_kb
    << ",\"rss_kb_per_session\":" << per_session_kb << ",\"idle_datagrams_from_node\":" << idle_rx
    << ",\"sampled\":" << picks.size() << ",\"sample_delivered\":" << delivered;
  if (!o_.ctl.empty())
    j << ",\"sample_node_counted\":" << node_in1 - node_in0 << ",\"node_to_bench_tried\":" << back_tried
      << ",\"node_to_bench_delivered\":" << back_ok;
  j << ",\"terminated\":" << stats_.terminated << ",\"checkpoints\":[";
  for (size_t k = 0; k < done_cps.size(); ++k)
    j << (k ? "," : "") << "{\"sessions\":" << done_cps[k].sessions << ",\"rss_kb\":" << done_cps[k].rss_kb
      << ",\"t_s\":" << done_cps[k].at - ramp0.at << "}";
  j << "],\"failures\":{";
  bool first = true;
  for (auto& [f, n] : stats_.failures) j << (first ? "" : ",") << "\"" << f << "\":" << n, first = false;
  j << "}}";

  if (o_.hold_seconds > 0) {
    std::cout << "holding the sessions for " << o_.hold_seconds << " s\n" << std::flush;
    run_for(o_.hold_seconds);
  }
  if (o_.close_at_end) {
    auto now = steady_ms();
    for (uint32_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].ds && slots_[i].state == SlotState::established) {
        slots_[i].ds->terminate(now, wire::TerminationReason::NormalClose);
        flush(i);
      }
    run_for(1.0);
  }
  std::cout << j.str() << "\n";
  bool ok = stats_.established == o_.sessions && delivered == picks.size() && back_ok == back_tried;
  return ok ? 0 : 1;
}

std::vector<size_t> parse_list(const std::string& s) {
  std::vector<size_t> out;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, ',');)
    if (!part.empty()) out.push_back(std::stoul(part));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  auto need = [&](int& i) -> std::string {
    if (i + 1 >= argc) die(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--router-info") o.router_info = need(i);
      else if (a == "--pid") o.pid = std::stoi(need(i));
      else if (a == "--sessions") o.sessions = std::stoul(need(i));
      else if (a == "--in-flight") o.in_flight = std::stoul(need(i));
      else if (a == "--per-socket") o.per_socket = std::stoul(need(i));
      else if (a == "--idle-seconds") o.idle_seconds = std::stod(need(i));
      else if (a == "--baseline-seconds") o.baseline_seconds = std::stod(need(i));
      else if (a == "--settle-seconds") o.settle_seconds = std::stod(need(i));
      else if (a == "--sample") o.sample = std::stoul(need(i));
      else if (a == "--checkpoints") o.checkpoints = parse_list(need(i));
      else if (a == "--net-id") o.net_id = uint8_t(std::stoul(need(i)));
      else if (a == "--ctl") o.ctl = need(i);
      else if (a == "--keepalive-s") o.keepalive_s = std::stod(need(i));
      else if (a == "--hold-seconds") o.hold_seconds = std::stod(need(i));
      else if (a == "--no-close") o.close_at_end = false;
      else die("unknown option " + a + " (see the comment at the top of bench/handshakes.cpp)");
    }
  } catch (const std::exception& e) {
    die(std::string("bad option value: ") + e.what());
  }
  if (o.router_info.empty() || o.pid <= 0) die("--router-info FILE and --pid PID are required");
  if (o.sessions < 1 || o.sessions > 200000 || o.in_flight < 1 || o.per_socket < 1 ||
      o.per_socket > 64)
    die("--sessions 1..200000, --in-flight >= 1, --per-socket 1..64");
  if (kill(o.pid, 0) != 0) die("no process " + std::to_string(o.pid));
  std::cout.setf(std::ios::fixed | std::ios::unitbuf);
  std::cout.precision(2);
  return Bench(o).run();
}
