#include "actors/node.hpp"

#include <csignal>
#include <cstring>
#include <filesystem>

#include "actors/introspection_actor.hpp"
#include "actors/socket_actor.hpp"
#include "actors/subsystem_manager.hpp"
#include "actors/support/key_store.hpp"
#include "actors/support/logging.hpp"

#ifdef SSU2D_HAVE_CAF_OPENSSL
#include <caf/openssl/manager.hpp>
#endif

namespace ssu2d {

namespace {

// Handles datagrams whose connection ID nobody registered: new Session/Token Requests,
// PeerTest and HolePunch, or garbage. Until the inbound handshake actor exists it only
// counts them. TODO(handshake): replace with the inbound handshake dispatcher.
caf::behavior unhandled_inbound(caf::event_based_actor* self, Counter* unhandled) {
  return {
    [unhandled](inbound_atom, const datagram& d) {
      unhandled->inc();
      log().debug("inbound: {} bytes from {} for unknown conn id {:016x} (no handshake actor)",
                  d.bytes.size(), to_string(d.from), d.conn_id);
    },
  };
}

uint64_t unix_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

}  // namespace

void configure_actor_system(caf::actor_system_config& cfg, const NodeConfig& nc) {
  register_messages(cfg);
  cfg.load<caf::io::middleman>();
  // The node is a daemon: no CAF console output, and the middleman must not keep a
  // stopped node alive waiting for remote peers.
  cfg.set("logger.console", caf::atom("none"));
#ifdef SSU2D_HAVE_CAF_OPENSSL
  if (nc.control.tls) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = nc.control.cert;
    cfg.openssl_key = nc.control.key;
    cfg.openssl_cafile = nc.control.ca;
  }
#endif
}

Node::Node(caf::actor_system& sys, NodeConfig cfg) : sys_(sys), cfg_(std::move(cfg)) {}

Node::~Node() { stop(); }

std::string Node::open_sockets(std::vector<UdpSocket>& out) {
  for (const std::string& host : {cfg_.ssu2.host, cfg_.ssu2.ipv6_host}) {
    if (host.empty()) continue;
    UdpSocket s;
    std::string err;
    if (!open_udp(host, cfg_.ssu2.port, s, err)) return err;
    out.push_back(s);
    endpoints_.push_back(s.local);
  }
  return {};
}

std::string Node::start() {
  // Keys and our RouterInfo.
  auto ks = load_or_create_router_keys(cfg_.data_dir);
  if (!ks.ok()) return ks.error;
  keys_ = std::move(ks.keys);
  if (ks.created) log().info("node: created a new router identity in {}", cfg_.data_dir);
  auto id_hash = keys_->identity().hash();
  std::copy(id_hash.begin(), id_hash.end(), hash_.bytes.begin());

  std::vector<UdpSocket> sockets;
  if (auto err = open_sockets(sockets); !err.empty()) {
    for (auto& s : sockets) ::close(s.fd);
    return err;
  }

  ssu2::i2p::OwnRouterInfoParams p;
  p.host = endpoints_.front().host;
  p.port = endpoints_.front().port;
  p.mtu = uint16_t(cfg_.ssu2.mtu);
  p.net_id = uint32_t(cfg_.net_id);
  p.published_ms = unix_ms();
  if (auto ri = ssu2::i2p::make_own_router_info(*keys_, p)) {
    router_info_ = std::make_shared<ssu2::i2p::RouterInfo>(std::move(*ri));
    auto st = write_router_info(cfg_.data_dir, *router_info_);
    if (!st.ok()) log().warn("node: {}", st.error);
  } else {
    log().warn("node: cannot build our RouterInfo: {}", ssu2::to_string(ri.error().code));
  }

  // Actors.
  auto* unhandled = &metrics_->counter("ssu2_inbound_unhandled_total",
                                       "Datagrams for unknown connection IDs not handled");
  inbound_ = sys_.spawn(unhandled_inbound, unhandled);
  SocketOptions so;
  so.sockets = std::move(sockets);
  so.intro_key = keys_->intro_key;
  so.new_inbound = inbound_;
  so.metrics = metrics_;
  so.send_queue_limit = size_t(cfg_.limits.send_queue);
  socket_ = spawn_socket_actor(sys_, std::move(so));

  SubsystemOptions mo;
  mo.local_hash = hash_;
  mo.local_router_info = router_info_;
  mo.metrics = metrics_;
  mo.max_sessions = size_t(cfg_.limits.max_sessions);
  manager_ = spawn_subsystem_manager(sys_, std::move(mo));

  IntrospectionOptions io;
  io.hash = hash_;
  for (auto& ep : endpoints_) io.addresses.push_back(to_string(ep));
  io.socket = socket_;
  io.manager = manager_;
  io.metrics = metrics_;
  introspection_ = spawn_introspection_actor(sys_, io);
  auto port = publish_introspection(sys_, introspection_, cfg_.control.host, cfg_.control.port,
                                    cfg_.control.tls);
  if (!port) {
    std::string err = "control: cannot publish on " + cfg_.control.host + ":" +
                      std::to_string(cfg_.control.port) + ": " + render_node_error(port.error());
    stop();
    return err;
  }
  control_port_ = *port;
  // The bound port is only known now (control.port may be 0); tell the actor for status.
  caf::anon_send(introspection_, local_endpoints_atom::value,
                 to_string(endpoint{cfg_.control.host, control_port_}));

  for (auto& ep : endpoints_) log().info("node: SSU2 listening on udp {}", to_string(ep));
  log().info("node: router hash {}", to_string(hash_));
  log().info("node: control on {}:{}{}", cfg_.control.host, control_port_,
             cfg_.control.tls ? " (tls)" : "");
  if (cfg_.metrics.http_port != 0) {
    // Served on the control host: metrics are as private as the control port.
    std::string err;
    if (!http_.start(cfg_.control.host, cfg_.metrics.http_port, metrics_, err)) {
      stop();
      return err;
    }
    log().info("node: metrics on http://{}:{}/metrics", cfg_.control.host, http_.port());
  }
  if (!cfg_.peers.router_infos.empty() || !cfg_.peers.netdb_dir.empty())
    log().warn("node: peers configured but outbound connections are not available yet");
  return {};
}

void Node::stop() {
  if (stopped_) return;
  stopped_ = true;
  http_.stop();
  if (introspection_ && control_port_ != 0)
    sys_.middleman().unpublish(introspection_, control_port_);
  for (auto* a : {&introspection_, &manager_, &socket_, &inbound_}) {
    if (*a) caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
    *a = nullptr;
  }
}

int run_node(const NodeConfig& cfg) {
  // Block the shutdown signals before any thread exists so every CAF and reader thread
  // inherits the mask and only sigwait below sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  init_logging(cfg.log.level);
  caf::actor_system_config ccfg;
  configure_actor_system(ccfg, cfg);
  caf::actor_system sys{ccfg};
  int rc = 0;
  {
    Node node(sys, cfg);
    if (auto err = node.start(); !err.empty()) {
      log().error("{}", err);
      rc = 1;
    } else {
      int sig = 0;
      sigwait(&set, &sig);
      log().info("node: {} received, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
      node.stop();
    }
  }
  return rc;
}

}  // namespace ssu2d
