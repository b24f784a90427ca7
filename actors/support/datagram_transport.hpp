// The node's datagram I/O as the actors see it: what the socket actor and the sessions send
// through, and what delivers received datagrams to the socket's InboundRouter. In a node it
// is the real UDP sockets (UdpSender, with the UdpReader thread); in whole-node tests it is
// an in-memory network (tests/unit/memory_network.hpp) driven in CAF's virtual time.
#pragma once
#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "actors/support/inbound_router.hpp"
#include "actors/support/metrics.hpp"
#include "transport/common/address.hpp"
#include "transport/session/session.hpp"

namespace ssu2d {

// Datagrams per send call (a session polls its core for at most this many at a time).
inline constexpr size_t kSendBatch = 64;

// What happened to a batch. Not always sent whole: [0, blocked_from) were either sent or
// are listed in `failed` (hard errors, errno kept); [blocked_from, size) were not tried
// because the transport pushed back (EAGAIN / ENOBUFS). The caller owns the latter: it hands
// them to the socket actor's retry queue (send_atom), so nothing is dropped silently.
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

// One datagram's fate on the socket actor's slow path.
struct SendOneResult {
  enum class Outcome { sent, would_block, failed } outcome = Outcome::sent;
  int error = 0;       // errno when failed
  std::string reason;  // when failed
};

// Receiving: datagrams go to the router until this is destroyed.
class DatagramReceiver {
 public:
  virtual ~DatagramReceiver() = default;
};

// Thread-safe: every session sends on the thread it runs on.
class DatagramTransport : public std::enable_shared_from_this<DatagramTransport> {
 public:
  virtual ~DatagramTransport() = default;
  virtual SendBatchResult send(std::span<const ssu2::session::OutDatagram> batch) = 0;
  virtual SendOneResult send_one(const ssu2::Address& to, std::span<const uint8_t> bytes) = 0;
  // The addresses we are bound to, one per family (port resolved when 0 was asked).
  virtual std::vector<ssu2::Address> local_addresses() const = 0;
  // Starts delivering received datagrams to `router`; null and a one-line error when it
  // cannot.
  virtual std::unique_ptr<DatagramReceiver> receive(std::shared_ptr<InboundRouter> router,
                                                    std::string& error) = 0;

  // While the socket actor's retry queue is non-empty, direct senders queue behind it
  // instead of overtaking it.
  bool backlogged() const { return backlogged_.load(std::memory_order_acquire); }
  void set_backlogged(bool b) { backlogged_.store(b, std::memory_order_release); }
  // Counted by callers that hand the rest of a batch to the socket actor.
  void count_deferred(size_t n) {
    if (deferred_) deferred_->inc(n);
  }

 protected:
  Counter* deferred_ = nullptr;  // set by the implementation (its registry)

 private:
  std::atomic<bool> backlogged_{false};
};

}  // namespace ssu2d
