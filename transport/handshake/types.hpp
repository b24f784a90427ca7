// Small value types shared by the handshake state machines and their callers.
#pragma once
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "transport/common/address.hpp"
#include "transport/common/bytes.hpp"
#include "transport/common/random.hpp"
#include "transport/common/time.hpp"
#include "transport/crypto/crypto.hpp"

namespace ssu2::handshake {

// ssu2::Address under the handshake's name: the same type (an alias), not a separate concept.

// One datagram the caller must send.
struct Datagram {
  Address to;
  Bytes bytes;
};

// A token from a New Token block or a Retry: usable once for a Session Request to the
// address it was received from, until `expires` (Unix seconds).
struct Token {
  uint64_t value = 0;
  uint32_t expires = 0;
  bool operator==(const Token&) const = default;
};

// Why a handshake failed. Stable names for metrics and logs.
enum class Failure : uint8_t {
  timeout,              // no answer within the handshake's total timeout
  peer_rejected,        // Retry with a Termination block (reason in the outcome)
  clock_skew,           // DateTime too far from our clock
  wrong_net_id,         // header id or RouterInfo netId is not ours
  bad_router_info,      // RouterInfo malformed, signature invalid, no usable SSU2 address
  static_key_mismatch,  // SessionConfirmed s differs from the RouterInfo's published s
  router_not_accepted,  // the caller's policy rejected the router (banned, ourselves, ...)
  protocol_error,       // a required block is missing or the message is inconsistent
  crypto_error,         // a local crypto call failed
};
std::string_view to_string(Failure f) noexcept;
template <class Os>
Os& operator<<(Os& os, Failure f) { os << to_string(f); return os; }

// Source of randomness (connection IDs, ephemeral keys, padding, tokens). Defaults to the
// OpenSSL CSPRNG; tests pass a seeded generator so that runs are reproducible.
RandomFn default_random();

// Helpers over a RandomFn.
uint64_t random_u64(const RandomFn& rng);
uint32_t random_u32(const RandomFn& rng);
// Uniform-ish value in [0, bound) (bound > 0); modulo bias is irrelevant for padding sizes.
uint32_t random_below(const RandomFn& rng, uint32_t bound);
// A fresh X25519 ephemeral key pair whose private key comes from `rng` (seedable in tests).
crypto::X25519Keys ephemeral_from(const RandomFn& rng);

}  // namespace ssu2::handshake
