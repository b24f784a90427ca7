// I2NP message framing (i2np.rst): message types, the 16-byte standard header and the
// 9-byte short header used inside SSU2/NTCP2 I2NP blocks, plus builders for the two
// messages a transport originates itself (DatabaseStore of our RouterInfo, DeliveryStatus).
#pragma once
#include <optional>

#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"
#include "transport/crypto/crypto.hpp"
#include "transport/i2p/router_info.hpp"

namespace ssu2::i2p {

enum class MessageType : uint8_t {
  DatabaseStore = 1,
  DatabaseLookup = 2,
  DatabaseSearchReply = 3,
  DeliveryStatus = 10,
  Garlic = 11,
  TunnelData = 18,
  TunnelGateway = 19,
  Data = 20,
  TunnelBuild = 21,
  TunnelBuildReply = 22,
  VariableTunnelBuild = 23,
  VariableTunnelBuildReply = 24,
  ShortTunnelBuild = 25,
  OutboundTunnelBuildReply = 26,
};
bool is_known_type(uint8_t type);
std::string_view to_string(MessageType t);

inline constexpr size_t kShortHeaderLen = 9;
inline constexpr size_t kStandardHeaderLen = 16;
inline constexpr size_t kMaxPayloadLen = 65535;  // the standard header's 2-byte size

struct Message {
  MessageType type = MessageType::Data;
  uint32_t msg_id = 0;
  uint64_t expiration_ms = 0;  // ms since the Unix epoch
  Bytes payload;
  bool operator==(const Message&) const = default;
};

// Short header: type(1) msg_id(4) expiration(4, seconds). The payload is whatever follows
// (its length comes from the enclosing block). Expiration is rounded down to seconds;
// Errc::oversized if it does not fit 32 bits.
Result<Bytes> encode_short(const Message& m);
// Type 0 (reserved) is rejected; unknown non-zero types are passed through.
Result<Message> decode_short(ByteSpan in);
// The message ID of a message with the short header, without copying its payload;
// nullopt when shorter than the header.
std::optional<uint32_t> short_message_id(ByteSpan in);

// Standard header: type(1) msg_id(4) expiration(8, ms) size(2) checksum(1), checksum =
// first byte of SHA-256(payload).
Result<Bytes> encode_standard(const Message& m);
// Reads one message from r (several may follow each other): truncated if the payload is
// shorter than size, malformed on a checksum mismatch or type 0.
Result<Message> read_standard(Reader& r);
// Exactly one message filling `in`.
Result<Message> decode_standard(ByteSpan in);

// DatabaseStore carrying a RouterInfo: key = router hash, type 0, reply token 0,
// 2-byte length, gzip(RouterInfo).
Result<Message> make_database_store(const RouterInfo& ri, uint32_t msg_id, uint64_t expiration_ms);
struct DatabaseStoreRI {
  crypto::Hash32 key{};
  uint32_t reply_token = 0;
  RouterInfo router_info;  // parsed, not yet verified
};
// Parses a DatabaseStore payload carrying a RouterInfo. Other store types are
// Errc::unsupported. Checks that the key equals the RouterInfo's hash.
Result<DatabaseStoreRI> parse_database_store(ByteSpan payload);

// DeliveryStatus: msg_id(4) timestamp(8, ms).
Message make_delivery_status(uint32_t status_msg_id, uint64_t timestamp_ms, uint32_t msg_id,
                             uint64_t expiration_ms);
struct DeliveryStatus {
  uint32_t msg_id = 0;
  uint64_t timestamp_ms = 0;
};
Result<DeliveryStatus> parse_delivery_status(ByteSpan payload);

}  // namespace ssu2::i2p
