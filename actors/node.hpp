// The one place that composes a node: keys, our RouterInfo, the UDP socket actor, the
// subsystem manager, the handshake actor (new-inbound handler and session factory) and the
// published introspection actor, and the NAT actor (peer test, relay tags). Configured peers are connected at start.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/support/config.hpp"
#include "actors/support/http_server.hpp"
#include "actors/support/key_store.hpp"
#include "actors/support/metrics.hpp"
#include "actors/support/router_publisher.hpp"
#include "messages/interfaces.hpp"
#include "messages/messages.hpp"
#include "transport/handshake/config.hpp"
#include "transport/i2p/router_info.hpp"
#include "transport/i2p/router_keys.hpp"
#include "transport/nat/types.hpp"

namespace ssu2d {

// Registers messages and loads the middleman (and CAF's OpenSSL module with the
// certificate/key when control.tls is set). Call before constructing the actor_system.
void configure_actor_system(caf::actor_system_config& cfg, const NodeConfig& nc);
// The scheduler's worker count: `workers` from the config, or derived from the cores (0).
size_t worker_threads(int configured, unsigned cores);

class Node {
 public:
  Node(caf::actor_system& sys, NodeConfig cfg);
  ~Node();

  // Locks data_dir, loads or creates keys, opens the sockets, spawns and publishes the
  // actors. Returns "" on success or a one-line error.
  std::string start();
  // SIGHUP: reopens the log file, and with a valid new configuration applies log.level,
  // log.file and peers.* (newly listed peers are connected; sessions are kept). Other
  // changed keys are named in a warning (they need a restart). An invalid configuration is
  // logged and the running one stays. `merged` is the effective JSON of `fresh`.
  void reload(const ConfigResult& fresh);
  // Graceful: every session sends Termination(router shutdown) (bounded wait, ~3 s), then
  // every actor exits and the control actor is unpublished. Idempotent.
  void stop();

  void set_effective_json(nlohmann::json j) { merged_ = std::move(j); }
  const router_hash& hash() const { return hash_; }
  uint16_t control_port() const { return control_port_; }
  uint16_t metrics_http_port() const { return http_.port(); }
  const std::vector<ssu2::Address>& ssu2_endpoints() const { return endpoints_; }
  const std::shared_ptr<MetricsRegistry>& metrics() const { return metrics_; }
  socket_actor socket() const { return socket_; }
  subsystem_manager_actor manager() const { return manager_; }
  introspection_actor introspection() const { return introspection_; }
  handshake_actor handshake() const { return handshake_; }
  nat_actor nat() const { return nat_; }
  // Our signed RouterInfo as now published (what a peer needs to connect to us).
  std::vector<uint8_t> router_info_bytes() const;

 private:
  std::string open_sockets(std::vector<struct UdpSocket>& out);
  void connect_configured_peers();

  caf::actor_system& sys_;
  NodeConfig cfg_;
  nlohmann::json merged_;  // the effective JSON the node runs on (set by run_node)
  DataDirLock lock_;
  std::shared_ptr<MetricsRegistry> metrics_ = std::make_shared<MetricsRegistry>();
  std::optional<ssu2::i2p::RouterKeys> keys_;
  std::shared_ptr<const ssu2::i2p::RouterInfo> router_info_;  // as built at start
  std::shared_ptr<RouterPublisher> publisher_;                 // current, after republishing
  router_hash hash_;
  std::vector<ssu2::Address> endpoints_;
  uint16_t control_port_ = 0;
  HttpServer http_;  // metrics.port: /metrics, /api/*, the console
  socket_actor socket_;
  handshake_actor handshake_;
  introspection_actor introspection_;
  nat_actor nat_;
  subsystem_manager_actor manager_;
  bool stopped_ = false;
};

// Runs a node until SIGINT or SIGTERM; returns the process exit code (0 on a clean stop,
// 1 when the node could not start). Blocks SIGINT, SIGTERM and SIGHUP in every thread and
// waits for them with sigwait, so shutdown and reload run in normal context, not in a
// signal handler. On SIGHUP it calls `reload` (re-reads the configuration; empty = reopen
// the log file only) and hands the result to Node::reload. Under systemd (NOTIFY_SOCKET)
// it reports READY=1 once the sockets and the control port are open, RELOADING=1 /
// READY=1 around a reload and STOPPING=1 at shutdown.
int run_node(const ConfigResult& loaded, const std::function<ConfigResult()>& reload = {});

// sd_notify(3): sends `state` to $NOTIFY_SOCKET when it is set (no-op otherwise). With
// libsystemd at build time it calls sd_notify, else it writes the datagram itself.
void notify_service_manager(const std::string& state);

// The NAT engine's view of our router (signing key, intro key, published address).
ssu2::nat::LocalIdentity nat_local_identity(const ssu2::i2p::RouterKeys& keys,
                                            const ssu2::i2p::RouterInfo& ri, uint8_t net_id);
// The handshake's view of our router.
std::shared_ptr<const ssu2::handshake::LocalIdentity> local_identity(
    const ssu2::i2p::RouterKeys& keys, const ssu2::i2p::RouterInfo& ri);

// ssu2d --init: locks data_dir (fails if a node runs on it), creates (or loads) the keys in data_dir, writes router.info with the
// published address, and returns the router hash as hex in `hash_hex`. Returns "" or a
// one-line error.
std::string init_data_dir(const NodeConfig& cfg, std::string& hash_hex);

// The RouterInfo files a config names: peers.router_infos and routerInfo-*.dat in
// peers.netdb_dir (sorted). Unreadable files are skipped with a warning.
std::vector<std::vector<uint8_t>> configured_peer_router_infos(const NodeConfig& cfg);

}  // namespace ssu2d
