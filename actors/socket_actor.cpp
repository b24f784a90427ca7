#include "actors/socket_actor.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <thread>
#include <unordered_map>

#include "actors/support/logging.hpp"

namespace ssu2d {

// ---- addresses ------------------------------------------------------------------

namespace {

bool to_sockaddr(const endpoint& ep, sockaddr_storage& ss, socklen_t& len) {
  std::memset(&ss, 0, sizeof ss);
  if (ep.host.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(ep.port);
    if (inet_pton(AF_INET6, ep.host.c_str(), &a->sin6_addr) != 1) return false;
    len = sizeof *a;
    return true;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&ss);
  a->sin_family = AF_INET;
  a->sin_port = htons(ep.port);
  if (inet_pton(AF_INET, ep.host.c_str(), &a->sin_addr) != 1) return false;
  len = sizeof *a;
  return true;
}

endpoint from_sockaddr(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {0};
  endpoint ep;
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    ep.port = ntohs(a->sin6_port);
  } else {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    ep.port = ntohs(a->sin_port);
  }
  ep.host = buf;
  return ep;
}

bool is_v6(const endpoint& ep) { return ep.host.find(':') != std::string::npos; }

// ---- metrics handles ----------------------------------------------------------------
struct SocketMetrics {
  Counter* rx;
  Counter* tx;
  Counter* drop_short;
  Counter* drop_truncated;
  Counter* drop_unknown;
  Counter* eagain;
  Counter* send_errors;
  Counter* queue_full;
  Gauge* queued;
  Gauge* entries;

  explicit SocketMetrics(MetricsRegistry& m) {
    rx = &m.counter("ssu2_datagrams_received_total", "UDP datagrams received");
    tx = &m.counter("ssu2_datagrams_sent_total", "UDP datagrams sent");
    const char* drop = "ssu2_datagrams_dropped_total";
    const char* drop_help = "Inbound datagrams dropped before reaching a session";
    drop_short = &m.counter(drop, drop_help, {{"reason", "too_short"}});
    drop_truncated = &m.counter(drop, drop_help, {{"reason", "truncated"}});
    drop_unknown = &m.counter(drop, drop_help, {{"reason", "unknown_conn_id"}});
    eagain = &m.counter("ssu2_send_eagain_total", "sendto() calls that hit a full socket buffer");
    send_errors = &m.counter("ssu2_send_errors_total", "Datagrams that could not be sent",
                             {{"reason", "os_error"}});
    queue_full = &m.counter("ssu2_send_errors_total", "Datagrams that could not be sent",
                            {{"reason", "queue_full"}});
    queued = &m.gauge("ssu2_send_queue_datagrams", "Datagrams waiting for the socket to drain");
    entries = &m.gauge("ssu2_demux_entries", "Connection IDs and addresses in the socket demux");
  }
};

// ---- reader thread ------------------------------------------------------------------
// Shared between the actor and the thread so that the thread may outlive the actor's state
// for a moment (the state can be destroyed from inside the thread when it drops the last
// reference to the actor; then it is detached instead of joined).
struct ReaderShared {
  std::vector<int> fds;
  int wake[2] = {-1, -1};
  std::atomic<bool> stop{false};
  ssu2::crypto::Key32 key;
  caf::weak_actor_ptr target;
  std::shared_ptr<MetricsRegistry> metrics;  // keeps the counters below alive
  SocketMetrics* m = nullptr;
  std::unique_ptr<SocketMetrics> owned_m;
  ~ReaderShared() {
    for (int fd : wake)
      if (fd >= 0) ::close(fd);
  }
};

void deliver(ReaderShared& sh, datagram&& d) {
  auto strong = sh.target.lock();
  if (!strong) {
    sh.stop = true;
    return;
  }
  caf::anon_send(caf::actor_cast<caf::actor>(strong), datagram_atom::value, std::move(d));
}

// Drains one socket until EAGAIN.
void drain(ReaderShared& sh, int fd, std::vector<uint8_t>& buf) {
  while (!sh.stop) {
    sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), MSG_TRUNC,
                           reinterpret_cast<sockaddr*>(&ss), &sl);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN or a transient error (e.g. ICMP-reported ECONNREFUSED): poll again
    }
    sh.m->rx->inc();
    if (size_t(n) > buf.size()) {
      sh.m->drop_truncated->inc();
      continue;
    }
    datagram d;
    d.from = from_sockaddr(ss);
    d.bytes.assign(buf.begin(), buf.begin() + n);
    auto id = peek_dest_conn_id(ssu2::ByteSpan(d.bytes.data(), d.bytes.size()), sh.key);
    if (!id) {
      sh.m->drop_short->inc();
      continue;
    }
    d.conn_id = *id;
    deliver(sh, std::move(d));
  }
}

void reader_loop(std::shared_ptr<ReaderShared> sh) {
  std::vector<uint8_t> buf(kMaxDatagram);
  std::vector<pollfd> pfds;
  for (int fd : sh->fds) pfds.push_back({fd, POLLIN, 0});
  pfds.push_back({sh->wake[0], POLLIN, 0});
  while (!sh->stop) {
    int r = ::poll(pfds.data(), pfds.size(), -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      log().error("socket: poll failed: {}", std::strerror(errno));
      return;
    }
    if (pfds.back().revents) return;  // woken to stop
    for (size_t i = 0; i + 1 < pfds.size(); ++i)
      if (pfds[i].revents) drain(*sh, pfds[i].fd, buf);
  }
}

class UdpReader {
 public:
  explicit UdpReader(std::shared_ptr<ReaderShared> sh) : sh_(std::move(sh)) {
    thread_ = std::thread(reader_loop, sh_);
  }
  ~UdpReader() {
    sh_->stop = true;
    char c = 1;
    [[maybe_unused]] auto w = ::write(sh_->wake[1], &c, 1);
    if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();
    else if (thread_.joinable()) thread_.join();
  }

 private:
  std::shared_ptr<ReaderShared> sh_;
  std::thread thread_;
};

// ---- the actor ------------------------------------------------------------------------
struct PendingSend {
  send_request req;
  caf::strong_actor_ptr sender;
};

struct socket_state {
  static inline const char* name = "ssu2d.socket";
  std::vector<UdpSocket> sockets;
  std::shared_ptr<MetricsRegistry> metrics;
  std::unique_ptr<SocketMetrics> m;
  std::unique_ptr<UdpReader> reader;
  std::unordered_map<uint64_t, caf::actor> by_conn;
  std::map<endpoint, caf::actor> by_ep;
  caf::actor new_inbound;
  std::deque<PendingSend> queue;
  size_t queue_limit = 4096;
  bool retry_armed = false;
  uint64_t tx = 0, eagain = 0, errors = 0, unknown = 0, rx = 0;

  ~socket_state() {
    reader.reset();  // stop the thread before the sockets close
    for (auto& s : sockets)
      if (s.fd >= 0) ::close(s.fd);
  }
  void update_entries() { m->entries->set(int64_t(by_conn.size() + by_ep.size())); }
};

using socket_actor_t = caf::stateful_actor<socket_state>;

void report_failure(socket_actor_t* self, const caf::strong_actor_ptr& to, const endpoint& ep,
                    int err, std::string reason) {
  log().debug("socket: send to {} failed: {}", to_string(ep), reason);
  if (!to) return;  // anonymous senders still get the failure counted in metrics
  caf::anon_send(caf::actor_cast<caf::actor>(to), send_failed_atom::value,
                 send_failure{ep, err, std::move(reason)});
}

int socket_for(socket_state& st, const endpoint& ep) {
  for (auto& s : st.sockets)
    if (is_v6(s.local) == is_v6(ep)) return s.fd;
  return -1;
}

enum class SendOutcome { sent, would_block, failed };

// One sendto attempt; a hard failure is reported to the requester here.
SendOutcome try_send(socket_actor_t* self, const PendingSend& p) {
  auto& st = self->state;
  int fd = socket_for(st, p.req.to);
  sockaddr_storage ss;
  socklen_t sl = 0;
  if (fd < 0 || !to_sockaddr(p.req.to, ss, sl)) {
    st.errors++;
    st.m->send_errors->inc();
    report_failure(self, p.sender, p.req.to, EAFNOSUPPORT,
                   fd < 0 ? "no socket for this address family" : "invalid address");
    return SendOutcome::failed;
  }
  for (;;) {
    ssize_t n = ::sendto(fd, p.req.bytes.data(), p.req.bytes.size(), 0,
                         reinterpret_cast<sockaddr*>(&ss), sl);
    if (n >= 0) {
      st.tx++;
      st.m->tx->inc();
      return SendOutcome::sent;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      st.eagain++;
      st.m->eagain->inc();
      return SendOutcome::would_block;
    }
    int err = errno;
    st.errors++;
    st.m->send_errors->inc();
    report_failure(self, p.sender, p.req.to, err, std::strerror(err));
    return SendOutcome::failed;
  }
}

void arm_retry(socket_actor_t* self) {
  if (self->state.retry_armed) return;
  self->state.retry_armed = true;
  self->delayed_send(self, std::chrono::milliseconds(2), retry_atom::value);
}

// Sends queued datagrams in order until the socket pushes back again.
void flush_queue(socket_actor_t* self) {
  auto& st = self->state;
  while (!st.queue.empty()) {
    if (try_send(self, st.queue.front()) == SendOutcome::would_block) break;
    st.queue.pop_front();
  }
  st.m->queued->set(int64_t(st.queue.size()));
  if (!st.queue.empty()) arm_retry(self);
}

void enqueue_or_send(socket_actor_t* self, PendingSend p) {
  auto& st = self->state;
  // Keep order: while something is queued, new datagrams queue behind it.
  if (st.queue.empty() && try_send(self, p) != SendOutcome::would_block) return;
  if (st.queue.size() >= st.queue_limit) {
    st.errors++;
    st.m->queue_full->inc();
    report_failure(self, p.sender, p.req.to, EAGAIN, "send queue full");
    return;
  }
  st.queue.push_back(std::move(p));
  st.m->queued->set(int64_t(st.queue.size()));
  arm_retry(self);
}

void dispatch(socket_actor_t* self, datagram& d) {
  auto& st = self->state;
  st.rx++;
  caf::actor target;
  if (auto it = st.by_conn.find(d.conn_id); it != st.by_conn.end()) target = it->second;
  else if (auto e = st.by_ep.find(d.from); e != st.by_ep.end()) target = e->second;
  else target = st.new_inbound;
  if (!target) {
    st.unknown++;
    st.m->drop_unknown->inc();
    return;
  }
  self->send(target, inbound_atom::value, std::move(d));
}

// Removes every entry that points at `who` (it terminated).
void forget(socket_state& st, const caf::actor_addr& who) {
  for (auto it = st.by_conn.begin(); it != st.by_conn.end();)
    it = it->second.address() == who ? st.by_conn.erase(it) : std::next(it);
  for (auto it = st.by_ep.begin(); it != st.by_ep.end();)
    it = it->second.address() == who ? st.by_ep.erase(it) : std::next(it);
  st.update_entries();
}

caf::behavior socket_actor(socket_actor_t* self, SocketOptions opts) {
  auto& st = self->state;
  st.sockets = std::move(opts.sockets);
  st.metrics = opts.metrics ? opts.metrics : std::make_shared<MetricsRegistry>();
  st.m = std::make_unique<SocketMetrics>(*st.metrics);
  st.new_inbound = opts.new_inbound;
  st.queue_limit = opts.send_queue_limit ? opts.send_queue_limit : 1;

  auto sh = std::make_shared<ReaderShared>();
  for (auto& s : st.sockets) sh->fds.push_back(s.fd);
  if (::pipe2(sh->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
    log().error("socket: pipe2 failed: {}", std::strerror(errno));
    self->quit(caf::sec::runtime_error);
    return {};
  }
  sh->key = opts.intro_key;
  sh->target = caf::actor_cast<caf::weak_actor_ptr>(self->ctrl());
  sh->metrics = st.metrics;
  // The reader keeps its own handles: the state (and st.m) may die before the thread does.
  sh->owned_m = std::make_unique<SocketMetrics>(*st.metrics);
  sh->m = sh->owned_m.get();
  st.reader = std::make_unique<UdpReader>(sh);

  self->set_down_handler([self](caf::down_msg& dm) { forget(self->state, dm.source); });

  return {
    [self](datagram_atom, datagram& d) { dispatch(self, d); },
    [self](register_atom, uint64_t id, caf::actor who) {
      self->monitor(who);
      self->state.by_conn[id] = std::move(who);
      self->state.update_entries();
      return true;
    },
    [self](unregister_atom, uint64_t id) {
      bool existed = self->state.by_conn.erase(id) > 0;
      self->state.update_entries();
      return existed;
    },
    [self](register_ep_atom, endpoint& ep, caf::actor who) {
      self->monitor(who);
      self->state.by_ep[ep] = std::move(who);
      self->state.update_entries();
      return true;
    },
    [self](unregister_ep_atom, endpoint& ep) {
      bool existed = self->state.by_ep.erase(ep) > 0;
      self->state.update_entries();
      return existed;
    },
    [self](send_atom, send_request& req) {
      enqueue_or_send(self, PendingSend{std::move(req), self->current_sender()});
    },
    [self](retry_atom) {
      self->state.retry_armed = false;
      flush_queue(self);
    },
    [self](local_endpoints_atom) {
      std::vector<endpoint> out;
      for (auto& s : self->state.sockets) out.push_back(s.local);
      return out;
    },
    [self](socket_stats_atom) {
      auto& st = self->state;
      socket_stats s;
      s.datagrams_in = st.m->rx->value();
      s.datagrams_out = st.tx;
      s.unknown = st.unknown + st.m->drop_short->value() + st.m->drop_truncated->value();
      s.registered = st.by_conn.size();
      s.send_eagain = st.eagain;
      s.send_errors = st.errors;
      s.queued = st.queue.size();
      return s;
    },
  };
}

}  // namespace

std::optional<uint64_t> peek_dest_conn_id(ssu2::ByteSpan packet,
                                          const ssu2::crypto::Key32& intro_key) {
  auto id = ssu2::wire::peek_dest_conn_id(packet, intro_key);
  if (!id) return std::nullopt;
  return *id;
}

bool open_udp(const std::string& host, uint16_t port, UdpSocket& out, std::string& error) {
  endpoint ep{host, port};
  sockaddr_storage ss;
  socklen_t sl = 0;
  if (!to_sockaddr(ep, ss, sl)) {
    error = "socket: \"" + host + "\" is not a numeric IPv4/IPv6 address";
    return false;
  }
  int fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: socket() failed: ") + std::strerror(errno);
    return false;
  }
  if (ss.ss_family == AF_INET6) {
    int one = 1;  // keep the IPv6 socket IPv6-only; IPv4 has its own socket
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  // Default socket buffers (~200 KiB) overflow under a 256-packet window and a burst of
  // handshakes: ask for 4 MiB each way (the kernel caps it at net.core.[rw]mem_max).
  const int buffer_bytes = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), sl) != 0) {
    error = "socket: cannot bind " + to_string(ep) + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  sockaddr_storage bound;
  socklen_t bl = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bl);
  out.fd = fd;
  out.local = from_sockaddr(bound);
  return true;
}

caf::actor spawn_socket_actor(caf::actor_system& sys, SocketOptions opts) {
  // Detached: the actor only does syscalls that never block (non-blocking sendto) but it is
  // on the hot path of every datagram; its own thread keeps it off the shared scheduler.
  return sys.spawn<caf::detached>(socket_actor, std::move(opts));
}

}  // namespace ssu2d
