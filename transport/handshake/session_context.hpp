// What a completed handshake hands to the data phase (transport/session/): everything a
// session needs to encrypt, decrypt and route packets, and the peer it talks to.
//
// Header protection in the data phase (ssu2.rst "KDF for data phase"): k_header_1 is the
// RECEIVER's intro key, k_header_2 comes from the data-phase KDF of that direction. So
// packets we send are protected with (peer_intro_key, send.header2) and packets we
// receive with (our_intro_key, receive.header2).
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "transport/crypto/crypto.hpp"
#include "transport/handshake/types.hpp"
#include "transport/i2p/router_info.hpp"
#include "transport/ssu2/kdf.hpp"

namespace ssu2::handshake {

struct SessionContext {
  bool outbound = false;  // true: we are Alice
  Address peer;          // address the peer's packets come from / ours go to

  uint64_t our_conn_id = 0;    // Destination Connection ID of packets we receive
  uint64_t their_conn_id = 0;  // Destination Connection ID of packets we send

  crypto::Key32 our_intro_key;   // k_header_1 of received packets
  crypto::Key32 peer_intro_key;  // k_header_1 of sent packets
  wire::DirectionKeys send;      // data key (nonce = packet number) + k_header_2
  wire::DirectionKeys receive;

  std::shared_ptr<const i2p::RouterInfo> peer_router_info;  // parsed, signature verified
  crypto::Hash32 peer_hash{};
  crypto::PublicKey32 peer_static_key{};

  uint16_t mtu = 1500;
  // Largest Noise payload (blocks, before the 16-byte tag) of one Data packet:
  // MTU - IP header (20/40) - UDP (8) - short header (16) - MAC (16).
  size_t max_payload = 0;

  // Session Confirmed is Alice's packet 0, so her data starts at 1; Bob starts at 0
  // (his first Data packet should ACK packet 0).
  uint32_t next_send_packet_number = 0;
  uint32_t next_receive_packet_number = 0;

  // Alice: token from a New Token block in Session Created (store it in the TokenCache).
  std::optional<Token> token_received;
  // Bob: a fresh token for Alice's next connection, to send in a New Token block with
  // the ACK of Session Confirmed.
  std::optional<Token> token_to_send;

  bool relay_tag_asked = false;             // Alice: our Session Request asked for a tag
  std::optional<uint32_t> relay_tag;        // Alice: Relay Tag from Session Created (asked for)
  bool relay_tag_requested = false;         // Bob: Alice asked for one in Session Request
  std::optional<uint32_t> relay_tag_issued;  // Bob: the Relay Tag we gave in Session Created
  std::optional<Address> our_observed_address;  // Address block: how the peer sees us

  // Bob: header key 2 of Alice's Session Confirmed. With our intro key as key 1 it lets
  // the session recognise a retransmitted Session Confirmed (its ACK was lost) and
  // answer with an ACK instead of treating it as garbage.
  std::optional<crypto::Key32> session_confirmed_header_key;

  // Alice: the Data packet(s) from Bob that confirmed the handshake, still encrypted, for
  // the session to process like any other received packet.
  std::vector<Bytes> first_packets;
};

// Data-phase payload room for a given MTU and address family.
inline size_t data_max_payload(uint16_t mtu, bool v6) {
  size_t overhead = (v6 ? 40 : 20) + 8 + 16 + 16;
  return mtu > overhead ? mtu - overhead : 0;
}

}  // namespace ssu2::handshake
