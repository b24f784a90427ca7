// A bounded, thread-safe queue of received datagrams between the socket's reader thread and
// the one actor that owns it (a session, or the socket actor for everything else).
//
// The reader pushes; the push that makes the inbox non-empty tells the reader to post ONE
// wake-up message to the owner, which then takes the whole batch. So there is one actor
// message per owner per burst, never one per datagram, and never a lost wake-up: every
// datagram pushed after the owner's last take() is preceded by a wake that is still to come.
// Beyond `bound` datagrams, pushes are refused and counted (the caller logs at debug).
//
// Allocation: take() swaps the caller's vector in, so the slots of the previous batch (and
// their byte buffers) are reused by the next pushes; in a steady flow nothing is allocated.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/support/metrics.hpp"
#include "transport/common/address.hpp"

namespace ssu2d {

struct InboundDatagram {
  ssu2::Address from;
  uint64_t conn_id = 0;          // unmasked destination connection ID
  std::vector<uint8_t> bytes;
};

class DatagramInbox {
 public:
  enum class Push { queued, queued_wake, dropped };

  // `dropped` and `size` may be null; `keep` keeps whatever owns them alive (the registry).
  DatagramInbox(size_t bound, Counter* dropped, Gauge* size, std::shared_ptr<const void> keep = {});
  ~DatagramInbox();
  DatagramInbox(const DatagramInbox&) = delete;
  DatagramInbox& operator=(const DatagramInbox&) = delete;

  // Reader side. queued_wake: the inbox was empty, post the owner's wake-up message.
  Push push(const ssu2::Address& from, uint64_t conn_id,
            std::span<const uint8_t> bytes);

  // Owner side: swaps `batch` with the queue and returns how many entries of `batch` are
  // new; entries at and after that index are spare slots, not datagrams.
  size_t take(std::vector<InboundDatagram>& batch);

  size_t size() const;
  bool empty() const { return size() == 0; }
  size_t bound() const { return bound_; }
  uint64_t dropped() const;

 private:
  mutable std::mutex mu_;
  std::vector<InboundDatagram> q_;
  size_t n_ = 0;
  uint64_t dropped_n_ = 0;
  const size_t bound_;
  Counter* dropped_;
  Gauge* size_;
  std::shared_ptr<const void> keep_;
};

// A session's inbox with the node's metrics: ssu2_datagrams_dropped_total{reason="inbox_full"}
// and the gauge ssu2_session_inbox_datagrams (summed over every session).
std::shared_ptr<DatagramInbox> make_session_inbox(std::shared_ptr<MetricsRegistry> m,
                                                  size_t bound = 1024);

}  // namespace ssu2d

// Only ever sent between local actors (register_session_atom), never serialized.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<ssu2d::DatagramInbox>)
