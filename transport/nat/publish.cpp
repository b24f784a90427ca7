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

i2p::OwnRouterInfoParams published_params(i2p::OwnRouterInfoParams base, bool host_configured,
                                          const std::vector<AddressPublication>& addresses,
                                          char router_cap) {
  if (addresses.empty()) {
    if (router_cap) base.router_caps.push_back(router_cap);
    return base;
  }
  for (size_t i = 1; i < addresses.size() && i <= base.more_addresses.size(); ++i)
    base.more_addresses[i - 1] = published_address(std::move(base.more_addresses[i - 1]), false,
                                                   addresses[i].address, addresses[i].introducers);
  return published_params(std::move(base), host_configured, addresses.front().address, router_cap,
                          addresses.front().introducers);
}

std::vector<AddressPublication> address_publications(const ReachabilitySet& reach,
                                                     const IntroducerSet& introducers) {
  std::vector<AddressPublication> out;
  const auto* primary = reach.primary();
  if (!primary) return out;
  out.push_back({primary->published(), introducers.published(primary->ip_len())});
  if (primary == reach.v4() && reach.v6())
    out.push_back({reach.v6()->published(), introducers.published(16)});
  return out;
}

}  // namespace ssu2::nat
