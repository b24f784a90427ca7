// Tokens (ssu2.rst "Tokens", "Replay Prevention").
//
// Bob side: TokenManager hands out random tokens bound to the requester's address and port
// and accepts each one once before it expires; ReplayCache remembers the ephemeral keys X of
// accepted Session Requests so that a replayed request is dropped.
// Alice side: TokenCache keeps the last token each peer gave us (New Token block or Retry)
// so that the next connection can skip the Token Request / Retry round trip.
//
// The spec asks for stored random tokens, each used once ("the generator may not generate an
// opaque value"), so tokens live in tables. Every table is bounded and costs O(log n) per
// operation: a map by key plus an index by expiry, so a full table drops its expired entries
// first and then the one that expires soonest, never walking the table. Retry tokens (seconds,
// asked for by anyone) and New Tokens (an hour, only given to routers that completed a
// handshake) are kept in separate tables, so a flood of Token Requests cannot push out the
// tokens of established peers, and New Tokens cannot crowd out the Retry tokens of handshakes
// in flight (they once shared one table of 8,192 entries, which capped the node at ~8,192
// sessions).
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>

#include "transport/crypto/crypto.hpp"
#include "transport/handshake/types.hpp"

namespace ssu2::handshake {

// Tokens by key, bounded: O(log n) put / find / erase; when full, the expired entries and then
// the soonest-expiring one make room.
template <class Key>
class TokenTable {
 public:
  explicit TokenTable(size_t capacity) : capacity_(capacity ? capacity : 1) {}

  void put(const Key& k, Token t, uint32_t wall_s) {
    erase(k);
    drop_expired(wall_s);
    while (map_.size() >= capacity_) {
      auto first = by_expiry_.begin();
      map_.erase(first->second);
      by_expiry_.erase(first);
      ++evicted_;
    }
    auto [it, fresh] = map_.emplace(k, Entry{t, ++seq_});
    by_expiry_.emplace(std::pair{t.expires, it->second.seq}, k);
  }
  const Token* find(const Key& k) const {
    auto it = map_.find(k);
    return it == map_.end() ? nullptr : &it->second.token;
  }
  bool erase(const Key& k) {
    auto it = map_.find(k);
    if (it == map_.end()) return false;
    by_expiry_.erase({it->second.token.expires, it->second.seq});
    map_.erase(it);
    return true;
  }
  // Removes every entry with expires <= wall_s (from the front of the expiry index).
  void drop_expired(uint32_t wall_s) {
    while (!by_expiry_.empty() && by_expiry_.begin()->first.first <= wall_s) {
      map_.erase(by_expiry_.begin()->second);
      by_expiry_.erase(by_expiry_.begin());
    }
  }
  void clear() {
    map_.clear();
    by_expiry_.clear();
  }
  size_t size() const { return map_.size(); }
  size_t capacity() const { return capacity_; }
  uint64_t evicted() const { return evicted_; }  // unexpired entries dropped for room

 private:
  struct Entry {
    Token token;
    uint64_t seq;
  };
  size_t capacity_;
  uint64_t seq_ = 0;
  uint64_t evicted_ = 0;
  std::map<Key, Entry> map_;  // ordered: keys may be chosen by a remote sender
  std::map<std::pair<uint32_t, uint64_t>, Key> by_expiry_;
};

class TokenManager {
 public:
  struct Limits {
    uint32_t retry_lifetime_s = 10;        // Retry tokens are used at once (spec: "a few seconds")
    uint32_t new_token_lifetime_s = 3600;  // New Token blocks: minutes to hours
    size_t max_retry_tokens = 65536;       // handshakes that may be between Retry and Request
    size_t max_new_tokens = 16384;         // the node sizes it from limits.max_sessions
  };
  explicit TokenManager(RandomFn rng) : TokenManager(std::move(rng), Limits{}) {}
  TokenManager(RandomFn rng, Limits limits)
      : rng_(std::move(rng)), limits_(limits), retry_(limits.max_retry_tokens),
        new_(limits.max_new_tokens) {}

  // Token for a Retry: the address's current Retry token if it is still valid (so a repeated
  // Token Request does not invalidate the Retry already in flight), else a new one.
  Token retry_token(const Address& ep, uint32_t wall_s);
  // A fresh long-lived token for a New Token block; replaces any earlier token for `ep`.
  Token issue_new_token(const Address& ep, uint32_t wall_s);
  // As relay Charlie we gave `value` to Alice at `ep` in our Relay Response (ssu2.rst "Relay
  // Process"): her Session Request carrying it is accepted without a Retry. Held like a Retry
  // token (one use), for kRelayTokenLifetimeS: Alice sends at once, after the Hole Punch.
  static constexpr uint32_t kRelayTokenLifetimeS = 60;
  void accept_relay_token(const Address& ep, uint64_t value, uint32_t wall_s);
  // True if `value` is the unexpired token issued to `ep` (nothing changes).
  bool valid(const Address& ep, uint64_t value, uint32_t wall_s) const;
  // As valid(), and the token is consumed.
  bool consume(const Address& ep, uint64_t value, uint32_t wall_s);
  // Forget every token (our address changed).
  void clear() {
    retry_.clear();
    new_.clear();
  }

  size_t size() const { return retry_.size() + new_.size(); }
  const TokenTable<Address>& retry_tokens() const { return retry_; }
  const TokenTable<Address>& new_tokens() const { return new_; }
  uint64_t issued() const { return issued_; }
  uint64_t rejected() const { return rejected_; }

 private:
  Token make(uint32_t wall_s, uint32_t lifetime_s);

  RandomFn rng_;
  Limits limits_{};
  TokenTable<Address> retry_;
  TokenTable<Address> new_;
  uint64_t issued_ = 0;
  uint64_t rejected_ = 0;
};

// Ephemeral keys of accepted Session Requests, kept for `window` (at least twice the
// allowed clock skew, as the spec asks). Bounded; O(log n) per insert, expiry from the front
// of an insertion-ordered queue (callers pass non-decreasing times).
class ReplayCache {
 public:
  explicit ReplayCache(Millis window = Millis{5 * 60 * 1000}, size_t max_entries = 65536)
      : window_(window), max_entries_(max_entries ? max_entries : 1) {}
  bool contains(const crypto::PublicKey32& x, TimePoint now) const;
  // Records X; returns false (and counts a replay) if it was already present.
  bool insert(const crypto::PublicKey32& x, TimePoint now);
  uint64_t replays() const { return replays_; }
  void count_replay() { ++replays_; }
  size_t size() const { return seen_.size(); }

 private:
  void expire(TimePoint now);
  void pop_front();
  Millis window_;
  size_t max_entries_;
  std::map<crypto::PublicKey32, TimePoint> seen_;  // X -> time first seen
  std::deque<std::pair<TimePoint, crypto::PublicKey32>> order_;
  uint64_t replays_ = 0;
};

// Alice's tokens, per peer router hash and address (only the last one is valid).
class TokenCache {
 public:
  explicit TokenCache(size_t max_entries = 4096) : tokens_(max_entries) {}
  void store(const crypto::Hash32& peer, const Address& ep, Token t, uint32_t wall_s = 0);
  // Removes and returns the peer's token if it has not expired (tokens are single-use).
  std::optional<Token> take(const crypto::Hash32& peer, const Address& ep, uint32_t wall_s);
  void forget(const crypto::Hash32& peer, const Address& ep) { tokens_.erase({peer, ep}); }
  void clear() { tokens_.clear(); }
  size_t size() const { return tokens_.size(); }

 private:
  TokenTable<std::pair<crypto::Hash32, Address>> tokens_;
};

}  // namespace ssu2::handshake
