#include "actors/apps/ctl_connect.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <caf/io/all.hpp>

#ifdef SSU2D_HAVE_CAF_OPENSSL
#include <caf/openssl/all.hpp>
#endif

#include "actors/apps/ctl_output.hpp"
#include "messages/messages.hpp"

namespace ssu2d::ctl {

bool split_host_port(const std::string& s, Endpoint& out) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = s.substr(0, colon), port = s.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty() || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos)
    return false;
  unsigned long p = std::stoul(port);
  if (p < 1 || p > 65535) return false;
  out = Endpoint{host, uint16_t(p)};
  return true;
}

std::string tcp_probe(const Endpoint& ep) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (int rc = ::getaddrinfo(ep.host.c_str(), std::to_string(ep.port).c_str(), &hints, &res);
      rc != 0)
    return std::string("cannot resolve ") + ep.host + ": " + ::gai_strerror(rc);
  std::string why = "no address";
  for (auto* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    timeval tv{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    const int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    const int err = errno;
    ::close(fd);
    if (rc == 0) {
      why.clear();
      break;
    }
    why = std::strerror(err == EINPROGRESS ? ETIMEDOUT : err);
  }
  ::freeaddrinfo(res);
  return why;
}

int with_node(const Endpoint& ep, const TlsFiles& tls, bool as_json,
              const std::function<int(caf::actor_system&, const introspection_client_actor&)>& fn) {
  caf::actor_system_config cfg;
  register_messages(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("logger.console", caf::atom("none"));
#ifdef SSU2D_HAVE_CAF_OPENSSL
  if (tls.on) {
    cfg.load<caf::openssl::manager>();
    // CAF 0.17 authenticates both ends once any certificate setting is present: the node's
    // certificate is checked against --tls-ca and we must present our own certificate.
    // Without any of them it would try an anonymous cipher, which a node with a
    // certificate refuses.
    if (!tls.ca.empty()) cfg.openssl_cafile = tls.ca;
    if (!tls.cert.empty()) cfg.openssl_certificate = tls.cert;
    if (!tls.key.empty()) cfg.openssl_key = tls.key;
  }
#else
  if (tls.on) return report(as_json, "usage", "built without TLS support", 2);
#endif
  caf::actor_system sys{cfg};
  // Typed: CAF checks at connect that the node's control actor has this interface.
  caf::expected<introspection_client_actor> node = caf::error{};
#ifdef SSU2D_HAVE_CAF_OPENSSL
  if (tls.on) node = caf::openssl::remote_actor<introspection_client_actor>(sys, ep.host, ep.port);
  else
#endif
    node = sys.middleman().remote_actor<introspection_client_actor>(ep.host, ep.port);
  if (!node) {
    const std::string why = tcp_probe(ep);
    const std::string at = ep.host + ":" + std::to_string(ep.port);
    return report(as_json, "cannot_reach_node",
                  "cannot reach node at " + at + ": " +
                      (why.empty() ? render_node_error(node.error()) : why) +
                      "; is ssu2d running, with control.host/control.port = " + at +
                      "? (--node HOST:PORT picks another" +
                      (tls.on ? "; with --tls check the certificates" : "") + ")",
                  1);
  }
  return fn(sys, *node);
}

}  // namespace ssu2d::ctl
