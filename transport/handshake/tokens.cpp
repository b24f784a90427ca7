#include "transport/handshake/tokens.hpp"

namespace ssu2::handshake {

// ---- TokenManager ----

Token TokenManager::make(uint32_t wall_s, uint32_t lifetime_s) {
  Token t;
  do {
    t.value = random_u64(rng_);
  } while (t.value == 0);  // zero means "no token" on the wire
  t.expires = wall_s + lifetime_s;
  ++issued_;
  return t;
}

Token TokenManager::retry_token(const Address& ep, uint32_t wall_s) {
  if (const Token* t = retry_.find(ep); t && t->expires > wall_s) return *t;
  Token t = make(wall_s, limits_.retry_lifetime_s);
  retry_.put(ep, t, wall_s);
  return t;
}

Token TokenManager::issue_new_token(const Address& ep, uint32_t wall_s) {
  Token t = make(wall_s, limits_.new_token_lifetime_s);
  retry_.erase(ep);  // only the last token given to an address is valid
  new_.put(ep, t, wall_s);
  return t;
}

void TokenManager::accept_relay_token(const Address& ep, uint64_t value, uint32_t wall_s) {
  if (value == 0) return;  // never valid (see valid())
  retry_.put(ep, Token{value, wall_s + kRelayTokenLifetimeS}, wall_s);
}

bool TokenManager::valid(const Address& ep, uint64_t value, uint32_t wall_s) const {
  auto matches = [&](const Token* t) { return t && t->value == value && t->expires > wall_s; };
  return value != 0 && (matches(retry_.find(ep)) || matches(new_.find(ep)));
}

bool TokenManager::consume(const Address& ep, uint64_t value, uint32_t wall_s) {
  auto matches = [&](const Token* t) { return t && t->value == value && t->expires > wall_s; };
  if (value != 0) {
    if (matches(retry_.find(ep))) return retry_.erase(ep);
    if (matches(new_.find(ep))) return new_.erase(ep);
  }
  ++rejected_;
  return false;
}

// ---- ReplayCache ----

void ReplayCache::pop_front() {
  auto& [t, x] = order_.front();
  if (auto it = seen_.find(x); it != seen_.end() && it->second == t) seen_.erase(it);
  order_.pop_front();
}

void ReplayCache::expire(TimePoint now) {
  while (!order_.empty() && now - order_.front().first >= window_) pop_front();
}

bool ReplayCache::contains(const crypto::PublicKey32& x, TimePoint now) const {
  auto it = seen_.find(x);
  return it != seen_.end() && now - it->second < window_;
}

bool ReplayCache::insert(const crypto::PublicKey32& x, TimePoint now) {
  if (contains(x, now)) {
    ++replays_;
    return false;
  }
  expire(now);
  // Still full of live entries: drop the oldest so memory stays bounded.
  while (seen_.size() >= max_entries_ && !order_.empty()) pop_front();
  seen_[x] = now;
  order_.emplace_back(now, x);
  return true;
}

// ---- TokenCache ----

void TokenCache::store(const crypto::Hash32& peer, const Address& ep, Token t, uint32_t wall_s) {
  if (t.value == 0) return;
  tokens_.put({peer, ep}, t, wall_s);
}

std::optional<Token> TokenCache::take(const crypto::Hash32& peer, const Address& ep, uint32_t wall_s) {
  const Token* found = tokens_.find({peer, ep});
  if (!found) return std::nullopt;
  Token t = *found;
  tokens_.erase({peer, ep});
  if (t.expires <= wall_s) return std::nullopt;
  return t;
}

}  // namespace ssu2::handshake
