// SSU2 key derivation: the Noise XK chain (Session Request/Created/Confirmed), the
// per-message header protection keys and the data phase split. Everything here is a pure
// function of its inputs so that Alice and Bob can be checked to derive the same keys.
#pragma once
#include <string_view>

#include "transport/crypto/crypto.hpp"

namespace ssu2::wire {

// 52 bytes, hashed (not padded) into the initial h because it is longer than 32 bytes.
inline constexpr std::string_view kNoiseProtocolName =
    "Noise_XKchaobfse+hs1+hs2+hs3_25519_ChaChaPoly_SHA256";

// "KDF for Initial ChainKey": h = SHA256(name); ck = h; MixHash(null prologue); MixHash(bpk).
// Both sides start every handshake (and restart after a Retry) from this state.
crypto::SymmetricState initial_handshake_state(const crypto::PublicKey32& bob_static_pub);

// k_header_2 for Session Created = HKDF(ck, ZEROLEN, "SessCreateHeader", 32), taken from the
// chaining key after the Session Request "es" MixKey.
Result<crypto::Key32> session_created_header_key(const crypto::Key32& ck);
// k_header_2 for Session Confirmed = HKDF(ck, ZEROLEN, "SessionConfirmed", 32), taken from the
// chaining key after the Session Created "ee" MixKey.
Result<crypto::Key32> session_confirmed_header_key(const crypto::Key32& ck);

// One direction of the data phase: the ChaCha20-Poly1305 key and header protection key 2.
struct DirectionKeys {
  crypto::Key32 data;
  crypto::Key32 header2;
};

// "KDF for data phase": (k_ab, k_ba) = HKDF(ck, ZEROLEN, "", 64) (Noise Split), then each of
// them through HKDF(k, ZEROLEN, "HKDFSSU2DataKeys", 64) = k_data || k_header_2.
// ab is Alice -> Bob, ba is Bob -> Alice. ck is the chaining key after the Session
// Confirmed "se" MixKey.
struct DataPhaseKeys {
  DirectionKeys alice_to_bob;
  DirectionKeys bob_to_alice;
};
Result<DataPhaseKeys> data_phase_keys(const crypto::Key32& ck);

}  // namespace ssu2::wire
