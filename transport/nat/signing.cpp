#include "transport/nat/signing.hpp"

namespace ssu2::nat {
namespace {

Bytes concat(std::string_view prologue, std::initializer_list<ByteSpan> parts) {
  Bytes out;
  Writer w(out);
  w.bytes(as_bytes(prologue));
  for (auto p : parts) w.bytes(p);
  return out;
}

}  // namespace

Bytes peer_test_message(const crypto::Hash32& bhash, const crypto::Hash32* ahash,
                        ByteSpan signed_data) {
  if (ahash) return concat(kPeerTestPrologue, {ByteSpan(bhash), ByteSpan(*ahash), signed_data});
  return concat(kPeerTestPrologue, {ByteSpan(bhash), signed_data});
}

Bytes relay_request_message(const crypto::Hash32& bhash, const crypto::Hash32& chash,
                            ByteSpan signed_data) {
  return concat(kRelayRequestPrologue, {ByteSpan(bhash), ByteSpan(chash), signed_data});
}

Bytes relay_response_message(const crypto::Hash32& bhash, ByteSpan signed_data) {
  return concat(kRelayResponsePrologue, {ByteSpan(bhash), signed_data});
}

Result<Bytes> sign(const crypto::Key32& priv, ByteSpan message) {
  auto sig = crypto::ed25519_sign(priv, message);
  if (!sig) return sig.error();
  return Bytes(sig->begin(), sig->end());
}

bool verify(const crypto::PublicKey32& pub, ByteSpan message, ByteSpan signature) {
  if (signature.size() != 64) return false;
  return crypto::ed25519_verify(pub, message, signature);
}

}  // namespace ssu2::nat
