// The ssu2d process around a Node: --init, signals (sigwait: INT/TERM stop, HUP reloads),
// the log file, and readiness for systemd. Declared in actors/node.hpp.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "actors/node.hpp"
#include "actors/support/key_store.hpp"
#include "actors/support/logging.hpp"

#ifdef SSU2D_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace ssu2d {

std::string init_data_dir(const NodeConfig& cfg, std::string& hash_hex) {
  DataDirLock lock;
  if (auto err = lock.acquire(cfg.data_dir); !err.empty()) return err;
  // The addresses the node would bind (it refuses names too): checked before any key is made.
  std::vector<ssu2::Address> bound;
  for (const std::string& host : {cfg.ssu2.host, cfg.ssu2.ipv6_host}) {
    if (host.empty()) continue;
    auto a = ssu2::Address::parse(host, cfg.ssu2.port);
    if (!a) return "init: \"" + host + "\" is not a numeric IPv4/IPv6 address";
    bound.push_back(*a);
  }
  if (bound.empty()) return "init: neither ssu2.host nor ssu2.ipv6_host is set";
  auto ks = load_or_create_router_keys(cfg.data_dir);
  for (auto& w : ks.warnings) log().warn("init: {}", w);
  if (!ks.ok()) return ks.error;
  auto ri = make_published_router_info(cfg, *ks.keys, bound);
  if (!ri) return "init: cannot build our RouterInfo: " + std::string(ssu2::to_string(ri.error().code));
  if (auto st = write_router_info(cfg.data_dir, *ri); !st.ok()) return st.error;
  hash_hex = to_string(to_router_hash(ri->hash()));
  return {};
}

void notify_service_manager(const std::string& state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return;
#ifdef SSU2D_HAVE_SYSTEMD
  if (int r = sd_notify(0, state.c_str()); r < 0)
    log().warn("node: sd_notify({}) failed: {}", state, std::strerror(-r));
#else
  // The protocol is one datagram on a unix socket; '@' starts an abstract address.
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t len = std::strlen(path);
  if (len >= sizeof(addr.sun_path)) return;
  std::memcpy(addr.sun_path, path, len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const auto alen = socklen_t(offsetof(sockaddr_un, sun_path) + len);
  if (::sendto(fd, state.data(), state.size(), 0, reinterpret_cast<sockaddr*>(&addr), alen) < 0)
    log().warn("node: notify {} failed: {}", path, std::strerror(errno));
  ::close(fd);
#endif
}

int run_node(const ConfigResult& loaded, const std::function<ConfigResult()>& reload) {
  const NodeConfig& cfg = *loaded.config;
  // Block the signals before any thread exists so every CAF and reader thread inherits the
  // mask and only sigwait below sees them (an unhandled SIGHUP would kill the process).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  init_logging(cfg.log.level);
  if (auto err = set_log_file(cfg.log.file); !err.empty()) {
    log().error("{}", err);  // still on stderr
    return 1;
  }
  caf::actor_system_config ccfg;
  configure_actor_system(ccfg, cfg);
  caf::actor_system sys{ccfg};
  int rc = 0;
  {
    Node node(sys, cfg);
    node.set_effective_json(loaded.merged);
    if (auto err = node.start(); !err.empty()) {
      log().error("{}", err);
      // With a log file the operator starting us by hand would otherwise see nothing.
      if (!cfg.log.file.empty()) std::fprintf(stderr, "ssu2d: %s\n", err.c_str());
      rc = 1;
    } else {
      notify_service_manager("READY=1\nSTATUS=running, router hash " + to_string(node.hash()) +
                             "\nMAINPID=" + std::to_string(::getpid()));
      int sig = 0;
      for (;;) {
        if (sigwait(&set, &sig) != 0) continue;
        if (sig != SIGHUP) break;
        log().info("node: SIGHUP received, reloading");
        notify_service_manager("RELOADING=1");
        if (reload) {
          node.reload(reload());
        } else if (auto err = reopen_log_file(); !err.empty()) {
          log().error("reload: {}", err);
        }
        notify_service_manager("READY=1");
      }
      log().info("node: {} received, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
      notify_service_manager("STOPPING=1");
      node.stop();
    }
  }
  return rc;
}

}  // namespace ssu2d
