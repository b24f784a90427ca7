#include "actors/socket_actor.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <unordered_map>

#include "actors/support/bind_error.hpp"
#include "actors/support/logging.hpp"
#include "actors/support/udp.hpp"
#include "actors/support/udp_reader.hpp"

namespace ssu2d {

namespace {

bool is_v6(const endpoint& ep) { return ep.host.find(':') != std::string::npos; }

// ---- metrics handles ----------------------------------------------------------------
// The same series as the reader thread and the UdpSender use (the registry dedups).
struct SocketMetrics {
  Counter* rx;
  Counter* tx;
  Counter* drop_short;
  Counter* drop_truncated;
  Counter* drop_unknown;
  Counter* drop_inbox;
  Counter* eagain;
  Counter* send_errors;
  Counter* queue_full;
  Gauge* queued;
  Gauge* inbox;
  Gauge* entries;

  explicit SocketMetrics(MetricsRegistry& m) {
    rx = &m.counter("ssu2_datagrams_received_total", "UDP datagrams received");
    tx = &m.counter("ssu2_datagrams_sent_total", "UDP datagrams sent");
    const char* drop = "ssu2_datagrams_dropped_total";
    const char* drop_help = "Inbound datagrams dropped before reaching a session";
    drop_short = &m.counter(drop, drop_help, {{"reason", "too_short"}});
    drop_truncated = &m.counter(drop, drop_help, {{"reason", "truncated"}});
    drop_unknown = &m.counter(drop, drop_help, {{"reason", "unknown_conn_id"}});
    drop_inbox = &m.counter(drop, drop_help, {{"reason", "socket_inbox_full"}});
    eagain = &m.counter("ssu2_send_eagain_total", "sendto() calls that hit a full socket buffer");
    send_errors = &m.counter("ssu2_send_errors_total", "Datagrams that could not be sent",
                             {{"reason", "os_error"}});
    queue_full = &m.counter("ssu2_send_errors_total", "Datagrams that could not be sent",
                            {{"reason", "queue_full"}});
    queued = &m.gauge("ssu2_send_queue_datagrams", "Datagrams waiting for the socket to drain");
    inbox = &m.gauge("ssu2_socket_inbox_datagrams",
                     "Received datagrams waiting for the socket actor (handshakes, unknown)");
    entries = &m.gauge("ssu2_demux_entries", "Connection IDs and addresses in the socket demux");
  }
};

// ---- the actor ------------------------------------------------------------------------
struct PendingSend {
  send_request req;
  caf::strong_actor_ptr sender;
};

struct socket_state {
  static inline const char* name = "ssu2d.socket";
  std::shared_ptr<UdpSender> sender;  // owns the fds
  std::shared_ptr<MetricsRegistry> metrics;
  std::unique_ptr<SocketMetrics> m;
  std::unique_ptr<UdpReader> reader;
  std::shared_ptr<DatagramInbox> inbox;    // from the reader: everything not a session's
  std::shared_ptr<SessionDemux> sessions;  // shared with the reader
  std::vector<InboundDatagram> batch;      // reused by every inbox take
  std::unordered_map<uint64_t, caf::actor> by_conn;
  std::map<endpoint, caf::actor> by_ep;
  caf::actor new_inbound;
  std::deque<PendingSend> queue;
  size_t queue_limit = 4096;
  bool retry_armed = false;
  uint64_t unknown = 0;
  size_t batches_in_flight = 0;  // handed to actors, not yet answered

  ~socket_state() {
    reader.reset();  // stop the thread; the fds close with the last UdpSender holder
  }
  void update_entries() {
    m->entries->set(int64_t(by_conn.size() + by_ep.size() + sessions->size()));
  }
};

using socket_actor_t = caf::stateful_actor<socket_state>;

void report_failure(socket_actor_t* self, const caf::strong_actor_ptr& to, const endpoint& ep,
                    int err, std::string reason) {
  log().debug("socket: send to {} failed: {}", to_string(ep), reason);
  if (!to) return;  // anonymous senders still get the failure counted in metrics
  caf::anon_send(caf::actor_cast<caf::actor>(to), send_failed_atom::value,
                 send_failure{ep, err, std::move(reason)});
}

enum class SendOutcome { sent, would_block, failed };

// One sendto attempt; a hard failure is reported to the requester here.
SendOutcome try_send(socket_actor_t* self, const PendingSend& p) {
  auto& st = self->state;
  int fd = st.sender->fd_for(is_v6(p.req.to));
  sockaddr_storage ss;
  socklen_t sl = 0;
  if (fd < 0 || !udp::to_sockaddr(p.req.to, ss, sl)) {
    st.m->send_errors->inc();
    report_failure(self, p.sender, p.req.to, EAFNOSUPPORT,
                   fd < 0 ? "no socket for this address family" : "invalid address");
    return SendOutcome::failed;
  }
  for (;;) {
    ssize_t n = ::sendto(fd, p.req.bytes.data(), p.req.bytes.size(), 0,
                         reinterpret_cast<sockaddr*>(&ss), sl);
    if (n >= 0) {
      st.m->tx->inc();
      return SendOutcome::sent;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      st.m->eagain->inc();
      return SendOutcome::would_block;
    }
    int err = errno;
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

// The queue's size is published to the metric and to the direct send path (which queues
// behind a non-empty queue instead of overtaking it).
void queue_changed(socket_state& st) {
  st.m->queued->set(int64_t(st.queue.size()));
  st.sender->set_backlogged(!st.queue.empty());
}

// Sends queued datagrams in order until the socket pushes back again.
void flush_queue(socket_actor_t* self) {
  auto& st = self->state;
  while (!st.queue.empty()) {
    if (try_send(self, st.queue.front()) == SendOutcome::would_block) break;
    st.queue.pop_front();
  }
  queue_changed(st);
  if (!st.queue.empty()) arm_retry(self);
}

void enqueue_or_send(socket_actor_t* self, PendingSend p) {
  auto& st = self->state;
  // Keep order: while something is queued, new datagrams queue behind it.
  if (st.queue.empty() && try_send(self, p) != SendOutcome::would_block) return;
  if (st.queue.size() >= st.queue_limit) {
    st.m->queue_full->inc();
    report_failure(self, p.sender, p.req.to, EAGAIN, "send queue full");
    return;
  }
  st.queue.push_back(std::move(p));
  queue_changed(st);
  arm_retry(self);
}

// A datagram the reader did not route to a session: a session registered since (its inbox
// then), a handshake (conn id or source address), or the new-inbound handler. Datagrams for an
// actor are collected into one batch per target.
void dispatch(socket_actor_t* self, InboundDatagram& in,
              std::vector<std::pair<caf::actor, std::vector<datagram>>>& out) {
  auto& st = self->state;
  caf::actor wake;
  if (st.sessions->route(in.conn_id, in.from, in.bytes, wake) != SessionDemux::Route::none) {
    if (wake) self->send(wake, inbox_atom::value);
    return;
  }
  caf::actor target;
  if (auto it = st.by_conn.find(in.conn_id); it != st.by_conn.end()) target = it->second;
  else if (auto e = st.by_ep.find(udp::to_endpoint(in.from)); e != st.by_ep.end()) target = e->second;
  else target = st.new_inbound;
  if (!target) {
    st.unknown++;
    st.m->drop_unknown->inc();
    return;
  }
  datagram d{udp::to_endpoint(in.from), std::move(in.bytes), in.conn_id};
  for (auto& [who, batch] : out)
    if (who == target) {
      batch.push_back(std::move(d));
      return;
    }
  out.emplace_back(std::move(target), std::vector<datagram>{}).second.push_back(std::move(d));
}

// Takes the inbox and hands each target its batch. The next take waits until every target
// answered the previous batch: what arrives meanwhile waits in the bounded inbox (and beyond
// its bound is dropped and counted), so a flood of unsolicited datagrams never piles up in an
// actor's unbounded mailbox.
void take_inbox(socket_actor_t* self) {
  auto& st = self->state;
  if (st.batches_in_flight > 0) return;
  size_t n = st.inbox->take(st.batch);
  std::vector<std::pair<caf::actor, std::vector<datagram>>> out;
  for (size_t i = 0; i < n; ++i) dispatch(self, st.batch[i], out);
  for (auto& [who, batch] : out) {
    ++st.batches_in_flight;
    auto done = [self] {
      if (--self->state.batches_in_flight == 0 && !self->state.inbox->empty()) take_inbox(self);
    };
    self->request(who, std::chrono::seconds(10), inbound_atom::value, std::move(batch))
        .then([done](bool) { done(); }, [done](caf::error&) { done(); });
  }
}

// Removes every entry that points at `who` (it terminated).
void forget(socket_state& st, const caf::actor_addr& who) {
  for (auto it = st.by_conn.begin(); it != st.by_conn.end();)
    it = it->second.address() == who ? st.by_conn.erase(it) : std::next(it);
  for (auto it = st.by_ep.begin(); it != st.by_ep.end();)
    it = it->second.address() == who ? st.by_ep.erase(it) : std::next(it);
  st.sessions->erase_owner(who);
  st.update_entries();
}

caf::behavior socket_actor(socket_actor_t* self, SocketOptions opts) {
  auto& st = self->state;
  st.metrics = opts.metrics ? opts.metrics : std::make_shared<MetricsRegistry>();
  st.m = std::make_unique<SocketMetrics>(*st.metrics);
  st.sender = opts.sender ? opts.sender
                          : std::make_shared<UdpSender>(std::move(opts.sockets), st.metrics);
  st.new_inbound = opts.new_inbound;
  st.queue_limit = opts.send_queue_limit ? opts.send_queue_limit : 1;
  st.inbox = std::make_shared<DatagramInbox>(opts.inbox_limit, st.m->drop_inbox, st.m->inbox,
                                             st.metrics);
  st.sessions = std::make_shared<SessionDemux>();

  ReaderConfig rc;
  for (auto& s : st.sender->sockets()) rc.fds.push_back(s.fd);
  rc.intro_key = opts.intro_key;
  rc.socket = caf::actor_cast<caf::actor>(self);
  rc.socket_inbox = st.inbox;
  rc.demux = st.sessions;
  rc.metrics = st.metrics;
  rc.keep_fds = st.sender;
  std::string err;
  st.reader = UdpReader::start(std::move(rc), err);
  if (!st.reader) {
    log().error("{}", err);
    self->quit(caf::sec::runtime_error);
    return {};
  }

  self->set_down_handler([self](caf::down_msg& dm) { forget(self->state, dm.source); });

  return {
    [self](inbox_atom) { take_inbox(self); },
    [self](register_atom, uint64_t id, caf::actor who) {
      auto& st = self->state;
      self->monitor(who);
      st.sessions->erase(id);
      st.by_conn[id] = std::move(who);
      st.update_entries();
      return true;
    },
    [self](register_session_atom, uint64_t id, caf::actor who,
           std::shared_ptr<DatagramInbox>& inbox) {
      auto& st = self->state;
      if (!who || !inbox) return false;
      self->monitor(who);
      st.by_conn.erase(id);
      st.sessions->put(id, std::move(who), std::move(inbox));
      st.update_entries();
      return true;
    },
    [self](unregister_atom, uint64_t id) {
      auto& st = self->state;
      bool existed = st.by_conn.erase(id) > 0;
      existed = st.sessions->erase(id) || existed;
      st.update_entries();
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
      for (auto& s : self->state.sender->sockets()) out.push_back(s.local);
      return out;
    },
    [self](socket_stats_atom) {
      auto& st = self->state;
      socket_stats s;
      s.datagrams_in = st.m->rx->value();
      s.datagrams_out = st.m->tx->value();  // also what sessions sent directly
      s.unknown = st.unknown + st.m->drop_short->value() + st.m->drop_truncated->value();
      s.registered = st.by_conn.size() + st.sessions->size();
      s.send_eagain = st.m->eagain->value();
      s.send_errors = st.m->send_errors->value() + st.m->queue_full->value();
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
  if (!udp::to_sockaddr(ep, ss, sl)) {
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
    error = "socket: cannot bind udp " + to_string(ep) + ": " + bind_error_text(errno);
    ::close(fd);
    return false;
  }
  sockaddr_storage bound;
  socklen_t bl = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bl);
  out.fd = fd;
  out.local = udp::to_endpoint(bound);
  return true;
}

caf::actor spawn_socket_actor(caf::actor_system& sys, SocketOptions opts) {
  // Detached: it only does syscalls that never block (non-blocking sendto), but it still
  // carries every handshake datagram; its own thread keeps it off the shared scheduler.
  return sys.spawn<caf::detached>(socket_actor, std::move(opts));
}

}  // namespace ssu2d
