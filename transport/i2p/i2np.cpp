#include "transport/i2p/i2np.hpp"

#include "transport/i2p/gzip.hpp"

namespace ssu2::i2p {

bool is_known_type(uint8_t t) {
  return (t >= 1 && t <= 3) || t == 10 || t == 11 || (t >= 18 && t <= 26);
}

std::string_view to_string(MessageType t) {
  switch (t) {
    case MessageType::DatabaseStore: return "DatabaseStore";
    case MessageType::DatabaseLookup: return "DatabaseLookup";
    case MessageType::DatabaseSearchReply: return "DatabaseSearchReply";
    case MessageType::DeliveryStatus: return "DeliveryStatus";
    case MessageType::Garlic: return "Garlic";
    case MessageType::TunnelData: return "TunnelData";
    case MessageType::TunnelGateway: return "TunnelGateway";
    case MessageType::Data: return "Data";
    case MessageType::TunnelBuild: return "TunnelBuild";
    case MessageType::TunnelBuildReply: return "TunnelBuildReply";
    case MessageType::VariableTunnelBuild: return "VariableTunnelBuild";
    case MessageType::VariableTunnelBuildReply: return "VariableTunnelBuildReply";
    case MessageType::ShortTunnelBuild: return "ShortTunnelBuild";
    case MessageType::OutboundTunnelBuildReply: return "OutboundTunnelBuildReply";
  }
  return "unknown";
}

Result<Bytes> encode_short(const Message& m) {
  const uint64_t exp_s = m.expiration_ms / 1000;
  if (exp_s > 0xffffffffu) return Error{Errc::oversized, "short expiration"};
  Bytes out;
  out.reserve(kShortHeaderLen + m.payload.size());
  Writer w(out);
  w.u8(uint8_t(m.type));
  w.u32(m.msg_id);
  w.u32(uint32_t(exp_s));
  w.bytes(m.payload);
  return out;
}

Result<Message> decode_short(ByteSpan in) {
  Reader r(in);
  Message m;
  const uint8_t type = r.u8();
  m.msg_id = r.u32();
  m.expiration_ms = uint64_t(r.u32()) * 1000;
  if (!r.ok()) return Error{Errc::truncated, "i2np short header"};
  if (type == 0) return Error{Errc::malformed, "i2np type 0"};
  m.type = MessageType(type);
  ByteSpan p = r.rest();
  m.payload.assign(p.begin(), p.end());
  return m;
}

std::optional<uint32_t> short_message_id(ByteSpan in) {
  if (in.size() < kShortHeaderLen) return std::nullopt;
  Reader r(in.subspan(1));
  return r.u32();
}

Result<Bytes> encode_standard(const Message& m) {
  if (m.payload.size() > kMaxPayloadLen) return Error{Errc::oversized, "i2np payload"};
  Bytes out;
  out.reserve(kStandardHeaderLen + m.payload.size());
  Writer w(out);
  w.u8(uint8_t(m.type));
  w.u32(m.msg_id);
  w.u64(m.expiration_ms);
  w.u16(uint16_t(m.payload.size()));
  w.u8(crypto::sha256(m.payload)[0]);
  w.bytes(m.payload);
  return out;
}

Result<Message> read_standard(Reader& r) {
  Message m;
  const uint8_t type = r.u8();
  m.msg_id = r.u32();
  m.expiration_ms = r.u64();
  const uint16_t size = r.u16();
  const uint8_t checksum = r.u8();
  if (!r.ok()) return Error{Errc::truncated, "i2np standard header"};
  ByteSpan p = r.take(size);
  if (!r.ok()) return Error{Errc::truncated, "i2np payload"};
  if (type == 0) return Error{Errc::malformed, "i2np type 0"};
  if (crypto::sha256(p)[0] != checksum) return Error{Errc::malformed, "i2np checksum"};
  m.type = MessageType(type);
  m.payload.assign(p.begin(), p.end());
  return m;
}

Result<Message> decode_standard(ByteSpan in) {
  Reader r(in);
  auto m = read_standard(r);
  if (!m) return m;
  if (r.remaining() != 0) return Error{Errc::malformed, "i2np trailing bytes"};
  return m;
}

Result<Message> make_database_store(const RouterInfo& ri, uint32_t msg_id, uint64_t expiration_ms) {
  auto raw = ri.serialize();
  if (!raw) return raw.error();
  auto gz = gzip_compress(*raw);
  if (!gz) return gz.error();
  if (gz->size() > 0xffff) return Error{Errc::oversized, "router info"};
  Message m;
  m.type = MessageType::DatabaseStore;
  m.msg_id = msg_id;
  m.expiration_ms = expiration_ms;
  Writer w(m.payload);
  w.bytes(ri.hash());
  w.u8(0);   // type: RouterInfo
  w.u32(0);  // reply token: no reply wanted
  w.u16(uint16_t(gz->size()));
  w.bytes(*gz);
  if (m.payload.size() > kMaxPayloadLen) return Error{Errc::oversized, "database store"};
  return m;
}

Result<DatabaseStoreRI> parse_database_store(ByteSpan payload) {
  Reader r(payload);
  DatabaseStoreRI out;
  out.key = r.array<32>();
  const uint8_t type = r.u8();
  out.reply_token = r.u32();
  if (!r.ok()) return Error{Errc::truncated, "database store header"};
  // Bits 7-4 of the type byte are reserved; only the low bits select the entry type.
  if ((type & 0x0f) != 0) return Error{Errc::unsupported, "database store type"};
  if (out.reply_token != 0) r.skip(4 + 32);  // reply tunnel id + reply gateway
  const uint16_t len = r.u16();
  ByteSpan gz = r.take(len);
  if (!r.ok()) return Error{Errc::truncated, "database store data"};
  if (r.remaining() != 0) return Error{Errc::malformed, "database store trailing bytes"};
  auto raw = gzip_decompress(gz, kMaxRouterInfoSize);
  if (!raw) return raw.error();
  auto ri = RouterInfo::parse(*raw);
  if (!ri) return ri.error();
  if (ri->hash() != out.key) return Error{Errc::malformed, "database store key mismatch"};
  out.router_info = std::move(*ri);
  return out;
}

Message make_delivery_status(uint32_t status_msg_id, uint64_t timestamp_ms, uint32_t msg_id,
                             uint64_t expiration_ms) {
  Message m;
  m.type = MessageType::DeliveryStatus;
  m.msg_id = msg_id;
  m.expiration_ms = expiration_ms;
  Writer w(m.payload);
  w.u32(status_msg_id);
  w.u64(timestamp_ms);
  return m;
}

Result<DeliveryStatus> parse_delivery_status(ByteSpan payload) {
  Reader r(payload);
  DeliveryStatus d;
  d.msg_id = r.u32();
  d.timestamp_ms = r.u64();
  if (!r.ok()) return Error{Errc::truncated, "delivery status"};
  if (r.remaining() != 0) return Error{Errc::malformed, "delivery status trailing bytes"};
  return d;
}

}  // namespace ssu2::i2p
