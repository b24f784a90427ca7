#include "actors/support/bind_error.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ssu2d {

std::string bind_error_text(int err) {
  switch (err) {
    case EADDRINUSE: return "address in use";
    case EADDRNOTAVAIL: return "address not available on this host";
    case EACCES: return "permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)";
    default: return std::strerror(err);
  }
}

std::string tcp_listen_probe(const std::string& host, uint16_t port) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
      rc != 0)
    return std::string("cannot resolve \"") + host + "\": " + ::gai_strerror(rc);
  std::string why = "no address";
  for (auto* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const bool ok = ::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 1) == 0;
    const int err = errno;
    ::close(fd);
    if (ok) {
      why.clear();
      break;
    }
    why = bind_error_text(err);
  }
  ::freeaddrinfo(res);
  return why;
}

}  // namespace ssu2d
