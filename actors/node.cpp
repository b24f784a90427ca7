#include "actors/node.hpp"


#include <algorithm>
#include <cstring>
#include <thread>

#include "actors/handshake_actor.hpp"
#include "actors/introspection_actor.hpp"
#include "actors/nat_actor.hpp"
#include "actors/node_compose.hpp"
#include "actors/session_actor.hpp"
#include "actors/socket_actor.hpp"
#include "actors/subsystem_manager.hpp"
#include "actors/support/bind_error.hpp"
#include "actors/support/key_store.hpp"
#include "actors/support/logging.hpp"

#ifdef SSU2D_HAVE_CAF_OPENSSL
#include <caf/openssl/manager.hpp>
#endif

namespace ssu2d {


size_t worker_threads(int configured, unsigned cores) {
  if (configured > 0) return size_t(configured);
  // Fewer workers, fewer hand-offs: with one per core the session path spent ~15 % more CPU
  // per MB on futex and scheduler switches than with one per core but one, at no more
  // throughput (the reader thread and the two ends share the cores anyway).
  return cores > 1 ? cores - 1 : 1;
}

void configure_actor_system(caf::actor_system_config& cfg, const NodeConfig& nc) {
  register_messages(cfg);
  cfg.load<caf::io::middleman>();
  // The node is a daemon: no CAF console output, and the middleman must not keep a
  // stopped node alive waiting for remote peers.
  cfg.set("logger.console", caf::atom("none"));
  // CAF's `sharing` scheduler: workers block on a condition variable instead of polling,
  // so an idle node costs no CPU, and with one actor message per read burst (not per
  // datagram) it also moved more data than work-stealing (docs/BENCHMARKS.md, "Scheduler").
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", worker_threads(nc.workers, std::thread::hardware_concurrency()));
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
    if (!open_udp(host, cfg_.ssu2.port, s, err)) return "ssu2.port: " + err;
    out.push_back(s);
    endpoints_.push_back(s.local);
  }
  return {};
}

std::string Node::start() {
  // One node per data_dir: a second one would share our identity and overwrite router.info.
  if (auto err = lock_.acquire(cfg_.data_dir); !err.empty()) return err;
  // Keys and our RouterInfo.
  auto ks = load_or_create_router_keys(cfg_.data_dir);
  for (auto& w : ks.warnings) log().warn("node: {}", w);
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

  auto ri = make_published_router_info(cfg_, *keys_, endpoints_);
  if (!ri) {
    for (auto& s : sockets) ::close(s.fd);
    return "node: cannot build our RouterInfo: " + std::string(ssu2::to_string(ri.error().code));
  }
  router_info_ = std::make_shared<ssu2::i2p::RouterInfo>(std::move(*ri));
  publisher_ = std::make_shared<RouterPublisher>(*keys_, base_router_info_params(cfg_, endpoints_),
                                                 !cfg_.ssu2.published_host.empty(), cfg_.data_dir,
                                                 router_info_);
  // From here on the sender owns the fds (they close with its last holder).
  auto sender = std::make_shared<UdpSender>(std::move(sockets), metrics_);
  if (auto st = write_router_info(cfg_.data_dir, *router_info_); !st.ok())
    log().warn("node: {}", st.error);

  NodeParts parts;
  parts.keys = *keys_;
  parts.hash = hash_;
  parts.router_info = router_info_;
  parts.publisher = publisher_;
  parts.transport = sender;
  parts.metrics = metrics_;
  auto actors = spawn_node_actors(sys_, cfg_, std::move(parts));
  manager_ = actors.manager;
  nat_ = actors.nat;
  handshake_ = actors.handshake;
  socket_ = actors.socket;
  introspection_ = actors.introspection;
  auto port = publish_introspection(sys_, introspection_, cfg_.control.host, cfg_.control.port,
                                    cfg_.control.tls);
  if (!port) {
    const std::string why = tcp_listen_probe(cfg_.control.host, cfg_.control.port);
    std::string err = "control.port: cannot listen on " + cfg_.control.host + ":" +
                      std::to_string(cfg_.control.port) + ": " +
                      (why.empty() ? "" : why + " (") + render_node_error(port.error()) +
                      (why.empty() ? "" : ")");
    stop();
    return err;
  }
  control_port_ = *port;
  // The bound port is only known now (control.port may be 0); tell the actor for status.
  caf::anon_send(introspection_, local_endpoints_atom::value,
                 ssu2::host_port(cfg_.control.host, control_port_));

  for (auto& ep : endpoints_) log().info("node: SSU2 listening on udp {}", ep.to_string());
  log().info("node: router hash {}", to_string(hash_));
  log().info("node: control on {}:{}{}", cfg_.control.host, control_port_,
             cfg_.control.tls ? " (tls)" : "");
  if (cfg_.metrics.port != 0) {
    const auto& mc = cfg_.metrics;
    std::string err;
    if (!http_.start({.host = mc.host, .port = mc.port, .auth_user = mc.auth_user,
                      .auth_password_file = mc.auth_password_file, .metrics = metrics_,
                      .system = &sys_, .introspection = introspection_}, err)) {
      stop();
      return err;
    }
    log().info("node: console and metrics on http://{}/{}", ssu2::host_port(mc.host, http_.port()),
               mc.auth_user.empty() ? "" : " (basic auth)");
  }
  connect_configured_peers();
  return {};
}

std::vector<uint8_t> Node::router_info_bytes() const {
  auto ri = publisher_ ? publisher_->current() : router_info_;
  if (!ri) return {};
  return std::vector<uint8_t>(ri->bytes().begin(), ri->bytes().end());
}

void Node::connect_configured_peers() {
  auto peers = configured_peer_router_infos(cfg_);
  if (peers.empty()) return;
  log().info("node: connecting to {} configured peer(s)", peers.size());
  auto mgr = manager_;
  for (auto& bytes : peers) {
    // A tiny one-shot actor per peer so that each outcome is logged.
    sys_.spawn([mgr, bytes](caf::event_based_actor* self) {
      self->request(mgr, std::chrono::seconds(30), connect_atom::value, bytes)
          .then([](const router_hash& h) { log().info("node: peer {} connected", to_string(h)); },
                [](caf::error& e) {
                  log().warn("node: configured peer not connected: {}", render_node_error(e));
                });
    });
  }
}

void Node::reload(const ConfigResult& fresh) {
  if (!fresh.ok()) {
    if (auto err = reopen_log_file(); !err.empty()) log().error("reload: {}", err);
    log().error("reload: {}; keeping the running configuration", fresh.error);
    return;
  }
  const NodeConfig& n = *fresh.config;
  if (n.log.file != cfg_.log.file) {
    if (auto err = set_log_file(n.log.file); !err.empty()) {
      log().error("reload: {}; logging stays on {}", err,
                  cfg_.log.file.empty() ? "stderr" : cfg_.log.file);
    } else {
      cfg_.log.file = n.log.file;
    }
  } else if (auto err = reopen_log_file(); !err.empty()) {
    log().error("reload: {}", err);
  }
  if (n.log.level != cfg_.log.level) {
    set_log_level(n.log.level);
    log().info("reload: log.level {} -> {}", cfg_.log.level, n.log.level);
    cfg_.log.level = n.log.level;
  }
  if (!merged_.is_null()) {
    auto later = changed_keys_needing_restart(merged_, fresh.merged);
    if (!later.empty()) {
      std::string list;
      for (auto& k : later) list += (list.empty() ? "" : ", ") + k;
      log().warn("reload: changed key(s) {} take effect after a restart", list);
    }
  }
  const bool peers_changed = n.peers.router_infos != cfg_.peers.router_infos ||
                             n.peers.netdb_dir != cfg_.peers.netdb_dir;
  cfg_.peers = n.peers;
  if (!merged_.is_null()) {
    // Remember the applied parts only, so a later reload names the pending keys again.
    merged_["log"] = fresh.merged["log"];
    merged_["log"]["file"] = cfg_.log.file;
    merged_["peers"] = fresh.merged["peers"];
  }
  log().info("reload: done (log level {}, log file {}, {} peer file(s){})", cfg_.log.level,
             cfg_.log.file.empty() ? "-" : cfg_.log.file, cfg_.peers.router_infos.size(),
             cfg_.peers.netdb_dir.empty() ? "" : " + netdb " + cfg_.peers.netdb_dir);
  log().debug("reload: debug logging is on");
  // Peers already connected answer at once; only new ones start a handshake.
  if (peers_changed) connect_configured_peers();
}

void Node::stop() {
  if (stopped_) return;
  stopped_ = true;
  http_.stop();
  if (introspection_ && control_port_ != 0)
    sys_.middleman().unpublish(introspection_, control_port_);
  if (handshake_) {
    // Graceful part: each session hands its Termination to the socket before answering;
    // the socket round trip afterwards makes sure those datagrams left before it exits.
    caf::scoped_actor self{sys_};
    self->request(handshake_, std::chrono::seconds(3), shutdown_atom::value)
        .receive([](uint64_t n) { if (n) log().info("node: {} session(s) terminated", n); },
                 [](caf::error& e) { log().warn("node: shutdown: {}", render_node_error(e)); });
    if (socket_)
      self->request(socket_, std::chrono::seconds(1), socket_stats_atom::value)
          .receive([](const socket_stats&) {}, [](caf::error&) {});
  }
  if (introspection_) caf::anon_send_exit(introspection_, caf::exit_reason::user_shutdown);
  introspection_ = nullptr;
  if (handshake_) caf::anon_send_exit(handshake_, caf::exit_reason::user_shutdown);
  handshake_ = nullptr;
  if (nat_) caf::anon_send_exit(nat_, caf::exit_reason::user_shutdown);
  nat_ = nullptr;
  if (manager_) caf::anon_send_exit(manager_, caf::exit_reason::user_shutdown);
  manager_ = nullptr;
  if (socket_) caf::anon_send_exit(socket_, caf::exit_reason::user_shutdown);
  socket_ = nullptr;
}

}  // namespace ssu2d
