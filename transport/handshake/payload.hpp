// The handshake's view of SSU2 Noise payloads, on top of the block codec
// (transport/ssu2/blocks.hpp): builds the payloads the handshake sends and collects the
// blocks it reads. Data-phase blocks (I2NP, relay, peer test, ...) are ignored here; the
// session core owns those.
#pragma once
#include <optional>

#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"
#include "transport/handshake/types.hpp"
#include "transport/ssu2/blocks.hpp"

namespace ssu2::handshake::payload {


// Blocks common to the handshake payloads. Each append returns false only if a block
// could not be encoded (which would be a local bug).
bool date_time(Bytes& out, uint32_t wall_s);
bool address(Bytes& out, const Address& ep);
bool new_token(Bytes& out, const Token& t);
bool relay_tag_request(Bytes& out);
bool relay_tag(Bytes& out, uint32_t tag);
bool termination(Bytes& out, wire::TerminationReason reason);
bool router_info(Bytes& out, ByteSpan ri, bool gzipped);
bool padding(Bytes& out, size_t len);
// The data-phase RouterInfo block that tells a connected peer our republished RouterInfo:
// flood flag off, gzipped when that is smaller (ssu2.rst "RouterInfo" block).
wire::RouterInfoBlock router_info_update(ByteSpan ri);

// What a handshake message carried.
struct Parsed {
  std::optional<uint32_t> date_time;
  std::optional<Address> address;
  std::optional<Token> new_token;
  std::optional<uint32_t> relay_tag;
  std::optional<uint32_t> first_packet_number;
  bool relay_tag_requested = false;
  std::optional<wire::TerminationReason> termination;
  std::optional<wire::RouterInfoBlock> router_info;
  bool router_info_first = false;  // the RouterInfo block was the first block
  bool has_ack = false;
};
// Parses with the block codec's receive rules (bounds, sizes, padding last) and collects.
Result<Parsed> parse(ByteSpan in);

}  // namespace ssu2::handshake::payload
