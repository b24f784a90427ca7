// Alice's order of introducers for one firewalled Charlie (ssu2.rst "Introducers", "Relay
// Process"): the introducers his RouterInfo publishes that have not expired, those we
// already have a session with first (no extra handshake), then the others in published
// order; each one is tried once. Sans-IO: the caller says which routers are connected and
// what time it is.
#pragma once
#include <functional>
#include <optional>
#include <vector>

#include "transport/i2p/router_info.hpp"

namespace ssu2::nat {

class IntroducerChoice {
 public:
  // Introducers whose iexp is within this of `wall_s` are skipped: the tag may be gone by
  // the time Bob gets our Relay Request.
  static constexpr uint32_t kExpiryMarginS = 10;

  IntroducerChoice(std::vector<i2p::Introducer> published, uint32_t wall_s);

  // The next one to try (removed from the choice), or nullopt when none is left.
  std::optional<i2p::Introducer> next(const std::function<bool(const crypto::Hash32&)>& connected);
  size_t left() const { return left_.size(); }

 private:
  std::vector<i2p::Introducer> left_;
};

}  // namespace ssu2::nat
