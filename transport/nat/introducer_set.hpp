// Our introducers on a dual-stack router: one Introducers list per IP family (4 and 16),
// each with its own held introducers, requests, expiries and keepalives, fed by that
// family's reachability (spec "Published Addresses", "Introducers": every SSU2 address we
// publish without a host carries its own ih/itag/iexp). Input that concerns one peer goes
// to both lists; a peer's session has one family, so at most one of them takes it. Each
// list's changes come out as IntroducersChanged naming its family. Sans-IO, like the lists.
#pragma once
#include <optional>
#include <vector>

#include "transport/nat/introducers.hpp"

namespace ssu2::nat {

class IntroducerSet {
 public:
  IntroducerSet(Context& ctx, Relay& relay, IntroducerConfig cfg = {})
      : v4_(ctx, relay, 4, cfg), v6_(ctx, relay, 16, cfg) {}

  // Reachability of the family's (4 or 16) address; another ip_len is ignored.
  void set_reachability(const Now& now, Reachability r, uint8_t ip_len);
  void on_session_up(const Now& now, const RouterHash& peer);
  void on_session_closed(const Now& now, const RouterHash& peer);
  void on_granted(const Now& now, const RouterHash& from, uint32_t tag);
  void on_handshake_tag(const Now& now, const RouterHash& from, uint32_t tag);
  void on_timer(const Now& now);
  std::optional<TimePoint> next_deadline() const;

  const Introducers& v4() const { return v4_; }
  const Introducers& v6() const { return v6_; }
  // The list of family `ip_len` (16: IPv6, anything else: IPv4).
  const Introducers& of(uint8_t ip_len) const { return ip_len == 16 ? v6_ : v4_; }
  // What the address of family `ip_len` publishes, ih0 first.
  std::vector<i2p::Introducer> published(uint8_t ip_len) const { return of(ip_len).published(); }
  // Some family is firewalled (gathering introducers).
  bool active() const { return v4_.active() || v6_.active(); }
  size_t pending() const { return v4_.pending() + v6_.pending(); }
  // Some firewalled family holds fewer than it wants: outbound handshakes ask for a tag.
  bool wants_tags() const { return v4_.short_of_introducers() || v6_.short_of_introducers(); }

 private:
  Introducers v4_, v6_;
};

}  // namespace ssu2::nat
