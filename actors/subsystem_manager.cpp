#include "actors/subsystem_manager.hpp"

#include <chrono>
#include <cstring>
#include <map>

#include "actors/support/clock.hpp"
#include "actors/support/logging.hpp"
#include "transport/handshake/types.hpp"
#include "transport/i2p/i2np.hpp"
#include "transport/i2p/lookup.hpp"
#include "transport/session/duplicate.hpp"
#include "transport/session/transmission.hpp"

namespace ssu2d {

namespace {

struct Entry {
  managed_session_actor session;
  std::string remote;
  caf::actor_clock::time_point since;  // the actor's clock
  uint64_t i2np_in = 0, i2np_out = 0;
};

// Outbound I2NP waiting for a session that is being connected on demand.
struct Waiting {
  std::vector<uint8_t> bytes;
  bool confirm = false;
  caf::response_promise rp;  // answered with bool or delivery_report, as the session would
};

// Bounds of the on-demand path: RouterInfos remembered, messages held per connecting peer.
constexpr size_t kMaxRouterInfos = 4096;
constexpr size_t kMaxWaitingPerPeer = 512;
constexpr auto kConnectTimeout = std::chrono::seconds(30);

struct manager_state {
  static inline const char* name = "ssu2d.subsystem_manager";
  SubsystemOptions opts;
  std::map<router_hash, Entry> table;
  std::map<router_hash, std::vector<uint8_t>> router_infos;  // verified, by hash
  std::map<router_hash, std::vector<Waiting>> waiting;       // connect in progress
  connector_actor handshake;
  std::vector<i2np_listener_actor> listeners;
  std::shared_ptr<MetricsRegistry> metrics;
  Gauge* connected = nullptr;
  Counter* in = nullptr;
  Counter* out = nullptr;
  Counter* no_route = nullptr;
  Counter* lookups_answered = nullptr;
  // Messages a peer already gave us over an earlier session (a replaced session's
  // unacknowledged ones, moved to the new one): dropped here, once per router.
  std::optional<ssu2::session::RecentMessages> recent;
  Gauge* recent_size = nullptr;
  Counter *duplicates = nullptr, *rerouted = nullptr, *not_rerouted = nullptr;
};
using manager_t = caf::stateful_actor<manager_state, subsystem_manager_actor::base>;

session_info info_of(const router_hash& h, const Entry& e, caf::actor_clock::time_point now) {
  session_info s;
  s.peer = h;
  s.remote = e.remote;
  s.state = "established";
  s.established_ms_ago = uint64_t(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - e.since).count());
  s.i2np_in = e.i2np_in;
  s.i2np_out = e.i2np_out;
  return s;
}

// Remembers a peer's RouterInfo (signature checked) for on-demand connects.
void remember_router_info(manager_state& st, const std::vector<uint8_t>& bytes) {
  auto ri = ssu2::i2p::RouterInfo::parse(ssu2::ByteSpan(bytes.data(), bytes.size()));
  if (!ri || !ri->verify()) return;
  router_hash h;
  auto id = ri->hash();
  std::copy(id.begin(), id.end(), h.bytes.begin());
  if (h == st.opts.local_hash) return;
  if (!st.router_infos.count(h) && st.router_infos.size() >= kMaxRouterInfos)
    st.router_infos.erase(st.router_infos.begin());
  st.router_infos[h] = bytes;
}

// A DatabaseStore carrying a RouterInfo teaches us how to reach that router.
void learn_from_store(manager_state& st, const i2np_message& m) {
  auto msg = ssu2::i2p::decode_short(ssu2::ByteSpan(m.bytes.data(), m.bytes.size()));
  if (!msg || msg->type != ssu2::i2p::MessageType::DatabaseStore) return;
  auto store = ssu2::i2p::parse_database_store(
      ssu2::ByteSpan(msg->payload.data(), msg->payload.size()));
  if (!store) return;
  auto bytes = store->router_info.serialize();
  if (bytes) remember_router_info(st, std::vector<uint8_t>(bytes->begin(), bytes->end()));
}

void hand_to_session(manager_t* self, const managed_session_actor& session, Waiting& w) {
  if (w.confirm) w.rp.delegate(session, deliver_atom::value, std::move(w.bytes), confirm_atom::value);
  else w.rp.delegate(session, deliver_atom::value, std::move(w.bytes));
}

// To the peer's session; its answer (bool, or delivery_report) is the caller's.
template <class R>
caf::result<R> to_session(manager_t* self, Entry& e, std::vector<uint8_t>&& bytes) {
  if constexpr (std::is_same_v<R, delivery_report>)
    return self->delegate(e.session, deliver_atom::value, std::move(bytes), confirm_atom::value);
  else
    return self->delegate(e.session, deliver_atom::value, std::move(bytes));
}

// Outbound I2NP: straight to the session (its answer goes to the requester), or held while
// the handshake actor connects to a router whose RouterInfo we know. `R` is the answer the
// session gives: bool, or delivery_report with feedback.
template <class R>
caf::result<R> route(manager_t* self, i2np_message& m) {
  constexpr bool confirm = std::is_same_v<R, delivery_report>;
  auto& st = self->state;
  auto it = st.table.find(m.peer);
  if (it != st.table.end()) {
    st.out->inc();
    it->second.i2np_out++;
    return to_session<R>(self, it->second, std::move(m.bytes));
  }
  auto ri = st.router_infos.find(m.peer);
  if (!st.handshake || ri == st.router_infos.end()) {
    st.no_route->inc();
    return make_error(node_errc::no_session, "no session with " + to_string(m.peer));
  }
  auto& queue = st.waiting[m.peer];
  if (queue.size() >= kMaxWaitingPerPeer)
    return make_error(node_errc::queue_full, "connecting to " + to_string(m.peer));
  bool first = queue.empty();
  auto rp = self->make_response_promise();  // answered by the session (hand_to_session)
  queue.push_back(Waiting{std::move(m.bytes), confirm, rp});
  if (first) {
    router_hash h = m.peer;
    self->request(st.handshake, kConnectTimeout, connect_atom::value, ri->second)
        .then([](const router_hash&) { /* the session's established message flushes */ },
              [self, h](caf::error& err) {
                auto w = self->state.waiting.find(h);
                if (w == self->state.waiting.end()) return;
                for (auto& x : w->second) x.rp.deliver(err);
                self->state.waiting.erase(w);
              });
  }
  return rp;
}

// A message an ending session did not deliver: over the peer's current session if there is
// one (that session's closed_atom came first, so the entry is never the sender), else it
// fails as it would have in the session. No connect: the peer just ended a session.
template <class R>
caf::result<R> reroute(manager_t* self, i2np_message& m) {
  auto& st = self->state;
  auto it = st.table.find(m.peer);
  if (it == st.table.end()) {
    st.not_rerouted->inc();
    return make_error(node_errc::not_delivered,
                      ssu2::session::to_string(ssu2::session::DeliveryFailure::session_closed));
  }
  st.rerouted->inc();
  return to_session<R>(self, it->second, std::move(m.bytes));
}

void on_inbound(manager_t* self, i2np_message& m) {
  auto& st = self->state;
  st.in->inc();
  ssu2::ByteSpan bytes(m.bytes.data(), m.bytes.size());
  if (auto id = ssu2::i2p::short_message_id(bytes)) {
    bool fresh = st.recent->first_time(steady_now(self), m.peer.bytes, *id);
    st.recent_size->set(int64_t(st.recent->size()));
    if (!fresh) {
      st.duplicates->inc();
      log().debug("manager: duplicate I2NP message {} from {} dropped", *id, to_string(m.peer));
      return;
    }
  }
  learn_from_store(st, m);
  if (auto it = st.table.find(m.peer); it != st.table.end()) {
    it->second.i2np_in++;
    auto reply = ssu2::i2p::answer_lookup_for_us(
        ssu2::ByteSpan(m.bytes.data(), m.bytes.size()), m.peer.bytes, st.opts.local_hash.bytes,
        st.opts.local_router_info.get(), ssu2::handshake::random_u32(st.opts.random), unix_now_ms(self));
    if (reply) {
      st.lookups_answered->inc();
      it->second.i2np_out++;
      // Fire and forget: nobody waits for this answer's delivery.
      caf::anon_send(it->second.session, deliver_atom::value, std::move(*reply));
    }
  }
  for (auto& l : st.listeners) self->send(l, i2np_atom::value, m);
}

void drop_entry(manager_t* self, const router_hash& h) {
  self->state.table.erase(h);
  self->state.connected->set(int64_t(self->state.table.size()));
}

// A connect by hash to a router whose RouterInfo we know (the nat actor's): plain, for an
// introducer Alice needs a session with, or asking for a relay tag (a relaytag request for
// a router we have no session with).
caf::result<router_hash> connect_known(manager_t* self, const router_hash& h, bool ask_tag) {
  auto& st = self->state;
  if (!st.handshake) return make_error(node_errc::not_available, "no handshake actor");
  auto ri = st.router_infos.find(h);
  if (ri == st.router_infos.end())
    return make_error(node_errc::unknown_session, "no session with and no RouterInfo for " + to_string(h));
  auto rp = self->make_response_promise<router_hash>();
  if (ask_tag) return rp.delegate(st.handshake, connect_atom::value, ri->second, relay_atom::value);
  return rp.delegate(st.handshake, connect_atom::value, ri->second);
}

subsystem_manager_actor::behavior_type manager(manager_t* self, SubsystemOptions opts) {
  auto& st = self->state;
  st.metrics = opts.metrics ? opts.metrics : std::make_shared<MetricsRegistry>();
  st.opts = std::move(opts);
  if (!st.opts.random) st.opts.random = ssu2::handshake::default_random();
  auto& m = *st.metrics;
  st.connected = &m.gauge("ssu2_connected_routers", "Routers with an established session");
  auto through = [&](const char* dir) {
    return &m.counter("ssu2_i2np_messages_total", "I2NP messages through the subsystem manager", {{"direction", dir}});
  };
  st.in = through("in"), st.out = through("out");
  st.no_route = &m.counter("ssu2_i2np_no_session_total", "Outbound I2NP for routers without a session");
  st.lookups_answered = &m.counter("ssu2_lookups_answered_total",
                                   "DatabaseLookups for our hash answered with our RouterInfo");
  st.duplicates = &m.counter("ssu2_i2np_dropped_total", "Inbound I2NP dropped by the subsystem manager",
                             {{"reason", "duplicate across sessions"}});
  st.recent_size = &m.gauge("ssu2_i2np_recent_ids", "Inbound I2NP message IDs remembered across sessions");
  auto left = [&](const char* outcome) {
    return &m.counter("ssu2_i2np_rerouted_total", "I2NP an ending session left undelivered", {{"outcome", outcome}});
  };
  st.rerouted = left("rerouted"), st.not_rerouted = left("failed");
  st.recent.emplace(steady_now(self), ssu2::handshake::random_u64(st.opts.random));

  // A session that dies without saying "closed" must not stay in the table.
  self->set_down_handler([self](caf::down_msg& dm) {
    for (auto it = self->state.table.begin(); it != self->state.table.end();) {
      if (it->second.session.address() == dm.source) it = self->state.table.erase(it);
      else ++it;
    }
    self->state.connected->set(int64_t(self->state.table.size()));
  });

  return {
    [self](established_atom, router_hash& h, managed_session_actor session, std::string& remote) {
      auto& st = self->state;
      if (!st.table.count(h) && st.table.size() >= st.opts.max_sessions) {
        log().warn("manager: session limit {} reached, refusing {}", st.opts.max_sessions,
                   to_string(h));
        return false;
      }
      self->monitor(session);
      if (auto w = st.waiting.find(h); w != st.waiting.end()) {
        for (auto& x : w->second) hand_to_session(self, session, x);
        st.waiting.erase(w);
      }
      st.table[h] = Entry{std::move(session), std::move(remote), self->clock().now()};
      st.connected->set(int64_t(st.table.size()));
      log().info("manager: established {}", to_string(h));
      return true;
    },
    [self](closed_atom, router_hash& h, std::string& reason) {
      auto it = self->state.table.find(h);
      bool existed = it != self->state.table.end();
      // A session replaced by a newer one for the same router reports its close late;
      // it must not remove the newer entry (anonymous closes are trusted as before).
      auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
      if (existed && sender && it->second.session.address() != sender) return false;
      drop_entry(self, h);
      log().info("manager: closed {} ({})", to_string(h), reason);
      return existed;
    },
    [self](i2np_atom, i2np_message& m) { on_inbound(self, m); },
    [self](route_atom, i2np_message& m) { return route<bool>(self, m); },
    [self](reroute_atom, i2np_message& m) { return reroute<bool>(self, m); },
    [self](reroute_atom, i2np_message& m, confirm_atom) { return reroute<delivery_report>(self, m); },
    [self](route_atom, i2np_message& m, confirm_atom) { return route<delivery_report>(self, m); },
    [self](handshake_atom, connector_actor hs) { self->state.handshake = std::move(hs); },
    [self](router_info_atom, std::vector<uint8_t>& bytes) {
      remember_router_info(self->state, bytes);
    },
    [self](router_info_atom, const router_hash& h) -> caf::result<std::vector<uint8_t>> {
      auto it = self->state.router_infos.find(h);
      if (it != self->state.router_infos.end()) return it->second;
      return make_error(node_errc::unknown_session, "no RouterInfo for " + to_string(h));
    },
    [self](connect_atom, std::vector<uint8_t>& bytes) -> caf::result<router_hash> {
      if (!self->state.handshake)
        return make_error(node_errc::not_available, "no handshake actor");
      remember_router_info(self->state, bytes);
      return self->make_response_promise<router_hash>().delegate(
          self->state.handshake, connect_atom::value, std::move(bytes));
    },
    [self](connect_atom, const router_hash& h) { return connect_known(self, h, false); },
    [self](connect_atom, const router_hash& h, relay_atom) { return connect_known(self, h, true); },
    [self](listen_atom, i2np_listener_actor who) { self->state.listeners.push_back(std::move(who)); },
    // Every session actor reports its own transport state (RTT, window, bytes, direction);
    // one that does not answer within a second is listed with the table's view.
    [self](sessions_atom) -> caf::result<session_list> {
      auto rp = self->make_response_promise<session_list>();
      auto& table = self->state.table;
      if (table.empty()) {
        rp.deliver(session_list{});
        return rp;
      }
      auto out = std::make_shared<session_list>();
      auto left = std::make_shared<size_t>(table.size());
      for (auto& [h, e] : table) {
        auto fallback = info_of(h, e, self->clock().now());
        auto done = [rp, out, left](session_info s) mutable {
          out->sessions.push_back(std::move(s));
          if (--*left == 0) rp.deliver(std::move(*out));
        };
        self->request(e.session, std::chrono::seconds(1), session_atom::value)
            .then([done, fallback](session_info& s) mutable {
                    if (s.remote.empty()) s.remote = fallback.remote;
                    done(std::move(s));
                  },
                  [done, fallback](caf::error&) mutable { done(fallback); });
      }
      return rp;
    },
    // The count alone (status): the table's size, without asking every session actor.
    [self](session_count_atom) { return uint64_t(self->state.table.size()); },
    [self](session_atom, router_hash& h) -> caf::result<session_info> {
      auto it = self->state.table.find(h);
      if (it == self->state.table.end())
        return make_error(node_errc::unknown_session, to_string(h));
      // The session actor knows its transport state (RTT, window, drops, ...).
      return self->delegate(it->second.session, session_atom::value);
    },
    [self](disconnect_atom, router_hash& h) -> caf::result<bool> {
      auto it = self->state.table.find(h);
      if (it == self->state.table.end())
        return make_error(node_errc::unknown_session, to_string(h));
      // The session terminates itself and then reports closed (or dies and is forgotten).
      self->send(it->second.session, disconnect_atom::value);
      return true;
    },
  };
}

}  // namespace

subsystem_manager_actor spawn_subsystem_manager(caf::actor_system& sys, SubsystemOptions opts) {
  return sys.spawn(manager, std::move(opts));
}

}  // namespace ssu2d
