#include "actors/introspection_actor.hpp"

#include <algorithm>

#include "actors/support/bandwidth.hpp"
#include "actors/support/clock.hpp"
#include "actors/support/deadline_timer.hpp"
#include "actors/support/logging.hpp"
#include "transport/crypto/crypto.hpp"
#include "transport/session/duplicate.hpp"
#include "transport/session/fragment.hpp"

#ifdef SSU2D_HAVE_CAF_OPENSSL
#include <caf/openssl/publish.hpp>
#endif

namespace ssu2d {

std::vector<uint8_t> make_test_data_message(uint32_t id, uint32_t size) {
  // I2NP Data (type 20), expiring in 60 s; body = 4-byte length + random data.
  // The body is written behind the encoded header in the one buffer (no second copy).
  ssu2::session::I2npMessage m;
  m.type = 20;
  m.id = id;
  m.expiration = unix_now_s() + 60;
  auto out = ssu2::session::short_i2np_bytes(m);
  const size_t at = out.size();
  out.resize(at + 4 + size);
  for (int i = 0; i < 4; ++i) out[at + size_t(i)] = uint8_t(size >> (24 - 8 * i));
  if (size) ssu2::crypto::random_bytes(ssu2::MutByteSpan(out.data() + at + 4, size));
  return out;
}

namespace {

constexpr auto kTimeout = std::chrono::seconds(5);

struct introspection_state {
  static inline const char* name = "ssu2d.introspection";
  IntrospectionOptions opts;
  std::unique_ptr<BandwidthRates> bandwidth;  // sampled by a 1 s tick
  // The tick is part of the published interface: a stray (tick_atom, x) from a control
  // client neither samples early nor starts a second chain.
  DeadlineTimer tick;
  ssu2::TimePoint next_sample{0};
  // IDs of the test messages: random, none repeated within the receivers' duplicate filter.
  ssu2::session::MessageIdAllocator message_ids{steady_now()};
};
using introspection_t = introspection_actor::stateful_base<introspection_state>;

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
  fill_limits(s, self->state.opts.in_limit.get(), self->state.opts.out_limit.get(), steady_now());
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

// "send HASH N SIZE" / "send HASH N MIN-MAX": N Data messages through the manager with
// delivery feedback, at most kSendWindow outstanding so a large N does not overflow the
// session's bounded queue. With a range, each size is drawn uniformly from [MIN, MAX].
// The sequential form keeps one message outstanding: the next is handed to the manager when
// the previous one's report (or error) arrives, so each latency is that of an idle session.
constexpr uint32_t kSendWindow = 256;
constexpr uint32_t kMaxTestMessage = 60 * 1024;

struct SendTest {
  router_hash peer;
  uint32_t count = 0, min_size = 0, max_size = 0, issued = 0, answered = 0, outstanding = 0;
  uint32_t window = kSendWindow;
  send_test_result result;
  std::vector<uint64_t> latencies_us;  // of delivered messages, in report order
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  caf::typed_response_promise<send_test_result> rp;
};

// Nearest-rank percentiles, mean, min and max of the delivered messages' latencies.
void summarize_latencies(std::vector<uint64_t>& v, send_test_result& r) {
  if (v.empty()) return;
  std::sort(v.begin(), v.end());
  auto rank = [&](unsigned pct) {
    size_t k = (v.size() * pct + 99) / 100;  // ceil(n * pct / 100), at least 1
    return v[std::max<size_t>(k, 1) - 1];
  };
  r.latency_min_us = v.front();
  r.latency_p50_us = rank(50);
  r.latency_p99_us = rank(99);
  r.latency_max_us = v.back();
  uint64_t sum = 0;
  for (auto x : v) sum += x;
  r.latency_mean_us = sum / v.size();
}

void pump_send_test(introspection_t* self, std::shared_ptr<SendTest> run) {
  using clock = std::chrono::steady_clock;
  if (run->answered == run->count) {
    run->result.elapsed_ms = uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          clock::now() - run->started)
                                          .count());
    summarize_latencies(run->latencies_us, run->result);
    run->rp.deliver(run->result);
    return;
  }
  while (run->issued < run->count && run->outstanding < run->window) {
    run->issued++;
    run->outstanding++;
    uint32_t size = run->min_size;
    if (run->max_size > run->min_size)
      size += ssu2::crypto::random_u32() % (run->max_size - run->min_size + 1);
    auto bytes = make_test_data_message(
        self->state.message_ids.next(steady_now(), ssu2::crypto::random_bytes), size);
    auto issued_at = clock::now();
    const uint32_t index = run->issued;
    // No per-message timeout: each would be a timer in CAF's clock thread (a wake-up of
    // that thread and a timeout message later), a fifth of the sender's CPU at 8 KiB. Every
    // routed message is answered anyway, by the session (delivered, or failed when it
    // ends) or by the manager (no route); the client's own call has its timeout.
    self->request(self->state.opts.manager, caf::infinite, route_atom::value,
                  i2np_message{run->peer, std::move(bytes)}, confirm_atom::value)
        .then(
            [self, run, issued_at](const delivery_report&) {
              run->latencies_us.push_back(uint64_t(
                  std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - issued_at)
                      .count()));
              run->outstanding--;
              run->answered++;
              run->result.sent++;
              run->result.delivered++;
              pump_send_test(self, run);
            },
            [self, run, index](caf::error& e) {
              run->outstanding--;
              run->answered++;
              run->result.failed++;
              if (run->result.failures.size() < kMaxSendFailureLines)
                run->result.failures.push_back("message " + std::to_string(index) + ": " +
                                               render_node_error(e));
              // Only refusals before queueing mean "not sent".
              if (e.category() != caf::atom("ssu2d") ||
                  e.code() == uint8_t(node_errc::not_delivered))
                run->result.sent++;
              pump_send_test(self, run);
            });
  }
}

// Checks the arguments of a send test and starts it with `window` messages outstanding.
caf::result<send_test_result> start_send_test(introspection_t* self, const std::string& text,
                                              uint32_t count, uint32_t min_size,
                                              uint32_t max_size, uint32_t window) {
  router_hash h;
  if (!parse_router_hash(text, h))
    return make_error(node_errc::bad_request, "not a router hash: " + text);
  if (!self->state.opts.manager) return make_error(node_errc::not_available, "no manager");
  if (max_size > kMaxTestMessage || min_size > max_size)
    return make_error(node_errc::bad_request,
                      "sizes must satisfy MIN <= MAX <= " + std::to_string(kMaxTestMessage));
  auto rp = self->make_response_promise<send_test_result>();
  auto run = std::make_shared<SendTest>();
  run->peer = h;
  run->count = count;
  run->min_size = min_size;
  run->max_size = max_size;
  run->window = window;
  run->latencies_us.reserve(std::min<uint32_t>(count, 1u << 20));
  run->rp = rp;
  pump_send_test(self, run);
  return rp;
}

introspection_actor::behavior_type introspection(introspection_t* self, IntrospectionOptions opts) {
  self->state.opts = std::move(opts);
  if (self->state.opts.metrics) {
    self->state.bandwidth = std::make_unique<BandwidthRates>(*self->state.opts.metrics);
    self->state.tick.arm(self, steady_now(), tick_atom::value);
  }
  return {
    [self](tick_atom, int64_t deadline) {
      auto& st = self->state;
      st.tick.fired(deadline);
      const auto now = steady_now();
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
      router_hash h;
      if (!parse_router_hash(text, h))
        return make_error(node_errc::bad_request, "not a router hash: " + text);
      if (!self->state.opts.manager) return make_error(node_errc::unknown_session, text);
      return self->delegate(self->state.opts.manager, session_atom::value, h);
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
      router_hash h;
      if (!parse_router_hash(text, h))
        return make_error(node_errc::bad_request, "not a router hash: " + text);
      if (!self->state.opts.manager) return make_error(node_errc::unknown_session, text);
      return self->delegate(self->state.opts.manager, disconnect_atom::value, h);
    },
    [self](peer_test_atom, const std::string& text) -> caf::result<peer_test_result> {
      router_hash h;
      if (!parse_router_hash(text, h))
        return make_error(node_errc::bad_request, "not a router hash: " + text);
      if (!self->state.opts.nat) return make_error(node_errc::not_available, "no nat actor");
      return self->delegate(self->state.opts.nat, peer_test_atom::value, h);
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
      router_hash h;
      if (!parse_router_hash(text, h))
        return make_error(node_errc::bad_request, "not a router hash: " + text);
      if (!self->state.opts.nat) return make_error(node_errc::not_available, "no nat actor");
      return self->delegate(self->state.opts.nat, relay_atom::value, h);
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
