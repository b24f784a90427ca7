#include "actors/handshake_actor.hpp"

#include <map>
#include <unordered_map>

#include "actors/session_actor.hpp"
#include "actors/support/deadline_timer.hpp"
#include "actors/support/handshake_metrics.hpp"
#include "actors/support/logging.hpp"
#include "transport/handshake/endpoint.hpp"
#include "transport/handshake/payload.hpp"
#include "transport/handshake/router_check.hpp"

namespace ssu2d {

namespace hs = ssu2::handshake;

namespace {

// The shell over hs::HandshakeEndpoint: it maps datagrams, connects and timers onto the
// endpoint and the endpoint's events onto actors (session spawn, socket routes, promises).
struct handshake_state {
  static inline const char* name = "ssu2d.handshake";
  HandshakeActorOptions opts;
  std::unique_ptr<hs::HandshakeEndpoint> ep;
  handshake_socket_actor socket;
  std::map<uint64_t, std::vector<caf::response_promise>> waiting;  // by outbound conn id
  std::unordered_map<uint64_t, session_actor> actors;              // session actors by conn id
  std::map<caf::actor_addr, uint64_t> conn_of;
  DeadlineTimer timer;
  std::shared_ptr<MetricsRegistry> metrics;
  std::unique_ptr<HandshakeMetrics> counts;
  bool want_tags = false;  // the nat actor's wish: every outbound handshake asks for a tag
};
using handshake_t = handshake_actor::stateful_base<handshake_state>;

session_actor spawn_session(handshake_t* self, hs::SessionContext ctx) {
  auto& st = self->state;
  SessionActorOptions so;
  so.socket = st.socket;
  so.manager = st.opts.manager;
  so.handshake = caf::actor_cast<session_handshake_actor>(self);
  so.nat = st.opts.nat;
  so.metrics = st.metrics;
  so.reassembly_budget = st.opts.reassembly_budget;
  so.random = st.opts.random;
  so.out_limit = st.opts.out_limit;
  so.path.sender = st.opts.sender;
  so.path.inbox = make_session_inbox(st.metrics, st.opts.session_inbox);
  auto inbox = so.path.inbox;
  uint64_t conn = ctx.our_conn_id;
  so.context = std::move(ctx);
  auto session = spawn_session_actor(self->system(), std::move(so));
  self->monitor(session);
  st.actors[conn] = session;
  st.conn_of[session.address()] = conn;
  caf::anon_send(st.socket, register_session_atom::value, conn, inbox_wake_actor{session},
                 std::move(inbox));
  return session;
}

void on_done(handshake_t* self, hs::HandshakeDone& d) {
  auto& st = self->state;
  st.counts->on_done(d);
  if (d.outbound) caf::anon_send(st.socket, unregister_ep_atom::value, d.peer);
  auto h = to_router_hash(d.router);
  if (d.session) {
    log().info("handshake: {} {} {}", d.outbound ? "connected to" : "accepted", to_string(h),
               d.peer.to_string());
    auto session = spawn_session(self, std::move(*d.session));  // re-registers our conn id
    // The replaced session hands its unsent messages to the new one, then terminates.
    if (d.replaces)
      if (auto old = st.actors.find(*d.replaces); old != st.actors.end())
        caf::anon_send(old->second, terminate_atom::value,
                       uint8_t(ssu2::wire::TerminationReason::ReplacedByNewSession),
                       i2np_sink_actor(session));
  } else {
    if (d.outbound) caf::anon_send(st.socket, unregister_atom::value, d.conn_id);
    if (d.outbound) log().info("handshake: connect to {} failed: {}", to_string(h), d.reason);
  }
  // A crossed connect: the peer's session answers our pending connect to it too.
  if (d.session && d.answers_connect)
    if (auto x = st.waiting.find(*d.answers_connect); x != st.waiting.end()) {
      for (auto& rp : x->second) rp.deliver(h);
      st.waiting.erase(x);
    }
  auto w = st.waiting.find(d.conn_id);
  if (w == st.waiting.end()) return;
  for (auto& rp : w->second) {
    if (d.session)
      rp.deliver(h);
    else
      rp.deliver(make_error(node_errc::handshake_failed, d.reason));
  }
  st.waiting.erase(w);
}

// Drains the endpoint: events first (routes registered before the first datagram leaves),
// then datagrams, then the timer.
void drain(handshake_t* self) {
  auto& st = self->state;
  auto me = caf::actor_cast<datagram_target_actor>(self);
  while (auto e = st.ep->poll_event()) {
    if (auto* s = std::get_if<hs::OutboundStarted>(&*e)) {
      caf::anon_send(st.socket, register_atom::value, s->conn_id, me);
      caf::anon_send(st.socket, register_ep_atom::value, s->peer, me);
    } else {
      on_done(self, std::get<hs::HandshakeDone>(*e));
    }
  }
  while (auto d = st.ep->poll_transmit())
    if (st.socket)
      self->send(st.socket, send_atom::value,
                 send_request{d->to,
                              std::vector<uint8_t>(d->bytes.begin(), d->bytes.end())});
  st.counts->export_from(*st.ep);
  st.timer.arm(self, st.ep->poll_timeout(), tick_atom::value);
}

// One datagram from the socket (drain() afterwards).
void on_datagram(handshake_t* self, datagram& d) {
  auto& st = self->state;
  if (!d.from.has_ip()) return;
  auto r = st.ep->on_datagram(core_now(self), d.from, d.conn_id, d.bytes);
  if (r.what == hs::Disposition::to_nat && st.opts.nat) {
    self->send(st.opts.nat, nat_packet_atom::value, std::move(d));
  } else if (r.what == hs::Disposition::to_session) {
    // Raced with the session's registration at the socket.
    if (auto a = st.actors.find(r.session); a != st.actors.end())
      self->send(a->second, inbound_atom::value, std::move(d));
  }
}

// `via` and `token`: Charlie's address and relay token after an introduction (the token
// goes into the token cache, so the Session Request carries it).
caf::result<router_hash> connect(handshake_t* self, const std::vector<uint8_t>& bytes,
                                 bool ask_relay_tag, const ssu2::Address* via = nullptr,
                                 uint64_t token = 0) {
  auto& st = self->state;
  hs::RemoteRouter remote;
  if (auto chk = hs::remote_router_from_bytes(ssu2::ByteSpan(bytes.data(), bytes.size()),
                                              st.opts.config.net_id, remote, via, st.opts.families);
      !chk) {
    if (chk.error == hs::RemoteRouterError::firewalled && st.opts.nat)  // through its introducers
      return self->make_response_promise<router_hash>().delegate(st.opts.nat, introduce_atom::value,
                                                                 bytes);
    return make_error(node_errc::bad_request, chk.what);
  }
  router_hash h = to_router_hash(remote.router_hash);
  if (!st.socket) return make_error(node_errc::not_available, "no socket");
  const auto now = core_now(self);
  if (via && token)
    st.ep->on_new_token(now, remote.router_hash, *via,
                        hs::Token{token, now.unix_s + hs::TokenManager::kRelayTokenLifetimeS});
  hs::ConnectOptions co;
  co.request_relay_tag = ask_relay_tag || st.want_tags;
  auto r = st.ep->connect(now, std::move(remote), co);
  using K = hs::ConnectResult::Kind;
  if (r.kind == K::connected) return h;
  if (r.kind == K::refused) {
    drain(self);
    if (r.code == hs::ConnectResult::Code::bad_request)
      return make_error(node_errc::bad_request, r.reason);
    st.counts->on_failure("outbound", "limit");
    return make_error(node_errc::limit, r.reason);
  }
  auto rp = self->make_response_promise<router_hash>();
  st.waiting[r.conn_id].push_back(rp);
  drain(self);
  return rp;
}

// Our republished RouterInfo (from the nat actor): later handshakes send it in Session
// Confirmed, and every session tells its peer in a RouterInfo block.
void republished(handshake_t* self, const std::vector<uint8_t>& ri) {
  auto& st = self->state;
  if (ri.empty()) return;
  st.ep->update_router_info(ri);
  const ssu2::nat::NatBlocks update{{hs::payload::router_info_update(ri)}};
  for (auto& [id, s] : st.actors) self->send(s, send_blocks_atom::value, update);
  log().info("handshake: RouterInfo updated, sent to {} session(s)", st.actors.size());
}

handshake_stats stats_of(handshake_state& st) {
  auto e = st.ep->stats();
  handshake_stats s;
  s.pending_inbound = e.pending_inbound;
  s.pending_outbound = e.pending_outbound;
  s.outbound_started = e.outbound_started;
  s.outbound_with_token = e.outbound_with_token;
  s.retries_received = e.retries_received;
  s.established_outbound = e.established_outbound;
  s.established_inbound = e.established_inbound;
  s.tokens_cached = e.tokens_cached;
  s.new_tokens_received = e.new_tokens_received;
  s.sessions = e.sessions;
  s.connected = e.connected;
  s.failures = st.counts->failures();
  return s;
}

// Tells every live session to terminate and answers, when all confirmed (bounded), with the
// number of sessions that were open (those already closing are told too, not counted).
caf::result<uint64_t> shutdown(handshake_t* self) {
  auto& st = self->state;
  uint64_t open = st.ep->stats().open_sessions;
  st.ep->shutdown();
  drain(self);
  auto rp = self->make_response_promise<uint64_t>();
  if (st.actors.empty()) {
    rp.deliver(open);
    return rp;
  }
  auto left = std::make_shared<size_t>(st.actors.size());
  auto done = [rp, left, open]() mutable {
    if (--*left == 0) rp.deliver(open);
  };
  for (auto& [id, s] : st.actors)
    self->request(s, std::chrono::seconds(2), terminate_atom::value,
                  uint8_t(ssu2::wire::TerminationReason::RouterShutdown))
        .then([done](bool) mutable { done(); }, [done](caf::error&) mutable { done(); });
  return rp;
}

handshake_actor::behavior_type handshake_behavior(handshake_t* self,
                                                  HandshakeActorOptions opts) {
  auto& st = self->state;
  st.metrics = opts.metrics ? opts.metrics : std::make_shared<MetricsRegistry>();
  st.counts = std::make_unique<HandshakeMetrics>(*st.metrics);
  auto local_hash = opts.local->router_hash;
  if (!opts.config.accept_router)
    opts.config.accept_router = [local_hash](const ssu2::i2p::RouterInfo& ri) {
      return ri.hash() != local_hash;  // never a session with ourselves
    };
  st.opts = std::move(opts);
  st.ep = st.opts.random ? std::make_unique<hs::HandshakeEndpoint>(st.opts.config, st.opts.local,
                                                                    st.opts.limits, st.opts.random)
                         : std::make_unique<hs::HandshakeEndpoint>(st.opts.config, st.opts.local,
                                                                    st.opts.limits);

  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    auto it = st.conn_of.find(dm.source);
    if (it == st.conn_of.end()) return;
    st.ep->on_session_gone(it->second);
    st.actors.erase(it->second);
    st.conn_of.erase(it);
  });
  // Sessions are not linked (one failing must not take the others down), so a stopping
  // handshake actor takes them with it explicitly.
  self->set_exit_handler([self](caf::exit_msg& m) {
    for (auto& [id, s] : self->state.actors) self->send_exit(s, m.reason);
    for (auto& [id, w] : self->state.waiting)
      for (auto& rp : w) rp.deliver(make_error(node_errc::handshake_failed, "shutdown"));
    self->state.waiting.clear();
    self->quit(m.reason);
  });

  return {
    [self](set_socket_atom, handshake_socket_actor socket) {
      self->state.socket = std::move(socket);
    },
    [self](inbound_atom, datagram& d) {
      on_datagram(self, d);
      drain(self);
    },
    // A batch from the socket: the answer lets the socket take its next batch.
    [self](inbound_atom, std::vector<datagram>& batch) {
      for (auto& d : batch) on_datagram(self, d);
      drain(self);
      return true;
    },
    [self](connect_atom, std::vector<uint8_t>& bytes) { return connect(self, bytes, false); },
    [self](connect_atom, std::vector<uint8_t>& bytes, relay_atom) {
      return connect(self, bytes, true);
    },
    [self](connect_atom, std::vector<uint8_t>& bytes, ssu2::Address& charlie, uint64_t token) {
      if (!charlie.has_ip())
        return caf::result<router_hash>(make_error(node_errc::bad_request, "bad address"));
      return connect(self, bytes, false, &charlie, token);
    },
    [self](relay_token_atom, ssu2::Address& alice, uint64_t token) {
      if (alice.has_ip())
        self->state.ep->listener().tokens().accept_relay_token(alice, token, unix_now_s(self));
    },
    [self](relay_atom, bool want) { self->state.want_tags = want; },
    [self](new_token_atom, router_hash& h, ssu2::Address& addr, uint64_t value, uint32_t expires) {
      if (!addr.has_ip()) return;
      ssu2::crypto::Hash32 key;
      std::copy(h.bytes.begin(), h.bytes.end(), key.begin());
      self->state.ep->on_new_token(core_now(self), key, addr, hs::Token{value, expires});
    },
    [self](closed_atom, router_hash&, std::string&) {
      auto& st = self->state;
      auto it = st.conn_of.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
      if (it != st.conn_of.end()) st.ep->on_session_closed(it->second);
    },
    [self](tick_atom, int64_t deadline) {
      auto& st = self->state;
      st.timer.fired(deadline);
      st.ep->on_timeout(core_now(self));
      drain(self);
    },
    [self](router_info_atom, const std::vector<uint8_t>& ri) { republished(self, ri); },
    [self](handshake_stats_atom) { return stats_of(self->state); },
    [self](shutdown_atom) { return shutdown(self); },
    [self](send_failed_atom, send_failure& f) {
      self->state.metrics->counter("ssu2_handshake_send_failures_total",
                                   "Handshake datagrams the socket could not send").inc();
      log().debug("handshake: send to {} failed: {}", f.to.to_string(), f.reason);
    },
  };
}

}  // namespace

handshake_actor spawn_handshake_actor(caf::actor_system& sys, HandshakeActorOptions opts) {
  return sys.spawn(handshake_behavior, std::move(opts));
}

}  // namespace ssu2d
