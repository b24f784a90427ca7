#include "actors/session_actor.hpp"

#include "actors/support/deadline_timer.hpp"
#include "actors/support/delivery_promises.hpp"
#include "actors/support/logging.hpp"
#include "actors/support/send_as.hpp"
#include "actors/support/session_summary.hpp"
#include "actors/support/session_view.hpp"
#include "actors/support/udp.hpp"
#include "transport/handshake/data_phase.hpp"
#include "transport/nat/engine.hpp"
#include "transport/ssu2/header.hpp"

namespace ssu2d {

namespace ss = ssu2::session;
namespace hs = ssu2::handshake;
namespace wire = ssu2::wire;

namespace {

struct session_state {
  static inline const char* name = "ssu2d.session";
  std::unique_ptr<ss::DataSession> ds;
  router_hash peer;
  endpoint remote;
  bool outbound = false;
  uint64_t our_conn_id = 0;
  session_socket_actor socket;
  session_handshake_actor handshake;
  session_nat_actor nat;
  session_events_actor manager;
  DatagramPath path;                   // our inbox at the socket, the direct sender
  std::vector<InboundDatagram> batch;  // reused by every inbox take
  std::vector<ss::InDatagram> in;      // views of `batch` for the core
  ss::TransmitBatch tx;                // reused by every poll
  ssu2::TimePoint started{};
  DeliveryPromises pending;  // confirm requests by feedback id
  DeadlineTimer timer;  // the core's next_wakeup(), or when the bandwidth share allows more
  std::shared_ptr<BandwidthLimiter> out_limit;  // kept alive for `bandwidth`
  std::unique_ptr<SessionBandwidth> bandwidth;
  bool flush_queued = false;  // a flush_atom to ourselves is in the mailbox
  bool ended = false;  // closed reported
  uint64_t i2np_in = 0, i2np_out = 0, send_failures = 0, ignored_blocks = 0;
  std::shared_ptr<MetricsRegistry> metrics;
  Gauge* live = nullptr;
};
using session_t = caf::stateful_actor<session_state, session_actor::base>;

std::string reason_text(const ss::Terminated& e) {
  std::string r = wire::to_string(e.reason);
  return e.by_peer ? "peer: " + r : r;
}

session_info info_of(session_t* self) {
  auto& st = self->state;
  session_info s;
  s.peer = st.peer;
  s.remote = to_string(st.remote);
  s.established_ms_ago = uint64_t(ssu2::to_ms(steady_now() - st.started));
  s.i2np_in = st.i2np_in;
  s.i2np_out = st.i2np_out;
  s.outbound = st.outbound;
  fill_transport_state(s, *st.ds);
  add_drops(s, ss::DropReason::socket_send_failure, st.send_failures);
  add_drops(s, ss::DropReason::unhandled_control_block, st.ignored_blocks);
  return s;
}

void on_end(session_t* self, const std::string& reason) {
  auto& st = self->state;
  if (st.ended) return;
  st.ended = true;
  log().info("{}", session_end_summary(info_of(self), reason));
  // A request (not anon) so the manager can tell us from a newer session for the peer.
  self->request(st.manager, caf::infinite, closed_atom::value, st.peer, reason)
      .then([](bool) {}, [](caf::error&) {});
  // From us (not anon): the handshake and nat actors tell us from a newer session for the peer.
  if (st.handshake) self->send(st.handshake, closed_atom::value, st.peer, reason);
  if (st.nat) self->send(st.nat, closed_atom::value, st.peer, reason);
  if (st.metrics)
    st.metrics->counter("ssu2_sessions_closed_total", "Sessions ended, by reason",
                        {{"reason", reason}}).inc();
}

void drain(session_t* self);

// Drains once the messages already in the mailbox are handled: a burst of queued I2NP
// messages goes out in full packets and few sendmmsg calls instead of one drain each.
void drain_soon(session_t* self) {
  auto& st = self->state;
  if (st.flush_queued) return;
  st.flush_queued = true;
  self->send(self, flush_atom::value);
}

// Hands the NAT blocks of one drain to the nat actor in arrival order (a RouterInfo first
// when it came first, so Charlie knows Alice before the PeerTest that names her).
void forward_to_nat(session_t* self, std::vector<wire::Block>& blocks) {
  auto& st = self->state;
  if (!st.nat || blocks.empty()) return;
  auto bytes = wire::emit_blocks(blocks);
  if (!bytes) {
    st.ignored_blocks += blocks.size();
    return;
  }
  self->send(st.nat, nat_blocks_atom::value, st.peer,
             std::vector<uint8_t>(bytes->begin(), bytes->end()));
}

// Blocks from the nat actor: one packet if they fit, else one per block, in order.
void send_nat_blocks(session_t* self, const std::vector<uint8_t>& bytes) {
  auto& st = self->state;
  auto blocks = wire::parse_blocks(ssu2::ByteSpan(bytes.data(), bytes.size()));
  if (!blocks) return;
  // The core counts each refusal among the session's drops; the log names the block.
  for (const auto& r : st.ds->send_blocks_split(steady_now(), std::move(*blocks)))
    log().debug("session {}: nat block {} refused: {}", to_string(st.peer), r.block_type,
                r.error.what);
  drain(self);
}

// Moves everything the core produced to where it belongs, then re-arms the timer.
void drain(session_t* self) {
  auto& st = self->state;
  // Pull what is due now in batches of one sendmmsg each.
  auto now = steady_now();
  size_t budget = st.bandwidth->open(now), used = 0;
  for (;;) {
    st.tx.clear();
    size_t n = st.ds->poll_transmit(now, st.tx, kSendBatch, budget - std::min(budget, used));
    if (n == 0) break;
    for (auto& d : st.tx) used += d.bytes.size();
    for (auto& f : send_datagrams(self, st.path, st.socket, std::span(st.tx.begin(), st.tx.end()))) {
      st.send_failures++;
      log().debug("session {}: send failed: {}", to_string(st.peer), f.reason);
    }
    if (n < kSendBatch || st.ds->held()) break;
  }
  auto more_tokens_at = st.bandwidth->close(now, used, st.ds->held());
  std::vector<wire::Block> nat_blocks;
  while (auto e = st.ds->poll_event()) {
    if (auto* m = std::get_if<ss::MessageReceived>(&*e)) {
      st.i2np_in++;
      self->send(st.manager, i2np_atom::value, i2np_message{st.peer, ss::short_i2np_bytes(m->message)});
    } else if (auto* r = std::get_if<ss::DeliveryResult>(&*e)) {
      st.pending.answer(*r, st.peer);
    } else if (auto* t = std::get_if<ss::NewTokenReceived>(&*e)) {
      if (st.handshake)
        self->send(st.handshake, new_token_atom::value, st.peer, st.remote, t->token, t->expires);
    } else if (auto* ri = std::get_if<ss::RouterInfoReceived>(&*e)) {
      // To the netDb, and to the nat actor in arrival order (Charlie learns Alice from it
      // before the PeerTest that names her).
      if (st.nat) nat_blocks.push_back(wire::RouterInfoBlock{0, 0x01, ri->router_info});
      caf::anon_send(st.manager, router_info_atom::value, std::move(ri->router_info));
    } else if (auto* c = std::get_if<ss::ControlReceived>(&*e)) {
      if (st.nat && ssu2::nat::NatEngine::takes(c->block)) nat_blocks.push_back(std::move(c->block));
      else st.ignored_blocks++;
    } else if (auto* t = std::get_if<ss::Terminated>(&*e)) {
      on_end(self, reason_text(*t));
    } else if (auto* a = std::get_if<ss::AddressChanged>(&*e)) {
      st.remote = udp::to_endpoint(a->address);
    }
  }
  forward_to_nat(self, nat_blocks);
  if (st.ds->can_be_freed()) {
    on_end(self, "closed");
    st.pending.fail_all("session_closed");
    send_as_self(self, st.socket, unregister_atom::value, st.our_conn_id);
    self->quit();
    return;
  }
  auto wake = st.ds->next_wakeup();
  if (more_tokens_at && (!wake || *more_tokens_at < *wake)) wake = more_tokens_at;
  st.timer.arm(self, wake, tick_atom::value);
}


void start(session_t* self, SessionActorOptions& o) {
  auto& st = self->state;
  auto& h = o.context;
  st.peer = to_router_hash(h.peer_hash);
  st.remote = udp::to_endpoint(h.peer);
  st.outbound = h.outbound;
  st.our_conn_id = h.our_conn_id;
  st.socket = o.socket;
  st.manager = o.manager;
  st.handshake = o.handshake;
  st.nat = o.nat;
  st.path = o.path;
  st.metrics = o.metrics;
  st.out_limit = o.out_limit;
  st.bandwidth = std::make_unique<SessionBandwidth>(st.out_limit.get());
  auto now = steady_now();
  st.started = now;
  auto ctx = hs::to_session_context(h, now, unix_now_ms());
  ctx.reassembly_budget = o.reassembly_budget;
  st.ds = std::make_unique<ss::DataSession>(std::move(ctx));
  if (st.metrics) {
    st.live = &st.metrics->gauge("ssu2_session_actors", "Session actors alive (incl. closing)");
    st.live->add(1);
  }
  if (st.nat) {
    std::vector<uint8_t> ri;
    if (h.peer_router_info) ri.assign(h.peer_router_info->bytes().begin(), h.peer_router_info->bytes().end());
    self->send(st.nat, established_atom::value, st.peer, caf::actor_cast<nat_session_actor>(self),
               st.remote, std::move(ri), h.relay_tag_asked, h.relay_tag.value_or(0),
               h.relay_tag_issued.value_or(0));
    // Bob's Address block in Session Created: how he sees us (reachability).
    if (h.our_observed_address)
      self->send(st.nat, observed_atom::value, st.peer, udp::to_endpoint(*h.our_observed_address));
  }
  const auto& peer = h.peer;
  for (auto& p : h.first_packets) st.ds->on_datagram(now, p, peer);
  st.ds->on_timer(now);  // Bob: ACK Session Confirmed at once
  self->request(st.manager, caf::infinite, established_atom::value, st.peer,
                caf::actor_cast<managed_session_actor>(self), to_string(st.remote))
      .then(
          [self](bool accepted) {
            if (accepted || self->state.ended) return;
            self->state.ds->terminate(steady_now(), wire::TerminationReason::ConnectionLimits);
            drain(self);
          },
          [](caf::error&) {});
  drain(self);
}

session_actor::behavior_type session_behavior(session_t* self, SessionActorOptions o) {
  start(self, o);
  // The state is gone when attached functors run: capture the gauge and its registry.
  self->attach_functor([live = self->state.live, keep = self->state.metrics] {
    if (live) live->add(-1);
  });
  // Killed from outside (node stop): answer every promise before going.
  self->set_exit_handler([self](caf::exit_msg& m) {
    self->state.pending.fail_all("session_closed");
    self->quit(m.reason);
  });
  return {
    [self](inbox_atom) {  // the reader queued a burst for us: take it whole
      auto& st = self->state;
      if (!st.path.inbox) return;
      size_t n = st.path.inbox->take(st.batch);
      st.in.clear();
      for (size_t i = 0; i < n; ++i) st.in.push_back({st.batch[i].bytes, st.batch[i].from});
      st.ds->on_datagrams(steady_now(), st.in);  // one burst: its ACKs coalesce
      drain(self);
    },
    [self](inbound_atom, datagram& d) {
      auto from = udp::to_address(d.from);
      if (!from) return;
      self->state.ds->on_datagram(steady_now(), d.bytes, *from);
      drain(self);
    },
    [self](deliver_atom, std::vector<uint8_t>& bytes) -> caf::result<bool> {
      auto m = ss::parse_short_i2np(std::move(bytes));
      if (!m) return make_error(node_errc::bad_request, "I2NP message shorter than 9 bytes");
      auto r = self->state.ds->queue_message(steady_now(), std::move(*m));
      drain_soon(self);
      if (r != ss::QueueResult::queued) return queue_error(r);
      self->state.i2np_out++;
      return true;
    },
    [self](deliver_atom, std::vector<uint8_t>& bytes,
           confirm_atom) -> caf::result<delivery_report> {
      auto& st = self->state;
      auto m = ss::parse_short_i2np(std::move(bytes));
      if (!m) return make_error(node_errc::bad_request, "I2NP message shorter than 9 bytes");
      auto rp = self->make_response_promise<delivery_report>();
      uint64_t id = st.pending.add(rp, m->id);
      auto r = st.ds->queue_message(steady_now(), std::move(*m), id);
      if (r != ss::QueueResult::queued) {
        (void)st.pending.take(id);  // answered by the error returned here
        drain(self);
        return queue_error(r);
      }
      st.i2np_out++;
      drain_soon(self);
      return rp;
    },
    [self](flush_atom) {
      self->state.flush_queued = false;
      drain(self);
    },
    [self](tick_atom, int64_t deadline) {
      auto& st = self->state;
      st.timer.fired(deadline);
      st.ds->on_timer(steady_now());
      drain(self);
    },
    [self](terminate_atom, uint8_t reason) {
      auto& st = self->state;
      if (st.ds->state() != ss::DataSession::State::active) return false;
      st.ds->terminate(steady_now(), wire::TerminationReason(reason));
      drain(self);  // the Termination is with the socket before we answer
      return true;
    },
    // Replaced by `successor`: what nothing was sent of yet moves there (with its delivery
    // promise), the rest fails with this session.
    [self](terminate_atom, uint8_t reason, i2np_sink_actor& successor) {
      auto& st = self->state;
      if (st.ds->state() != ss::DataSession::State::active) return false;
      for (auto& u : st.ds->take_unsent()) {
        auto bytes = ss::short_i2np_bytes(u.msg);
        auto rp = u.feedback_id ? st.pending.take(*u.feedback_id) : std::nullopt;
        if (!rp) {
          caf::anon_send(successor, deliver_atom::value, std::move(bytes));
          continue;
        }
        self->request(successor, caf::infinite, deliver_atom::value, std::move(bytes),
                      confirm_atom::value)
            .then([rp = *rp](delivery_report& r) mutable { rp.deliver(std::move(r)); },
                  [rp = *rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
      }
      st.ds->terminate(steady_now(), wire::TerminationReason(reason));
      drain(self);
      return true;
    },
    [self](disconnect_atom) {
      self->state.ds->terminate(steady_now(), wire::TerminationReason::NormalClose);
      drain(self);
    },
    [self](session_atom) { return info_of(self); },
    [self](send_blocks_atom, const std::vector<uint8_t>& bytes) { send_nat_blocks(self, bytes); },
    [self](keepalive_atom) { self->state.ds->send_keepalive(steady_now()); drain(self); },
    [self](peer_test_atom) -> caf::result<peer_test_result> {
      auto& st = self->state;
      if (!st.nat) return make_error(node_errc::not_available, "this node has no nat actor");
      return self->make_response_promise<peer_test_result>().delegate(st.nat, peer_test_atom::value, st.peer);
    },
    [self](relay_atom) -> caf::result<uint32_t> {
      auto& st = self->state;
      if (!st.nat) return make_error(node_errc::not_available, "this node has no nat actor");
      return self->make_response_promise<uint32_t>().delegate(st.nat, relay_atom::value, st.peer);
    },
    [self](send_failed_atom, send_failure& f) {
      self->state.send_failures++;
      log().debug("session {}: send to {} failed: {}", to_string(self->state.peer),
                  to_string(f.to), f.reason);
    },
  };
}

}  // namespace

session_actor spawn_session_actor(caf::actor_system& sys, SessionActorOptions opts) {
  return sys.spawn(session_behavior, std::move(opts));
}

}  // namespace ssu2d
