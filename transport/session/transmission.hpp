// Send side of the data phase: packet numbers, the packets in flight with the blocks they
// carried, the congestion window, RTT/RTO estimation and retransmission, and per-message
// delivery tracking.
//
// A lost packet is never resent as-is: its retransmittable blocks (I2NP data, fragments,
// path challenges, ...) are handed back to the session, which sends them in a packet with a
// NEW packet number, a fresh ACK block and the immediate-ACK flag. The fragment bytes are
// kept unchanged so that fragment lengths (and so implicit offsets) stay the same.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "transport/common/bytes.hpp"
#include "transport/common/time.hpp"
#include "transport/session/ack.hpp"
#include "transport/session/fragment.hpp"

namespace ssu2::session {

// ---- RTT / RTO (RFC 6298: alpha 1/8, beta 1/4, clamped) ----
// In microseconds, so that sub-millisecond paths (loopback, a LAN) are measured instead of
// reading 0; the RTO keeps RFC 6298's clock granularity term at 1 ms (kGranularity).
class RttEstimator {
 public:
  static constexpr Micros kInitial{Millis{540}};
  static constexpr Micros kMinRto{Millis{100}};
  static constexpr Micros kMaxRto{Millis{2500}};
  static constexpr Micros kGranularity{Millis{1}};

  void sample(Micros rtt);
  void reset() { *this = RttEstimator{}; }
  Micros rtt() const { return Micros(int64_t(srtt_ + 0.5)); }
  Micros rto() const { return rto_; }
  bool has_sample() const { return has_sample_; }
  // Smallest sample so far (the path's RTT without queues); kInitial before any.
  Micros min_rtt() const { return has_sample_ ? min_rtt_ : kInitial; }

 private:
  Micros min_rtt_{0};
  double srtt_ = double(kInitial.count());  // µs
  double rttvar_ = double(kInitial.count()) / 2;
  Micros rto_ = kInitial;
  bool has_sample_ = false;
};

// ---- congestion window, in packets ----
// NewReno (RFC 9002 section 7, RFC 5681) with a delay check (TCP Vegas style):
// - slow start (one packet more per packet ACKed) up to kInitialSsthresh, the first loss,
//   or the first sign of a queue;
// - then once per window's worth of ACKs (about one round trip): one packet more while the
//   estimated queue is below kQueueLow packets, one less above kQueueHigh;
// - a loss halves the window (once per loss event, see TransmissionManager).
// The queue estimate is window x (srtt - min RTT - kRttSlack) / srtt: the packets that wait
// somewhere (a slow receiver's socket buffer, a router queue) rather than travel.
// Why: i2pd 2.45.1 reads its socket slowly, behind a 128 KiB receive buffer (about 110
// datagrams of 1280 bytes); whatever is in flight beyond what it has read waits there, so
// a window grown until loss overflowed it (the kernel's RcvbufErrors equalled our
// retransmissions), and every datagram lost there leaves i2pd 2.45.1 a permanent gap in
// its received packet numbers that makes each of its ACKs slower (its out-of-sequence set
// grows until its 30 s cleanup), then stalls it into our RTO. The delay check keeps the
// window below that buffer without a loss; on a long path with short queues it grows as
// NewReno does.
class CongestionWindow {
 public:
  static constexpr size_t kMin = 16;
  static constexpr size_t kMax = 256;
  // Slow start ends here at the latest. 64 packets (77 KB at MTU 1280) stay below i2pd
  // 2.45.1's receive buffer even if it reads nothing for a round trip.
  static constexpr size_t kInitialSsthresh = 64;
  // The window's ceiling: kReceiverBuffer packets plus one per millisecond of the path's
  // minimum RTT, at most kMax. On a short path the packets in flight are not travelling but
  // waiting in the receiver's socket buffer, which a receiver that stalls (CPU) for a round
  // trip overflows once the window exceeds it; on a long path they are mostly on the wire.
  static constexpr size_t kReceiverBuffer = 96;
  static size_t ceiling(Micros min_rtt) {
    return std::min<size_t>(kMax, kReceiverBuffer + size_t(std::max<int64_t>(0, to_ms(min_rtt))));
  }
  static constexpr double kQueueLow = 8, kQueueHigh = 24;  // packets
  // RTT growth up to this is not counted as a queue: the hosts' scheduling jitter (a busy
  // CPU delays an ACK by a millisecond or two) rather than packets waiting on the path.
  static constexpr Micros kRttSlack{Millis{2}};

  size_t size() const { return size_; }
  bool in_slow_start() const { return size_ < ssthresh_; }
  // `srtt`/`min_rtt` from the RTT estimator after this ACK's sample (if it had one).
  void on_acked(size_t packets, Micros srtt = Micros{0}, Micros min_rtt = Micros{0}) {
    double queued = queue_estimate(srtt, min_rtt);
    const size_t top = min_rtt.count() > 0 || srtt.count() > 0 ? ceiling(min_rtt) : kMax;
    if (in_slow_start()) {
      size_ = std::min({top, ssthresh_, size_ + packets});
      if (queued > kQueueLow || size_ == top) ssthresh_ = size_;  // slow start is over
      return;
    }
    acked_ += packets;
    while (acked_ >= size_) {
      acked_ -= size_;
      if (queued < kQueueLow && size_ < top) ++size_;
      else if ((queued > kQueueHigh || size_ > top) && size_ > kMin) ssthresh_ = --size_;
    }
  }
  void on_loss() {
    size_ = std::max(kMin, size_ / 2);
    ssthresh_ = size_;
    acked_ = 0;
  }
  void reset_to_min() {
    size_ = kMin;
    acked_ = 0;
  }
  double queue_estimate(Micros srtt, Micros min_rtt) const {
    int64_t extra = srtt.count() - min_rtt.count() - kRttSlack.count();
    if (extra <= 0 || srtt.count() <= 0) return 0;
    return double(size_) * double(extra) / double(srtt.count());
  }

 private:
  size_t size_ = kMin;
  size_t ssthresh_ = kInitialSsthresh;
  size_t acked_ = 0;  // congestion avoidance: packets ACKed toward the next adjustment
};

// ---- pacing of new data packets (RFC 9002 section 7.7) ----
// Spreads a window over a round trip instead of sending it in one burst: a token bucket
// filled at 1.25 x window / smoothed RTT packets per µs, holding at most kBurst packets or
// 2 ms worth, whichever is more; a held-back packet waits kMinDelay at least (the timers'
// granularity: the node's timers and a sub-ms wait cost a wake-up each). Not used before the first RTT sample (the initial window
// goes out at once) nor for resends and control packets. Why: a window released in one
// burst by a single ACK lands in the receiver's socket buffer at once (i2pd 2.45.1's is
// 128 KiB, see CongestionWindow).
class Pacer {
 public:
  static constexpr double kBurst = 16;
  static constexpr double kGain = 1.25;
  static constexpr Micros kMinDelay{Millis{1}};

  // Tokens for `now` at the window and RTT given; true if one new packet may go out.
  bool ready(TimePoint now, size_t window, Micros srtt, bool have_rtt) {
    if (!have_rtt) return true;
    refill(now, window, srtt);
    return tokens_ >= 1;
  }
  void on_sent(bool have_rtt) {
    if (have_rtt && tokens_ >= 1) tokens_ -= 1;
  }
  // When the next token is due (only meaningful after ready() returned false).
  TimePoint next_token(TimePoint now) const {
    double need = (1 - tokens_) / rate_;  // µs
    return now + std::max<Micros>(kMinDelay, Micros(int64_t(need + 0.999)));
  }

 private:
  void refill(TimePoint now, size_t window, Micros srtt) {
    rate_ = kGain * double(window) / double(std::max<int64_t>(1, srtt.count()));
    double cap = std::max(kBurst, rate_ * double(Micros{Millis{2}}.count()));
    if (!started_) {
      tokens_ = cap;
      started_ = true;
    } else if (now > last_) {
      tokens_ = std::min(cap, tokens_ + rate_ * double((now - last_).count()));
    }
    last_ = std::max(last_, now);
  }
  bool started_ = false;
  double tokens_ = 0;
  double rate_ = 1;  // packets per µs
  TimePoint last_{};
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
  // Stops tracking a message (it moves to another session): no result; returns its
  // feedback id.
  std::optional<uint64_t> forget(Handle h);
  // Keeps a message whose every fragment went out until its fate is known, so that a
  // session replaced before the ACK can hand it to its successor (take_held).
  void hold(Handle h, I2npMessage msg);
  struct Held {
    Handle handle = 0;
    I2npMessage msg;
    std::optional<uint64_t> feedback_id;
  };
  // Stops tracking every held message (no results) and returns them, oldest first.
  std::vector<Held> take_held();
  std::vector<DeliveryResult> take_results();
  size_t pending() const { return pending_.size(); }

 private:
  struct Entry {
    std::optional<uint64_t> feedback_id;
    size_t remaining = 0;
    uint32_t expiration = UINT32_MAX;
    std::optional<I2npMessage> msg;  // held once wholly sent
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
  // Asks the pacer (see Pacer) for one new data packet, about to be sent now: true takes
  // a token; false holds the packet back until pacing_deadline().
  bool pace_new_packet(TimePoint now) {
    if (pacer_.ready(now, window_.size(), rtt_.rtt(), rtt_.has_sample())) {
      pacer_.on_sent(rtt_.has_sample());
      paced_until_.reset();
      return true;
    }
    paced_until_ = pacer_.next_token(now);
    return false;
  }
  // When the packet the pacer held back may go (nullopt: none held back).
  std::optional<TimePoint> pacing_deadline() const { return paced_until_; }

  // Tracks an ack-eliciting packet that was just sent for the first time. The record's
  // buffers are the caller's to fill: `blocks` and `messages` come back empty but with
  // their capacity.
  SentPacket& on_sent(TimePoint now, uint32_t pn);
  // Convenience for tests and control packets.
  void on_sent(TimePoint now, uint32_t pn, ByteSpan blocks, std::vector<DeliveryTracker::Handle> msgs);

  struct AckOutcome {
    size_t newly_acked = 0;
    std::optional<Micros> rtt_sample;
  };
  // Processes a received ACK block: frees acknowledged packets, grows the window, feeds the
  // RTT estimator, credits message fragments. Every send has its own packet number, so an
  // ACK names the very transmission that arrived and each gives an unambiguous sample (no
  // Karn rule, RFC 9002 section 5.1): the late ACK of a packet we resent because the peer
  // stalled is the sample that teaches the RTO about such stalls.
  // Work is bounded by the packets in flight, not by the numbers the block covers.
  AckOutcome on_ack(TimePoint now, const AckInfo& ack);

  struct Expired {
    std::vector<PacketRef> resend;  // send packet(ref) under a new pn, then on_resent()
    size_t dropped = 0;             // packets that reached kMaxSends and were given up
    // Of the dropped packets that carried I2NP, the earliest first transmission: a peer
    // that sent nothing since then has been silent through a whole resend cycle. Packets
    // of control blocks only do not count: i2pd 2.45.1 never ACKs one by itself, so their
    // loss says nothing about the peer.
    std::optional<TimePoint> dropped_first_sent;
  };
  // Finds every packet whose deadline (last_sent + RTO x times_sent) passed; they come back
  // for resending, regardless of the window. A packet sent kMaxSends times is given up (its
  // messages fail) unless the peer is alive (`peer_alive`: its packets keep arriving) and
  // the packet still carries a message that is not past its expiration at `unix_s`: then it
  // keeps being resent every RTO x kMaxSends until ACKed or expired. A packet that only
  // carries control blocks is given up after kMaxSends whatever the peer does (i2pd 2.45.1
  // never acknowledges a control-only packet on its own). Halves the window once per loss
  // event: when an expired packet was last sent after the previous halving.
  Expired take_expired(TimePoint now, bool peer_alive = false, uint64_t unix_s = 0);
  const SentPacket& packet(PacketRef ref) const { return pool_[ref].p; }
  // A packet from take_expired() went out again under `new_pn`.
  void on_resent(TimePoint now, PacketRef ref, uint32_t new_pn);

  // Frees every packet in flight that carries no I2NP and whose blocks satisfy `pred`
  // (called with the serialized blocks), as an ACK would but with no RTT sample and no
  // window change: for requests whose answer arrived (answers.hpp). Returns how many.
  template <class Pred>
  size_t settle_control(Pred&& pred) {
    size_t n = 0;
    for (size_t i = 0; i < live_.size();) {
      const SentPacket& p = pool_[live_[i]].p;
      if (p.messages.empty() && pred(ByteSpan(p.blocks.data(), p.blocks.size()))) {
        release(live_[i]);  // moves the last live packet to i
        ++n;
      } else {
        ++i;
      }
    }
    if (n) trim();
    return n;
  }

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
  // Resends made needless by the ACK of an earlier number of the same packet.
  uint64_t spurious_retransmissions() const { return spurious_; }

 private:
  struct Record {
    SentPacket p;
    uint64_t serial = 0;  // of the send that filled it; 0 = free
    uint32_t live_pos = 0;
  };
  struct Slot {
    PacketRef ref = 0;
    uint64_t serial = 0;  // 0 = empty
    TimePoint sent{};     // when this number went out (RTT samples)
  };
  TimePoint deadline_of(const SentPacket& p) const {
    return p.last_sent + rtt_.rto() * int(std::min(p.times_sent, kMaxSends));
  }
  Record* resolve(const Slot& s) {
    if (s.serial == 0 || s.ref >= pool_.size()) return nullptr;
    Record& r = pool_[s.ref];
    return r.serial == s.serial ? &r : nullptr;
  }
  void put_slot(uint32_t pn, PacketRef ref, uint64_t serial, TimePoint sent);
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
  uint64_t spurious_ = 0;
  // Start of the current recovery period (RFC 9002 7.3.2): losses of packets sent before
  // it belong to the loss event that already halved the window and do not halve it again.
  std::optional<TimePoint> recovery_start_;
  Pacer pacer_;
  std::optional<TimePoint> paced_until_;
};

}  // namespace ssu2::session
