// Configuration and identities used by both handshake directions.
#pragma once
#include <functional>
#include <memory>

#include "transport/common/time.hpp"
#include "transport/crypto/crypto.hpp"
#include "transport/handshake/types.hpp"
#include "transport/i2p/router_info.hpp"

namespace ssu2::handshake {

struct Config {
  uint8_t net_id = 2;
  uint16_t mtu = 1500;  // our MTU; the smaller of ours and the peer's is used
  // ssu2.rst "Handshake Retransmission": first interval, doubled after every resend.
  Millis token_request_resend{3000};
  Millis session_request_resend{1250};
  Millis session_created_resend{1000};
  Millis session_confirmed_resend{1250};
  Millis outbound_timeout{20000};   // whole handshake, Alice (spec: total 20 s)
  Millis inbound_timeout{12000};    // Bob, from Session Created to Session Confirmed
  uint32_t max_clock_skew_s = 120;  // DateTime check (spec: +/- 2 minutes)
  uint32_t max_padding = 31;        // random padding 0..max_padding bytes in our messages
  bool request_relay_tag = false;   // Alice: Relay Tag Request in every Session Request
  // Bob: a Relay Tag Request in Session Request is answered with a Relay Tag in Session
  // Created (spec "Relay Tag Request"; we publish caps C). The session hands the tag to the
  // NAT engine, which maps it to Alice's session (SessionContext::relay_tag_issued).
  bool grant_relay_tags = true;
  // Bob: policy on Alice's RouterInfo after it verified (banned, ourselves, ...).
  // Returning false fails the handshake with Failure::router_not_accepted.
  std::function<bool(const i2p::RouterInfo&)> accept_router;
};

// Our router as the handshake needs it.
struct LocalIdentity {
  crypto::Key32 static_priv;     // X25519 "s"
  crypto::PublicKey32 static_pub{};
  crypto::Key32 intro_key;       // "i"
  crypto::Hash32 router_hash{};
  Bytes router_info;             // our signed RouterInfo, sent in Session Confirmed
};

// Bob as Alice knows him from the network database.
struct RemoteRouter {
  Address address;
  crypto::PublicKey32 static_key{};  // s of his SSU2 address
  crypto::Key32 intro_key;           // i of his SSU2 address
  crypto::Hash32 router_hash{};
  std::shared_ptr<const i2p::RouterInfo> router_info;  // optional, passed through
  uint16_t mtu = 0;  // his published SSU2 mtu, 0 if none
};

}  // namespace ssu2::handshake
