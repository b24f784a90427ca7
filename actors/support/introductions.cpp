#include "actors/support/introductions.hpp"

namespace ssu2d {

Introductions::Attempt* Introductions::start(const router_hash& charlie, std::vector<uint8_t> ri,
                                             ssu2::nat::IntroducerChoice choice,
                                             caf::response_promise rp, bool& full) {
  full = false;
  if (auto it = by_charlie_.find(charlie); it != by_charlie_.end()) {
    it->second.waiting.push_back(std::move(rp));
    return nullptr;
  }
  if (by_charlie_.size() >= kMaxAttempts) {
    full = true;
    return nullptr;
  }
  Attempt a{++serial_, std::move(ri), std::move(choice), {}, {}, {}, 0, "no usable introducer", 4};
  a.waiting.push_back(std::move(rp));
  return &by_charlie_.emplace(charlie, std::move(a)).first->second;
}

Introductions::Attempt* Introductions::find(const router_hash& charlie) {
  auto it = by_charlie_.find(charlie);
  return it == by_charlie_.end() ? nullptr : &it->second;
}

std::optional<router_hash> Introductions::charlie_of(uint32_t nonce) const {
  auto it = by_nonce_.find(nonce);
  if (it == by_nonce_.end()) return std::nullopt;
  return it->second;
}

void Introductions::asking(const router_hash& charlie, const router_hash& bob, uint32_t tag,
                           uint8_t ip_len) {
  if (auto* a = find(charlie)) {
    if (a->nonce) by_nonce_.erase(*a->nonce);
    a->nonce.reset();
    a->bob = bob;
    a->tag = tag;
    a->ip_len = ip_len;
  }
}

void Introductions::sent(const router_hash& charlie, uint32_t nonce) {
  if (auto* a = find(charlie)) {
    if (a->nonce) by_nonce_.erase(*a->nonce);
    a->nonce = nonce;
    by_nonce_[nonce] = charlie;
  }
}

std::vector<router_hash> Introductions::waiting_for(const router_hash& bob) const {
  std::vector<router_hash> out;
  for (const auto& [charlie, a] : by_charlie_)
    if (a.bob == bob && !a.nonce) out.push_back(charlie);
  return out;
}

std::optional<Introductions::Attempt> Introductions::take(const router_hash& charlie) {
  auto it = by_charlie_.find(charlie);
  if (it == by_charlie_.end()) return std::nullopt;
  if (it->second.nonce) by_nonce_.erase(*it->second.nonce);
  Attempt a = std::move(it->second);
  by_charlie_.erase(it);
  return a;
}

void Introductions::fail_all(const std::string& why) {
  for (auto& [charlie, a] : by_charlie_)
    for (auto& rp : a.waiting) rp.deliver(make_error(node_errc::not_available, why));
  by_charlie_.clear();
  by_nonce_.clear();
}

}  // namespace ssu2d
