// The direct send path: a thread-safe owner of the node's UDP sockets (one per address
// family) that any actor may call with a batch of outbound datagrams; one sendmmsg(2) per
// run of same-family datagrams (up to kSendBatch at a time), no actor hop. Consecutive
// datagrams to one address of one size (the last may be shorter) go out as one UDP GSO
// message (UDP_SEGMENT: the kernel splits it, one pass through the stack for up to
// kMaxSegments datagrams); when the kernel or the route refuses GSO, the sender falls back to
// one message per datagram for good.
//
// A batch is not always sent whole. SendBatchResult says what happened to each datagram:
// [0, blocked_from) were either sent or are listed in `failed` (hard errors, errno kept);
// [blocked_from, size) were not tried because the socket pushed back (EAGAIN / ENOBUFS).
// The caller owns the latter: it hands them to the socket actor's retry queue (send_atom),
// so nothing is dropped silently. While that queue is non-empty the socket actor marks the
// sender backlogged(); callers then queue behind it instead of overtaking it.
#pragma once
#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "actors/support/metrics.hpp"
#include "transport/common/address.hpp"
#include "transport/session/session.hpp"

namespace ssu2d {

struct UdpSocket {
  int fd = -1;
  ssu2::Address local;  // the bound address (port resolved when 0 was asked)
};

inline constexpr size_t kSendBatch = 64;
inline constexpr size_t kMaxSegments = 64;          // datagrams per GSO message (kernel: 64)
inline constexpr size_t kMaxGsoBytes = 65000;       // payload of one GSO message

struct SendBatchResult {
  struct Failure {
    size_t index = 0;
    int error = 0;
    std::string reason;
  };
  size_t sent = 0;
  size_t blocked_from = 0;  // == batch size when nothing was left over
  std::vector<Failure> failed;
};

class UdpSender {
 public:
  // Takes ownership of the sockets' fds: they are closed when the last holder lets go, so
  // no caller can ever send on a closed (or reused) descriptor.
  UdpSender(std::vector<UdpSocket> sockets, std::shared_ptr<MetricsRegistry> metrics);
  ~UdpSender();
  UdpSender(const UdpSender&) = delete;
  UdpSender& operator=(const UdpSender&) = delete;

  SendBatchResult send(std::span<const ssu2::session::OutDatagram> batch);

  const std::vector<UdpSocket>& sockets() const { return sockets_; }
  int fd_for(bool v6) const;  // -1 when there is no socket of that family
  bool gso() const { return gso_.load(std::memory_order_relaxed); }
  void disable_gso() { gso_.store(false, std::memory_order_relaxed); }
  bool backlogged() const { return backlogged_.load(std::memory_order_acquire); }
  void set_backlogged(bool b) { backlogged_.store(b, std::memory_order_release); }
  MetricsRegistry& metrics() { return *metrics_; }
  // Counted by callers that hand the rest of a batch to the socket actor.
  void count_deferred(size_t n) { deferred_->inc(n); }

 private:
  std::vector<UdpSocket> sockets_;
  std::shared_ptr<MetricsRegistry> metrics_;
  Counter* tx_;
  Counter* tx_bytes_;
  Counter* eagain_;
  Counter* errors_;
  Counter* deferred_;
  Counter* gso_messages_;
  std::atomic<bool> backlogged_{false};
  std::atomic<bool> gso_{true};
};

}  // namespace ssu2d
