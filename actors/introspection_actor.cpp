// The introspection actor: status and queries for ssu2ctl and the web console, answered from
// the other actors; the send test is in introspection_send_test.cpp.
#include "actors/introspection_actor.hpp"

#include "actors/introspection_state.hpp"
#include "actors/support/logging.hpp"
#include "transport/handshake/types.hpp"

#ifdef SSU2D_HAVE_CAF_OPENSSL
#include <caf/openssl/publish.hpp>
#endif

namespace ssu2d {

namespace {

constexpr auto kTimeout = std::chrono::seconds(5);

using namespace introspection_detail;

// The router a control client named, or the bad_request error that answers it.
caf::expected<router_hash> peer_named(const std::string& text) {
  router_hash h;
  if (!parse_router_hash(text, h))
    return make_error(node_errc::bad_request, "not a router hash: " + text);
  return h;
}

node_status base_status(const IntrospectionOptions& o) {
  node_status s;
  s.hash = o.hash;
  s.addresses = o.addresses;
  s.control = o.control;
  s.version = o.version;
  s.log_level = log_level_name();
  s.uptime_ms = uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - o.started)
                             .count());
  return s;
}

// Fills the session count from the manager, then delivers.
void finish_status(introspection_t* self, caf::response_promise rp, node_status s);

// Fills the pending handshake count from the handshake actor, then the sessions.
void handshake_status(introspection_t* self, caf::response_promise rp, node_status s) {
  auto& hs = self->state.opts.handshake;
  if (!hs) {
    finish_status(self, rp, std::move(s));
    return;
  }
  self->request(hs, kTimeout, handshake_stats_atom::value)
      .then(
          [self, rp, s](const handshake_stats& h) mutable {
            s.pending_handshakes = h.pending_inbound + h.pending_outbound;
            finish_status(self, rp, std::move(s));
          },
          [self, rp, s](caf::error&) mutable { finish_status(self, rp, std::move(s)); });
}

// Fills reachability from the nat actor, then delivers.
void nat_status_part(introspection_t* self, caf::response_promise rp, node_status s) {
  auto& nat = self->state.opts.nat;
  if (!nat) {
    rp.deliver(std::move(s));
    return;
  }
  self->request(nat, kTimeout, nat_status_atom::value)
      .then([rp, s](const nat_status& n) mutable {
              s.nat = n;
              rp.deliver(std::move(s));
            },
            [rp, s](caf::error&) mutable { rp.deliver(std::move(s)); });
}

void finish_status(introspection_t* self, caf::response_promise rp, node_status s) {
  auto& mgr = self->state.opts.manager;
  if (!mgr) {
    nat_status_part(self, rp, std::move(s));
    return;
  }
  self->request(mgr, kTimeout, session_count_atom::value)
      .then([self, rp, s](uint64_t n) mutable {
              s.sessions = n;
              nat_status_part(self, rp, std::move(s));
            },
            [self, rp, s](caf::error&) mutable { nat_status_part(self, rp, std::move(s)); });
}

caf::result<node_status> status(introspection_t* self) {
  auto rp = self->make_response_promise<node_status>();
  auto s = base_status(self->state.opts);
  if (self->state.bandwidth) self->state.bandwidth->fill(s);
  fill_limits(s, self->state.opts.in_limit.get(), self->state.opts.out_limit.get(), steady_now(self));
  auto& sock = self->state.opts.socket;
  if (!sock) {
    handshake_status(self, rp, std::move(s));
    return rp;
  }
  self->request(sock, kTimeout, socket_stats_atom::value)
      .then(
          [self, rp, s](const socket_stats& st) mutable {
            s.datagrams_in = st.datagrams_in;
            s.datagrams_out = st.datagrams_out;
            s.datagrams_unknown = st.unknown;
            s.bytes_in = st.bytes_in;
            s.bytes_out = st.bytes_out;
            handshake_status(self, rp, std::move(s));
          },
          [self, rp, s](caf::error&) mutable { handshake_status(self, rp, std::move(s)); });
  return rp;
}

introspection_actor::behavior_type introspection(introspection_t* self, IntrospectionOptions opts) {
  self->state.opts = std::move(opts);
  if (!self->state.opts.random) self->state.opts.random = ssu2::handshake::default_random();
  if (self->state.opts.metrics) {
    self->state.bandwidth = std::make_unique<BandwidthRates>(*self->state.opts.metrics);
    self->state.tick.arm(self, steady_now(self), tick_atom::value);
  }
  return {
    [self](tick_atom, int64_t deadline) {
      auto& st = self->state;
      st.tick.fired(deadline);
      const auto now = steady_now(self);
      if (st.bandwidth && now >= st.next_sample) {
        st.bandwidth->sample(now);
        st.next_sample = now + ssu2::Millis{1000};
      }
      if (st.bandwidth) st.tick.arm(self, st.next_sample, tick_atom::value);
    },
    [self](status_atom) { return status(self); },
    // Sent once by the node after publishing: our control endpoint with the bound port.
    [self](local_endpoints_atom, std::string& control) { self->state.opts.control = control; },
    [self](sessions_atom) -> caf::result<session_list> {
      if (!self->state.opts.manager) return session_list{};
      return self->delegate(self->state.opts.manager, sessions_atom::value);
    },
    [self](session_atom, const std::string& text) -> caf::result<session_info> {
      auto h = peer_named(text);
      if (!h) return h.error();
      if (!self->state.opts.manager) return make_error(node_errc::unknown_session, text);
      return self->delegate(self->state.opts.manager, session_atom::value, *h);
    },
    [self](metrics_atom) {
      return self->state.opts.metrics ? self->state.opts.metrics->render() : std::string{};
    },
    [self](connect_atom, std::vector<uint8_t>& ri) -> caf::result<router_hash> {
      if (!self->state.opts.manager) return make_error(node_errc::not_available, "no manager");
      return self->delegate(self->state.opts.manager, connect_atom::value, std::move(ri));
    },
    [self](send_test_atom, const std::string& text, uint32_t count, uint32_t min_size,
           uint32_t max_size) -> caf::result<send_test_result> {
      return start_send_test(self, text, count, min_size, max_size, kSendWindow);
    },
    [self](send_sequential_atom, const std::string& text, uint32_t count, uint32_t min_size,
           uint32_t max_size) -> caf::result<send_test_result> {
      return start_send_test(self, text, count, min_size, max_size, 1);
    },
    [self](handshake_stats_atom) -> caf::result<handshake_stats> {
      if (!self->state.opts.handshake)
        return make_error(node_errc::not_available, "no handshake actor");
      return self->delegate(self->state.opts.handshake, handshake_stats_atom::value);
    },
    [self](disconnect_atom, const std::string& text) -> caf::result<bool> {
      auto h = peer_named(text);
      if (!h) return h.error();
      if (!self->state.opts.manager) return make_error(node_errc::unknown_session, text);
      return self->delegate(self->state.opts.manager, disconnect_atom::value, *h);
    },
    [self](peer_test_atom, const std::string& text) -> caf::result<peer_test_result> {
      auto h = peer_named(text);
      if (!h) return h.error();
      if (!self->state.opts.nat) return make_error(node_errc::not_available, "no nat actor");
      return self->delegate(self->state.opts.nat, peer_test_atom::value, *h);
    },
    // "" asks for the level; a name sets it (the reply is the level now).
    [](log_level_atom, const std::string& level) -> caf::result<std::string> {
      if (!level.empty() && !set_log_level(level))
        return make_error(node_errc::bad_request,
                          "unknown log level \"" + level +
                              "\" (trace, debug, info, warn, error, critical, off)");
      if (!level.empty()) log().info("control: log level set to {}", log_level_name());
      return log_level_name();
    },
    [self](relay_atom, const std::string& text) -> caf::result<uint32_t> {
      auto h = peer_named(text);
      if (!h) return h.error();
      if (!self->state.opts.nat) return make_error(node_errc::not_available, "no nat actor");
      return self->delegate(self->state.opts.nat, relay_atom::value, *h);
    },
  };
}

}  // namespace

introspection_actor spawn_introspection_actor(caf::actor_system& sys, IntrospectionOptions opts) {
  return sys.spawn(introspection, std::move(opts));
}

caf::expected<uint16_t> publish_introspection(caf::actor_system& sys, const introspection_actor& actor,
                                              const std::string& host, uint16_t port, bool tls) {
  if (tls) {
#ifdef SSU2D_HAVE_CAF_OPENSSL
    return caf::openssl::publish(actor, port, host.c_str(), true);
#else
    return make_error(node_errc::not_available, "this build has no CAF OpenSSL module");
#endif
  }
  return sys.middleman().publish(actor, port, host.c_str(), true);
}

}  // namespace ssu2d
