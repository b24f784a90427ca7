// SSU2 Noise payload blocks (spec "Noise Payload" / "Block Specifications").
//
// A payload is a sequence of TLV blocks: 1-byte type, 2-byte big-endian size, `size` bytes of
// data. parse_blocks() turns a whole decrypted payload into a vector of typed blocks;
// emit_blocks() does the reverse. Block data is copied into owned Bytes, so parsed blocks
// stay valid after the packet buffer is reused.
//
// Receive rules enforced by parse_blocks():
//   - a size running past the end of the payload, or a truncated 3-byte block head: truncated
//   - a fixed-size block with the wrong size, a variable block shorter than its fixed part,
//     inconsistent inner lengths (asz, ACK ranges, ...): malformed
//   - Padding that is not the last block, or more than one Padding: malformed
//   - unknown block types are kept as UnknownBlock (the spec says to ignore them; keeping them
//     lets callers count/log them; dispatchers simply skip them)
// Context rules (RouterInfo first in Session Confirmed, which blocks a handshake message may
// carry, ...) are the caller's business.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "transport/common/address.hpp"
#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"

namespace ssu2::wire {

enum class BlockType : uint8_t {
  DateTime = 0,
  Options = 1,
  RouterInfo = 2,
  I2np = 3,
  FirstFragment = 4,
  FollowOnFragment = 5,
  Termination = 6,
  RelayRequest = 7,
  RelayResponse = 8,
  RelayIntro = 9,
  PeerTest = 10,
  NextNonce = 11,
  Ack = 12,
  Address = 13,
  RelayTagRequest = 15,
  RelayTag = 16,
  NewToken = 17,
  PathChallenge = 18,
  PathResponse = 19,
  FirstPacketNumber = 20,
  Congestion = 21,
  Padding = 254,
};

inline constexpr size_t kBlockHeaderLen = 3;         // type + size
inline constexpr size_t kMaxBlockDataLen = 0xffff;   // the size field is 16 bits

// An IP endpoint as carried in Address, Relay* and PeerTest blocks: 2-byte port then a
// 4-byte IPv4 or 16-byte IPv6 address, both in network order. ip_len 0 is used only by
// RelayResponse (csz = 0).
// ssu2::Address under the wire's name: the same type (an alias), not a separate concept.
// Encoded size: port + address = 6 or 18 (0 when absent) — the spec's asz/csz value.
inline uint8_t wire_size(const Address& e) { return e.ip_len == 0 ? 0 : uint8_t(2 + e.ip_len); }

// ---- one struct per block type ----

// 0: seconds since the Unix epoch (size exactly 4).
struct DateTimeBlock {
  uint32_t timestamp = 0;
  bool operator==(const DateTimeBlock&) const = default;
};

// 1: padding / dummy-traffic / delay preferences (size >= 12). Ratios are 4.4 fixed point.
struct OptionsBlock {
  uint8_t tmin = 0, tmax = 0, rmin = 0, rmax = 0;
  uint16_t tdmy = 0, rdmy = 0, tdelay = 0, rdelay = 0;
  Bytes more;  // more_options, format TBD in the spec, kept verbatim
  bool operator==(const OptionsBlock&) const = default;
};

// 2: a RouterInfo (size >= 2: flag + frag + data).
inline constexpr uint8_t kRouterInfoFlagFlood = 0x01;  // bit 0: flood request
inline constexpr uint8_t kRouterInfoFlagGzip = 0x02;   // bit 1: data is gzip-compressed
struct RouterInfoBlock {
  uint8_t flags = 0;
  uint8_t frag = 0x01;  // always fragment 0 of 1 (spec: RouterInfo block is never fragmented)
  Bytes data;           // the RouterInfo, gzip-compressed when gzip() is set
  bool flood() const { return (flags & kRouterInfoFlagFlood) != 0; }
  bool gzip() const { return (flags & kRouterInfoFlagGzip) != 0; }
  bool operator==(const RouterInfoBlock&) const = default;
};

// 3: a complete I2NP message with the 9-byte short header (size >= 9).
struct I2npBlock {
  uint8_t type = 0;         // I2NP message type
  uint32_t msg_id = 0;
  uint32_t expiration = 0;  // seconds since the epoch
  Bytes body;
  bool operator==(const I2npBlock&) const = default;
};

// 4: fragment 0 of an I2NP message, same layout as I2npBlock (size >= 10: the spec requires a
// non-empty partial message).
struct FirstFragmentBlock {
  uint8_t type = 0;
  uint32_t msg_id = 0;
  uint32_t expiration = 0;
  Bytes data;
  bool operator==(const FirstFragmentBlock&) const = default;
};

// 5: fragment 1..127 of an I2NP message (size >= 6: frag byte, msg id, non-empty data).
// Wire frag byte: bits 7-1 fragment number, bit 0 isLast.
struct FollowOnFragmentBlock {
  uint8_t fragment_number = 1;  // 1..127
  bool is_last = false;
  uint32_t msg_id = 0;
  Bytes data;
  bool operator==(const FollowOnFragmentBlock&) const = default;
};

// 6: termination reasons (spec "Termination"). Values outside the list are kept as-is.
enum class TerminationReason : uint8_t {
  NormalClose = 0,
  TerminationReceived = 1,
  IdleTimeout = 2,
  RouterShutdown = 3,
  DataPhaseAeadFailure = 4,
  IncompatibleOptions = 5,
  IncompatibleSignatureType = 6,
  ClockSkew = 7,
  PaddingViolation = 8,
  AeadFramingError = 9,
  PayloadFormatError = 10,
  SessionRequestError = 11,
  SessionCreatedError = 12,
  SessionConfirmedError = 13,
  Timeout = 14,
  RouterInfoSignatureFailure = 15,
  StaticKeyMismatch = 16,  // "s parameter missing, invalid, or mismatched in RouterInfo"
  Banned = 17,
  BadToken = 18,
  ConnectionLimits = 19,
  IncompatibleVersion = 20,
  WrongNetId = 21,
  ReplacedByNewSession = 22,
};
const char* to_string(TerminationReason r) noexcept;  // "unknown" for unlisted values

// 6: (size >= 9).
struct TerminationBlock {
  uint64_t valid_frames_received = 0;  // the receive nonce / packet count; 0 in the handshake
  TerminationReason reason = TerminationReason::NormalClose;
  Bytes additional;
  bool operator==(const TerminationBlock&) const = default;
};

// 7: Alice -> Bob. Everything from nonce to the IP is covered by Alice's signature; the
// signature itself is the remainder of the block (64 bytes for Ed25519).
struct RelayRequestBlock {
  uint8_t flag = 0;
  uint32_t nonce = 0;
  uint32_t relay_tag = 0;
  uint32_t timestamp = 0;
  uint8_t version = 2;
  Address alice;  // 6 or 18 bytes on the wire (asz)
  Bytes signature;
  // The signed fields exactly as on the wire (nonce .. Alice IP); the signature covers
  // "RelayRequestData" || bhash || chash || signed_data().
  Bytes signed_data() const;
  bool operator==(const RelayRequestBlock&) const = default;
};

// 8: Charlie -> Bob -> Alice (also in Hole Punch).
//   flag, code, nonce, then (when present) timestamp, ver, csz, [port, ip], signature,
//   and for code 0 (accept) an 8-byte token at the very end.
// Parse: after the nonce the block may end (rejections without details); otherwise the
// details follow. For code 0 the details and the token are mandatory.
struct RelayResponseBlock {
  uint8_t flag = 0;
  uint8_t code = 0;  // 0 accept, 1-63 Bob reject, 64-127 Charlie reject, 128+ other
  uint32_t nonce = 0;
  bool has_details = false;  // timestamp/version/charlie/signature present
  uint32_t timestamp = 0;
  uint8_t version = 2;
  Address charlie{{}, 0, 0};  // csz 0, 6 or 18
  Bytes signature;
  std::optional<uint64_t> token;  // present iff code == 0
  // nonce .. Charlie IP as on the wire (what the signature covers after prologue and bhash).
  Bytes signed_data() const;
  bool operator==(const RelayResponseBlock&) const = default;
};

// 9: Bob -> Charlie, forwards Alice's RelayRequest signed data with Alice's hash in front.
struct RelayIntroBlock {
  uint8_t flag = 0;
  ByteArray<32> alice_hash{};
  uint32_t nonce = 0;
  uint32_t relay_tag = 0;
  uint32_t timestamp = 0;
  uint8_t version = 2;
  Address alice;
  Bytes signature;
  Bytes signed_data() const;  // nonce .. Alice IP, identical to the RelayRequest's
  bool operator==(const RelayIntroBlock&) const = default;
};

// 10: peer test message 1..7. The signed part (ver, nonce, timestamp, asz, port, IP) is kept
// as the exact received bytes so Bob can forward it unmodified and anyone can verify it; the
// accessors decode it (parse_blocks() has validated it, so they cannot fail on parsed
// blocks). Build one with make_signed_data().
struct PeerTestBlock {
  uint8_t msg = 1;   // 1..7
  uint8_t code = 0;  // 0 accept; reject codes only in messages 3 and 4
  uint8_t flag = 0;
  std::optional<ByteArray<32>> hash;  // present exactly in messages 2 and 4
  Bytes signed_data;                  // ver(1) nonce(4) timestamp(4) asz(1) port(2) ip(asz-2)
  Bytes signature;                    // remainder; may be empty in messages 5-7

  static bool message_has_hash(uint8_t msg) { return msg == 2 || msg == 4; }
  static Bytes make_signed_data(uint8_t version, uint32_t nonce, uint32_t timestamp,
                                const Address& alice);
  uint8_t version() const;
  uint32_t nonce() const;
  uint32_t timestamp() const;
  Address alice() const;  // {ip_len 0} if signed_data is malformed
  bool operator==(const PeerTestBlock&) const = default;
};

// 11: unspecified in the spec, kept verbatim.
struct NextNonceBlock {
  Bytes data;
  bool operator==(const NextNonceBlock&) const = default;
};

// 12: ACK (size >= 5, and size - 5 must be even).
// Meaning: ack_through is acked, and so are the acnt packets just below it; then each range
// first skips `nack` packets (not acked) and then acks `ack` packets, going downwards.
// Example from the spec: acked {10 9 8 6 5 2 1 0} = through 10, acnt 2, ranges (1,2) (2,3).
struct AckBlock {
  struct Range {
    uint8_t nack = 0;
    uint8_t ack = 0;
    bool operator==(const Range&) const = default;
  };
  uint32_t ack_through = 0;
  uint8_t acnt = 0;
  std::vector<Range> ranges;

  // Inclusive [low, high] runs of acked packet numbers, highest first. Numbers that would go
  // below 0 are dropped (a peer cannot have sent them).
  struct Interval {
    uint32_t low = 0;
    uint32_t high = 0;
    bool operator==(const Interval&) const = default;
  };
  std::vector<Interval> acked_intervals() const;
  // Every acked packet number, highest first. Up to ~8M entries for a maximal hostile block:
  // prefer acked_intervals()/acks() on the receive path.
  std::vector<uint32_t> acked_packets() const;
  bool acks(uint32_t packet_number) const;
  // Build the block for a set of received packet numbers (any order, duplicates allowed).
  // ack_through = the highest; counts above 255 are split into extra (0, n) / (n, 0)
  // ranges as the spec allows. At most max_ranges ranges are written; the oldest packets are
  // dropped first (spec "ACK Block Size"). nullopt for an empty set.
  static std::optional<AckBlock> from_packets(std::vector<uint32_t> packets,
                                              size_t max_ranges = 256);
  bool operator==(const AckBlock&) const = default;
};

// 13: the receiver's address as seen by the sender (size 6 or 18).
struct AddressBlock {
  Address endpoint;
  bool operator==(const AddressBlock&) const = default;
};

// 15: (size exactly 0).
struct RelayTagRequestBlock {
  bool operator==(const RelayTagRequestBlock&) const = default;
};

// 16: (size exactly 4). The spec says nonzero; a zero tag is rejected as malformed.
struct RelayTagBlock {
  uint32_t relay_tag = 0;
  bool operator==(const RelayTagBlock&) const = default;
};

// 17: token for the next Session Request (size exactly 12).
struct NewTokenBlock {
  uint32_t expires = 0;  // seconds since the epoch
  uint64_t token = 0;
  bool operator==(const NewTokenBlock&) const = default;
};

// 18 / 19: arbitrary data echoed back (any size, including 0).
struct PathChallengeBlock {
  Bytes data;
  bool operator==(const PathChallengeBlock&) const = default;
};
struct PathResponseBlock {
  Bytes data;
  bool operator==(const PathResponseBlock&) const = default;
};

// 20: (size exactly 4).
struct FirstPacketNumberBlock {
  uint32_t first_packet_number = 0;
  bool operator==(const FirstPacketNumberBlock&) const = default;
};

// 21: (size >= 1; extra bytes are a future extension and kept).
inline constexpr uint8_t kCongestionFlagImmediateAck = 0x01;
inline constexpr uint8_t kCongestionFlagEcn = 0x02;
struct CongestionBlock {
  uint8_t flags = 0;
  Bytes extension;
  bool operator==(const CongestionBlock&) const = default;
};

// 254: padding. Only the length is kept; emit writes zero bytes (the payload is encrypted, so
// the content is invisible on the wire and zeros keep emission deterministic).
struct PaddingBlock {
  uint16_t length = 0;
  bool operator==(const PaddingBlock&) const = default;
};

// Any other type (reserved 14, 22-253, 255): skipped by receivers, kept for counting.
struct UnknownBlock {
  uint8_t type = 0;
  Bytes data;
  bool operator==(const UnknownBlock&) const = default;
};

using Block = std::variant<DateTimeBlock, OptionsBlock, RouterInfoBlock, I2npBlock,
                           FirstFragmentBlock, FollowOnFragmentBlock, TerminationBlock,
                           RelayRequestBlock, RelayResponseBlock, RelayIntroBlock, PeerTestBlock,
                           NextNonceBlock, AckBlock, AddressBlock, RelayTagRequestBlock,
                           RelayTagBlock, NewTokenBlock, PathChallengeBlock, PathResponseBlock,
                           FirstPacketNumberBlock, CongestionBlock, PaddingBlock, UnknownBlock>;

// The wire type byte of a block (UnknownBlock gives its stored type).
uint8_t block_type(const Block& b);
// Bytes the block takes on the wire, including the 3-byte block head.
size_t encoded_size(const Block& b);

// ---- payload codec ----
// Parse a whole decrypted payload (an empty payload gives an empty vector).
Result<std::vector<Block>> parse_blocks(ByteSpan payload);
// "7,2,9": the type numbers of parsed blocks, for debug lines.
std::string block_type_list(const std::vector<Block>& blocks);
// Parse a single block's data (no block head). Used by parse_blocks; exposed for tests.
Result<Block> parse_block(uint8_t type, ByteSpan data);

// Append one block (head + data). Errors: oversized (data > 65535), malformed (a field that
// cannot be encoded, e.g. ip_len not 4/16, fragment number 0 or > 127, PeerTest hash present
// when the message number says it must not be). `out` is unchanged on error.
Status append_block(Bytes& out, const Block& b);
// Emit a list of blocks. Also checks the ordering rules of the spec: Padding only last and at
// most once, Termination last except for Padding.
Result<Bytes> emit_blocks(const std::vector<Block>& blocks);

// Span-based emitters for the data path: they write an I2NP / fragment block straight from
// the message body (no Block value, no copy of the body into one). The caller guarantees the
// sizes (at most kMaxBlockDataLen of data, non-empty fragments, numbers 1..127).
void append_i2np_block(Bytes& out, uint8_t type, uint32_t msg_id, uint32_t expiration, ByteSpan body);
void append_first_fragment(Bytes& out, uint8_t type, uint32_t msg_id, uint32_t expiration,
                           ByteSpan data);
void append_follow_on_fragment(Bytes& out, uint8_t number, bool last, uint32_t msg_id, ByteSpan data);
// An ACK block from its fields (no AckBlock value); at most (kMaxBlockDataLen - 5) / 2 ranges.
void append_ack_block(Bytes& out, uint32_t ack_through, uint8_t acnt,
                      std::span<const AckBlock::Range> ranges);

}  // namespace ssu2::wire
