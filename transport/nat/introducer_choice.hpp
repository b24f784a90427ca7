// Alice's order of introducers for one firewalled Charlie (ssu2.rst "Introducers", "Relay
// Process"). A dual-stack Charlie publishes an SSU2 address per family, each with that
// family's introducers; an introducer is usable when its address is of a family we can
// answer in (our Relay Request names our endpoint of that family, Charlie punches to it) and
// its iexp has not passed. Order: those we already have a session with first (no extra
// handshake; of those, IPv4's first), then the IPv4 address's, then the IPv6 address's, each
// in published order; each one is tried once, so a failed one falls over to the next, across
// families. Sans-IO: the caller says which families we have, which routers are connected and
// what time it is.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "transport/i2p/router_info.hpp"

namespace ssu2::nat {

// One introducer to ask and the family of Charlie's address that published it: our endpoint
// of that family goes into the Relay Request.
struct IntroducerOption {
  i2p::Introducer introducer;
  uint8_t ip_len = 4;
};

class IntroducerChoice {
 public:
  // Introducers whose iexp is within this of `wall_s` are skipped: the tag may be gone by
  // the time Bob gets our Relay Request.
  static constexpr uint32_t kExpiryMarginS = 10;
  // Bound on the options kept from one RouterInfo (3 per address; a router has one address
  // per family, a hostile one may list many).
  static constexpr size_t kMaxOptions = 4 * i2p::kMaxIntroducers;

  // Every SSU2 address of `charlie` with introducers, of the families we answer in
  // (`have_v4`, `have_v6`: we have a socket and an address of that family). An address for
  // both families is used as IPv4's when we have IPv4. Introducers naming Charlie himself and
  // repeats (same router, tag and family) are dropped.
  IntroducerChoice(const i2p::RouterInfo& charlie, bool have_v4, bool have_v6, uint32_t wall_s);
  // One address's introducers, all of family `ip_len`.
  IntroducerChoice(std::vector<i2p::Introducer> published, uint32_t wall_s, uint8_t ip_len = 4);

  // The next one to try (removed from the choice), or nullopt when none is left.
  std::optional<IntroducerOption> next(const std::function<bool(const crypto::Hash32&)>& connected);
  size_t left() const { return left_.size(); }
  // Why the choice was empty from the start (meaningful when nothing was usable).
  std::string why_none() const;

 private:
  void add(const i2p::Introducer& in, uint8_t ip_len, uint32_t wall_s);

  std::vector<IntroducerOption> left_;
  size_t published_ = 0, other_family_ = 0, expired_ = 0;
};

}  // namespace ssu2::nat
