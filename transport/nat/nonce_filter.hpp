// Replay filter for peer-test and relay nonces. Relay and peer-test blocks carry no message
// ID, so a retransmitted or replayed request is recognised by (kind, sender, nonce) alone.
// This filter is separate from the I2NP message-ID filter on purpose: the two ID spaces are
// unrelated and sharing one set lets a 32-bit nonce collide with a message ID.
//
// Two generations of `period` each: an entry is remembered for at least one full period and
// at most two. The period must exceed twice the accepted timestamp skew so that a replay whose
// signed timestamp is still acceptable is always caught. Each generation is bounded; when the
// current one is full, insert() refuses (the caller treats that as "limit exceeded").
#pragma once
#include <set>
#include <tuple>

#include "transport/common/time.hpp"
#include "transport/crypto/crypto.hpp"

namespace ssu2::nat {

enum class NonceKind : uint8_t { PeerTestBob, PeerTestCharlie, RelayBob, RelayCharlie };

class NonceFilter {
 public:
  enum class Insert : uint8_t { fresh, replay, full };

  explicit NonceFilter(Millis period = Millis{300'000}, size_t max_per_generation = 16384)
      : period_(period), max_(max_per_generation) {}

  Insert insert(TimePoint now, NonceKind kind, const crypto::Hash32& sender, uint32_t nonce);
  bool contains(NonceKind kind, const crypto::Hash32& sender, uint32_t nonce) const;
  size_t size() const { return current_.size() + previous_.size(); }

 private:
  using Key = std::tuple<uint8_t, crypto::Hash32, uint32_t>;
  void rotate(TimePoint now);

  Millis period_;
  size_t max_;
  TimePoint rotated_at_{0};
  bool started_ = false;
  std::set<Key> current_, previous_;
};

}  // namespace ssu2::nat
