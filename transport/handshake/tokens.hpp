// Tokens (ssu2.rst "Tokens", "Replay Prevention").
//
// Bob side: TokenManager hands out tokens bound to the requester's address and port and
// accepts each one once before it expires; ReplayCache remembers the ephemeral keys X of
// accepted Session Requests so that a replayed request is dropped.
// Alice side: TokenCache keeps the last token each peer gave us (New Token block or Retry)
// so that the next connection can skip the Token Request / Retry round trip.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "transport/crypto/crypto.hpp"
#include "transport/handshake/types.hpp"

namespace ssu2::handshake {

class TokenManager {
 public:
  struct Limits {
    uint32_t retry_lifetime_s = 10;      // Retry tokens are used at once (spec: "a few seconds")
    uint32_t new_token_lifetime_s = 3600;  // New Token blocks: minutes to hours
    size_t max_entries = 8192;
  };
  explicit TokenManager(RandomFn rng) : rng_(std::move(rng)) {}
  TokenManager(RandomFn rng, Limits limits) : rng_(std::move(rng)), limits_(limits) {}

  // Token for a Retry: the address's current token if it is still valid (so a repeated
  // Token Request does not invalidate the Retry already in flight), else a new one.
  Token retry_token(const Endpoint& ep, uint32_t wall_s);
  // A fresh long-lived token for a New Token block; replaces any earlier one for `ep`.
  Token issue_new_token(const Endpoint& ep, uint32_t wall_s);
  // True if `value` is the unexpired token issued to `ep`; the token is consumed.
  bool consume(const Endpoint& ep, uint64_t value, uint32_t wall_s);
  // Forget every token (our address changed).
  void clear() { tokens_.clear(); }

  size_t size() const { return tokens_.size(); }
  uint64_t issued() const { return issued_; }
  uint64_t rejected() const { return rejected_; }

 private:
  Token issue(const Endpoint& ep, uint32_t wall_s, uint32_t lifetime_s);
  void make_room(uint32_t wall_s);

  RandomFn rng_;
  Limits limits_{};
  std::map<Endpoint, Token> tokens_;
  uint64_t issued_ = 0;
  uint64_t rejected_ = 0;
};

// Ephemeral keys of accepted Session Requests, kept for `window` (at least twice the
// allowed clock skew, as the spec asks).
class ReplayCache {
 public:
  explicit ReplayCache(Millis window = Millis{5 * 60 * 1000}, size_t max_entries = 65536)
      : window_(window), max_entries_(max_entries) {}
  bool contains(const crypto::PublicKey32& x, TimePoint now);
  // Records X; returns false (and counts a replay) if it was already present.
  bool insert(const crypto::PublicKey32& x, TimePoint now);
  uint64_t replays() const { return replays_; }
  void count_replay() { ++replays_; }
  size_t size() const { return seen_.size(); }

 private:
  void expire(TimePoint now);
  Millis window_;
  size_t max_entries_;
  std::map<crypto::PublicKey32, TimePoint> seen_;  // X -> time first seen
  uint64_t replays_ = 0;
};

// Alice's tokens, per peer router hash and address.
class TokenCache {
 public:
  explicit TokenCache(size_t max_entries = 4096) : max_entries_(max_entries) {}
  void store(const crypto::Hash32& peer, const Endpoint& ep, Token t);
  // Removes and returns the peer's token if it has not expired (tokens are single-use).
  std::optional<Token> take(const crypto::Hash32& peer, const Endpoint& ep, uint32_t wall_s);
  void forget(const crypto::Hash32& peer, const Endpoint& ep);
  void clear() { tokens_.clear(); }
  size_t size() const { return tokens_.size(); }

 private:
  using Key = std::pair<crypto::Hash32, Endpoint>;
  size_t max_entries_;
  std::map<Key, Token> tokens_;
};

}  // namespace ssu2::handshake
