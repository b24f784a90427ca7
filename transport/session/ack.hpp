// Receive side of SSU2 acknowledgement: which of the peer's packet numbers we have seen,
// replay protection for those numbers, the ACK block we owe and when it must go out.
//
// One manager records every packet that decrypted, whatever blocks it carried: a packet
// with only Relay/Path/RouterInfo blocks is as ack-eliciting as one with I2NP data.
//
// The received numbers are kept as maximal runs, highest first, updated as packets arrive
// (a packet in order extends the first run: O(1)), so building an ACK block walks at most
// the runs it reports and never the individual numbers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "transport/common/time.hpp"

namespace ssu2::session {

// The ACK block's content: ack_through, acnt (acks directly below it) and (nack, ack) ranges
// going further down. Wire-codec independent so that the ACK logic stands on its own.
struct AckRange {
  uint8_t nack = 0;
  uint8_t ack = 0;
  bool operator==(const AckRange&) const = default;
};
struct AckInfo {
  uint32_t ack_through = 0;
  uint8_t acnt = 0;
  std::vector<AckRange> ranges;
  bool operator==(const AckInfo&) const = default;
};

// Calls fn(hi, lo) for every run of packet numbers [lo, hi] an ACK block acknowledges,
// highest first. Stops at packet 0 (a malformed block cannot wrap around). The work is
// bounded by the block size, not by the numbers it covers.
template <class Fn>
void for_each_acked_run(const AckInfo& ack, Fn&& fn) {
  // `next` is the highest number not yet classified; int64 so that it can reach -1.
  int64_t next = ack.ack_through;
  int64_t run_hi = -1;  // pending run of acked numbers [next+1, run_hi]
  auto take = [&](uint32_t n, bool acked) {
    if (n == 0 || next < 0) return;
    int64_t lo = std::max<int64_t>(next - int64_t(n) + 1, 0);
    if (acked) {
      if (run_hi < 0) run_hi = next;
    } else if (run_hi >= 0) {
      fn(uint32_t(run_hi), uint32_t(next + 1));
      run_hi = -1;
    }
    next = lo - 1;
  };
  take(uint32_t(ack.acnt) + 1, true);
  for (const auto& r : ack.ranges) {
    if (next < 0) break;
    take(r.nack, false);
    take(r.ack, true);
  }
  if (run_hi >= 0) fn(uint32_t(run_hi), uint32_t(next + 1));
}

// Calls fn(pn) for every acknowledged packet number, highest first (tests, small blocks).
template <class Fn>
void for_each_acked(const AckInfo& ack, Fn&& fn) {
  for_each_acked_run(ack, [&](uint32_t hi, uint32_t lo) {
    for (int64_t pn = hi; pn >= int64_t(lo); --pn) fn(uint32_t(pn));
  });
}

class RemoteAckManager {
 public:
  // Packet numbers more than this far below the highest received are refused: we no longer
  // remember whether they were seen, so accepting them would allow replays.
  static constexpr uint32_t kReplayWindow = 1024;
  static constexpr size_t kDefaultMaxRanges = 32;
  // Runs remembered at most. A peer that leaves a gap after every packet makes one run per
  // packet; beyond this the oldest runs are forgotten and the replay floor rises above them
  // (spec "ACK Block Size": a minimum packet number that increases as ranges are discarded).
  static constexpr size_t kMaxRuns = 256;
  static constexpr Millis kMaxImmediateDelay{5};
  static constexpr Millis kMaxNormalDelay{150};

  enum class Check { fresh, duplicate, too_old };

  // Can `pn` be accepted? Call before spending work on the packet's blocks.
  Check check(uint32_t pn) const;

  // Records an authenticated packet. Returns false (and records nothing) for a duplicate
  // or too-old number. An ack-eliciting packet makes an ACK owed and arms the ACK deadline.
  bool record(TimePoint now, uint32_t pn, bool ack_eliciting, bool immediate_requested,
              Micros rtt);

  bool has_received() const { return !runs_.empty(); }
  uint32_t highest() const { return runs_.empty() ? 0 : runs_.front().hi; }

  // The ACK block describing what we received, at most max_ranges ranges (older ones are
  // left out). nullopt when nothing has been received yet.
  std::optional<AckInfo> build(size_t max_ranges = kDefaultMaxRanges) const;
  // The same into `out` (its buffer is reused: no allocation per ACK); false when nothing
  // has been received yet.
  bool build_into(AckInfo& out, size_t max_ranges = kDefaultMaxRanges) const;

  // An ack-eliciting packet arrived since we last sent an ACK block.
  bool ack_owed() const { return owed_; }
  // When the owed ACK must be sent at the latest (only one deadline; immediate wins).
  std::optional<TimePoint> deadline() const { return deadline_; }
  // An ACK block went out (explicitly or piggy-backed): nothing owed any more.
  void on_ack_sent() {
    owed_ = false;
    unacked_eliciting_ = 0;
    deadline_.reset();
  }
  // Spec "ACK Frequency": a receiver should send an ACK block after at least two
  // ack-eliciting packets; the second one makes the ACK due at once. A receiver that reads
  // packets in batches decides once per batch, so a batch is acknowledged by one ACK.
  static constexpr uint32_t kAckEveryEliciting = 2;

  // The spec's delays are in whole milliseconds: below 16 ms (immediate) or 6 ms (normal) of
  // RTT they are 0 and the ACK goes at once, as it did when the RTT was kept in ms (a
  // sub-millisecond delay would cost a timer wake-up and save nothing).
  static Micros immediate_delay(Micros rtt) {
    return std::min<Micros>(std::chrono::floor<Millis>(rtt / 16), kMaxImmediateDelay);
  }
  static Micros normal_delay(Micros rtt) {
    return std::min<Micros>(std::chrono::floor<Millis>(rtt / 6), kMaxNormalDelay);
  }

  size_t runs() const { return runs_.size(); }

 private:
  struct Run {
    uint32_t hi, lo;  // inclusive, hi >= lo
  };
  void schedule(TimePoint now, Micros delay, bool immediate);
  void insert(uint32_t pn);
  void raise_floor(uint32_t floor);

  std::vector<Run> runs_;  // disjoint, not adjacent, highest first, all >= floor_
  uint32_t floor_ = 0;     // numbers below are refused
  std::optional<uint32_t> highest_eliciting_;
  bool owed_ = false;
  uint32_t unacked_eliciting_ = 0;  // ack-eliciting packets since the last ACK block went out
  std::optional<TimePoint> deadline_;
};

}  // namespace ssu2::session
