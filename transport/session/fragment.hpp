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
#include "transport/session/budget.hpp"
#include "transport/session/drop_reason.hpp"

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

// The message as one byte string with the 9-byte short header (what the node's subsystems
// pass around). nullopt when shorter than the header; any type byte is kept as is.
std::optional<I2npMessage> parse_short_i2np(ByteSpan bytes);
// The same, taking the buffer over: the body is the buffer less its header (no allocation).
std::optional<I2npMessage> parse_short_i2np(Bytes&& bytes);
Bytes short_i2np_bytes(const I2npMessage& m);
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
  // Memory bound per session: a soft limit (the constructor argument) and a hard cap of
  // twice that. The space between them is reserved for messages already started, so that
  // a message we hold pieces of can always complete and free its memory. See admits().
  static constexpr size_t kDefaultMemoryLimit = 2 * 1024 * 1024;
  static constexpr size_t kMaxPartialMessages = 1024;

  explicit Reassembler(size_t memory_limit = kDefaultMemoryLimit,
                       std::shared_ptr<SharedBudget> node_budget = nullptr)
      : limit_(memory_limit), share_(std::move(node_budget)) {}

  // Whether a fragment of `size` bytes for message `id` would be taken on its own, without
  // taking it: a new message up to the soft limit, a started one up to the hard cap.
  bool has_room(uint32_t id, size_t size) const;

  // One fragment of a received packet, for admits().
  struct Piece {
    uint32_t id = 0;
    uint8_t number = 0;
    size_t size = 0;
  };
  // Whether the fragments of one packet may all be taken. The session asks before it
  // acknowledges the packet: a fragment refused after its packet was ACKed would be lost
  // for good, while an unacknowledged packet is simply sent again. The caller leaves out
  // fragments of messages already delivered (they need no room: they are ACKed and ignored).
  //
  // Rule (receiver backpressure without deadlock):
  //  - A fragment we already hold needs no room (a resend whose ACK was lost).
  //  - A packet carrying a fragment of a message already started (progress) is admitted up
  //    to the hard cap, even if it also starts new messages.
  //  - Only a packet that would start new messages and carries no progress waits (is not
  //    ACKed) while the buffer is above the soft limit.
  //  - kMaxPartialMessages and the hard cap hold for every packet: memory stays bounded
  //    whatever the peer sends; nothing here asserts on remote input.
  //
  // Why a full buffer cannot deadlock. Refusing a packet is only a deadlock if it holds back
  // the completion that would free memory. (1) A resent fragment we already hold, or one of
  // a message already delivered, is never refused, so a lost ACK cannot pin a packet. (2) A
  // fragment of a started message is refused only at the hard cap, not above the soft limit;
  // this covers the packet that carries the last fragment of B and the first of C. (3) Out of
  // order, that packet may arrive before any other piece of B: B is then not started, the
  // packet counts as a new start and waits above the soft limit. That is not a deadlock:
  // B holds no memory, so the memory above the soft limit belongs to other started messages,
  // which keep progressing (2) and complete or expire (kTimeout), and the packet is taken when
  // the buffer drops below the soft limit. (4) Above the soft limit no message starts except
  // in a packet that also makes progress; the hard cap is reached only if messages started
  // below it together need more than the soft limit again. Should a peer manage that (it
  // takes many messages started at once and left incomplete), the cap still bounds memory
  // and kTimeout frees it: a stall bounded by kTimeout, never unbounded memory.
  bool admits(const std::vector<Piece>& pieces) const;

  struct Outcome {
    std::optional<I2npMessage> complete;  // set when this fragment finished a message
    std::optional<DropReason> dropped;    // set when the fragment was refused
  };
  // `admitted`: the fragment's packet passed admits(), so only the hard bounds apply here
  // (the packet is ACKed; the soft limit must not drop what admits() took).
  Outcome on_first(TimePoint now, uint8_t type, uint32_t id, uint32_t expiration, ByteSpan data,
                   bool admitted = false);
  Outcome on_follow_on(TimePoint now, uint32_t id, uint8_t number, bool last, ByteSpan data,
                       bool admitted = false);

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
  Outcome add(TimePoint now, uint32_t id, uint8_t number, ByteSpan data, bool admitted, Partial** out);
  size_t hard_cap() const { return 2 * limit_; }
  std::optional<I2npMessage> try_complete(uint32_t id);
  void erase(uint32_t id);

  size_t limit_;
  size_t buffered_ = 0;
  BudgetShare share_;  // the node-wide bound (budget.hpp), same rule one level up
  std::unordered_map<uint32_t, Partial> partial_;
};

}  // namespace ssu2::session
