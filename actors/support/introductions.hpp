// The nat actor's connects through introducers (we are Alice, ssu2.rst "Relay Process"): per
// firewalled Charlie, the requesters' promises, his RouterInfo, the introducers left to try
// (ssu2::nat::IntroducerChoice decides the order and each one's family) and the step in flight. Bounded by
// kMaxAttempts; each attempt by its deadline. Every promise is answered once: by the
// handshake actor's connect (delegated), by an error when no introducer is left or the
// deadline passed, or when the node stops.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "messages/messages.hpp"
#include "transport/nat/introducer_choice.hpp"

namespace ssu2d {

class Introductions {
 public:
  static constexpr size_t kMaxAttempts = 64;

  struct Attempt {
    uint64_t serial = 0;  // names its deadline message
    std::vector<uint8_t> router_info;
    ssu2::nat::IntroducerChoice choice;
    std::vector<caf::response_promise> waiting;
    std::optional<router_hash> bob;  // the introducer asked now
    std::optional<uint32_t> nonce;   // its Relay Request, once sent
    uint32_t tag = 0;
    std::string last_error = "no usable introducer";
    uint8_t ip_len = 4;  // the family of Charlie's address Bob came from: our endpoint's
  };

  // A new attempt for `charlie`, or nullptr when one is under way (then `rp` joins it) or
  // the table is full (then `rp` is left to the caller: `full` is set).
  Attempt* start(const router_hash& charlie, std::vector<uint8_t> ri,
                 ssu2::nat::IntroducerChoice choice, caf::response_promise rp, bool& full);
  Attempt* find(const router_hash& charlie);
  std::optional<router_hash> charlie_of(uint32_t nonce) const;
  // The attempt asks `bob` next (no Relay Request of his yet) with `tag`, naming our
  // endpoint of family `ip_len` (4 or 16); then sent() its nonce.
  void asking(const router_hash& charlie, const router_hash& bob, uint32_t tag, uint8_t ip_len);
  void sent(const router_hash& charlie, uint32_t nonce);
  // The attempts waiting for a session with `bob` (its connect answered first).
  std::vector<router_hash> waiting_for(const router_hash& bob) const;
  // Removes the attempt (its promises are the caller's to answer).
  std::optional<Attempt> take(const router_hash& charlie);
  void fail_all(const std::string& why);
  size_t size() const { return by_charlie_.size(); }

 private:
  std::map<router_hash, Attempt> by_charlie_;
  std::map<uint32_t, router_hash> by_nonce_;
  uint64_t serial_ = 0;
};

}  // namespace ssu2d
