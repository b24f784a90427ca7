// Send side of the data phase: packet numbers, the packets in flight with the blocks they
// carried, the congestion window, RTT/RTO estimation and retransmission, and per-message
// delivery tracking.
//
// A lost packet is never resent as-is: its retransmittable blocks (I2NP data, fragments,
// path challenges, ...) are handed back to the session, which sends them in a packet with a
// NEW packet number, a fresh ACK block and the immediate-ACK flag. The fragment bytes are
// kept unchanged so that fragment lengths (and so implicit offsets) stay the same.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "transport/common/bytes.hpp"
#include "transport/common/time.hpp"
#include "transport/session/ack.hpp"

namespace ssu2::session {

// ---- RTT / RTO (RFC 6298: alpha 1/8, beta 1/4, clamped) ----
class RttEstimator {
 public:
  static constexpr Millis kInitial{540};
  static constexpr Millis kMinRto{100};
  static constexpr Millis kMaxRto{2500};

  void sample(Millis rtt);
  void reset() { *this = RttEstimator{}; }
  Millis rtt() const { return Millis(int64_t(srtt_ + 0.5)); }
  Millis rto() const { return rto_; }
  bool has_sample() const { return has_sample_; }

 private:
  double srtt_ = double(kInitial.count());
  double rttvar_ = double(kInitial.count()) / 2;
  Millis rto_ = kInitial;
  bool has_sample_ = false;
};

// ---- congestion window, in packets ----
class CongestionWindow {
 public:
  static constexpr size_t kMin = 16;
  static constexpr size_t kMax = 256;
  size_t size() const { return size_; }
  void on_acked(size_t packets) { size_ = std::min(kMax, size_ + packets); }
  void on_loss() { size_ = std::max(kMin, size_ / 2); }
  void reset_to_min() { size_ = kMin; }

 private:
  size_t size_ = kMin;
};

// ---- delivery of whole I2NP messages ----
enum class DeliveryFailure : uint8_t { dropped, expired, session_closed, queue_full, too_large };
const char* to_string(DeliveryFailure f);

struct DeliveryResult {
  uint64_t feedback_id = 0;
  bool delivered = false;
  DeliveryFailure failure = DeliveryFailure::dropped;  // meaningful when !delivered
};

// Counts the unacknowledged fragments of each message in flight; a message is delivered
// when every packet that carried one of its fragments was acknowledged, and failed when one
// of them is dropped or the session ends. Only messages with a feedback id produce results.
class DeliveryTracker {
 public:
  using Handle = uint64_t;
  // `expiration`: the message's I2NP expiration (Unix seconds); resending it after that is
  // pointless.
  Handle add(std::optional<uint64_t> feedback_id, size_t fragments,
             uint32_t expiration = UINT32_MAX);
  // Still waiting for ACKs and not yet past its expiration.
  bool worth_sending(Handle h, uint64_t unix_s) const;
  void fragment_acked(Handle h);
  void fail(Handle h, DeliveryFailure why);
  void fail_all(DeliveryFailure why);
  // Stops tracking a message that was never sent (it moves to another session): no result;
  // returns its feedback id.
  std::optional<uint64_t> forget(Handle h);
  std::vector<DeliveryResult> take_results();
  size_t pending() const { return pending_.size(); }

 private:
  struct Entry {
    std::optional<uint64_t> feedback_id;
    size_t remaining = 0;
    uint32_t expiration = UINT32_MAX;
  };
  Handle next_ = 1;
  std::unordered_map<Handle, Entry> pending_;
  std::vector<DeliveryResult> results_;
};

// ---- packets in flight ----
struct SentPacket {
  uint32_t pn = 0;               // the number it last went out under
  TimePoint first_sent{};        // first transmission (silence checks)
  TimePoint last_sent{};
  uint8_t times_sent = 0;
  Bytes blocks;                                  // retransmittable blocks, serialized
  std::vector<DeliveryTracker::Handle> messages;  // one entry per fragment carried
};

// Packets in flight are kept in a pool of reusable records (their buffers keep their
// capacity, so steady traffic allocates nothing per packet) and found by packet number
// through a ring of slots indexed by `pn - base`: acknowledging a number is O(1). A packet
// resent under a new number keeps its old slot too, so a late ACK of the old number still
// frees it; each slot carries the serial of the send it points at, so a slot whose record
// was freed or reused is recognised as stale without any alias table.
class TransmissionManager {
 public:
  static constexpr uint8_t kMaxSends = 7;
  // Slots of old numbers of resent packets are forgotten once this many numbers are newer.
  static constexpr uint32_t kSlotHorizon = 4096;
  using PacketRef = uint32_t;

  explicit TransmissionManager(uint32_t first_pn = 0) : next_pn_(first_pn), base_(first_pn) {}

  // Packet numbers are used once, for every packet (including ACK-only and resends).
  uint32_t next_packet_number() { return next_pn_++; }
  uint32_t peek_packet_number() const { return next_pn_; }

  // Room for one more new ack-eliciting packet. Resends and control blocks ignore this.
  bool has_capacity() const { return live_.size() < window_.size(); }

  // Tracks an ack-eliciting packet that was just sent for the first time. The record's
  // buffers are the caller's to fill: `blocks` and `messages` come back empty but with
  // their capacity.
  SentPacket& on_sent(TimePoint now, uint32_t pn);
  // Convenience for tests and control packets.
  void on_sent(TimePoint now, uint32_t pn, ByteSpan blocks, std::vector<DeliveryTracker::Handle> msgs);

  struct AckOutcome {
    size_t newly_acked = 0;
    std::optional<Millis> rtt_sample;
  };
  // Processes a received ACK block: frees acknowledged packets, grows the window, feeds the
  // RTT estimator (Karn: only packets sent once give samples), credits message fragments.
  // Work is bounded by the packets in flight, not by the numbers the block covers.
  AckOutcome on_ack(TimePoint now, const AckInfo& ack);

  struct Expired {
    std::vector<PacketRef> resend;  // send packet(ref) under a new pn, then on_resent()
    size_t dropped = 0;             // packets that reached kMaxSends and were given up
    // Of the dropped packets, the earliest first transmission: a peer that sent nothing
    // since then has been silent through a whole resend cycle.
    std::optional<TimePoint> dropped_first_sent;
  };
  // Finds every packet whose deadline (last_sent + RTO x times_sent) passed; they come back
  // for resending, regardless of the window. A packet sent kMaxSends times is given up (its
  // messages fail) unless the peer is alive (`peer_alive`: its packets keep arriving) and
  // the packet still carries a message that is not past its expiration at `unix_s`: then it
  // keeps being resent every RTO x kMaxSends until ACKed or expired. A packet that only
  // carries control blocks is given up after kMaxSends whatever the peer does (i2pd 2.45.1
  // never acknowledges a control-only packet on its own). Halves the window once if
  // anything expired.
  Expired take_expired(TimePoint now, bool peer_alive = false, uint64_t unix_s = 0);
  const SentPacket& packet(PacketRef ref) const { return pool_[ref].p; }
  // A packet from take_expired() went out again under `new_pn`.
  void on_resent(TimePoint now, PacketRef ref, uint32_t new_pn);

  // Earliest resend deadline of the packets in flight. Depends only on the packets, so no
  // unrelated wake-up can push it back.
  std::optional<TimePoint> next_deadline() const;

  // Session over: forget everything in flight, fail every tracked message.
  void abandon(DeliveryFailure why);

  size_t in_flight() const { return live_.size(); }
  size_t window() const { return window_.size(); }
  size_t slots() const { return slots_.size(); }
  CongestionWindow& congestion() { return window_; }
  RttEstimator& rtt() { return rtt_; }
  const RttEstimator& rtt() const { return rtt_; }
  DeliveryTracker& deliveries() { return deliveries_; }
  uint64_t retransmissions() const { return retransmissions_; }

 private:
  struct Record {
    SentPacket p;
    uint64_t serial = 0;  // of the send that filled it; 0 = free
    uint32_t live_pos = 0;
  };
  struct Slot {
    PacketRef ref = 0;
    uint64_t serial = 0;  // 0 = empty
  };
  TimePoint deadline_of(const SentPacket& p) const {
    return p.last_sent + rtt_.rto() * int(std::min(p.times_sent, kMaxSends));
  }
  Record* resolve(const Slot& s) {
    if (s.serial == 0 || s.ref >= pool_.size()) return nullptr;
    Record& r = pool_[s.ref];
    return r.serial == s.serial ? &r : nullptr;
  }
  void put_slot(uint32_t pn, PacketRef ref, uint64_t serial);
  void release(PacketRef ref);
  void trim();

  uint32_t next_pn_;
  uint32_t base_;              // packet number of slots_[0]
  std::deque<Slot> slots_;
  std::vector<Record> pool_;
  std::vector<PacketRef> free_;
  std::vector<PacketRef> live_;  // records in flight
  uint64_t next_serial_ = 1;
  CongestionWindow window_;
  RttEstimator rtt_;
  DeliveryTracker deliveries_;
  uint64_t retransmissions_ = 0;
};

}  // namespace ssu2::session
