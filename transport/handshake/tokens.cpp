#include "transport/handshake/tokens.hpp"

#include <algorithm>

namespace ssu2::handshake {

// ---- TokenManager ----

Token TokenManager::issue(const Endpoint& ep, uint32_t wall_s, uint32_t lifetime_s) {
  make_room(wall_s);
  Token t;
  do {
    t.value = random_u64(rng_);
  } while (t.value == 0);  // zero means "no token" on the wire
  t.expires = wall_s + lifetime_s;
  tokens_[ep] = t;
  ++issued_;
  return t;
}

Token TokenManager::retry_token(const Endpoint& ep, uint32_t wall_s) {
  auto it = tokens_.find(ep);
  if (it != tokens_.end() && it->second.expires > wall_s) return it->second;
  return issue(ep, wall_s, limits_.retry_lifetime_s);
}

Token TokenManager::issue_new_token(const Endpoint& ep, uint32_t wall_s) {
  return issue(ep, wall_s, limits_.new_token_lifetime_s);
}

bool TokenManager::consume(const Endpoint& ep, uint64_t value, uint32_t wall_s) {
  auto it = tokens_.find(ep);
  if (value == 0 || it == tokens_.end() || it->second.value != value || it->second.expires <= wall_s) {
    ++rejected_;
    return false;
  }
  tokens_.erase(it);
  return true;
}

void TokenManager::make_room(uint32_t wall_s) {
  if (tokens_.size() < limits_.max_entries) return;
  std::erase_if(tokens_, [&](const auto& kv) { return kv.second.expires <= wall_s; });
  while (tokens_.size() >= limits_.max_entries && !tokens_.empty()) {
    auto oldest = std::min_element(tokens_.begin(), tokens_.end(), [](const auto& a, const auto& b) {
      return a.second.expires < b.second.expires;
    });
    tokens_.erase(oldest);
  }
}

// ---- ReplayCache ----

void ReplayCache::expire(TimePoint now) {
  std::erase_if(seen_, [&](const auto& kv) { return now - kv.second >= window_; });
}

bool ReplayCache::contains(const crypto::PublicKey32& x, TimePoint now) {
  auto it = seen_.find(x);
  return it != seen_.end() && now - it->second < window_;
}

bool ReplayCache::insert(const crypto::PublicKey32& x, TimePoint now) {
  if (contains(x, now)) {
    ++replays_;
    return false;
  }
  if (seen_.size() >= max_entries_) expire(now);
  if (seen_.size() >= max_entries_) {
    // Still full of live entries: drop the oldest so memory stays bounded.
    auto oldest = std::min_element(seen_.begin(), seen_.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
    seen_.erase(oldest);
  }
  seen_[x] = now;
  return true;
}

// ---- TokenCache ----

void TokenCache::store(const crypto::Hash32& peer, const Endpoint& ep, Token t) {
  if (t.value == 0) return;
  if (tokens_.size() >= max_entries_ && !tokens_.count({peer, ep})) {
    auto oldest = std::min_element(tokens_.begin(), tokens_.end(), [](const auto& a, const auto& b) {
      return a.second.expires < b.second.expires;
    });
    tokens_.erase(oldest);
  }
  tokens_[{peer, ep}] = t;
}

std::optional<Token> TokenCache::take(const crypto::Hash32& peer, const Endpoint& ep, uint32_t wall_s) {
  auto it = tokens_.find({peer, ep});
  if (it == tokens_.end()) return std::nullopt;
  Token t = it->second;
  tokens_.erase(it);
  if (t.expires <= wall_s) return std::nullopt;
  return t;
}

void TokenCache::forget(const crypto::Hash32& peer, const Endpoint& ep) { tokens_.erase({peer, ep}); }

}  // namespace ssu2::handshake
