#include "actors/support/udp.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace ssu2d::udp {

std::optional<ssu2::session::PeerAddress> to_peer_address(const sockaddr_storage& ss) {
  ssu2::session::PeerAddress a;
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

bool to_sockaddr(const ssu2::session::PeerAddress& a, sockaddr_storage& ss, socklen_t& len) {
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

endpoint to_endpoint(const sockaddr_storage& ss) {
  auto a = to_peer_address(ss);
  return a ? to_endpoint(*a) : endpoint{};
}

endpoint to_endpoint(const ssu2::Address& a) { return endpoint{a.host(), a.port}; }

bool to_sockaddr(const endpoint& ep, sockaddr_storage& ss, socklen_t& len) {
  auto a = to_address(ep);
  return a && to_sockaddr(*a, ss, len);
}

std::optional<ssu2::Address> to_address(const endpoint& ep) { return ssu2::Address::parse(ep.host, ep.port); }

}  // namespace ssu2d::udp
