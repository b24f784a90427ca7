// SSU2 headers and header protection. See header.hpp for the layout and the scheme.
#include "transport/ssu2/header.hpp"

namespace ssu2::wire {

bool uses_long_header(uint8_t type) noexcept {
  switch (static_cast<MessageType>(type)) {
    case MessageType::SessionRequest:
    case MessageType::SessionCreated:
    case MessageType::PeerTest:
    case MessageType::Retry:
    case MessageType::TokenRequest:
    case MessageType::HolePunch:
      return true;
    default:
      return false;
  }
}

bool is_known_type(uint8_t type) noexcept {
  return uses_long_header(type) || type == uint8_t(MessageType::SessionConfirmed) ||
         type == uint8_t(MessageType::Data);
}

bool has_ephemeral_key(uint8_t type) noexcept {
  return type == uint8_t(MessageType::SessionRequest) ||
         type == uint8_t(MessageType::SessionCreated);
}

// ---- plain encode/decode ----

void encode_to(const ShortHeader& h, uint8_t* out) {
  store_be64(out, h.dest_conn_id);
  store_be32(out + 8, h.packet_number);
  out[12] = h.type;
  out[13] = h.flags[0];
  out[14] = h.flags[1];
  out[15] = h.flags[2];
}

void encode_to(const LongHeader& h, uint8_t* out) {
  store_be64(out, h.dest_conn_id);
  store_be32(out + 8, h.packet_number);
  out[12] = h.type;
  out[13] = h.version;
  out[14] = h.net_id;
  out[15] = h.flags;
  store_be64(out + 16, h.src_conn_id);
  store_be64(out + 24, h.token);
}

ByteArray<kShortHeaderLen> encode(const ShortHeader& h) {
  ByteArray<kShortHeaderLen> out{};
  encode_to(h, out.data());
  return out;
}

ByteArray<kLongHeaderLen> encode(const LongHeader& h) {
  ByteArray<kLongHeaderLen> out{};
  encode_to(h, out.data());
  return out;
}

Result<ShortHeader> decode_short(ByteSpan in) {
  if (in.size() < kShortHeaderLen) return Error{Errc::truncated, "short header"};
  ShortHeader h;
  h.dest_conn_id = load_be64(in.data());
  h.packet_number = load_be32(in.data() + 8);
  h.type = in[12];
  h.flags = {in[13], in[14], in[15]};
  return h;
}

Result<LongHeader> decode_long(ByteSpan in) {
  if (in.size() < kLongHeaderLen) return Error{Errc::truncated, "long header"};
  LongHeader h;
  h.dest_conn_id = load_be64(in.data());
  h.packet_number = load_be32(in.data() + 8);
  h.type = in[12];
  h.version = in[13];
  h.net_id = in[14];
  h.flags = in[15];
  h.src_conn_id = load_be64(in.data() + 16);
  h.token = load_be64(in.data() + 24);
  return h;
}

Status validate_long(const LongHeader& h, uint8_t expected_net_id) {
  if (!uses_long_header(h.type)) return Error{Errc::malformed, "not a long-header type"};
  if (h.version != kProtocolVersion) return Error{Errc::unsupported, "protocol version"};
  if (h.net_id != expected_net_id) return Error{Errc::malformed, "net id"};
  return {};
}

// ---- header protection ----
namespace {

// The 8-byte mask: ChaCha20 keystream (counter 1) for `iv`, i.e. the encryption of 8 zeros.
Result<ByteArray<8>> header_mask(const crypto::Key32& key, const uint8_t* iv_src) {
  ByteArray<12> iv{};
  std::memcpy(iv.data(), iv_src, iv.size());
  ByteArray<8> mask{};
  if (auto st = crypto::chacha20_xor(key, iv, mask.data(), mask.size(), kHeaderChaChaCounter); !st)
    return st.error();
  return mask;
}

// Both masks for a packet: mask1 from the next-to-last 12 bytes (k_header_1), mask2 from the
// last 12 bytes (k_header_2). The caller has checked the packet is long enough.
struct Masks {
  ByteArray<8> m1{}, m2{};
};
Result<Masks> header_masks(ByteSpan packet, const crypto::Key32& k1, const crypto::Key32& k2) {
  const uint8_t* tail = packet.data() + packet.size() - kHeaderIvTailLen;
  auto m1 = header_mask(k1, tail);
  if (!m1) return m1.error();
  auto m2 = header_mask(k2, tail + kHeaderIvLen);
  if (!m2) return m2.error();
  return Masks{*m1, *m2};
}

void xor_first16(uint8_t* p, const Masks& m) {
  for (size_t i = 0; i < 8; ++i) {
    p[i] ^= m.m1[i];
    p[8 + i] ^= m.m2[i];
  }
}

// Bytes 16..31 (and the ephemeral key for Session Request/Created) with k_header_2 and an
// all-zero nonce, as one keystream.
Status crypt_long_tail(uint8_t* packet, size_t len, const crypto::Key32& k2) {
  static const ByteArray<12> kZeroIv{};
  return crypto::chacha20_xor(k2, kZeroIv, packet + kShortHeaderLen, len - kShortHeaderLen,
                              kHeaderChaChaCounter);
}

size_t long_protected_len(uint8_t type) {
  return has_ephemeral_key(type) ? kLongHeaderLen + kEphemeralKeyLen : kLongHeaderLen;
}

size_t long_min_packet(uint8_t type) {
  return has_ephemeral_key(type) ? kMinHandshakePacketLen : kMinLongPacketLen;
}

}  // namespace

Status protect_short(MutByteSpan packet, const crypto::Key32& k1, const crypto::Key32& k2) {
  if (packet.size() < kMinPacketLen) return Error{Errc::truncated, "packet too short"};
  auto masks = header_masks(packet, k1, k2);
  if (!masks) return masks.error();
  xor_first16(packet.data(), *masks);
  return {};
}

Result<ShortHeader> unprotect_short(MutByteSpan packet, const crypto::Key32& k1,
                                    const crypto::Key32& k2) {
  if (auto st = protect_short(packet, k1, k2); !st) return st.error();
  return decode_short(packet);
}

Status protect_long(MutByteSpan packet, const crypto::Key32& k1, const crypto::Key32& k2) {
  if (packet.size() < kMinLongPacketLen) return Error{Errc::truncated, "packet too short"};
  const uint8_t type = packet[12];  // plaintext here
  if (packet.size() < long_min_packet(type)) return Error{Errc::truncated, "packet too short"};
  auto masks = header_masks(packet, k1, k2);
  if (!masks) return masks.error();
  // The tail is independent of the masks; do it first so a failure leaves the packet as is.
  if (auto st = crypt_long_tail(packet.data(), long_protected_len(type), k2); !st) return st;
  xor_first16(packet.data(), *masks);
  return {};
}

Result<LongHeader> unprotect_long(MutByteSpan packet, const crypto::Key32& k1,
                                  const crypto::Key32& k2) {
  if (packet.size() < kMinLongPacketLen) return Error{Errc::truncated, "packet too short"};
  auto masks = header_masks(packet, k1, k2);
  if (!masks) return masks.error();
  // The type is only known after unmasking byte 12; check the size it needs before touching
  // the buffer.
  const uint8_t type = uint8_t(packet[12] ^ masks->m2[4]);
  if (packet.size() < long_min_packet(type)) return Error{Errc::truncated, "packet too short"};
  if (auto st = crypt_long_tail(packet.data(), long_protected_len(type), k2); !st)
    return st.error();
  xor_first16(packet.data(), *masks);
  return decode_long(packet);
}

Result<uint64_t> peek_dest_conn_id(ByteSpan packet, const crypto::Key32& k1) {
  if (packet.size() < kMinPacketLen) return Error{Errc::truncated, "packet too short"};
  auto m1 = header_mask(k1, packet.data() + packet.size() - kHeaderIvTailLen);
  if (!m1) return m1.error();
  uint8_t id[8];
  for (size_t i = 0; i < 8; ++i) id[i] = uint8_t(packet[i] ^ (*m1)[i]);
  return load_be64(id);
}

Result<PeekedShort> peek_short(ByteSpan packet, const crypto::Key32& k1, const crypto::Key32& k2) {
  if (packet.size() < kMinPacketLen) return Error{Errc::truncated, "packet too short"};
  auto masks = header_masks(packet, k1, k2);
  if (!masks) return masks.error();
  PeekedShort out;
  std::memcpy(out.first16.data(), packet.data(), out.first16.size());
  xor_first16(out.first16.data(), *masks);
  auto h = decode_short(out.first16);
  if (!h) return h.error();
  out.header = *h;
  return out;
}

void PeekedShort::apply(MutByteSpan packet) const {
  if (packet.size() >= first16.size()) std::memcpy(packet.data(), first16.data(), first16.size());
}

Result<ShortHeader> peek_header(ByteSpan packet, const crypto::Key32& k1,
                                const crypto::Key32& k2) {
  auto p = peek_short(packet, k1, k2);
  if (!p) return p.error();
  return p->header;
}

}  // namespace ssu2::wire
