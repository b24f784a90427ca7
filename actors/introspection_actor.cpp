#include "actors/introspection_actor.hpp"

#ifdef SSU2D_HAVE_CAF_OPENSSL
#include <caf/openssl/publish.hpp>
#endif

namespace ssu2d {

namespace {

constexpr auto kTimeout = std::chrono::seconds(5);

struct introspection_state {
  static inline const char* name = "ssu2d.introspection";
  IntrospectionOptions opts;
};
using introspection_t = caf::stateful_actor<introspection_state>;

node_status base_status(const IntrospectionOptions& o) {
  node_status s;
  s.hash = o.hash;
  s.addresses = o.addresses;
  s.control = o.control;
  s.version = o.version;
  s.uptime_ms = uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - o.started)
                             .count());
  return s;
}

// Fills the session count from the manager, then delivers.
void finish_status(introspection_t* self, caf::response_promise rp, node_status s) {
  auto& mgr = self->state.opts.manager;
  if (!mgr) {
    rp.deliver(std::move(s));
    return;
  }
  self->request(mgr, kTimeout, sessions_atom::value)
      .then([rp, s](const session_list& l) mutable {
              s.sessions = l.sessions.size();
              rp.deliver(std::move(s));
            },
            [rp, s](caf::error&) mutable { rp.deliver(std::move(s)); });
}

caf::result<node_status> status(introspection_t* self) {
  auto rp = self->make_response_promise<node_status>();
  auto s = base_status(self->state.opts);
  auto& sock = self->state.opts.socket;
  if (!sock) {
    finish_status(self, rp, std::move(s));
    return rp;
  }
  self->request(sock, kTimeout, socket_stats_atom::value)
      .then(
          [self, rp, s](const socket_stats& st) mutable {
            s.datagrams_in = st.datagrams_in;
            s.datagrams_out = st.datagrams_out;
            s.datagrams_unknown = st.unknown;
            finish_status(self, rp, std::move(s));
          },
          [self, rp, s](caf::error&) mutable { finish_status(self, rp, std::move(s)); });
  return rp;
}

caf::behavior introspection(introspection_t* self, IntrospectionOptions opts) {
  self->state.opts = std::move(opts);
  return {
    [self](status_atom) { return status(self); },
    // Sent once by the node after publishing: our control endpoint with the bound port.
    [self](local_endpoints_atom, std::string& control) { self->state.opts.control = control; },
    [self](sessions_atom) -> caf::result<caf::message> {
      if (!self->state.opts.manager) return caf::make_message(session_list{});
      return self->delegate(self->state.opts.manager, sessions_atom::value);
    },
    [self](session_atom, const std::string& text) -> caf::result<caf::message> {
      router_hash h;
      if (!parse_router_hash(text, h))
        return make_error(node_errc::bad_request, "not a router hash: " + text);
      if (!self->state.opts.manager) return make_error(node_errc::unknown_session, text);
      return self->delegate(self->state.opts.manager, session_atom::value, h);
    },
    [self](metrics_atom) {
      return self->state.opts.metrics ? self->state.opts.metrics->render() : std::string{};
    },
    [](connect_atom, const std::string& file) -> caf::result<bool> {
      // TODO(handshake): spawn an outbound handshake actor for the RouterInfo in `file`.
      return make_error(node_errc::not_available,
                        "connect is not available yet (no handshake actor): " + file);
    },
    [](send_test_atom, const std::string& hash, uint32_t count,
       uint32_t size) -> caf::result<uint32_t> {
      // TODO(session): route `count` Data messages of `size` bytes through the manager and
      // report delivery once the session actor ACKs them.
      return make_error(node_errc::not_available,
                        "send is not available yet (no session actor)");
    },
    [self](disconnect_atom, const std::string& text) -> caf::result<caf::message> {
      router_hash h;
      if (!parse_router_hash(text, h))
        return make_error(node_errc::bad_request, "not a router hash: " + text);
      if (!self->state.opts.manager) return make_error(node_errc::unknown_session, text);
      return self->delegate(self->state.opts.manager, disconnect_atom::value, h);
    },
  };
}

}  // namespace

caf::actor spawn_introspection_actor(caf::actor_system& sys, IntrospectionOptions opts) {
  return sys.spawn(introspection, std::move(opts));
}

caf::expected<uint16_t> publish_introspection(caf::actor_system& sys, const caf::actor& actor,
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
