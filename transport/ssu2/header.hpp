// SSU2 packet headers (spec "Packet Header") and header protection (spec "Header Encryption
// KDF"). Pure byte transformations: no sockets, no state.
//
// Packet layout reminder:
//   short header (16 bytes): Session Confirmed and Data
//     [0..8)  destination connection ID, big endian
//     [8..12) packet number, big endian
//     [12]    type
//     [13..16) three type-specific bytes (Data: flag byte + 2 unused; Session Confirmed: frag
//              byte + 2 unused)
//   long header (32 bytes): Session Request, Session Created, Peer Test, Retry, Token Request,
//   Hole Punch
//     [0..13) as above, [13] version (2), [14] net ID, [15] flag (0),
//     [16..24) source connection ID, [24..32) token
//
// Header protection (both directions use the same operation, XOR is its own inverse):
//   mask1 = ChaCha20(k_header_1, iv = packet[len-24 .. len-12), 8 zero bytes)  -> packet[0..8)
//   mask2 = ChaCha20(k_header_2, iv = packet[len-12 .. len),    8 zero bytes)  -> packet[8..16)
//   long headers additionally: packet[16..32) ^= ChaCha20(k_header_2, zero iv), and for
//   Session Request / Session Created the same keystream continues over the 32-byte ephemeral
//   key, i.e. packet[16..64) is encrypted in one ChaCha20 call.
// Every ChaCha20 call here starts at block counter 1, not 0: the spec says "ChaCha20" without
// naming the counter, and the deployed routers (i2pd's ChaCha20 helper, Java I2P) use the RFC
// 7539 encryption convention of counter 1. With counter 0 no real router can read our headers.
// The IV bytes come from the tail of the packet (AEAD ciphertext + MAC), which is why every
// packet has a payload of at least 8 bytes: the 24 IV bytes must not overlap the protected
// header bytes, or the receiver could not recompute the masks.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"
#include "transport/crypto/crypto.hpp"

namespace ssu2::wire {

// ---- message types (header byte 12) ----
enum class MessageType : uint8_t {
  SessionRequest = 0,
  SessionCreated = 1,
  SessionConfirmed = 2,
  Data = 6,
  PeerTest = 7,
  Retry = 9,
  TokenRequest = 10,
  HolePunch = 11,
};

// True for the types that use the 32-byte long header (0, 1, 7, 9, 10, 11).
bool uses_long_header(uint8_t type) noexcept;
// True for a type byte this implementation knows (any of MessageType).
bool is_known_type(uint8_t type) noexcept;
// Session Request and Session Created carry a 32-byte ephemeral key right after the long
// header, which is encrypted together with header bytes 16..31.
bool has_ephemeral_key(uint8_t type) noexcept;

// ---- sizes ----
inline constexpr size_t kShortHeaderLen = 16;
inline constexpr size_t kLongHeaderLen = 32;
inline constexpr size_t kMacLen = 16;
inline constexpr size_t kEphemeralKeyLen = 32;
inline constexpr size_t kHeaderIvLen = 12;       // each of the two header protection IVs
inline constexpr size_t kHeaderIvTailLen = 24;   // both IVs together, taken from the packet end
inline constexpr uint32_t kHeaderChaChaCounter = 1;  // initial block counter (see top comment)
inline constexpr size_t kMinPayloadLen = 8;      // so the IV tail never overlaps the header
// Spec "All SSU2 messages are at least 40 bytes": short header + 8 payload + MAC.
inline constexpr size_t kMinPacketLen = kShortHeaderLen + kMinPayloadLen + kMacLen;  // 40
// Long-header messages without an ephemeral key (Retry, Token Request, Peer Test, Hole Punch).
inline constexpr size_t kMinLongPacketLen = kLongHeaderLen + kMinPayloadLen + kMacLen;  // 56
// Session Request / Session Created: header + X/Y + 8 payload + MAC (spec "Minimum Size: 88").
inline constexpr size_t kMinHandshakePacketLen =
    kLongHeaderLen + kEphemeralKeyLen + kMinPayloadLen + kMacLen;  // 88
// Largest SSU2 message per address family (spec "Messages").
inline constexpr size_t kMaxPacketLenV4 = 1472;
inline constexpr size_t kMaxPacketLenV6 = 1452;

// ---- long header constants ----
inline constexpr uint8_t kProtocolVersion = 2;
inline constexpr uint8_t kDefaultNetId = 2;

// ---- Data header flag byte (header byte 13) ----
inline constexpr uint8_t kDataFlagImmediateAck = 0x01;  // bit 0: immediate ACK requested

// 16-byte short header. `flags` holds header bytes 13..15 verbatim:
//   Data:             flags[0] = flag byte (bit 0 immediate ack), flags[1..2] unused (0)
//   SessionConfirmed: flags[0] = frag byte (bits 7-4 fragment number, bits 3-0 total),
//                     flags[1..2] unused (0)
// When peek_header() is used on a long-header packet the same struct carries
// flags[0] = version, flags[1] = net ID, flags[2] = long-header flag.
struct ShortHeader {
  uint64_t dest_conn_id = 0;
  uint32_t packet_number = 0;
  uint8_t type = 0;
  std::array<uint8_t, 3> flags{};

  bool immediate_ack() const { return (flags[0] & kDataFlagImmediateAck) != 0; }
  void set_immediate_ack(bool on) {
    flags[0] = on ? uint8_t(flags[0] | kDataFlagImmediateAck)
                  : uint8_t(flags[0] & ~kDataFlagImmediateAck);
  }
  // Session Confirmed fragmentation info (frag byte).
  uint8_t confirmed_fragment_number() const { return uint8_t(flags[0] >> 4); }
  uint8_t confirmed_total_fragments() const { return uint8_t(flags[0] & 0x0f); }
  void set_confirmed_fragment(uint8_t number, uint8_t total) {
    flags[0] = uint8_t((number & 0x0f) << 4 | (total & 0x0f));
  }
  bool operator==(const ShortHeader&) const = default;
};

// 32-byte long header.
struct LongHeader {
  uint64_t dest_conn_id = 0;
  uint32_t packet_number = 0;
  uint8_t type = 0;
  uint8_t version = kProtocolVersion;
  uint8_t net_id = kDefaultNetId;
  uint8_t flags = 0;
  uint64_t src_conn_id = 0;
  uint64_t token = 0;
  bool operator==(const LongHeader&) const = default;
};

// ---- plain encode/decode (no protection) ----
ByteArray<kShortHeaderLen> encode(const ShortHeader& h);
ByteArray<kLongHeaderLen> encode(const LongHeader& h);
void encode_to(const ShortHeader& h, uint8_t* out16);
void encode_to(const LongHeader& h, uint8_t* out32);
// Decode the first 16 / 32 bytes of `in` (longer input is fine; shorter is `truncated`).
// decode_short accepts any type byte (the caller checks); decode_long checks nothing about
// version / net ID either: use validate_long() for that, so the handshake can count reasons.
Result<ShortHeader> decode_short(ByteSpan in);
Result<LongHeader> decode_long(ByteSpan in);
// Spec "Header Validation": version must be 2 and net ID must match; type must be a long type.
Status validate_long(const LongHeader& h, uint8_t expected_net_id = kDefaultNetId);

// ---- header protection, in place on a whole packet ----
// `packet` is the complete UDP payload: header || [ephemeral key] || ciphertext || MAC.
// protect_*: the header bytes are plaintext on entry and protected on return; the tail (the
// IV source) must already be the final ciphertext+MAC, i.e. protect after AEAD encryption.
// unprotect_*: the reverse; on success the header (and for Session Request / Created the
// ephemeral key) is plaintext in the buffer, ready to be used as AEAD associated data /
// Noise MixHash input, and the decoded header is returned.
// Errors: `truncated` when the packet is shorter than the minimum for its header kind
// (40 short, 56 long, 88 long with ephemeral key); crypto_error if ChaCha20 fails.
// The packet is left unchanged on every error.
Status protect_short(MutByteSpan packet, const crypto::Key32& k_header_1,
                     const crypto::Key32& k_header_2);
Result<ShortHeader> unprotect_short(MutByteSpan packet, const crypto::Key32& k_header_1,
                                    const crypto::Key32& k_header_2);
// The type byte (plaintext byte 12 for protect, unmasked byte 12 for unprotect) decides
// whether the ephemeral key (bytes 32..63) is included in the ChaCha20 pass.
Status protect_long(MutByteSpan packet, const crypto::Key32& k_header_1,
                    const crypto::Key32& k_header_2);
Result<LongHeader> unprotect_long(MutByteSpan packet, const crypto::Key32& k_header_1,
                                  const crypto::Key32& k_header_2);

// ---- peeking (no modification of the packet) ----
// Unmask only bytes 0..7 with k_header_1: the socket demux uses this to find a session.
// `truncated` below kMinPacketLen.
Result<uint64_t> peek_dest_conn_id(ByteSpan packet, const crypto::Key32& k_header_1);
// Unmask bytes 0..15 (k_header_1 for 0..7, k_header_2 for 8..15) and decode them as a short
// header: gives connection ID, packet number and type for both header kinds (see the
// ShortHeader comment for what `flags` means for long-header types).
Result<ShortHeader> peek_header(ByteSpan packet, const crypto::Key32& k_header_1,
                                const crypto::Key32& k_header_2);
// The same with the unmasked 16 bytes kept: a receiver that takes the packet after looking
// at its header unprotects it with apply() instead of unprotect_short(), which would compute
// both masks (two ChaCha20 calls, a fifth of a receiver's CPU) a second time.
struct PeekedShort {
  ByteArray<kShortHeaderLen> first16{};
  ShortHeader header;
  // The packet peek_short() looked at: its first 16 bytes become these (= unprotect_short).
  void apply(MutByteSpan packet) const;
};
Result<PeekedShort> peek_short(ByteSpan packet, const crypto::Key32& k_header_1,
                               const crypto::Key32& k_header_2);

}  // namespace ssu2::wire
