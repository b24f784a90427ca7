// The direct send path: a thread-safe owner of the node's UDP sockets (one per address
// family) that any actor may call with a batch of outbound datagrams; one sendmmsg(2) per
// run of same-family datagrams (up to kSendBatch at a time), no actor hop. Consecutive
// datagrams to one address of one size (the last may be shorter) go out as one UDP GSO
// message (UDP_SEGMENT: the kernel splits it, one pass through the stack for up to
// kMaxSegments datagrams); when the kernel or the route refuses GSO, the sender falls back to
// one message per datagram for good.
//
// The node's DatagramTransport (actors/support/datagram_transport.hpp: what a batch's
// SendBatchResult says, backlogged()); receive() starts the UdpReader thread on the sockets.
#pragma once
#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "actors/support/datagram_transport.hpp"
#include "actors/support/metrics.hpp"
#include "transport/common/address.hpp"
#include "transport/session/session.hpp"

namespace ssu2d {

struct UdpSocket {
  int fd = -1;
  ssu2::Address local;  // the bound address (port resolved when 0 was asked)
};

inline constexpr size_t kMaxSegments = 64;          // datagrams per GSO message (kernel: 64)
inline constexpr size_t kMaxGsoBytes = 65000;       // payload of one GSO message

class UdpSender : public DatagramTransport {
 public:
  // Takes ownership of the sockets' fds: they are closed when the last holder lets go, so
  // no caller can ever send on a closed (or reused) descriptor.
  UdpSender(std::vector<UdpSocket> sockets, std::shared_ptr<MetricsRegistry> metrics);
  ~UdpSender() override;
  UdpSender(const UdpSender&) = delete;
  UdpSender& operator=(const UdpSender&) = delete;

  SendBatchResult send(std::span<const ssu2::session::OutDatagram> batch) override;
  SendOneResult send_one(const ssu2::Address& to, std::span<const uint8_t> bytes) override;
  std::vector<ssu2::Address> local_addresses() const override;
  std::unique_ptr<DatagramReceiver> receive(std::shared_ptr<InboundRouter> router,
                                            std::string& error) override;

  const std::vector<UdpSocket>& sockets() const { return sockets_; }
  int fd_for(bool v6) const;  // -1 when there is no socket of that family
  bool gso() const { return gso_.load(std::memory_order_relaxed); }
  void disable_gso() { gso_.store(false, std::memory_order_relaxed); }
  MetricsRegistry& metrics() { return *metrics_; }

 private:
  std::vector<UdpSocket> sockets_;
  std::shared_ptr<MetricsRegistry> metrics_;
  Counter* tx_;
  Counter* tx_bytes_;
  Counter* eagain_;
  Counter* errors_;
  Counter* gso_messages_;
  std::atomic<bool> gso_{true};
};

}  // namespace ssu2d
