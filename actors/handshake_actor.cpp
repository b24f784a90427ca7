#include "actors/handshake_actor.hpp"

#include <map>
#include <unordered_map>

#include "actors/session_actor.hpp"
#include "actors/support/logging.hpp"
#include "actors/support/udp.hpp"
#include "transport/handshake/inbound.hpp"
#include "transport/handshake/listener.hpp"
#include "transport/handshake/outbound.hpp"
#include "transport/handshake/route.hpp"
#include "transport/handshake/tokens.hpp"
#include "transport/ssu2/header.hpp"

namespace ssu2d {

namespace hs = ssu2::handshake;

std::string remote_router_from_bytes(const std::vector<uint8_t>& bytes, uint32_t net_id,
                                     hs::RemoteRouter& out) {
  auto ri = ssu2::i2p::RouterInfo::parse(ssu2::ByteSpan(bytes.data(), bytes.size()));
  if (!ri) return "RouterInfo does not parse";
  if (!ri->verify()) return "RouterInfo signature is invalid";
  if (ri->net_id().value_or(2) != net_id) return "RouterInfo is for another network";
  const auto* a = ri->ssu2_address();
  if (!a) return "RouterInfo has no usable SSU2 address";
  auto host = a->host();
  auto port = a->port();
  auto s = a->static_key();
  auto i = a->intro_key();
  if (!host || !port || !s || !i) return "SSU2 address has no host/port (firewalled peer)";
  auto ep = udp::to_address(endpoint{*host, *port});
  if (!ep) return "SSU2 host is not a numeric address: " + *host;
  out.address = *ep;
  out.static_key = *s;
  std::copy(i->begin(), i->end(), out.intro_key.bytes.begin());
  out.router_hash = ri->hash();
  out.mtu = a->mtu().value_or(0);
  out.router_info = std::make_shared<ssu2::i2p::RouterInfo>(std::move(*ri));
  return {};
}

namespace {

using Clock = std::chrono::system_clock;

uint32_t wall_s() {
  return uint32_t(std::chrono::duration_cast<std::chrono::seconds>(
                      Clock::now().time_since_epoch()).count());
}

struct Outbound {
  std::unique_ptr<hs::OutboundHandshake> machine;
  endpoint peer;
  router_hash hash;
  std::vector<caf::response_promise> waiting;
};

struct handshake_state {
  static inline const char* name = "ssu2d.handshake";
  HandshakeActorOptions opts;
  std::unique_ptr<hs::InboundListener> listener;
  hs::TokenCache tokens;
  caf::actor socket;
  std::map<uint64_t, std::unique_ptr<hs::InboundHandshake>> inbound;  // by our conn id
  std::map<uint64_t, Outbound> outbound;                               // by our conn id
  std::map<endpoint, uint64_t> outbound_by_ep;
  std::map<router_hash, uint64_t> outbound_by_hash;
  struct Live {
    caf::actor actor;
    bool outbound = false;
  };
  std::map<router_hash, Live> sessions;                // newest live session per router
  std::unordered_map<uint64_t, caf::actor> by_conn;    // every session actor still alive
  std::optional<ssu2::TimePoint> armed;
  handshake_stats stats;
  std::shared_ptr<MetricsRegistry> metrics;
  Gauge* pending_gauge = nullptr;
};
using handshake_t = caf::stateful_actor<handshake_state>;

size_t pending_count(const handshake_state& st) { return st.inbound.size() + st.outbound.size(); }

void count_failure(handshake_t* self, const char* direction, const std::string& reason) {
  auto& st = self->state;
  st.stats.failures[reason]++;
  st.metrics->counter("ssu2_handshake_failures_total", "Handshakes that did not complete",
                      {{"direction", direction}, {"reason", reason}}).inc();
}

void count_established(handshake_t* self, const char* direction) {
  self->state.metrics->counter("ssu2_handshakes_established_total", "Handshakes completed",
                               {{"direction", direction}}).inc();
}

void send_all(handshake_t* self, std::vector<hs::Datagram> out) {
  auto& st = self->state;
  if (!st.socket) return;
  for (auto& d : out)
    self->send(st.socket, send_atom::value,
               send_request{udp::to_endpoint(d.to),
                            std::vector<uint8_t>(d.bytes.begin(), d.bytes.end())});
}

void arm_timer(handshake_t* self) {
  auto& st = self->state;
  st.pending_gauge->set(int64_t(pending_count(st)));
  std::optional<ssu2::TimePoint> next;
  auto consider = [&](std::optional<ssu2::TimePoint> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  for (auto& [id, m] : st.inbound) consider(m->next_deadline());
  for (auto& [id, o] : st.outbound) consider(o.machine->next_deadline());
  if (!next || (st.armed && *st.armed <= *next)) return;
  st.armed = *next;
  auto delay = std::max(*next - steady_now(), ssu2::Millis{1});
  self->delayed_send(self, delay, tick_atom::value, int64_t(next->count()));
}

caf::actor spawn_session(handshake_t* self, hs::SessionContext ctx) {
  auto& st = self->state;
  SessionActorOptions so;
  so.socket = st.socket;
  so.manager = st.opts.manager;
  so.handshake = caf::actor_cast<caf::actor>(self);
  so.nat = st.opts.nat;
  so.metrics = st.metrics;
  so.path.sender = st.opts.sender;
  so.path.inbox = make_session_inbox(st.metrics, st.opts.session_inbox);
  auto inbox = so.path.inbox;
  router_hash h = to_router_hash(ctx.peer_hash);
  uint64_t conn = ctx.our_conn_id;
  bool outbound = ctx.outbound;
  so.context = std::move(ctx);
  auto session = spawn_session_actor(self->system(), std::move(so));
  self->monitor(session);
  // A live session for the same router in the same direction belongs to a previous
  // connection (the peer restarted or lost it): the new one replaces it. In the other
  // direction it is a crossed connect (both sides dialled at once): both sessions stay
  // valid and are kept, since terminating "the old one" on both ends would kill both; the
  // manager routes through the newest and the other one idles out.
  if (auto it = st.sessions.find(h); it != st.sessions.end() && it->second.actor != session &&
                                     it->second.outbound == outbound)
    caf::anon_send(it->second.actor, terminate_atom::value,
                   uint8_t(ssu2::wire::TerminationReason::ReplacedByNewSession));
  st.sessions[h] = handshake_state::Live{session, outbound};
  st.by_conn[conn] = session;
  caf::anon_send(st.socket, register_session_atom::value, conn, session, std::move(inbox));
  return session;
}

void finish_outbound(handshake_t* self, uint64_t id) {
  auto& st = self->state;
  auto it = st.outbound.find(id);
  if (it == st.outbound.end()) return;
  auto& o = it->second;
  send_all(self, o.machine->take_outgoing());
  if (!o.machine->done()) return;
  st.stats.retries_received += o.machine->stats().retries;
  caf::anon_send(st.socket, unregister_ep_atom::value, o.peer);
  if (auto ctx = o.machine->take_session()) {
    if (ctx->token_received)
      st.tokens.store(ctx->peer_hash, ctx->peer, *ctx->token_received);
    spawn_session(self, std::move(*ctx));  // re-registers our conn id to the session
    st.stats.established_outbound++;
    count_established(self, "outbound");
    log().info("handshake: connected to {} at {}", to_string(o.hash), to_string(o.peer));
    for (auto& rp : o.waiting) rp.deliver(o.hash);
  } else {
    caf::anon_send(st.socket, unregister_atom::value, id);
    std::string reason = "unknown";
    if (const auto& f = o.machine->failed()) {
      reason = std::string(hs::to_string(f->reason));
      if (f->peer_reason) reason += std::string(" (") + ssu2::wire::to_string(*f->peer_reason) + ")";
      count_failure(self, "outbound", std::string(hs::to_string(f->reason)));
    }
    log().info("handshake: connect to {} failed: {}", to_string(o.hash), reason);
    for (auto& rp : o.waiting) rp.deliver(make_error(node_errc::handshake_failed, reason));
  }
  st.outbound_by_ep.erase(o.peer);
  st.outbound_by_hash.erase(o.hash);
  st.outbound.erase(it);
}

void finish_inbound(handshake_t* self, uint64_t id) {
  auto& st = self->state;
  auto it = st.inbound.find(id);
  if (it == st.inbound.end()) return;
  auto& m = *it->second;
  send_all(self, m.take_outgoing());
  if (!m.done()) return;
  if (auto ctx = m.take_session()) {
    log().info("handshake: accepted {} from {}", to_string(to_router_hash(ctx->peer_hash)),
               to_string(udp::to_endpoint(ctx->peer)));
    spawn_session(self, std::move(*ctx));
    st.stats.established_inbound++;
    count_established(self, "inbound");
  } else if (const auto& f = m.failed()) {
    count_failure(self, "inbound", std::string(hs::to_string(f->reason)));
  }
  st.inbound.erase(it);
}

void on_new_inbound(handshake_t* self, const hs::Endpoint& from, datagram& d) {
  auto& st = self->state;
  auto out = st.listener->on_datagram(steady_now(), wall_s(), from, d.bytes);
  send_all(self, std::move(out.replies));
  if (!out.handshake) return;
  if (pending_count(st) >= st.opts.max_pending) {
    count_failure(self, "inbound", "limit");  // Session Created is never sent
    return;
  }
  uint64_t id = out.handshake->our_conn_id();
  st.inbound[id] = std::move(out.handshake);
  finish_inbound(self, id);
}

// A datagram that matched no connection ID, classified (transport/handshake/route.hpp): to
// the nat actor (Peer Test, Hole Punch) or the listener (Token / Session Request, junk).
void on_unsolicited(handshake_t* self, hs::Route route, const hs::Endpoint& from, datagram& d) {
  auto& st = self->state;
  if (route == hs::Route::nat && st.opts.nat)
    self->send(st.opts.nat, nat_packet_atom::value, std::move(d));
  else if (route != hs::Route::outbound)
    on_new_inbound(self, from, d);
}

void on_datagram(handshake_t* self, datagram& d) {
  auto& st = self->state;
  auto from = udp::to_address(d.from);
  if (!from) return;
  auto now = steady_now();
  const auto& our_key = st.opts.local->intro_key;
  if (auto it = st.inbound.find(d.conn_id); it != st.inbound.end()) {
    it->second->on_datagram(now, wall_s(), *from, d.bytes);
    finish_inbound(self, d.conn_id);
  } else if (auto o = st.outbound.find(d.conn_id); o != st.outbound.end()) {
    o->second.machine->on_datagram(now, wall_s(), *from, d.bytes);
    finish_outbound(self, d.conn_id);
  } else if (auto s = st.by_conn.find(d.conn_id); s != st.by_conn.end()) {
    // Raced with the session's registration at the socket.
    self->send(s->second, inbound_atom::value, std::move(d));
    return;
  } else if (auto e = st.outbound_by_ep.find(d.from); e != st.outbound_by_ep.end()) {
    // Session Created / Retry for our pending connect (masked with the peer's intro key, so
    // d.conn_id is noise), or, in a crossed connect, the peer's own Token / Session Request
    // or a Peer Test: the outbound machine sees it first and takes only what authenticates.
    uint64_t id = e->second;
    auto route = hs::route_from_pending_peer(*st.outbound[id].machine, now, wall_s(), *from,
                                             d.bytes, our_key, st.opts.config.net_id);
    finish_outbound(self, id);
    on_unsolicited(self, route, *from, d);
  } else {
    on_unsolicited(self, hs::classify_unsolicited(d.bytes, our_key, st.opts.config.net_id),
                   *from, d);
  }
  arm_timer(self);
}

caf::result<router_hash> connect(handshake_t* self, const std::vector<uint8_t>& bytes) {
  auto& st = self->state;
  hs::RemoteRouter remote;
  if (auto err = remote_router_from_bytes(bytes, st.opts.config.net_id, remote); !err.empty())
    return make_error(node_errc::bad_request, err);
  router_hash h = to_router_hash(remote.router_hash);
  if (remote.router_hash == st.opts.local->router_hash)
    return make_error(node_errc::bad_request, "that RouterInfo is our own");
  if (st.sessions.count(h)) return h;
  auto rp = self->make_response_promise<router_hash>();
  if (auto p = st.outbound_by_hash.find(h); p != st.outbound_by_hash.end()) {
    st.outbound[p->second].waiting.push_back(rp);
    return rp;
  }
  if (!st.socket) return make_error(node_errc::not_available, "no socket");
  if (pending_count(st) >= st.opts.max_pending) {
    count_failure(self, "outbound", "limit");
    return make_error(node_errc::limit, "too many pending handshakes");
  }
  endpoint peer = udp::to_endpoint(remote.address);
  if (st.outbound_by_ep.count(peer))
    return make_error(node_errc::limit, "a handshake with " + to_string(peer) + " is pending");
  auto token = st.tokens.take(remote.router_hash, remote.address, wall_s());
  st.stats.outbound_started++;
  if (token) st.stats.outbound_with_token++;
  auto m = std::make_unique<hs::OutboundHandshake>(st.opts.config, st.opts.local,
                                                   std::move(remote), token);
  uint64_t id = m->our_conn_id();
  // Registered before the first datagram leaves, so the answers find us.
  auto me = caf::actor_cast<caf::actor>(self);
  caf::anon_send(st.socket, register_atom::value, id, me);
  caf::anon_send(st.socket, register_ep_atom::value, peer, me);
  auto& o = st.outbound[id];
  o.machine = std::move(m);
  o.peer = peer;
  o.hash = h;
  o.waiting.push_back(rp);
  st.outbound_by_ep[peer] = id;
  st.outbound_by_hash[h] = id;
  o.machine->start(steady_now(), wall_s());
  finish_outbound(self, id);
  arm_timer(self);
  return rp;
}

void on_tick(handshake_t* self, int64_t deadline) {
  auto& st = self->state;
  if (st.armed && st.armed->count() == deadline) st.armed.reset();
  auto now = steady_now();
  std::vector<uint64_t> in_ids, out_ids;
  for (auto& [id, m] : st.inbound)
    if (auto d = m->next_deadline(); d && *d <= now) in_ids.push_back(id);
  for (auto& [id, o] : st.outbound)
    if (auto d = o.machine->next_deadline(); d && *d <= now) out_ids.push_back(id);
  for (auto id : in_ids) {
    st.inbound[id]->on_timer(now, wall_s());
    finish_inbound(self, id);
  }
  for (auto id : out_ids) {
    st.outbound[id].machine->on_timer(now, wall_s());
    finish_outbound(self, id);
  }
  arm_timer(self);
}

handshake_stats stats_of(handshake_state& st) {
  auto s = st.stats;
  s.pending_inbound = st.inbound.size();
  s.pending_outbound = st.outbound.size();
  s.tokens_cached = st.tokens.size();
  s.sessions = st.by_conn.size();
  s.connected = st.sessions.size();
  for (auto& [id, o] : st.outbound) s.retries_received += o.machine->stats().retries;
  return s;
}

// Tells every live session to terminate and answers when all confirmed (bounded).
caf::result<uint64_t> shutdown(handshake_t* self) {
  auto& st = self->state;
  for (auto& [id, o] : st.outbound)
    for (auto& rp : o.waiting) rp.deliver(make_error(node_errc::handshake_failed, "shutdown"));
  for (auto& [id, o] : st.outbound) {
    caf::anon_send(st.socket, unregister_atom::value, id);
    caf::anon_send(st.socket, unregister_ep_atom::value, o.peer);
  }
  st.outbound.clear();
  st.outbound_by_ep.clear();
  st.outbound_by_hash.clear();
  st.inbound.clear();
  auto rp = self->make_response_promise<uint64_t>();
  uint64_t total = st.by_conn.size();
  if (total == 0) {
    rp.deliver(uint64_t{0});
    return rp;
  }
  auto left = std::make_shared<uint64_t>(total);
  auto done = [rp, left, total]() mutable {
    if (--*left == 0) rp.deliver(total);
  };
  for (auto& [id, s] : st.by_conn)
    self->request(s, std::chrono::seconds(2), terminate_atom::value,
                  uint8_t(ssu2::wire::TerminationReason::RouterShutdown))
        .then([done](bool) mutable { done(); }, [done](caf::error&) mutable { done(); });
  return rp;
}

caf::behavior handshake_actor(handshake_t* self, HandshakeActorOptions opts) {
  auto& st = self->state;
  st.metrics = opts.metrics ? opts.metrics : std::make_shared<MetricsRegistry>();
  st.pending_gauge = &st.metrics->gauge("ssu2_pending_handshakes", "Handshakes in progress");
  auto local_hash = opts.local->router_hash;
  if (!opts.config.accept_router)
    opts.config.accept_router = [local_hash](const ssu2::i2p::RouterInfo& ri) {
      return ri.hash() != local_hash;  // never a session with ourselves
    };
  st.opts = std::move(opts);
  st.listener = std::make_unique<hs::InboundListener>(st.opts.config, st.opts.local);

  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto it = st.by_conn.begin(); it != st.by_conn.end();)
      it = it->second.address() == dm.source ? st.by_conn.erase(it) : std::next(it);
    for (auto it = st.sessions.begin(); it != st.sessions.end();)
      it = it->second.actor.address() == dm.source ? st.sessions.erase(it) : std::next(it);
  });
  // Sessions are not linked (one failing must not take the others down), so a stopping
  // handshake actor takes them with it explicitly.
  self->set_exit_handler([self](caf::exit_msg& m) {
    for (auto& [id, s] : self->state.by_conn) self->send_exit(s, m.reason);
    for (auto& [id, o] : self->state.outbound)
      for (auto& rp : o.waiting) rp.deliver(make_error(node_errc::handshake_failed, "shutdown"));
    self->state.outbound.clear();
    self->quit(m.reason);
  });

  return {
    [self](set_socket_atom, caf::actor socket) { self->state.socket = std::move(socket); },
    [self](inbound_atom, datagram& d) { on_datagram(self, d); },
    [self](connect_atom, std::vector<uint8_t>& bytes) { return connect(self, bytes); },
    [self](new_token_atom, router_hash& h, endpoint& ep, uint64_t value, uint32_t expires) {
      auto addr = udp::to_address(ep);
      if (!addr) return;
      ssu2::crypto::Hash32 key;
      std::copy(h.bytes.begin(), h.bytes.end(), key.begin());
      self->state.tokens.store(key, *addr, hs::Token{value, expires});
      self->state.stats.new_tokens_received++;
    },
    [self](closed_atom, router_hash& h, std::string&) {
      auto& st = self->state;
      auto it = st.sessions.find(h);
      if (it != st.sessions.end() &&
          it->second.actor.address() == caf::actor_cast<caf::actor_addr>(self->current_sender()))
        st.sessions.erase(it);
    },
    [self](tick_atom, int64_t deadline) { on_tick(self, deadline); },
    [self](handshake_stats_atom) { return stats_of(self->state); },
    [self](shutdown_atom) { return shutdown(self); },
    [self](send_failed_atom, send_failure& f) {
      self->state.metrics->counter("ssu2_handshake_send_failures_total",
                                   "Handshake datagrams the socket could not send").inc();
      log().debug("handshake: send to {} failed: {}", to_string(f.to), f.reason);
    },
  };
}

}  // namespace

caf::actor spawn_handshake_actor(caf::actor_system& sys, HandshakeActorOptions opts) {
  return sys.spawn(handshake_actor, std::move(opts));
}

}  // namespace ssu2d
