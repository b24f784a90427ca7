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
  char buf[INET6_ADDRSTRLEN] = {0};
  endpoint ep;
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    ep.port = ntohs(a->sin6_port);
  } else {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    ep.port = ntohs(a->sin_port);
  }
  ep.host = buf;
  return ep;
}

endpoint to_endpoint(const ssu2::session::PeerAddress& a) {
  sockaddr_storage ss;
  socklen_t len = 0;
  if (!to_sockaddr(a, ss, len)) return endpoint{};
  return to_endpoint(ss);
}

bool to_sockaddr(const endpoint& ep, sockaddr_storage& ss, socklen_t& len) {
  std::memset(&ss, 0, sizeof ss);
  if (ep.host.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(ep.port);
    if (inet_pton(AF_INET6, ep.host.c_str(), &a->sin6_addr) != 1) return false;
    len = sizeof *a;
    return true;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&ss);
  a->sin_family = AF_INET;
  a->sin_port = htons(ep.port);
  if (inet_pton(AF_INET, ep.host.c_str(), &a->sin_addr) != 1) return false;
  len = sizeof *a;
  return true;
}

std::optional<ssu2::session::PeerAddress> to_peer_address(const endpoint& ep) {
  sockaddr_storage ss;
  socklen_t len = 0;
  if (!to_sockaddr(ep, ss, len)) return std::nullopt;
  return to_peer_address(ss);
}

}  // namespace ssu2d::udp
