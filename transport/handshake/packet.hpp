// Framing of the handshake messages on top of the wire header codec (transport/ssu2/header.hpp):
// the intro-key messages (Retry, Token Request) and the opening of Session Request / Created.
// The Noise processing itself lives in the state machines.
#pragma once
#include <cstring>

#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"
#include "transport/crypto/crypto.hpp"
#include "transport/ssu2/header.hpp"

namespace ssu2::handshake::packet {

using wire::LongHeader;
using wire::MessageType;
using wire::ShortHeader;

inline constexpr uint8_t type_byte(MessageType t) { return static_cast<uint8_t>(t); }

// Retry and Token Request: AEAD key = the intro key, nonce = the header's packet number,
// AD = the clear 32-byte header; header protection with the intro key as both keys.
Result<Bytes> seal_symmetric(const LongHeader& h, const crypto::Key32& intro_key, ByteSpan payload);
struct OpenedSymmetric {
  LongHeader header;
  Bytes payload;
};
// Checks type and version (not the net ID: the caller counts that separately).
Result<OpenedSymmetric> open_symmetric(ByteSpan pkt, const crypto::Key32& intro_key,
                                       MessageType expected);

// Session Request / Session Created with header protection removed: `clear` holds the clear
// 32-byte header, the clear ephemeral key and the untouched AEAD ciphertext.
struct OpenedHandshake {
  LongHeader header;
  Bytes clear;
  ByteSpan header_bytes() const { return ByteSpan{clear}.first(wire::kLongHeaderLen); }
  crypto::PublicKey32 ephemeral() const {
    crypto::PublicKey32 k{};
    std::memcpy(k.data(), clear.data() + wire::kLongHeaderLen, k.size());
    return k;
  }
  ByteSpan ciphertext() const {
    return ByteSpan{clear}.subspan(wire::kLongHeaderLen + wire::kEphemeralKeyLen);
  }
};
// Unprotects a copy; fails (without touching `pkt`) if the packet is too short or the
// unmasked type is not `expected` or the version is not 2.
Result<OpenedHandshake> open_handshake(ByteSpan pkt, const crypto::Key32& k1,
                                       const crypto::Key32& k2, MessageType expected);
// Builds clear header || ephemeral || ciphertext and protects it.
Result<Bytes> seal_handshake(const ByteArray<32>& clear_header, const crypto::PublicKey32& eph,
                             ByteSpan ciphertext, const crypto::Key32& k1, const crypto::Key32& k2);

}  // namespace ssu2::handshake::packet
