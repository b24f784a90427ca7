#include "transport/handshake/packet.hpp"

#include <cstring>

namespace ssu2::handshake::packet {

Result<Bytes> seal_symmetric(const LongHeader& h, const crypto::Key32& intro_key, ByteSpan payload) {
  if (payload.size() < wire::kMinPayloadLen) return Error{Errc::malformed, "payload under 8 bytes"};
  auto clear = wire::encode(h);
  auto ct = crypto::aead_encrypt(intro_key, h.packet_number, ByteSpan{clear}, payload);
  if (!ct) return ct.error();
  Bytes pkt(clear.begin(), clear.end());
  pkt.insert(pkt.end(), ct->begin(), ct->end());
  if (auto st = wire::protect_long(MutByteSpan{pkt}, intro_key, intro_key); !st) return st.error();
  return pkt;
}

Result<OpenedSymmetric> open_symmetric(ByteSpan pkt, const crypto::Key32& intro_key,
                                       MessageType expected) {
  Bytes copy(pkt.begin(), pkt.end());
  auto h = wire::unprotect_long(MutByteSpan{copy}, intro_key, intro_key);
  if (!h) return h.error();
  if (h->type != type_byte(expected)) return Error{Errc::wrong_state, "unexpected type"};
  if (h->version != wire::kProtocolVersion) return Error{Errc::unsupported, "version"};
  ByteSpan ad{copy.data(), wire::kLongHeaderLen};
  auto pt = crypto::aead_decrypt(intro_key, h->packet_number, ad,
                                 ByteSpan{copy}.subspan(wire::kLongHeaderLen));
  if (!pt) return pt.error();
  return OpenedSymmetric{*h, std::move(*pt)};
}

Result<OpenedHandshake> open_handshake(ByteSpan pkt, const crypto::Key32& k1,
                                       const crypto::Key32& k2, MessageType expected) {
  if (pkt.size() < wire::kMinHandshakePacketLen) return Error{Errc::truncated, "handshake packet"};
  OpenedHandshake o;
  o.clear.assign(pkt.begin(), pkt.end());
  auto h = wire::unprotect_long(MutByteSpan{o.clear}, k1, k2);
  if (!h) return h.error();
  if (h->type != type_byte(expected)) return Error{Errc::wrong_state, "unexpected type"};
  if (h->version != wire::kProtocolVersion) return Error{Errc::unsupported, "version"};
  o.header = *h;
  return o;
}

Result<Bytes> seal_handshake(const ByteArray<32>& clear_header, const crypto::PublicKey32& eph,
                             ByteSpan ciphertext, const crypto::Key32& k1, const crypto::Key32& k2) {
  Bytes pkt(clear_header.begin(), clear_header.end());
  pkt.insert(pkt.end(), eph.begin(), eph.end());
  pkt.insert(pkt.end(), ciphertext.begin(), ciphertext.end());
  if (auto st = wire::protect_long(MutByteSpan{pkt}, k1, k2); !st) return st.error();
  return pkt;
}

}  // namespace ssu2::handshake::packet
