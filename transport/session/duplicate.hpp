// Time-bounded duplicate filters. Two sets rotate every `period`: an entry lives in the
// current set until the next rotation, then one more period in the previous set, so it is
// remembered for between one and two periods (60..120 s by default). Each set is bounded;
// when the current set is full it rotates early, so memory stays bounded under a flood at
// the cost of a shorter memory for the oldest entries.
//
// Message IDs and peer-test/relay nonces get separate filter types (and so separate
// instances): sharing one filter lets a nonce collide with, and suppress, a message ID.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "transport/common/random.hpp"
#include "transport/common/time.hpp"

namespace ssu2::session {

namespace detail {

// Open-addressing set of integers (linear probing, load <= 1/2, grows by doubling from 16
// slots): one probe of a flat array per lookup instead of a node walk, 2-4 x sizeof(T) per
// entry. The slots are mixed with `seed` (a keyed, invertible mix), so a peer that picks the
// values cannot aim them at one probe chain without knowing the seed.
template <class T>
class FlatSet {
 public:
  explicit FlatSet(uint64_t seed = 0) : seed_(seed) {}
  bool contains(T v) const {
    if (v == kEmpty) return has_empty_value_;
    if (slots_.empty()) return false;
    for (size_t i = index(v);; i = (i + 1) & mask()) {
      if (slots_[i] == v) return true;
      if (slots_[i] == kEmpty) return false;
    }
  }
  // False if already present.
  bool insert(T v) {
    if (v == kEmpty) {
      if (has_empty_value_) return false;
      has_empty_value_ = true;
      ++size_;
      return true;
    }
    if ((size_ + 1) * 2 > slots_.size()) grow();
    for (size_t i = index(v);; i = (i + 1) & mask()) {
      if (slots_[i] == v) return false;
      if (slots_[i] == kEmpty) {
        slots_[i] = v;
        ++size_;
        return true;
      }
    }
  }
  size_t size() const { return size_; }
  void clear() {
    slots_.clear();
    slots_.shrink_to_fit();
    size_ = 0;
    has_empty_value_ = false;
  }

 private:
  static constexpr T kEmpty = std::numeric_limits<T>::max();
  size_t mask() const { return slots_.size() - 1; }
  size_t index(T v) const {
    uint64_t x = uint64_t(v) ^ seed_;  // splitmix64 finalizer
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return size_t(x ^ (x >> 31)) & mask();
  }
  void grow() {
    std::vector<T> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, kEmpty);
    for (T v : old)
      if (v != kEmpty)
        for (size_t i = index(v);; i = (i + 1) & mask())
          if (slots_[i] == kEmpty) {
            slots_[i] = v;
            break;
          }
  }
  uint64_t seed_;
  std::vector<T> slots_;
  size_t size_ = 0;
  bool has_empty_value_ = false;
};

template <class T>
class RotatingSet {
 public:
  static constexpr Millis kDefaultPeriod{60'000};
  static constexpr size_t kDefaultMaxPerSet = 50'000;

  // `seed` keys the sets' hashing (a random value from the owner; 0 in tests).
  explicit RotatingSet(TimePoint now, Millis period = kDefaultPeriod,
                       size_t max_per_set = kDefaultMaxPerSet, uint64_t seed = 0)
      : period_(period), max_per_set_(max_per_set), rotated_at_(now), current_(seed),
        previous_(seed) {}

  // Returns true if `v` was not seen recently (and remembers it), false for a duplicate.
  bool insert(TimePoint now, T v) {
    maybe_rotate(now);
    if (contains(v)) return false;
    if (current_.size() >= max_per_set_) rotate(now);
    current_.insert(v);
    return true;
  }
  bool contains(T v) const { return current_.contains(v) || previous_.contains(v); }
  // Drops stale entries; call from the owner's timer (insert also rotates lazily).
  void on_timer(TimePoint now) { maybe_rotate(now); }
  TimePoint next_deadline() const { return rotated_at_ + period_; }
  size_t size() const { return current_.size() + previous_.size(); }

 private:
  void maybe_rotate(TimePoint now) {
    if (now - rotated_at_ >= 2 * period_) {  // long silence: everything is stale
      previous_.clear();
      current_.clear();
      rotated_at_ = now;
    } else if (now - rotated_at_ >= period_) {
      rotate(now);
    }
  }
  void rotate(TimePoint now) {
    previous_ = std::move(current_);
    current_.clear();
    rotated_at_ = now;
  }

  Millis period_;
  size_t max_per_set_;
  TimePoint rotated_at_;
  FlatSet<T> current_, previous_;
};
}  // namespace detail

// I2NP message IDs (32 bit).
class MessageIdFilter : public detail::RotatingSet<uint32_t> {
 public:
  using RotatingSet::RotatingSet;
};

// The router's filter of I2NP messages received from each peer, across its sessions: a
// session's own MessageIdFilter starts empty, so a message the peer moved to a new session
// (a replaced session hands over what was not ACKed, spec "Multiple Sessions") would reach
// the router twice. Keyed by (peer, message ID) mixed into 64 bits: injective in the ID for
// one peer; two peers collide with probability 2^-64 per pair of entries. Bounded like the
// other filters (under a flood the memory shortens; a moved copy follows its original
// within seconds).
class RecentMessages {
 public:
  static constexpr size_t kDefaultMaxPerSet = 200'000;
  explicit RecentMessages(TimePoint now, uint64_t seed = 0, Millis period = detail::RotatingSet<uint64_t>::kDefaultPeriod,
                          size_t max_per_set = kDefaultMaxPerSet)
      : seen_(now, period, max_per_set, seed) {}
  // True the first time (peer, id) is seen within the memory; `peer` is the router hash.
  bool first_time(TimePoint now, const std::array<uint8_t, 32>& peer, uint32_t id) {
    uint64_t p = 0;
    for (int i = 0; i < 8; ++i) p = (p << 8) | peer[i];
    return seen_.insert(now, p + uint64_t(id) * 0x9E3779B97F4A7C15ull);
  }
  size_t size() const { return seen_.size(); }

 private:
  detail::RotatingSet<uint64_t> seen_;
};

// Picks the IDs of I2NP messages this router originates: random (an ID says nothing about
// the sender's message count), but never one it issued within the receivers' filter memory.
// A receiver drops a second message with a remembered ID as a duplicate while the sender's
// copy is ACKed, so with plain random IDs 10,000 messages in a minute lose one about once in
// a hundred runs (birthday bound). Remembering what was issued rules that out within the
// window; the window is bounded like the filters (it shortens under a flood).
class MessageIdAllocator {
 public:
  explicit MessageIdAllocator(TimePoint now, Millis period = MessageIdFilter::kDefaultPeriod,
                              size_t max_per_set = MessageIdFilter::kDefaultMaxPerSet)
      : issued_(now, period, max_per_set) {}

  // `random` fills a buffer (crypto::random_bytes in the node). A bounded number of draws;
  // a generator that keeps repeating itself falls back to the next unused value after its
  // last draw, so the call always returns an ID that was not issued recently.
  uint32_t next(TimePoint now, const RandomFn& random);
  size_t remembered() const { return issued_.size(); }

 private:
  static constexpr int kMaxDraws = 16;
  detail::RotatingSet<uint32_t> issued_;
};

// Peer-test and relay nonces have their own filter, nat::NonceFilter (transport/nat).

}  // namespace ssu2::session
