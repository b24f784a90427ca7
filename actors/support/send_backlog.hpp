// The socket actor's slow send path: datagrams the direct path (UdpSender::send_batch) could
// not hand to the kernel, and sends of actors without a direct path, sent with sendto() in
// order; what the kernel pushes back (EAGAIN/ENOBUFS) waits in a bounded FIFO and is retried
// from the owner's timer. Hard failures and a full backlog are counted and reported to the
// requester (send_failed_atom), never dropped silently.
#pragma once
#include <cstddef>
#include <deque>
#include <memory>

#include <caf/all.hpp>

#include "actors/support/metrics.hpp"
#include "actors/support/datagram_transport.hpp"
#include "messages/messages.hpp"

namespace ssu2d {

// The series of the socket path (the reader thread and UdpSender use the same names; the
// registry dedups).
struct SocketMetrics {
  Counter* rx;
  Counter* tx;
  Counter* rx_bytes;
  Counter* tx_bytes;
  Counter* drop_short;
  Counter* drop_truncated;
  Counter* drop_unknown;
  Counter* drop_inbox;
  Counter* eagain;
  Counter* send_errors;
  Counter* queue_full;
  Gauge* queued;
  Gauge* inbox;
  Gauge* entries;
  explicit SocketMetrics(MetricsRegistry& m);
};

class SendBacklog {
 public:
  SendBacklog(std::shared_ptr<DatagramTransport> sender, SocketMetrics& m, size_t limit)
      : sender_(std::move(sender)), m_(m), limit_(limit ? limit : 1) {}

  // Sends now, or queues behind what is already waiting. True when the caller must arm a
  // retry (something is queued).
  bool send(send_request req, caf::strong_actor_ptr from);
  // Sends what is queued until the socket pushes back again. True while something remains.
  bool flush();
  size_t size() const { return queue_.size(); }

 private:
  struct Pending {
    send_request req;
    caf::strong_actor_ptr from;
  };
  enum class Outcome { sent, would_block, failed };
  Outcome try_send(const Pending& p);
  void changed();

  std::shared_ptr<DatagramTransport> sender_;
  SocketMetrics& m_;
  size_t limit_;
  std::deque<Pending> queue_;
};

}  // namespace ssu2d
