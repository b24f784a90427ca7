#include "actors/support/reachability_status.hpp"

#include "actors/nat_actor.hpp"
#include "actors/support/logging.hpp"
#include "transport/i2p/base64.hpp"
#include "transport/nat/introducer_choice.hpp"

namespace ssu2d {

namespace nat = ssu2::nat;

std::string reachability_name(nat::Reachability r) {
  switch (r) {
    case nat::Reachability::Reachable: return "reachable";
    case nat::Reachability::Firewalled: return "firewalled";
    case nat::Reachability::SymmetricNat: return "symmetric_nat";
    case nat::Reachability::Unknown: break;
  }
  return "unknown";
}

nat_status make_nat_status(const nat::ReachabilitySet& reach,
                           const ssu2::i2p::RouterInfo* published, ssu2::TimePoint now,
                           uint64_t republished) {
  nat_status s;
  if (const auto* primary = reach.primary()) {
    s.reachability = reachability_name(primary->state());
    if (auto e = primary->external()) s.external = e->to_string();
    for (const auto* m : {reach.v4(), reach.v6()}) {
      if (!m) continue;
      for (const auto& t : m->history()) {
        std::string line = reachability_name(t.result);
        line += " observed=" + (t.observed ? t.observed->to_string() : "-");
        if (t.reject_code) line += " reject=" + std::to_string(t.reject_code);
        line += " age_s=" + std::to_string(ssu2::to_ms(now - t.at) / 1000);
        s.peer_tests.push_back(std::move(line));
      }
    }
  }
  if (published) {
    if (auto* c = published->options.get("caps")) s.router_caps = *c;
    for (const auto& a : published->addresses) {
      if (auto* c = a.options.get("caps"); c && s.address_caps.empty()) s.address_caps = *c;
      auto* h = a.options.get("host");
      auto* p = a.options.get("port");
      if (h && p) s.published.push_back(*h + ":" + *p);
    }
    // Each family's introducers from its own address (a dual-stack router publishes one SSU2
    // address per family; the first of a family counts).
    for (const auto* a : published->ssu2_addresses()) {
      auto list = a->introducers();
      if (list.empty()) continue;
      for (uint8_t fam : a->ip_families()) {
        auto& out = fam == 16 ? s.introducers_v6 : s.introducers_v4;
        if (!out.empty()) continue;
        for (const auto& in : list)
          out.push_back(ssu2::i2p::base64_encode(in.router_hash) + " itag=" + std::to_string(in.tag) +
                        " iexp=" + std::to_string(in.expiration_s));
      }
    }
  }
  s.republished = republished;
  return s;
}

void export_reachability(MetricsRegistry& m, const nat::ReachabilityMachine& machine) {
  m.gauge("ssu2_reachability_state",
          "Reachability per family: 0 unknown, 1 reachable, 2 firewalled, 3 symmetric NAT",
          {{"family", machine.ip_len() == 16 ? "ipv6" : "ipv4"}})
      .set(int64_t(machine.state()));
}

void export_nat_drops(MetricsRegistry& m, const nat::Counters& now, nat::Counters& last) {
  const std::pair<const char*, uint64_t nat::Counters::*> reasons[] = {
      {"malformed", &nat::Counters::malformed},       {"bad_signature", &nat::Counters::bad_signature},
      {"stale_timestamp", &nat::Counters::stale_timestamp}, {"replayed_nonce", &nat::Counters::replayed_nonce},
      {"unknown_nonce", &nat::Counters::unknown_nonce}, {"unknown_tag", &nat::Counters::unknown_tag},
      {"unknown_peer", &nat::Counters::unknown_peer},   {"wrong_sender", &nat::Counters::wrong_sender},
      {"unexpected", &nat::Counters::unexpected},       {"rejected_sent", &nat::Counters::rejected_sent},
      {"limit", &nat::Counters::limit}};
  for (const auto& [reason, field] : reasons)
    if (uint64_t d = now.*field - last.*field; d > 0) {
      m.counter("ssu2_nat_dropped_total", "NAT (peer test, relay) input the engine dropped or refused",
                {{"reason", reason}})
          .inc(d);
      log().debug("nat: dropped {} input(s): {}", d, reason);
    }
  last = now;
}

}  // namespace ssu2d
