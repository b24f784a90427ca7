// The introspection (control) actor, published with the middleman on control.host:port and
// queried by ssu2ctl through remote_actor.
//
// Requests: `introspection_client_actor` in messages/interfaces.hpp (ssu2ctl's remote_actor
// and the web console name that type). What they do:
//   (status_atom)                         -> node_status
//   (sessions_atom)                       -> session_list
//   (session_atom, std::string hash)      -> session_info | error unknown_session/bad_request
//   (metrics_atom)                        -> std::string (Prometheus text)
//   (connect_atom, std::vector<uint8_t> ri) -> router_hash | error  (the RouterInfo bytes;
//                                            ssu2ctl reads the file) via the manager
//   (send_test_atom, std::string hash, uint32 count, uint32 min_size, uint32 max_size)
//                                         -> send_test_result {sent, delivered, failed,
//                                            elapsed_ms, latency_*_us}: count I2NP Data
//                                            messages (type 20, body = 4-byte length + a size
//                                            from [min, max] of random bytes) with delivery
//                                            feedback, at most 256 outstanding
//   (send_sequential_atom, hash, count, min_size, max_size)
//                                         -> send_test_result: the same, one message at a
//                                            time (the next after the previous report); the
//                                            latency_*_us fields summarize the per-message
//                                            delivery latencies (steady clock, in this actor)
//   (handshake_stats_atom)                -> handshake_stats
//   (disconnect_atom, std::string hash)   -> bool | error unknown_session/bad_request
//   (peer_test_atom, std::string hash)    -> peer_test_result | error unknown_session/
//                                            timeout/bad_request: a peer test with Bob =
//                                            that connected router, via the nat actor
//   (relay_atom, std::string hash)        -> uint32 relay tag | error unknown_session/
//                                            timeout/bad_request, via the nat actor
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/support/bandwidth_limiter.hpp"
#include "actors/support/metrics.hpp"
#include "messages/interfaces.hpp"
#include "messages/messages.hpp"
#include "transport/common/random.hpp"

namespace ssu2d {

struct IntrospectionOptions {
  router_hash hash;
  std::vector<std::string> addresses;  // SSU2 listen endpoints, as text
  std::string control;                 // our own control endpoint, as text (filled at publish)
  socket_stats_actor socket;           // may be null
  subsystem_manager_actor manager;     // may be null
  handshake_stats_actor handshake;     // may be null
  nat_control_actor nat;               // may be null
  std::shared_ptr<MetricsRegistry> metrics;
  std::shared_ptr<BandwidthLimiter> in_limit, out_limit;  // may be null (unlimited)
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::string version = "ssu2d 0.1.0";
  ssu2::RandomFn random;  // send-test message ids, sizes and bodies; empty = crypto::random_bytes
};

// A short-header I2NP Data message (type 20, message ID `id`, expires in 60 s) whose body is
// a 4-byte length and `size` random bytes.
std::vector<uint8_t> make_test_data_message(uint32_t id, uint32_t size, uint32_t now_s,
                                            const ssu2::RandomFn& random);

introspection_actor spawn_introspection_actor(caf::actor_system& sys, IntrospectionOptions opts);

// Publishes `actor` on host:port (0 = ephemeral) with the middleman, or with CAF's OpenSSL
// module when tls is true (the system must have loaded caf::openssl::manager and been given
// the certificate and key). Returns the bound port.
caf::expected<uint16_t> publish_introspection(caf::actor_system& sys, const introspection_actor& actor,
                                              const std::string& host, uint16_t port, bool tls);

}  // namespace ssu2d
