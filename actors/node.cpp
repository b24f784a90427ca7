#include "actors/node.hpp"


#include <algorithm>
#include <cstring>
#include <thread>

#include "actors/handshake_actor.hpp"
#include "actors/introspection_actor.hpp"
#include "actors/nat_actor.hpp"
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

  // Actors: manager, then the handshake actor (it hands sessions the manager), then the
  // socket (the handshake actor is its new-inbound handler), then the late links.
  SubsystemOptions mo;
  mo.local_hash = hash_;
  mo.local_router_info = router_info_;
  mo.metrics = metrics_;
  mo.max_sessions = size_t(cfg_.limits.max_sessions);
  manager_ = spawn_subsystem_manager(sys_, std::move(mo));

  NatActorOptions no;
  no.local = nat_local_identity(*keys_, *router_info_, uint8_t(cfg_.net_id));
  no.metrics = metrics_;
  no.publisher = publisher_;
  no.auto_peer_test = cfg_.nat.auto_peer_test;
  no.reachability.first_test = std::chrono::seconds(cfg_.nat.first_test_s);
  no.reachability.test_interval = std::chrono::seconds(cfg_.nat.test_interval_s);
  no.reachability.retest_soon = std::chrono::seconds(cfg_.nat.retest_s);
  no.reachability.confirmations = cfg_.nat.confirmations;
  no.reachability.address_quorum = size_t(cfg_.nat.address_quorum);
  no.introducers.keepalive_interval = std::chrono::seconds(cfg_.nat.introducer_keepalive_s);
  no.manager = manager_;
  nat_ = spawn_nat_actor(sys_, std::move(no));

  HandshakeActorOptions ho;
  ho.config.net_id = uint8_t(cfg_.net_id);
  ho.config.mtu = uint16_t(cfg_.ssu2.mtu);
  ho.local = local_identity(*keys_, *router_info_);
  ho.manager = manager_;
  ho.nat = nat_;
  ho.metrics = metrics_;
  ho.limits = ssu2::handshake::EndpointLimits::for_sessions(
      size_t(cfg_.limits.max_sessions), size_t(cfg_.limits.max_pending_handshakes));
  auto& adm = ho.limits.admission;
  adm.token_requests_per_s = cfg_.limits.token_requests_per_prefix;
  adm.token_request_burst = 2.0 * cfg_.limits.token_requests_per_prefix;
  adm.session_requests_per_s = cfg_.limits.session_requests_per_prefix;
  adm.session_request_burst = 2.0 * cfg_.limits.session_requests_per_prefix;
  adm.max_pending_per_prefix = uint32_t(cfg_.limits.pending_handshakes_per_prefix);
  ho.families.v4 = ho.families.v6 = false;
  for (const std::string& host : {cfg_.ssu2.host, cfg_.ssu2.ipv6_host})
    if (auto a = ssu2::Address::parse(host, 1)) (a->is_v6() ? ho.families.v6 : ho.families.v4) = true;
  ho.sender = sender;
  // Bandwidth limits (bandwidth.*): one bucket per direction for the whole node.
  auto in_limit = std::make_shared<BandwidthLimiter>(cfg_.bandwidth.in_bytes_s(), "in", metrics_.get());
  auto out_limit = std::make_shared<BandwidthLimiter>(cfg_.bandwidth.out_bytes_s(), "out", metrics_.get());
  ho.out_limit = out_limit;
  ho.reassembly_budget = std::make_shared<ssu2::session::SharedBudget>(
      size_t(cfg_.limits.reassembly_memory_mb) * 1024 * 1024);
  metrics_->gauge_fn("ssu2_reassembly_bytes",
                     "Bytes of partial I2NP messages held by all sessions (node-wide budget)",
                     [b = ho.reassembly_budget] { return int64_t(b->used()); });
  metrics_->gauge_fn("ssu2_reassembly_budget_bytes", "Node-wide reassembly budget",
                     [b = ho.reassembly_budget] { return int64_t(b->capacity()); });
  metrics_->gauge_fn("ssu2_reassembly_refusals",
                     "Fragments refused (packet left unacknowledged) for the node-wide budget",
                     [b = ho.reassembly_budget] { return int64_t(b->refusals()); });
  handshake_ = spawn_handshake_actor(sys_, std::move(ho));

  SocketOptions so;
  so.sender = sender;
  so.intro_key = keys_->intro_key;
  so.new_inbound = handshake_;
  so.metrics = metrics_;
  so.send_queue_limit = size_t(cfg_.limits.send_queue);
  so.in_limit = in_limit;
  socket_ = spawn_socket_actor(sys_, std::move(so));
  // As the roles their handlers take (a message carries the handle's exact type).
  caf::anon_send(handshake_, set_socket_atom::value, handshake_socket_actor{socket_});
  caf::anon_send(nat_, set_socket_atom::value, datagram_out_actor{socket_});
  // The nat actor tells the handshake actor each republished RouterInfo.
  caf::anon_send(nat_, handshake_atom::value, nat_handshake_actor{handshake_});
  caf::anon_send(manager_, handshake_atom::value, connector_actor{handshake_});

  IntrospectionOptions io;
  io.hash = hash_;
  for (auto& ep : endpoints_) io.addresses.push_back(ep.to_string());
  io.socket = socket_;
  io.manager = manager_;
  io.handshake = handshake_;
  io.nat = nat_;
  io.metrics = metrics_;
  io.in_limit = in_limit;
  io.out_limit = out_limit;
  introspection_ = spawn_introspection_actor(sys_, io);
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
