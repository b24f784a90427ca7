#include "transport/nat/publish.hpp"

namespace ssu2::nat {

i2p::OwnRouterInfoParams published_params(i2p::OwnRouterInfoParams base, bool host_configured,
                                          const PublishedAddress& a, char router_cap,
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
  if (router_cap) base.router_caps.push_back(router_cap);
  return base;
}

}  // namespace ssu2::nat
