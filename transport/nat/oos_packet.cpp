#include "transport/nat/oos_packet.hpp"

#include <type_traits>

namespace ssu2::nat {

Result<Bytes> seal_oos_packet(const wire::LongHeader& h, const std::vector<wire::Block>& blocks,
                              const ByteArray<32>& intro_key) {
  if (h.type != uint8_t(wire::MessageType::PeerTest) &&
      h.type != uint8_t(wire::MessageType::HolePunch))
    return Error{Errc::malformed, "not a NAT packet type"};
  auto payload = wire::emit_blocks(blocks);
  if (!payload) return payload.error();
  if (payload->size() < wire::kMinPayloadLen) return Error{Errc::malformed, "payload under 8"};
  const crypto::Key32 key(intro_key);
  auto clear = wire::encode(h);
  auto ct = crypto::aead_encrypt(key, h.packet_number, ByteSpan(clear), *payload);
  if (!ct) return ct.error();
  Bytes pkt(clear.begin(), clear.end());
  pkt.insert(pkt.end(), ct->begin(), ct->end());
  if (auto st = wire::protect_long(MutByteSpan(pkt), key, key); !st) return st.error();
  return pkt;
}

namespace {

// Only one of each block kind makes sense here; a second one is treated as malformed.
template <class T>
bool take_once(std::optional<T>& slot, const T& value) {
  if (slot) return false;
  slot = value;
  return true;
}

}  // namespace

Result<OosPacket> open_oos_packet(ByteSpan packet, const ByteArray<32>& intro_key,
                                  uint8_t net_id) {
  if (packet.size() < wire::kMinLongPacketLen) return Error{Errc::truncated, "nat packet"};
  const crypto::Key32 key(intro_key);
  Bytes buf(packet.begin(), packet.end());
  auto h = wire::unprotect_long(MutByteSpan(buf), key, key);
  if (!h) return h.error();
  if (h->type != uint8_t(wire::MessageType::PeerTest) &&
      h->type != uint8_t(wire::MessageType::HolePunch))
    return Error{Errc::wrong_state, "not a NAT packet type"};
  if (auto st = wire::validate_long(*h, net_id); !st) return st.error();
  ByteSpan ad(buf.data(), wire::kLongHeaderLen);
  auto pt = crypto::aead_decrypt(key, h->packet_number, ad,
                                 ByteSpan(buf).subspan(wire::kLongHeaderLen));
  if (!pt) return pt.error();
  auto blocks = wire::parse_blocks(*pt);
  if (!blocks) return blocks.error();

  OosPacket out;
  out.header = *h;
  for (const auto& b : *blocks) {
    bool ok = std::visit(
        [&](const auto& v) -> bool {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, wire::DateTimeBlock>)
            return take_once(out.datetime, v.timestamp);
          else if constexpr (std::is_same_v<T, wire::AddressBlock>)
            return take_once(out.address, v.endpoint);
          else if constexpr (std::is_same_v<T, wire::PeerTestBlock>)
            return take_once(out.peer_test, v);
          else if constexpr (std::is_same_v<T, wire::RelayResponseBlock>)
            return take_once(out.relay_response, v);
          else
            return true;  // padding and anything else: ignored
        },
        b);
    if (!ok) return Error{Errc::malformed, "repeated block in NAT packet"};
  }
  return out;
}

}  // namespace ssu2::nat
