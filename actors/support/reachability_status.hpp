// The nat actor's reachability state as ssu2ctl status and metrics show it.
#pragma once
#include <optional>

#include "actors/support/metrics.hpp"
#include "messages/messages.hpp"
#include "transport/i2p/router_info.hpp"
#include "transport/nat/reachability_set.hpp"

namespace ssu2d {

std::string reachability_name(ssu2::nat::Reachability r);

// Status from the family machines and the RouterInfo now published.
nat_status make_nat_status(const ssu2::nat::ReachabilitySet& reach,
                           const ssu2::i2p::RouterInfo* published, ssu2::TimePoint now,
                           uint64_t republished);

// ssu2_reachability_state{family} (0 unknown, 1 reachable, 2 firewalled, 3 symmetric NAT).
void export_reachability(MetricsRegistry& m, const ssu2::nat::ReachabilityMachine& machine);

// ssu2_nat_dropped_total{reason} and a debug line: what the NAT engine dropped since `last`
// (its Counters, one reason per dropped input), then `last` = `now`.
void export_nat_drops(MetricsRegistry& m, const ssu2::nat::Counters& now, ssu2::nat::Counters& last);

}  // namespace ssu2d
