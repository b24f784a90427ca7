#include "actors/subsystem_manager.hpp"

#include <chrono>
#include <cstring>
#include <map>

#include "actors/support/logging.hpp"
#include "transport/i2p/i2np.hpp"

namespace ssu2d {

namespace {

using steady = std::chrono::steady_clock;

struct Entry {
  caf::actor session;
  std::string remote;
  steady::time_point since;
  uint64_t i2np_in = 0, i2np_out = 0;
};

struct manager_state {
  static inline const char* name = "ssu2d.subsystem_manager";
  SubsystemOptions opts;
  std::map<router_hash, Entry> table;
  std::vector<caf::actor> listeners;
  std::shared_ptr<MetricsRegistry> metrics;
  Gauge* connected = nullptr;
  Counter* in = nullptr;
  Counter* out = nullptr;
  Counter* no_route = nullptr;
  Counter* lookups_answered = nullptr;
};
using manager_t = caf::stateful_actor<manager_state>;

session_info info_of(const router_hash& h, const Entry& e) {
  session_info s;
  s.peer = h;
  s.remote = e.remote;
  s.state = "established";
  s.established_ms_ago = uint64_t(
      std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - e.since).count());
  s.i2np_in = e.i2np_in;
  s.i2np_out = e.i2np_out;
  return s;
}

uint64_t unix_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

void on_inbound(manager_t* self, i2np_message& m) {
  auto& st = self->state;
  st.in->inc();
  if (auto it = st.table.find(m.peer); it != st.table.end()) {
    it->second.i2np_in++;
    auto reply = answer_lookup_for_us(m, st.opts.local_hash, st.opts.local_router_info.get(),
                                      unix_ms());
    if (reply) {
      st.lookups_answered->inc();
      it->second.i2np_out++;
      self->send(it->second.session, deliver_atom::value, std::move(*reply));
    }
  }
  for (auto& l : st.listeners) self->send(l, i2np_atom::value, m);
}

void drop_entry(manager_t* self, const router_hash& h) {
  self->state.table.erase(h);
  self->state.connected->set(int64_t(self->state.table.size()));
}

caf::behavior manager(manager_t* self, SubsystemOptions opts) {
  auto& st = self->state;
  st.metrics = opts.metrics ? opts.metrics : std::make_shared<MetricsRegistry>();
  st.opts = std::move(opts);
  auto& m = *st.metrics;
  st.connected = &m.gauge("ssu2_connected_routers", "Routers with an established session");
  st.in = &m.counter("ssu2_i2np_messages_total", "I2NP messages through the subsystem manager",
                     {{"direction", "in"}});
  st.out = &m.counter("ssu2_i2np_messages_total", "I2NP messages through the subsystem manager",
                      {{"direction", "out"}});
  st.no_route = &m.counter("ssu2_i2np_no_session_total",
                           "Outbound I2NP for routers without a session");
  st.lookups_answered = &m.counter("ssu2_lookups_answered_total",
                                   "DatabaseLookups for our hash answered with our RouterInfo");

  // A session that dies without saying "closed" must not stay in the table.
  self->set_down_handler([self](caf::down_msg& dm) {
    for (auto it = self->state.table.begin(); it != self->state.table.end();) {
      if (it->second.session.address() == dm.source) it = self->state.table.erase(it);
      else ++it;
    }
    self->state.connected->set(int64_t(self->state.table.size()));
  });

  return {
    [self](established_atom, router_hash& h, caf::actor session, std::string& remote) {
      auto& st = self->state;
      if (!st.table.count(h) && st.table.size() >= st.opts.max_sessions) {
        log().warn("manager: session limit {} reached, refusing {}", st.opts.max_sessions,
                   to_string(h));
        return false;
      }
      self->monitor(session);
      st.table[h] = Entry{std::move(session), std::move(remote), steady::now()};
      st.connected->set(int64_t(st.table.size()));
      log().info("manager: established {}", to_string(h));
      return true;
    },
    [self](closed_atom, router_hash& h, std::string& reason) {
      bool existed = self->state.table.count(h) > 0;
      drop_entry(self, h);
      log().info("manager: closed {} ({})", to_string(h), reason);
      return existed;
    },
    [self](i2np_atom, i2np_message& m) { on_inbound(self, m); },
    [self](route_atom, i2np_message& m) -> caf::result<bool> {
      auto& st = self->state;
      auto it = st.table.find(m.peer);
      if (it == st.table.end()) {
        st.no_route->inc();
        return make_error(node_errc::no_session, "no session with " + to_string(m.peer));
      }
      st.out->inc();
      it->second.i2np_out++;
      self->send(it->second.session, deliver_atom::value, std::move(m.bytes));
      return true;
    },
    [self](listen_atom, caf::actor who) { self->state.listeners.push_back(std::move(who)); },
    [self](sessions_atom) {
      session_list out;
      for (auto& [h, e] : self->state.table) out.sessions.push_back(info_of(h, e));
      return out;
    },
    [self](session_atom, router_hash& h) -> caf::result<session_info> {
      auto it = self->state.table.find(h);
      if (it == self->state.table.end())
        return make_error(node_errc::unknown_session, to_string(h));
      return info_of(h, it->second);
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

std::optional<std::vector<uint8_t>> answer_lookup_for_us(const i2np_message& in,
                                                         const router_hash& local,
                                                         const ssu2::i2p::RouterInfo* our_ri,
                                                         uint64_t now_unix_ms) {
  if (!our_ri) return std::nullopt;  // no RouterInfo yet (key store missing): nothing to send
  auto msg = ssu2::i2p::decode_short(ssu2::ByteSpan(in.bytes.data(), in.bytes.size()));
  if (!msg || msg->type != ssu2::i2p::MessageType::DatabaseLookup) return std::nullopt;
  // DatabaseLookup (i2np.rst): key(32) from(32) flags(1) [reply tunnel(4)] ...
  ssu2::Reader r(ssu2::ByteSpan(msg->payload.data(), msg->payload.size()));
  auto key = r.array<32>();
  auto from = r.array<32>();
  uint8_t flags = r.u8();
  if (!r.ok() || key != local.bytes) return std::nullopt;
  // Only direct replies: with the delivery flag (bit 0) the answer belongs in a tunnel,
  // which a transport cannot build; and the reply must go to the peer that asked.
  if ((flags & 0x01) != 0 || from != in.peer.bytes) return std::nullopt;
  auto store = ssu2::i2p::make_database_store(*our_ri, ssu2::crypto::random_u32(),
                                              now_unix_ms + 60'000);
  if (!store) return std::nullopt;
  auto bytes = ssu2::i2p::encode_short(*store);
  if (!bytes) return std::nullopt;
  return std::vector<uint8_t>(bytes->begin(), bytes->end());
}

caf::actor spawn_subsystem_manager(caf::actor_system& sys, SubsystemOptions opts) {
  return sys.spawn(manager, std::move(opts));
}

}  // namespace ssu2d
