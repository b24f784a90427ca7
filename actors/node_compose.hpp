// The node's actors and their wiring, once its keys, RouterInfo and datagram transport
// exist: the subsystem manager, the NAT actor, the handshake actor (new-inbound handler and
// session factory), the socket actor, the introspection actor (not published here). Node::start
// calls it with the real UDP sockets; whole-node tests (tests/unit/node_world.hpp) with an
// in-memory network under CAF's test coordinator.
#pragma once
#include <memory>

#include <caf/all.hpp>

#include "actors/support/config.hpp"
#include "actors/support/datagram_transport.hpp"
#include "actors/support/metrics.hpp"
#include "actors/support/router_publisher.hpp"
#include "messages/interfaces.hpp"
#include "transport/common/random.hpp"
#include "transport/i2p/router_info.hpp"
#include "transport/i2p/router_keys.hpp"

namespace ssu2d {

struct NodeParts {
  ssu2::i2p::RouterKeys keys;
  router_hash hash;  // of keys' identity
  std::shared_ptr<const ssu2::i2p::RouterInfo> router_info;  // as built at start
  std::shared_ptr<RouterPublisher> publisher;                // republishes it
  std::shared_ptr<DatagramTransport> transport;
  std::shared_ptr<MetricsRegistry> metrics;
  bool detached_socket = true;  // false under CAF's test coordinator
  // The node's one source of randomness outside OpenSSL's key generation (handshakes,
  // tokens, nonces, relay tags, path challenges, message ids); empty = the system's.
  ssu2::RandomFn random;
};

struct NodeActors {
  socket_actor socket;
  subsystem_manager_actor manager;
  handshake_actor handshake;
  nat_actor nat;
  introspection_actor introspection;
};

NodeActors spawn_node_actors(caf::actor_system& sys, const NodeConfig& cfg, NodeParts parts);

}  // namespace ssu2d
