#include "actors/support/send_backlog.hpp"

#include <cerrno>

#include "actors/support/logging.hpp"

namespace ssu2d {

SocketMetrics::SocketMetrics(MetricsRegistry& m) {
  rx = &m.counter("ssu2_datagrams_received_total", "UDP datagrams received");
  tx = &m.counter("ssu2_datagrams_sent_total", "UDP datagrams sent");
  rx_bytes = &m.counter("ssu2_bytes_received_total", "UDP payload bytes received");
  tx_bytes = &m.counter("ssu2_bytes_sent_total", "UDP payload bytes sent");
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

namespace {

void report_failure(const caf::strong_actor_ptr& to, const ssu2::Address& ep, int err,
                    std::string reason) {
  log().debug("socket: send to {} failed: {}", ep.to_string(), reason);
  if (!to) return;  // anonymous senders still get the failure counted in metrics
  caf::anon_send(caf::actor_cast<caf::actor>(to), send_failed_atom::value,
                 send_failure{ep, err, std::move(reason)});
}

}  // namespace

SendBacklog::Outcome SendBacklog::try_send(const Pending& p) {
  auto r = sender_->send_one(p.req.to, p.req.bytes);  // counts sent datagrams and EAGAIN
  switch (r.outcome) {
    case SendOneResult::Outcome::sent: return Outcome::sent;
    case SendOneResult::Outcome::would_block: return Outcome::would_block;
    case SendOneResult::Outcome::failed: break;
  }
  m_.send_errors->inc();
  report_failure(p.from, p.req.to, r.error, std::move(r.reason));
  return Outcome::failed;
}

// The size goes to the metric and to the direct send path (which queues behind a non-empty
// backlog instead of overtaking it).
void SendBacklog::changed() {
  m_.queued->set(int64_t(queue_.size()));
  sender_->set_backlogged(!queue_.empty());
}

bool SendBacklog::send(send_request req, caf::strong_actor_ptr from) {
  Pending p{std::move(req), std::move(from)};
  // Keep order: while something is queued, new datagrams queue behind it.
  if (queue_.empty() && try_send(p) != Outcome::would_block) return false;
  if (queue_.size() >= limit_) {
    m_.queue_full->inc();
    report_failure(p.from, p.req.to, EAGAIN, "send queue full");
    return !queue_.empty();
  }
  queue_.push_back(std::move(p));
  changed();
  return true;
}

bool SendBacklog::flush() {
  while (!queue_.empty()) {
    if (try_send(queue_.front()) == Outcome::would_block) break;
    queue_.pop_front();
  }
  changed();
  return !queue_.empty();
}

}  // namespace ssu2d
