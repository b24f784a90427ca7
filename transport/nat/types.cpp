#include "transport/nat/types.hpp"

#include <arpa/inet.h>

#include <string>

namespace ssu2::nat {

std::string_view to_string(Reachability r) noexcept {
  switch (r) {
    case Reachability::Unknown: return "unknown";
    case Reachability::Reachable: return "reachable";
    case Reachability::Firewalled: return "firewalled";
    case Reachability::SymmetricNat: return "symmetric-nat";
  }
  return "unknown";
}

// inet_pton is a pure text-to-bytes conversion (no socket is involved).
std::optional<Address> parse_endpoint(std::string_view host, uint16_t port) {
  std::string text(host);
  Address e;
  e.port = port;
  if (inet_pton(AF_INET, text.c_str(), e.ip.data()) == 1) {
    e.ip_len = 4;
    return e;
  }
  if (inet_pton(AF_INET6, text.c_str(), e.ip.data()) == 1) {
    e.ip_len = 16;
    return e;
  }
  return std::nullopt;
}

Result<PeerInfo> peer_info_from(const i2p::RouterInfo& ri) {
  PeerInfo p;
  p.hash = ri.hash();
  p.signing_key = ri.identity.signing_key();
  for (const auto& a : ri.addresses) {
    if (!(a.is_ssu2() || a.transport == "SSU") || !a.supports_version("2")) continue;
    auto ik = a.intro_key();
    if (!ik) continue;
    if (!p.intro_key) p.intro_key = ik;
    auto caps = a.caps();
    if (caps && caps->find('B') != std::string::npos) p.peer_test_capable = true;
    if (caps && caps->find('C') != std::string::npos) p.introducer_capable = true;
    auto host = a.host();
    auto port = a.port();
    if (!host || !port) continue;
    auto e = parse_endpoint(*host, *port);
    if (!e) continue;
    auto& slot = e->ip_len == 16 ? p.v6 : p.v4;
    if (slot) continue;
    slot = *e;
    const bool c = caps && caps->find('C') != std::string::npos;
    (e->ip_len == 16 ? p.introducer_v6 : p.introducer_v4) = c;
  }
  if (!p.intro_key) return Error{Errc::malformed, "no SSU2 address with intro key"};
  p.router_info = ri.bytes();
  return p;
}

}  // namespace ssu2::nat
