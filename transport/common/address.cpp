#include "transport/common/address.hpp"

#include <arpa/inet.h>

namespace ssu2 {

std::optional<Address> Address::parse(std::string_view host, uint16_t port) {
  std::string h(host);
  Address a;
  a.port = port;
  if (h.find(':') != std::string::npos) {
    a.ip_len = 16;
    if (inet_pton(AF_INET6, h.c_str(), a.ip.data()) != 1) return std::nullopt;
  } else if (inet_pton(AF_INET, h.c_str(), a.ip.data()) != 1) {
    return std::nullopt;
  }
  return a;
}

std::string Address::host() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (!has_ip()) return "";
  inet_ntop(is_v6() ? AF_INET6 : AF_INET, ip.data(), buf, sizeof buf);
  return buf;
}

std::string host_port(std::string_view host, uint16_t port) {
  std::string h(host);
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  return h + ":" + std::to_string(port);
}

std::string Address::to_string() const { return host_port(host(), port); }

}  // namespace ssu2
