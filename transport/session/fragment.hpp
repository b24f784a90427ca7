// I2NP message fragmentation (send side) and reassembly (receive side).
//
// Send side: a message becomes one I2NP block if it fits in the room the caller gives for
// one block, otherwise a First Fragment and Follow-on Fragments sized to that room. The
// caller passes the room derived from the session's real max payload (IPv6 with the 1280
// minimum MTU leaves 1200 bytes of payload), never a fixed fragment size.
//
// Receive side: fragments may arrive in any order and more than once. Incomplete messages
// are dropped after 30 s, fragment numbers are limited to 0..63, and the bytes buffered per
// session are bounded so that a peer cannot make us hold unlimited partial messages.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"
#include "transport/common/time.hpp"

namespace ssu2::session {

// An I2NP message as SSU2 carries it: the 9-byte short header fields and the body.
struct I2npMessage {
  uint8_t type = 0;
  uint32_t id = 0;
  uint32_t expiration = 0;  // short expiration, Unix seconds
  Bytes body;
  bool operator==(const I2npMessage&) const = default;
};

inline constexpr size_t kBlockHeader = 3;      // type + 2-byte size
inline constexpr size_t kI2npHeader = 9;       // type + msg id + short exp
inline constexpr size_t kFollowOnHeader = 5;   // frag + msg id
inline constexpr size_t kMaxFragments = 64;    // fragment numbers 0..63

// One piece of an outbound message: which bytes of the body, and as what block.
struct FragmentPlan {
  enum class Kind : uint8_t { whole, first, follow_on };
  Kind kind = Kind::whole;
  uint8_t number = 0;  // 0 for whole/first, 1..63 for follow-on
  bool last = false;   // follow-on only
  size_t offset = 0;
  size_t length = 0;
  // Bytes the block takes in a packet, block header included.
  size_t block_size() const {
    return kBlockHeader + (kind == Kind::follow_on ? kFollowOnHeader : kI2npHeader) + length;
  }
};

// Splits a body of `body_len` bytes so that every block fits in `max_block` bytes (block
// header included). Fails with `oversized` when more than 64 fragments would be needed and
// with `malformed` when `max_block` leaves no room for data.
Result<std::vector<FragmentPlan>> plan_fragments(size_t body_len, size_t max_block);

class Reassembler {
 public:
  static constexpr Millis kTimeout{30'000};
  // Memory bound per session. A fragment that STARTS a message is refused above the limit;
  // a fragment of a message already started is taken up to twice the limit, so that the
  // messages holding memory can always complete and free it (no deadlock when full).
  static constexpr size_t kDefaultMemoryLimit = 2 * 1024 * 1024;
  static constexpr size_t kMaxPartialMessages = 1024;

  explicit Reassembler(size_t memory_limit = kDefaultMemoryLimit) : limit_(memory_limit) {}

  // Whether a fragment of `size` bytes for message `id` would be taken, without taking it.
  // The session asks before it acknowledges a packet: a fragment refused after its packet was
  // ACKed would be lost for good, while an unacknowledged packet is simply sent again.
  bool has_room(uint32_t id, size_t size) const;

  struct Outcome {
    std::optional<I2npMessage> complete;  // set when this fragment finished a message
    const char* dropped = nullptr;        // set when the fragment was refused (reason)
  };
  Outcome on_first(TimePoint now, uint8_t type, uint32_t id, uint32_t expiration, ByteSpan data);
  Outcome on_follow_on(TimePoint now, uint32_t id, uint8_t number, bool last, ByteSpan data);

  // Drops incomplete messages older than kTimeout; returns how many were dropped.
  size_t expire(TimePoint now);
  std::optional<TimePoint> next_deadline() const;

  size_t pending_messages() const { return partial_.size(); }
  size_t buffered_bytes() const { return buffered_; }

 private:
  struct Partial {
    TimePoint started{};
    bool have_first = false;
    uint8_t type = 0;
    uint32_t expiration = 0;
    std::optional<uint8_t> last;
    std::map<uint8_t, Bytes> pieces;  // fragment number -> data
    size_t bytes = 0;
  };
  Outcome add(TimePoint now, uint32_t id, uint8_t number, ByteSpan data, Partial** out);
  std::optional<I2npMessage> try_complete(uint32_t id);
  void erase(uint32_t id);

  size_t limit_;
  size_t buffered_ = 0;
  std::unordered_map<uint32_t, Partial> partial_;
};

}  // namespace ssu2::session
