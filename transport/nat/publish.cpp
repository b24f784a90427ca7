#include "transport/nat/publish.hpp"

namespace ssu2::nat {

i2p::OwnAddress published_address(i2p::OwnAddress base, bool host_configured,
                                  const PublishedAddress& a,
                                  const std::vector<i2p::Introducer>& introducers) {
  if (!a.publish_host) {
    base.host.clear();
    base.port = 0;
    base.introducers = introducers;
  } else if (a.host && !host_configured) {
    base.host = a.host->host();
    base.port = a.host->port;
  }
  base.address_caps = a.address_caps;
  return base;
}

i2p::OwnRouterInfoParams published_params(i2p::OwnRouterInfoParams base, bool host_configured,
                                          const PublishedAddress& a, char router_cap,
                                          const std::vector<i2p::Introducer>& introducers) {
  static_cast<i2p::OwnAddress&>(base) =
      published_address(static_cast<const i2p::OwnAddress&>(base), host_configured, a, introducers);
  if (router_cap) base.router_caps.push_back(router_cap);
  return base;
}

}  // namespace ssu2::nat
