#include "actors/node_compose.hpp"

#include "actors/handshake_actor.hpp"
#include "actors/introspection_actor.hpp"
#include "actors/nat_actor.hpp"
#include "actors/node.hpp"
#include "actors/socket_actor.hpp"
#include "actors/subsystem_manager.hpp"

namespace ssu2d {

NodeActors spawn_node_actors(caf::actor_system& sys, const NodeConfig& cfg, NodeParts p) {
  NodeActors out;
  // Actors: manager, then the handshake actor (it hands sessions the manager), then the
  // socket (the handshake actor is its new-inbound handler), then the late links.
  SubsystemOptions mo;
  mo.local_hash = p.hash;
  mo.local_router_info = p.router_info;
  mo.metrics = p.metrics;
  mo.max_sessions = size_t(cfg.limits.max_sessions);
  mo.random = p.random;
  out.manager = spawn_subsystem_manager(sys, std::move(mo));

  NatActorOptions no;
  no.local = nat_local_identity(p.keys, *p.router_info, uint8_t(cfg.net_id));
  no.metrics = p.metrics;
  no.publisher = p.publisher;
  no.auto_peer_test = cfg.nat.auto_peer_test;
  no.reachability.first_test = std::chrono::seconds(cfg.nat.first_test_s);
  no.reachability.test_interval = std::chrono::seconds(cfg.nat.test_interval_s);
  no.reachability.retest_soon = std::chrono::seconds(cfg.nat.retest_s);
  no.reachability.confirmations = cfg.nat.confirmations;
  no.reachability.address_quorum = size_t(cfg.nat.address_quorum);
  no.introducers.keepalive_interval = std::chrono::seconds(cfg.nat.introducer_keepalive_s);
  no.manager = out.manager;
  no.random = p.random;
  out.nat = spawn_nat_actor(sys, std::move(no));

  HandshakeActorOptions ho;
  ho.config.net_id = uint8_t(cfg.net_id);
  ho.config.mtu = uint16_t(cfg.ssu2.mtu);
  ho.local = local_identity(p.keys, *p.router_info);
  ho.manager = out.manager;
  ho.nat = out.nat;
  ho.metrics = p.metrics;
  ho.limits = ssu2::handshake::EndpointLimits::for_sessions(
      size_t(cfg.limits.max_sessions), size_t(cfg.limits.max_pending_handshakes));
  auto& adm = ho.limits.admission;
  adm.token_requests_per_s = cfg.limits.token_requests_per_prefix;
  adm.token_request_burst = 2.0 * cfg.limits.token_requests_per_prefix;
  adm.session_requests_per_s = cfg.limits.session_requests_per_prefix;
  adm.session_request_burst = 2.0 * cfg.limits.session_requests_per_prefix;
  adm.max_pending_per_prefix = uint32_t(cfg.limits.pending_handshakes_per_prefix);
  ho.families.v4 = ho.families.v6 = false;
  for (const std::string& host : {cfg.ssu2.host, cfg.ssu2.ipv6_host})
    if (auto a = ssu2::Address::parse(host, 1)) (a->is_v6() ? ho.families.v6 : ho.families.v4) = true;
  ho.sender = p.transport;
  // Bandwidth limits (bandwidth.*): one bucket per direction for the whole node.
  auto in_limit = std::make_shared<BandwidthLimiter>(cfg.bandwidth.in_bytes_s(), "in", p.metrics.get());
  auto out_limit = std::make_shared<BandwidthLimiter>(cfg.bandwidth.out_bytes_s(), "out", p.metrics.get());
  ho.out_limit = out_limit;
  ho.random = p.random;
  ho.reassembly_budget = std::make_shared<ssu2::session::SharedBudget>(
      size_t(cfg.limits.reassembly_memory_mb) * 1024 * 1024);
  p.metrics->gauge_fn("ssu2_reassembly_bytes",
                     "Bytes of partial I2NP messages held by all sessions (node-wide budget)",
                     [b = ho.reassembly_budget] { return int64_t(b->used()); });
  p.metrics->gauge_fn("ssu2_reassembly_budget_bytes", "Node-wide reassembly budget",
                     [b = ho.reassembly_budget] { return int64_t(b->capacity()); });
  p.metrics->gauge_fn("ssu2_reassembly_refusals",
                     "Fragments refused (packet left unacknowledged) for the node-wide budget",
                     [b = ho.reassembly_budget] { return int64_t(b->refusals()); });
  out.handshake = spawn_handshake_actor(sys, std::move(ho));

  SocketOptions so;
  so.sender = p.transport;
  so.detached = p.detached_socket;
  so.intro_key = p.keys.intro_key;
  so.new_inbound = out.handshake;
  so.metrics = p.metrics;
  so.send_queue_limit = size_t(cfg.limits.send_queue);
  so.in_limit = in_limit;
  out.socket = spawn_socket_actor(sys, std::move(so));
  // As the roles their handlers take (a message carries the handle's exact type).
  caf::anon_send(out.handshake, set_socket_atom::value, handshake_socket_actor{out.socket});
  caf::anon_send(out.nat, set_socket_atom::value, datagram_out_actor{out.socket});
  // The nat actor tells the handshake actor each republished RouterInfo.
  caf::anon_send(out.nat, handshake_atom::value, nat_handshake_actor{out.handshake});
  caf::anon_send(out.manager, handshake_atom::value, connector_actor{out.handshake});

  IntrospectionOptions io;
  io.hash = p.hash;
  for (auto& ep : p.transport->local_addresses()) io.addresses.push_back(ep.to_string());
  io.socket = out.socket;
  io.manager = out.manager;
  io.handshake = out.handshake;
  io.nat = out.nat;
  io.metrics = p.metrics;
  io.in_limit = in_limit;
  io.out_limit = out_limit;
  io.random = p.random;
  out.introspection = spawn_introspection_actor(sys, io);
  return out;
}

}  // namespace ssu2d
