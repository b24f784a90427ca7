// Out-of-session packets of the NAT protocols: Peer Test (type 7, messages 5-7) and Hole Punch
// (type 11). Both are a long header plus a ChaCha20-Poly1305 payload keyed with the
// receiver's intro key (also both header-protection keys), nonce = packet number,
// AD = the clear 32-byte header (spec "KDF for Peer Test", "KDF for Hole Punch").
#pragma once
#include <optional>
#include <vector>

#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"
#include "transport/ssu2/blocks.hpp"
#include "transport/ssu2/header.hpp"

namespace ssu2::nat {

// Connection IDs are derived from the test/relay nonce: (nonce << 32) | nonce for packets
// towards Alice, and its complement as the source ID; Alice's message 6 swaps the two.
inline uint64_t nonce_conn_id(uint32_t nonce) { return uint64_t(nonce) << 32 | nonce; }

// The blocks a type 7 / 11 payload may carry, picked out of the parsed payload.
struct OosPacket {
  wire::LongHeader header;
  std::optional<uint32_t> datetime;               // DateTime block (seconds)
  std::optional<ssu2::Address> address;          // Address block
  std::optional<wire::PeerTestBlock> peer_test;   // type 7
  std::optional<wire::RelayResponseBlock> relay_response;  // type 11
};

// Builds and protects a packet. `h.type` must be PeerTest or HolePunch.
Result<Bytes> seal_oos_packet(const wire::LongHeader& h, const std::vector<wire::Block>& blocks,
                              const ByteArray<32>& intro_key);
// Unprotects and decrypts with our intro key. Errors: truncated/malformed header, wrong_state
// for a type other than 7/11, unsupported version or net ID, auth_failed, malformed payload
// (bad blocks, a required block repeated).
Result<OosPacket> open_oos_packet(ByteSpan packet, const ByteArray<32>& intro_key,
                                  uint8_t net_id);

}  // namespace ssu2::nat
