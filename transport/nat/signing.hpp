// The three signed statements of SSU2 peer testing and relaying (spec "PeerTest",
// "RelayRequest", "RelayResponse" blocks). Each is prologue || hashes || the block's signed
// bytes exactly as on the wire, signed with the router's Ed25519 identity key.
#pragma once
#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"
#include "transport/crypto/crypto.hpp"

namespace ssu2::nat {

inline constexpr std::string_view kPeerTestPrologue = "PeerTestValidate";
inline constexpr std::string_view kRelayRequestPrologue = "RelayRequestData";
inline constexpr std::string_view kRelayResponsePrologue = "RelayAgreementOK";

// Messages 1/2 (Alice's request): "PeerTestValidate" || bhash || signed_data.
// Messages 3/4 (Charlie's answer): "PeerTestValidate" || bhash || ahash || signed_data;
// pass ahash = nullptr for the former.
Bytes peer_test_message(const crypto::Hash32& bhash, const crypto::Hash32* ahash,
                        ByteSpan signed_data);
// RelayRequest / RelayIntro: "RelayRequestData" || bhash || chash || signed_data.
Bytes relay_request_message(const crypto::Hash32& bhash, const crypto::Hash32& chash,
                            ByteSpan signed_data);
// RelayResponse: "RelayAgreementOK" || bhash || signed_data.
Bytes relay_response_message(const crypto::Hash32& bhash, ByteSpan signed_data);

Result<Bytes> sign(const crypto::Key32& priv, ByteSpan message);
// False for a wrong-length or invalid signature.
bool verify(const crypto::PublicKey32& pub, ByteSpan message, ByteSpan signature);

}  // namespace ssu2::nat
