// Plain values shared by the peer-test and relay state machines (which run on ssu2::Now,
// transport/common/time.hpp): what they know about us and about other routers, the actions
// they ask the caller to carry out, and the counters of dropped input.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"
#include "transport/common/time.hpp"
#include "transport/crypto/crypto.hpp"
#include "transport/i2p/router_info.hpp"
#include "transport/ssu2/blocks.hpp"

namespace ssu2::nat {

using RouterHash = crypto::Hash32;

// What we need to know about another router, taken from its RouterInfo.
struct PeerInfo {
  RouterHash hash{};
  crypto::PublicKey32 signing_key{};
  std::optional<ByteArray<32>> intro_key;  // from its SSU2 address ("i")
  std::optional<Address> v4;              // published SSU2 IPv4 host/port
  std::optional<Address> v6;              // published SSU2 IPv6 host/port
  bool peer_test_capable = false;          // 'B' in the SSU2 address caps
  bool introducer_capable = false;         // 'C' in the SSU2 address caps (relays for us)
  bool introducer_v4 = false;              // 'C' in the address that publishes v4
  bool introducer_v6 = false;              // 'C' in the address that publishes v6
  Bytes router_info;                       // signed wire form, forwarded in RouterInfo blocks

  const std::optional<Address>& endpoint_for(uint8_t ip_len) const {
    return ip_len == 16 ? v6 : v4;
  }
  // Can introduce us to Alices of that family: a published host of the family, 'C' in the
  // caps of the address that publishes it.
  bool introduces(uint8_t ip_len) const {
    return endpoint_for(ip_len) && (ip_len == 16 ? introducer_v6 : introducer_v4);
  }
};
// Extracts the PeerInfo from a parsed RouterInfo (signature must already be checked by the
// caller). malformed when it has no SSU2 address with an intro key.
Result<PeerInfo> peer_info_from(const i2p::RouterInfo& ri);
// "1.2.3.4" / IPv6 literal + port -> Address (nullopt if not a literal address).
std::optional<Address> parse_endpoint(std::string_view host, uint16_t port);

// Our own identity as the NAT code needs it.
struct LocalIdentity {
  RouterHash hash{};
  crypto::Key32 signing_priv;           // Ed25519 seed
  ByteArray<32> intro_key{};            // our "i": key of every out-of-session packet we get
  std::optional<Address> v4;           // our published / believed addresses
  std::optional<Address> v6;
  Bytes router_info;                    // our signed RouterInfo
  uint8_t net_id = 2;
  const std::optional<Address>& endpoint_for(uint8_t ip_len) const {
    return ip_len == 16 ? v6 : v4;
  }
};

// ---- results ----
enum class Reachability : uint8_t { Unknown, Reachable, Firewalled, SymmetricNat };
std::string_view to_string(Reachability r) noexcept;

// ---- actions: what the caller must do ----
// Send these blocks to `to` over its established session (in one packet if they fit).
struct SendBlocks {
  RouterHash to{};
  std::vector<wire::Block> blocks;
};
// Send this complete, already protected UDP payload out of session.
struct SendPacket {
  Address to;
  Bytes bytes;
};
// A peer test we started as Alice is over.
struct PeerTestDone {
  uint32_t nonce = 0;
  RouterHash bob{};
  Reachability result = Reachability::Unknown;
  Address tested;                   // the address we asked to test (message 1)
  std::optional<Address> observed;  // our address as Charlie saw it (message 7)
  uint8_t reject_code = 0;           // nonzero if Bob or Charlie refused
  bool got4 = false, got5 = false, got7 = false;
};
// An introducer accepted our relay-tag request: publish `tag` with `introducer`.
struct RelayTagGranted {
  RouterHash introducer{};
  uint32_t tag = 0;
};
// The relay-tag part of a completed handshake with a peer (transport/handshake): we asked
// in Session Request and were `granted` a tag in Session Created (Alice), or we `issued` one
// there in answer to the peer's request (Bob).
struct HandshakeTags {
  bool asked = false;
  std::optional<uint32_t> granted;
  std::optional<uint32_t> issued;
};
// As relay Charlie we accepted an introduction: the caller must accept a Session Request
// from `alice_endpoint` carrying `token` (put it into the handshake token cache).
struct TokenIssued {
  Address alice_endpoint;
  uint64_t token = 0;
};
// As relay Alice: Charlie agreed; start the handshake to `charlie_endpoint` with `token`.
struct IntroductionReady {
  uint32_t nonce = 0;
  RouterHash charlie{};
  Address charlie_endpoint;
  uint64_t token = 0;
  bool via_hole_punch = false;  // learned from the Hole Punch rather than Bob's response
};
// As relay Alice: the introduction failed (code from Bob/Charlie, or 0 on timeout).
struct IntroductionFailed {
  uint32_t nonce = 0;
  RouterHash charlie{};
  uint8_t code = 0;
  bool timed_out = false;
};

// The introducers one family's address publishes changed (transport/nat/introducers):
// republish our RouterInfo with these in the SSU2 address of that family (empty: none).
struct IntroducersChanged {
  uint8_t ip_len = 4;                        // the family: 4 or 16
  std::vector<i2p::Introducer> introducers;  // that family's list now, ih0 first
};

// Send `to` (one of our introducers) a packet in its session now, whatever it carries (an
// ACK): our NAT keeps the mapping that lets its Relay Intro reach us (transport/nat/introducers).
struct KeepAlive {
  RouterHash to{};
};

using Action = std::variant<SendBlocks, SendPacket, PeerTestDone, RelayTagGranted, TokenIssued,
                            IntroductionReady, IntroductionFailed, IntroducersChanged, KeepAlive>;

// Every dropped input is counted under exactly one reason.
struct Counters {
  uint64_t malformed = 0;        // unparseable packet/block, wrong fields
  uint64_t bad_signature = 0;
  uint64_t stale_timestamp = 0;  // signed timestamp or DateTime outside the allowed skew
  uint64_t replayed_nonce = 0;
  uint64_t unknown_nonce = 0;    // response/packet for no test or relay in progress
  uint64_t unknown_tag = 0;      // RelayRequest/RelayIntro with a tag we did not issue/get
  uint64_t unknown_peer = 0;     // no RouterInfo known for a router we must verify or reach
  uint64_t wrong_sender = 0;     // a response from a router other than the one we asked
  uint64_t unexpected = 0;       // valid block in the wrong role/state (unsolicited tag, ...)
  uint64_t rejected_sent = 0;    // requests we answered with a reject code
  uint64_t limit = 0;            // dropped or refused because a table was full
};

}  // namespace ssu2::nat
