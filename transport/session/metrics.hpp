// Per-session counters. Every datagram counts: resends and ACK-only packets are real
// bandwidth, so they are included in bytes/packets out.
#pragma once
#include <array>
#include <cstdint>

#include "transport/common/time.hpp"
#include "transport/session/drop_reason.hpp"

namespace ssu2::session {

struct Metrics {
  uint64_t bytes_in = 0, bytes_out = 0;
  uint64_t packets_in = 0, packets_out = 0;
  uint64_t ack_only_packets_out = 0;  // explicit ACKs (also counted in packets_out)
  uint64_t keepalives_out = 0;        // send_keepalive() packets (also in packets_out)
  uint64_t retransmissions = 0;       // packets resent under a new number
  uint64_t spurious_retransmissions = 0;  // of them, resent although an earlier copy arrived
  uint64_t packets_given_up = 0;      // unACKed after every resend: their messages failed
  uint64_t messages_in = 0;           // I2NP messages handed to the caller
  uint64_t duplicate_messages = 0;    // I2NP messages (or fragments of them) already received
  uint64_t replayed_packets = 0;      // packet numbers already seen or too old
  uint64_t session_confirmed_retransmits = 0;
  uint64_t control_blocks_out = 0;    // blocks accepted by send_blocks()
  uint64_t control_packets_out = 0;   // first transmissions of send_blocks() packets
  uint64_t control_refused = 0;       // send_blocks() calls refused (full, too large, ...)
  uint64_t control_answered = 0;      // control packets settled by their answer (answers.hpp)
  Micros rtt{0}, rto{0};
  size_t window = 0, in_flight = 0, queued = 0, control_queued = 0;

  using DropCounts = std::array<uint64_t, kDropReasons>;
  // Drops by reason, counted where remote input would otherwise assert or vanish.
  void drop(DropReason r, uint64_t n = 1) { drops_[size_t(r)] += n; }
  uint64_t dropped(DropReason r) const { return drops_[size_t(r)]; }
  // Calls f(reason, count) for every reason counted at least once, in enum order.
  template <class F>
  void for_each_drop(F&& f) const {
    for (size_t i = 0; i < kDropReasons; ++i)
      if (drops_[i]) f(DropReason(i), drops_[i]);
  }

 private:
  DropCounts drops_{};
};

}  // namespace ssu2::session
