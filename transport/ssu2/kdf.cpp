#include "transport/ssu2/kdf.hpp"

namespace ssu2::wire {

namespace {

Result<crypto::Key32> derive_one(ByteSpan salt, std::string_view info) {
  crypto::Key32 out;
  if (auto st = crypto::hkdf(salt, ByteSpan{}, info, MutByteSpan{out.data(), out.size()}); !st)
    return st.error();
  return out;
}

// HKDF(salt, ZEROLEN, info, 64) split into two 32-byte halves.
Status derive_two(ByteSpan salt, std::string_view info, crypto::Key32& first, crypto::Key32& second) {
  ByteArray<64> okm{};
  auto st = crypto::hkdf(salt, ByteSpan{}, info, MutByteSpan{okm.data(), okm.size()});
  if (st) {
    std::memcpy(first.data(), okm.data(), 32);
    std::memcpy(second.data(), okm.data() + 32, 32);
  }
  secure_wipe(okm.data(), okm.size());
  return st;
}

}  // namespace

crypto::SymmetricState initial_handshake_state(const crypto::PublicKey32& bob_static_pub) {
  crypto::SymmetricState st(kNoiseProtocolName);
  st.mix_hash(ByteSpan{});  // null prologue: h = SHA256(h)
  st.mix_hash(ByteSpan{bob_static_pub.data(), bob_static_pub.size()});
  return st;
}

Result<crypto::Key32> session_created_header_key(const crypto::Key32& ck) {
  return derive_one(ck.span(), "SessCreateHeader");
}

Result<crypto::Key32> session_confirmed_header_key(const crypto::Key32& ck) {
  return derive_one(ck.span(), "SessionConfirmed");
}

Result<DataPhaseKeys> data_phase_keys(const crypto::Key32& ck) {
  crypto::Key32 k_ab, k_ba;
  if (auto st = derive_two(ck.span(), "", k_ab, k_ba); !st) return st.error();
  DataPhaseKeys out;
  if (auto st = derive_two(k_ab.span(), "HKDFSSU2DataKeys", out.alice_to_bob.data,
                           out.alice_to_bob.header2); !st)
    return st.error();
  if (auto st = derive_two(k_ba.span(), "HKDFSSU2DataKeys", out.bob_to_alice.data,
                           out.bob_to_alice.header2); !st)
    return st.error();
  return out;
}

}  // namespace ssu2::wire
