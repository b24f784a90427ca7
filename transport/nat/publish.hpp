// What our RouterInfo says follows from reachability: each SSU2 address's host/port (none
// when firewalled), its caps and the router caps letter R/U (spec "Published Router Info",
// "Introducers": no host or port without reachability, 4/6 on such an address, and then
// the introducers ih/itag/iexp). A dual-stack router publishes one SSU2 address per family,
// each following that family's reachability machine and carrying that family's introducers.
#pragma once
#include <vector>

#include "transport/i2p/router_keys.hpp"
#include "transport/nat/introducer_set.hpp"
#include "transport/nat/reachability.hpp"
#include "transport/nat/reachability_set.hpp"

namespace ssu2::nat {

// One SSU2 address as its family's state says it: reachability and that family's
// introducers (published only when the address has no host).
struct AddressPublication {
  PublishedAddress address;
  std::vector<i2p::Introducer> introducers;
};

// `base` is what the configuration asks for (bound or configured host/port, mtu, net id, the
// router caps without R/U); `host_configured` keeps an operator's ssu2.published_host over a
// learned external address. `introducers` are published only on an address without host
// (firewalled). published_ms is left to the caller.
i2p::OwnRouterInfoParams published_params(i2p::OwnRouterInfoParams base, bool host_configured,
                                          const PublishedAddress& a, char router_cap,
                                          const std::vector<i2p::Introducer>& introducers = {});
// The same for one address alone (the other family's on a dual-stack node: its own
// reachability machine's PublishedAddress; its router cap letter goes into the combined one).
i2p::OwnAddress published_address(i2p::OwnAddress base, bool host_configured,
                                  const PublishedAddress& a,
                                  const std::vector<i2p::Introducer>& introducers = {});
// Every address: `addresses` in the order of base's (the first for base itself, which alone
// takes `host_configured`, then base.more_addresses); addresses beyond the list are
// published as configured, entries beyond base's addresses are ignored.
i2p::OwnRouterInfoParams published_params(i2p::OwnRouterInfoParams base, bool host_configured,
                                          const std::vector<AddressPublication>& addresses,
                                          char router_cap);

// What each family says of its address, in the order a node's base parameters list them
// (the primary family first, then IPv6 when the primary is IPv4): each machine's
// PublishedAddress with that family's introducers.
std::vector<AddressPublication> address_publications(const ReachabilitySet& reach,
                                                     const IntroducerSet& introducers);

}  // namespace ssu2::nat
