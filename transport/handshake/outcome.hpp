// Outputs shared by both handshake state machines.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "transport/handshake/session_context.hpp"
#include "transport/handshake/types.hpp"
#include "transport/ssu2/blocks.hpp"

namespace ssu2::handshake {

// Counters of everything a machine dropped or repeated. Bad input is counted and dropped,
// never fatal unless the spec says the handshake must stop.
struct HandshakeStats {
  uint64_t received = 0;
  uint64_t dropped_wrong_source = 0;  // not from the peer's address
  uint64_t dropped_malformed = 0;     // too short, bad header, bad blocks
  uint64_t dropped_auth = 0;          // AEAD / DH failure
  uint64_t dropped_unexpected = 0;    // valid type for another state, wrong conn IDs
  uint64_t duplicates = 0;            // retransmitted copy of a message already processed
  uint64_t retransmissions = 0;       // datagrams resent (timer or duplicate-triggered)
  uint64_t retries = 0;               // Retry messages accepted (Alice)
};

struct Failed {
  Failure reason;
  // Set when the peer ended the handshake with a Termination block (in a Retry).
  std::optional<wire::TerminationReason> peer_reason;
};

}  // namespace ssu2::handshake
