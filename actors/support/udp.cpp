#include "actors/support/udp.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace ssu2d::udp {

std::optional<ssu2::Address> to_address(const sockaddr_storage& ss) {
  ssu2::Address a;
  if (ss.ss_family == AF_INET) {
    const auto* s = reinterpret_cast<const sockaddr_in*>(&ss);
    std::memcpy(a.ip.data(), &s->sin_addr, 4);
    a.ip_len = 4;
    a.port = ntohs(s->sin_port);
    return a;
  }
  if (ss.ss_family == AF_INET6) {
    const auto* s = reinterpret_cast<const sockaddr_in6*>(&ss);
    std::memcpy(a.ip.data(), &s->sin6_addr, 16);
    a.ip_len = 16;
    a.port = ntohs(s->sin6_port);
    return a;
  }
  return std::nullopt;
}

bool to_sockaddr(const ssu2::Address& a, sockaddr_storage& ss, socklen_t& len) {
  std::memset(&ss, 0, sizeof ss);
  if (a.ip_len == 4) {
    auto* s = reinterpret_cast<sockaddr_in*>(&ss);
    s->sin_family = AF_INET;
    s->sin_port = htons(a.port);
    std::memcpy(&s->sin_addr, a.ip.data(), 4);
    len = sizeof *s;
    return true;
  }
  if (a.ip_len == 16) {
    auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(a.port);
    std::memcpy(&s->sin6_addr, a.ip.data(), 16);
    len = sizeof *s;
    return true;
  }
  return false;
}

}  // namespace ssu2d::udp
