#include "transport/nat/nonce_filter.hpp"

namespace ssu2::nat {

void NonceFilter::rotate(TimePoint now) {
  if (!started_) {
    started_ = true;
    rotated_at_ = now;
    return;
  }
  if (now - rotated_at_ < period_) return;
  // More than two periods idle: both generations are stale.
  if (now - rotated_at_ >= 2 * period_) {
    previous_.clear();
  } else {
    previous_ = std::move(current_);
  }
  current_.clear();
  rotated_at_ = now;
}

NonceFilter::Insert NonceFilter::insert(TimePoint now, NonceKind kind,
                                        const crypto::Hash32& sender, uint32_t nonce) {
  rotate(now);
  Key k{uint8_t(kind), sender, nonce};
  if (current_.count(k) || previous_.count(k)) return Insert::replay;
  if (current_.size() >= max_) return Insert::full;
  current_.insert(k);
  return Insert::fresh;
}

bool NonceFilter::contains(NonceKind kind, const crypto::Hash32& sender, uint32_t nonce) const {
  Key k{uint8_t(kind), sender, nonce};
  return current_.count(k) || previous_.count(k);
}

}  // namespace ssu2::nat
