#include "transport/handshake/endpoint.hpp"

#include <algorithm>

#include "transport/handshake/route.hpp"

namespace ssu2::handshake {

EndpointLimits EndpointLimits::for_sessions(size_t max_sessions, size_t max_pending) {
  EndpointLimits l;
  l.max_sessions = max_sessions;
  l.max_pending = max_pending;
  l.tokens.max_new_tokens = std::max<size_t>(1024, 2 * max_sessions);
  // Retry tokens live seconds; room for many times the handshakes that can be in flight.
  l.tokens.max_retry_tokens = std::max<size_t>(65536, 64 * max_pending);
  l.token_cache = std::max<size_t>(4096, 2 * max_sessions);
  return l;
}

HandshakeEndpoint::HandshakeEndpoint(Config cfg, std::shared_ptr<const LocalIdentity> local,
                                     EndpointLimits limits, RandomFn rng)
    : cfg_(std::move(cfg)),
      local_(std::move(local)),
      limits_(limits),
      rng_(std::move(rng)),
      listener_(cfg_, local_, rng_, limits_.tokens, limits_.admission),
      cache_(limits_.token_cache) {}

void HandshakeEndpoint::update_router_info(Bytes ri) {
  if (ri.empty()) return;
  auto next = std::make_shared<LocalIdentity>(*local_);
  next->router_info = std::move(ri);
  local_ = std::move(next);
  listener_.set_local(local_);
}

Routed HandshakeEndpoint::on_datagram(const Now& now, const Address& from, uint64_t conn_id,
                                      ByteSpan datagram) {
  if (auto it = pending_.find(conn_id); it != pending_.end()) {
    if (it->second.in)
      it->second.in->on_datagram(now, from, datagram);
    else
      it->second.out->on_datagram(now, from, datagram);
    settle(now.mono, conn_id);
    return {};
  }
  if (sessions_.count(conn_id)) return {Disposition::to_session, conn_id};
  const auto& key = local_->intro_key;
  Route route;
  if (auto o = outbound_by_peer_.find(from); o != outbound_by_peer_.end()) {
    // Session Created / Retry for our pending connect, or in a crossed connect the peer's
    // own Token / Session Request or a Peer Test: route.hpp explains the order.
    uint64_t id = o->second;
    route = route_from_pending_peer(*pending_.at(id).out, now, from, datagram, key, cfg_.net_id);
    settle(now.mono, id);
  } else {
    route = classify_unsolicited(datagram, key, cfg_.net_id);
  }
  if (route == Route::nat) return {Disposition::to_nat, 0};
  if (route == Route::listener) listen(now, from, conn_id, datagram);
  return {};
}

void HandshakeEndpoint::listen(const Now& now, const Address& from, uint64_t conn_id,
                               ByteSpan datagram) {
  // The room is decided here, before the listener spends anything on a Session Request.
  // A Session Request's Destination Connection ID is Alice's choice; one we already use went
  // to its handshake or session above (conn_id is the same ID), so the check after accept()
  // only guards that invariant.
  auto out = listener_.on_datagram(now, from, datagram, this);
  emit(std::move(out.replies));
  if (!out.handshake) return;
  uint64_t id = out.handshake->our_conn_id();
  if (pending_.count(id) || sessions_.count(id)) {
    ++counters_.dropped_conn_id_in_use;
    return;
  }
  auto& p = pending_[id];
  p.peer = from;
  p.in = std::move(out.handshake);
  p.since = now.mono;
  ++pending_inbound_;
  listener_.admission().pending_started(from);
  settle(now.mono, id);
}

Room HandshakeEndpoint::room_for(const Address& from) {
  if (open_sessions_ + pending_inbound_ >= limits_.max_sessions) return Room::sessions_full;
  if (pending_.size() < limits_.max_pending) return Room::yes;
  // Full: the busiest prefix gives up its oldest pending inbound handshake, if it holds at
  // least two slots more than the newcomer's prefix. O(max_pending), only when full.
  std::map<Prefix, std::pair<uint32_t, uint64_t>> held;  // prefix -> (slots, oldest id)
  for (auto& [id, p] : pending_) {
    if (!p.in) continue;
    auto& [n, oldest] = held[Prefix::of(p.peer)];
    if (n++ == 0 || p.since < pending_.at(oldest).since) oldest = id;
  }
  auto own = held.find(Prefix::of(from));
  uint32_t mine = own == held.end() ? 0 : own->second.first;
  auto busiest = std::max_element(held.begin(), held.end(), [](const auto& a, const auto& b) {
    return a.second.first < b.second.first;
  });
  if (busiest == held.end() || busiest->second.first < mine + 2) return Room::pending_full;
  drop_pending(pending_.find(busiest->second.second));
  ++counters_.evicted_pending;
  return Room::yes;
}

ConnectResult HandshakeEndpoint::connect(const Now& now, RemoteRouter remote,
                                         ConnectOptions opts) {
  ConnectResult r;
  auto refuse = [&](ConnectResult::Code code, std::string why) {
    r.kind = ConnectResult::Kind::refused;
    r.code = code;
    r.reason = std::move(why);
    return r;
  };
  if (remote.router_hash == local_->router_hash)
    return refuse(ConnectResult::Code::bad_request, "that RouterInfo is our own");
  if (newest_.count(remote.router_hash)) {
    r.kind = ConnectResult::Kind::connected;
    return r;
  }
  if (auto p = outbound_by_router_.find(remote.router_hash); p != outbound_by_router_.end()) {
    r.kind = ConnectResult::Kind::joined;
    r.conn_id = p->second;
    return r;
  }
  if (pending_.size() >= limits_.max_pending)
    return refuse(ConnectResult::Code::limit, "too many pending handshakes");
  if (outbound_by_peer_.count(remote.address))
    return refuse(ConnectResult::Code::limit,
                  "a handshake with " + remote.address.to_string() + " is pending");
  auto token = cache_.take(remote.router_hash, remote.address, now.unix_s);
  ++counters_.outbound_started;
  if (token) ++counters_.outbound_with_token;
  Address peer = remote.address;
  crypto::Hash32 router = remote.router_hash;
  Config cfg = cfg_;
  cfg.request_relay_tag = cfg_.request_relay_tag || opts.request_relay_tag;
  auto m = std::make_unique<OutboundHandshake>(std::move(cfg), local_, std::move(remote), token, rng_);
  uint64_t id = m->our_conn_id();
  if (pending_.count(id) || sessions_.count(id))
    return refuse(ConnectResult::Code::limit, "connection ID collision, try again");
  auto& p = pending_[id];
  p.since = now.mono;
  p.out = std::move(m);
  p.peer = peer;
  p.router = router;
  outbound_by_peer_[peer] = id;
  outbound_by_router_[router] = id;
  events_.push_back(OutboundStarted{id, peer});  // before the first datagram is polled
  p.out->start(now);
  settle(now.mono, id);
  r.kind = ConnectResult::Kind::started;
  r.conn_id = id;
  return r;
}

void HandshakeEndpoint::on_timeout(const Now& now) {
  std::vector<uint64_t> due;
  for (auto& [t, id] : deadlines_) {
    if (t > now.mono) break;
    due.push_back(id);
  }
  for (uint64_t id : due) {
    auto it = pending_.find(id);
    if (it == pending_.end()) continue;
    if (it->second.in)
      it->second.in->on_timer(now);
    else
      it->second.out->on_timer(now);
    settle(now.mono, id);
  }
}

std::optional<TimePoint> HandshakeEndpoint::poll_timeout() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

std::optional<Event> HandshakeEndpoint::poll_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<Datagram> HandshakeEndpoint::poll_transmit() {
  if (transmits_.empty()) return std::nullopt;
  Datagram d = std::move(transmits_.front());
  transmits_.pop_front();
  return d;
}

void HandshakeEndpoint::emit(std::vector<Datagram> out) {
  for (auto& d : out) transmits_.push_back(std::move(d));
}

void HandshakeEndpoint::settle(TimePoint now, uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  auto& p = it->second;
  if (p.deadline) deadlines_.erase({*p.deadline, id});
  bool done;
  if (p.in) {
    emit(p.in->take_outgoing());
    done = p.in->done();
    p.deadline = done ? std::nullopt : p.in->next_deadline();
  } else {
    emit(p.out->take_outgoing());
    done = p.out->done();
    p.deadline = done ? std::nullopt : p.out->next_deadline();
  }
  if (!done) {
    if (p.deadline) deadlines_.insert({*p.deadline, id});
    return;
  }
  HandshakeDone ev;
  ev.conn_id = id;
  ev.outbound = p.out != nullptr;
  ev.peer = p.peer;
  ev.router = p.router;
  std::optional<SessionContext> ctx = p.in ? p.in->take_session() : p.out->take_session();
  if (ctx) {
    established(now, id, p, std::move(*ctx), ev);
  } else {
    const auto& f = p.in ? p.in->failed() : p.out->failed();
    ev.failure = f;
    ev.reason = f ? std::string(to_string(f->reason)) : "unknown";
    if (f && f->peer_reason) ev.reason += std::string(" (") + wire::to_string(*f->peer_reason) + ")";
  }
  drop_pending(it);
  events_.push_back(std::move(ev));
}

void HandshakeEndpoint::established(TimePoint now, uint64_t id, Pending& p, SessionContext ctx,
                                    HandshakeDone& ev) {
  if (p.out) {
    counters_.retries_received += p.out->stats().retries;
    ++counters_.established_outbound;
    if (ctx.token_received) cache_.store(ctx.peer_hash, ctx.peer, *ctx.token_received, 0);
  } else {
    ++counters_.established_inbound;
    if (auto o = outbound_by_router_.find(ctx.peer_hash); o != outbound_by_router_.end())
      ev.answers_connect = o->second;
  }
  ev.router = ctx.peer_hash;
  // A live session for the same router belongs to a previous connection (the peer restarted
  // or lost it) when it is in the same direction, or when it was established before this
  // handshake started: the new one replaces it. Otherwise it is a crossed connect (both sides
  // dialled at once, each handshake started before the other finished): both sessions stay
  // valid, since terminating "the old one" on both ends would kill both; the newest carries
  // new traffic and the other one idles out. (Both ends cannot see the other's session as
  // older: a handshake takes a round trip and more after its request reached the peer.)
  if (auto n = newest_.find(ctx.peer_hash); n != newest_.end()) {
    auto& old = sessions_.at(n->second);
    if (old.outbound == ctx.outbound || old.established < p.since) {
      ev.replaces = n->second;
      old.closing = true;
      --open_sessions_;
    }
  }
  newest_[ctx.peer_hash] = id;
  sessions_[id] = Live{ctx.peer_hash, ctx.outbound, false, now};
  ++open_sessions_;
  ev.session = std::move(ctx);
}

void HandshakeEndpoint::drop_pending(std::map<uint64_t, Pending>::iterator it) {
  auto& p = it->second;
  if (p.deadline) deadlines_.erase({*p.deadline, it->first});
  if (p.in) {
    --pending_inbound_;
    listener_.admission().pending_ended(p.peer);
  } else {
    outbound_by_peer_.erase(p.peer);
    outbound_by_router_.erase(p.router);
  }
  pending_.erase(it);
}

void HandshakeEndpoint::on_new_token(const Now& now, const crypto::Hash32& router,
                                     const Address& peer, Token t) {
  cache_.store(router, peer, t, now.unix_s);
  ++counters_.new_tokens_received;
}

void HandshakeEndpoint::on_session_closed(uint64_t conn_id) {
  auto it = sessions_.find(conn_id);
  if (it == sessions_.end() || it->second.closing) return;
  it->second.closing = true;
  --open_sessions_;
  if (auto n = newest_.find(it->second.router); n != newest_.end() && n->second == conn_id)
    newest_.erase(n);
}

void HandshakeEndpoint::on_session_gone(uint64_t conn_id) {
  on_session_closed(conn_id);
  sessions_.erase(conn_id);
}

void HandshakeEndpoint::shutdown() {
  while (!pending_.empty()) {
    auto it = pending_.begin();
    bool outbound = it->second.out != nullptr;
    HandshakeDone ev;
    ev.conn_id = it->first;
    ev.outbound = outbound;
    ev.peer = it->second.peer;
    ev.router = it->second.router;
    ev.reason = "shutdown";
    drop_pending(it);
    if (outbound) events_.push_back(std::move(ev));
  }
  transmits_.clear();
}

std::vector<uint64_t> HandshakeEndpoint::session_ids() const {
  std::vector<uint64_t> ids;
  ids.reserve(sessions_.size());
  for (auto& [id, s] : sessions_) ids.push_back(id);
  return ids;
}

EndpointStats HandshakeEndpoint::stats() const {
  EndpointStats s = counters_;
  s.pending_inbound = pending_inbound_;
  s.pending_outbound = pending_.size() - pending_inbound_;
  for (auto& [id, p] : pending_)
    if (p.out) s.retries_received += p.out->stats().retries;
  s.sessions = sessions_.size();
  s.open_sessions = open_sessions_;
  s.connected = newest_.size();
  s.tokens_cached = cache_.size();
  const auto& tm = listener_.tokens();
  s.retry_tokens = tm.retry_tokens().size();
  s.new_tokens = tm.new_tokens().size();
  s.tokens_evicted = tm.retry_tokens().evicted() + tm.new_tokens().evicted();
  s.admission_prefixes = listener_.admission().prefixes();
  s.replay_cache = listener_.replay_cache().size();
  s.listener = listener_.stats();
  return s;
}

}  // namespace ssu2::handshake
