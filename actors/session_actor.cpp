// The session actor's start and behaviour: each message onto its DataSession; what the core
// produces goes out in session_drain.cpp.
#include "actors/session_actor.hpp"

#include "actors/session_actor_state.hpp"
#include "actors/support/logging.hpp"
#include "actors/support/session_view.hpp"
#include "transport/handshake/data_phase.hpp"

namespace ssu2d {

namespace ss = ssu2::session;
namespace hs = ssu2::handshake;
namespace wire = ssu2::wire;

namespace {

using namespace session_detail;

void start(session_t* self, SessionActorOptions& o) {
  auto& st = self->state;
  auto& h = o.context;
  st.peer = to_router_hash(h.peer_hash);
  st.remote = h.peer;
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
  auto now = steady_now(self);
  st.started = now;
  auto ctx = hs::to_session_context(h, now, unix_now_ms(self));
  ctx.reassembly_budget = o.reassembly_budget;
  if (o.random) ctx.random = o.random;
  st.ds = std::make_unique<ss::DataSession>(std::move(ctx));
  // What an ending session had not delivered goes to the manager, which tries another
  // session to the peer (session_drain.cpp, hand_back).
  st.ds->return_undelivered_on_close(true);
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
      self->send(st.nat, observed_atom::value, st.peer, *h.our_observed_address);
  }
  const auto& peer = h.peer;
  for (auto& p : h.first_packets) st.ds->on_datagram(now, p, peer);
  st.ds->on_timer(now);  // Bob: ACK Session Confirmed at once
  self->request(st.manager, caf::infinite, established_atom::value, st.peer,
                caf::actor_cast<managed_session_actor>(self), st.remote.to_string())
      .then(
          [self](bool accepted) {
            if (accepted || self->state.ended) return;
            self->state.ds->terminate(steady_now(self), wire::TerminationReason::ConnectionLimits);
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
      st.ds->on_datagrams(steady_now(self), st.in);  // one burst: its ACKs coalesce
      drain(self);
    },
    [self](inbound_atom, datagram& d) {
      if (!d.from.has_ip()) return;
      self->state.ds->on_datagram(steady_now(self), d.bytes, d.from);
      drain(self);
    },
    [self](deliver_atom, std::vector<uint8_t>& bytes) -> caf::result<bool> {
      auto m = ss::parse_short_i2np(std::move(bytes));
      if (!m) return make_error(node_errc::bad_request, "I2NP message shorter than 9 bytes");
      auto r = self->state.ds->queue_message(steady_now(self), std::move(*m));
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
      auto r = st.ds->queue_message(steady_now(self), std::move(*m), id);
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
      st.ds->on_timer(steady_now(self));
      drain(self);
    },
    [self](terminate_atom, uint8_t reason) {
      auto& st = self->state;
      if (st.ds->state() != ss::DataSession::State::active) return false;
      st.ds->terminate(steady_now(self), wire::TerminationReason(reason));
      drain(self);  // the Termination is with the socket before we answer
      return true;
    },
    // Replaced by `successor`: every message not known to be delivered moves there; the
    // successor answers a delivery promise itself (delegated).
    [self](terminate_atom, uint8_t reason, i2np_sink_actor& successor) {
      auto& st = self->state;
      if (st.ds->state() != ss::DataSession::State::active) return false;
      hand_over(self, st.ds->take_undelivered(), successor);
      st.ds->terminate(steady_now(self), wire::TerminationReason(reason));
      drain(self);
      return true;
    },
    [self](disconnect_atom) {
      self->state.ds->terminate(steady_now(self), wire::TerminationReason::NormalClose);
      drain(self);
    },
    [self](session_atom) { return info_of(self); },
    [self](send_blocks_atom, ssu2::nat::NatBlocks& blocks) { send_nat_blocks(self, blocks); },
    [self](keepalive_atom) { self->state.ds->send_keepalive(steady_now(self)); drain(self); },
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
                  f.to.to_string(), f.reason);
    },
  };
}

}  // namespace

session_actor spawn_session_actor(caf::actor_system& sys, SessionActorOptions opts) {
  return sys.spawn(session_behavior, std::move(opts));
}

}  // namespace ssu2d
