// The session actor's outputs: what its DataSession produced onto sends (socket, manager,
// handshake and nat actors, metrics).
#include "actors/session_actor_state.hpp"
#include "actors/support/logging.hpp"
#include "actors/support/send_as.hpp"
#include "actors/support/session_summary.hpp"
#include "actors/support/session_view.hpp"
#include "transport/nat/engine.hpp"

namespace ssu2d::session_detail {

namespace wire = ssu2::wire;

namespace {

std::string reason_text(const ss::Terminated& e) {
  std::string r = wire::to_string(e.reason);
  return e.by_peer ? "peer: " + r : r;
}

// Hands the NAT blocks of one drain to the nat actor in arrival order (a RouterInfo first
// when it came first, so Charlie knows Alice before the PeerTest that names her).
void forward_to_nat(session_t* self, std::vector<wire::Block>& blocks) {
  auto& st = self->state;
  if (!st.nat || blocks.empty()) return;
  self->send(st.nat, nat_blocks_atom::value, st.peer, ssu2::nat::NatBlocks{std::move(blocks)});
}

// Adds the drops counted since the last drain to the node's ssu2_session_dropped_total.
void export_drops(session_t* self) {
  auto& st = self->state;
  if (!st.metrics) return;
  st.ds->metrics().for_each_drop([&](ss::DropReason r, uint64_t n) {
    auto& seen = st.exported_drops[size_t(r)];
    if (n <= seen) return;
    st.metrics->counter("ssu2_session_dropped_total", "Data-phase drops of all sessions, by reason",
                        {{"reason", std::string(ss::name(r))}}).inc(n - seen);
    seen = n;
  });
}

}  // namespace

session_info info_of(session_t* self) {
  auto& st = self->state;
  session_info s;
  s.peer = st.peer;
  s.remote = st.remote.to_string();
  s.established_ms_ago = uint64_t(ssu2::to_ms(steady_now(self) - st.started));
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

namespace {
template <class Send>
void give_away(session_t* self, std::vector<ss::UndeliveredMessage>& msgs, Send send) {
  for (auto& u : msgs) {
    auto rp = u.feedback_id ? self->state.pending.take(*u.feedback_id) : std::nullopt;
    send(ss::short_i2np_bytes(u.msg), rp ? &*rp : nullptr);
  }
}
}  // namespace

void hand_over(session_t* self, std::vector<ss::UndeliveredMessage> msgs, const i2np_sink_actor& successor) {
  give_away(self, msgs, [&](std::vector<uint8_t> bytes, caf::response_promise* rp) {
    if (rp) rp->delegate(successor, deliver_atom::value, std::move(bytes), confirm_atom::value);
    else caf::anon_send(successor, deliver_atom::value, std::move(bytes));
  });
}

void hand_back(session_t* self, std::vector<ss::UndeliveredMessage> msgs) {
  auto& st = self->state;
  give_away(self, msgs, [&](std::vector<uint8_t> bytes, caf::response_promise* rp) {
    i2np_message m{st.peer, std::move(bytes)};
    // Enqueued after our closed_atom: the manager no longer takes us for the peer's session.
    if (rp) rp->delegate(st.manager, reroute_atom::value, std::move(m), confirm_atom::value);
    else caf::anon_send(st.manager, reroute_atom::value, std::move(m));
  });
}

// A burst of queued I2NP messages goes out in full packets and few sendmmsg calls instead
// of one drain each.
void drain_soon(session_t* self) {
  auto& st = self->state;
  if (st.flush_queued) return;
  st.flush_queued = true;
  self->send(self, flush_atom::value);
}


void send_nat_blocks(session_t* self, ssu2::nat::NatBlocks& in) {
  auto& st = self->state;
  // The core counts each refusal among the session's drops; the log names the block.
  for (const auto& r : st.ds->send_blocks_split(steady_now(self), std::move(in.blocks)))
    log().debug("session {}: nat block {} refused: {}", to_string(st.peer), r.block_type,
                r.error.what);
  drain(self);
}

// Moves everything the core produced to where it belongs, then re-arms the timer.
void drain(session_t* self) {
  auto& st = self->state;
  // Pull what is due now in batches of one sendmmsg each.
  auto now = steady_now(self);
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
    } else if (auto* r = std::get_if<ss::MessagesReturned>(&*e)) {
      hand_back(self, std::move(r->messages));
    } else if (auto* a = std::get_if<ss::AddressChanged>(&*e)) {
      st.remote = a->address;
    }
  }
  forward_to_nat(self, nat_blocks);
  export_drops(self);
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

}  // namespace ssu2d::session_detail
