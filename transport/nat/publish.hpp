// What our RouterInfo says follows from reachability: the SSU2 address's host/port (none
// when firewalled), its caps and the router caps letter R/U (spec "Published Router Info",
// "Introducers": no host or port without reachability, 4/6 on such an address, and then
// the introducers ih/itag/iexp).
#pragma once
#include "transport/i2p/router_keys.hpp"
#include "transport/nat/reachability.hpp"

namespace ssu2::nat {

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

}  // namespace ssu2::nat
