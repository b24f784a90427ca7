#include "actors/socket_actor.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <unordered_map>

#include "actors/support/bind_error.hpp"
#include "actors/support/logging.hpp"
#include "actors/support/send_backlog.hpp"
#include "actors/support/udp.hpp"
#include "actors/support/udp_reader.hpp"
#include "actors/support/udp_sender.hpp"

namespace ssu2d {

namespace {

// ---- the actor ------------------------------------------------------------------------
struct socket_state {
  static inline const char* name = "ssu2d.socket";
  std::shared_ptr<DatagramTransport> sender;  // a UdpSender owns the fds
  std::shared_ptr<MetricsRegistry> metrics;
  std::unique_ptr<SocketMetrics> m;
  std::unique_ptr<DatagramReceiver> reader;
  std::shared_ptr<DatagramInbox> inbox;    // from the reader: everything not a session's
  std::shared_ptr<SessionDemux> sessions;  // shared with the reader
  std::vector<InboundDatagram> batch;      // reused by every inbox take
  std::unordered_map<uint64_t, datagram_target_actor> by_conn;
  std::map<ssu2::Address, datagram_target_actor> by_ep;
  datagram_target_actor new_inbound;
  std::unique_ptr<SendBacklog> backlog;  // the slow send path
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

using socket_actor_t = socket_actor::stateful_pointer<socket_state>;

void arm_retry(socket_actor_t self) {
  if (self->state.retry_armed) return;
  self->state.retry_armed = true;
  self->delayed_send(self, std::chrono::milliseconds(2), retry_atom::value);
}

// A datagram the reader did not route to a session: a session registered since (its inbox
// then), a handshake (conn id or source address), or the new-inbound handler. Datagrams for an
// actor are collected into one batch per target.
void dispatch(socket_actor_t self, InboundDatagram& in,
              std::vector<std::pair<datagram_target_actor, std::vector<datagram>>>& out) {
  auto& st = self->state;
  inbox_wake_actor wake;
  if (st.sessions->route(in.conn_id, in.from, in.bytes, wake) != SessionDemux::Route::none) {
    if (wake) self->send(wake, inbox_atom::value);
    return;
  }
  datagram_target_actor target;
  if (auto it = st.by_conn.find(in.conn_id); it != st.by_conn.end()) target = it->second;
  else if (auto e = st.by_ep.find(in.from); e != st.by_ep.end()) target = e->second;
  else target = st.new_inbound;
  if (!target) {
    st.unknown++;
    st.m->drop_unknown->inc();
    return;
  }
  datagram d{in.from, std::move(in.bytes), in.conn_id};
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
void take_inbox(socket_actor_t self) {
  auto& st = self->state;
  if (st.batches_in_flight > 0) return;
  size_t n = st.inbox->take(st.batch);
  std::vector<std::pair<datagram_target_actor, std::vector<datagram>>> out;
  for (size_t i = 0; i < n; ++i) dispatch(self, st.batch[i], out);
  for (auto& [who, batch] : out) {
    ++st.batches_in_flight;
    auto done = [self] {
      if (--self->state.batches_in_flight == 0 && !self->state.inbox->empty()) take_inbox(self);
    };
    // No timeout: it would be a timer in CAF's clock thread per batch (a wake-up of that
    // thread and a timeout message later). The handler answers at once, and a target that
    // is gone or ends first makes CAF answer with an error, which counts as done too.
    self->request(who, caf::infinite, inbound_atom::value, std::move(batch))
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

socket_actor::behavior_type socket_behavior(socket_actor_t self, SocketOptions opts) {
  auto& st = self->state;
  st.metrics = opts.metrics ? opts.metrics : std::make_shared<MetricsRegistry>();
  st.m = std::make_unique<SocketMetrics>(*st.metrics);
  st.sender = opts.sender ? opts.sender
                          : std::make_shared<UdpSender>(std::move(opts.sockets), st.metrics);
  st.new_inbound = opts.new_inbound;
  st.backlog = std::make_unique<SendBacklog>(st.sender, *st.m, opts.send_queue_limit);
  st.inbox = std::make_shared<DatagramInbox>(opts.inbox_limit, st.m->drop_inbox, st.m->inbox,
                                             st.metrics);
  st.sessions = std::make_shared<SessionDemux>();

  InboundRouterConfig rc;
  rc.intro_key = opts.intro_key;
  rc.socket = self;
  rc.socket_inbox = st.inbox;
  rc.demux = st.sessions;
  rc.metrics = st.metrics;
  rc.in_limit = opts.in_limit;
  std::string err;
  st.reader = st.sender->receive(std::make_shared<InboundRouter>(std::move(rc)), err);
  if (!st.reader) {
    log().error("{}", err);
    self->quit(caf::sec::runtime_error);
    return {socket_actor::behavior_type::unsafe_init{}, caf::behavior{}};  // no handlers: quitting
  }

  self->set_down_handler([self](caf::down_msg& dm) { forget(self->state, dm.source); });

  return {
    [self](inbox_atom) { take_inbox(self); },
    [self](register_atom, uint64_t id, datagram_target_actor who) {
      auto& st = self->state;
      self->monitor(who);
      st.sessions->erase(id);
      st.by_conn[id] = std::move(who);
      st.update_entries();
      return true;
    },
    [self](register_session_atom, uint64_t id, inbox_wake_actor who,
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
    [self](register_ep_atom, ssu2::Address& ep, datagram_target_actor who) {
      self->monitor(who);
      self->state.by_ep[ep] = std::move(who);
      self->state.update_entries();
      return true;
    },
    [self](unregister_ep_atom, ssu2::Address& ep) {
      bool existed = self->state.by_ep.erase(ep) > 0;
      self->state.update_entries();
      return existed;
    },
    [self](send_atom, send_request& req) {
      if (self->state.backlog->send(std::move(req), self->current_sender())) arm_retry(self);
    },
    [self](retry_atom) {
      self->state.retry_armed = false;
      if (self->state.backlog->flush()) arm_retry(self);
    },
    [self](local_endpoints_atom) {
      return self->state.sender->local_addresses();
    },
    [self](socket_stats_atom) {
      auto& st = self->state;
      socket_stats s;
      s.datagrams_in = st.m->rx->value();
      s.datagrams_out = st.m->tx->value();  // also what sessions sent directly
      s.bytes_in = st.m->rx_bytes->value();
      s.bytes_out = st.m->tx_bytes->value();
      s.unknown = st.unknown + st.m->drop_short->value() + st.m->drop_truncated->value();
      s.registered = st.by_conn.size() + st.sessions->size();
      s.send_eagain = st.m->eagain->value();
      s.send_errors = st.m->send_errors->value() + st.m->queue_full->value();
      s.queued = st.backlog->size();
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
  auto ep = ssu2::Address::parse(host, port);
  sockaddr_storage ss;
  socklen_t sl = 0;
  if (!ep || !udp::to_sockaddr(*ep, ss, sl)) {
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
    error = "socket: cannot bind udp " + ep->to_string() + ": " + bind_error_text(errno);
    ::close(fd);
    return false;
  }
  sockaddr_storage bound;
  socklen_t bl = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bl);
  out.fd = fd;
  out.local = udp::to_address(bound).value_or(ssu2::Address{});
  return true;
}

socket_actor spawn_socket_actor(caf::actor_system& sys, SocketOptions opts) {
  // Detached: it only does syscalls that never block (non-blocking sendto), but it still
  // carries every handshake datagram; its own thread keeps it off the shared scheduler.
  if (!opts.detached) return sys.spawn(socket_behavior, std::move(opts));
  return sys.spawn<caf::detached>(socket_behavior, std::move(opts));
}

}  // namespace ssu2d
