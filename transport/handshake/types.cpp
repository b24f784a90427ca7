#include "transport/handshake/types.hpp"

#include <cstdio>

#include "transport/crypto/crypto.hpp"

namespace ssu2::handshake {

std::string_view to_string(Failure f) noexcept {
  switch (f) {
    case Failure::timeout: return "timeout";
    case Failure::peer_rejected: return "peer_rejected";
    case Failure::clock_skew: return "clock_skew";
    case Failure::wrong_net_id: return "wrong_net_id";
    case Failure::bad_router_info: return "bad_router_info";
    case Failure::static_key_mismatch: return "static_key_mismatch";
    case Failure::router_not_accepted: return "router_not_accepted";
    case Failure::protocol_error: return "protocol_error";
    case Failure::crypto_error: return "crypto_error";
  }
  return "unknown";
}

RandomFn default_random() {
  return [](MutByteSpan out) { crypto::random_bytes(out); };
}

uint64_t random_u64(const RandomFn& rng) {
  uint8_t b[8];
  rng(MutByteSpan{b, 8});
  return load_be64(b);
}

uint32_t random_u32(const RandomFn& rng) {
  uint8_t b[4];
  rng(MutByteSpan{b, 4});
  return load_be32(b);
}

uint32_t random_below(const RandomFn& rng, uint32_t bound) {
  return bound == 0 ? 0 : random_u32(rng) % bound;
}

crypto::X25519Keys ephemeral_from(const RandomFn& rng) {
  crypto::Key32 priv;
  rng(MutByteSpan{priv.data(), priv.size()});
  return crypto::x25519_keys_from(priv);
}

}  // namespace ssu2::handshake
