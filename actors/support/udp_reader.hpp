// The UDP sockets' reader thread: receives with recvmmsg (kRecvBatch datagrams per call into
// buffers allocated once, split again where the kernel coalesced them with UDP GRO) and hands
// each datagram to the socket's InboundRouter (actors/support/inbound_router.hpp), which
// demultiplexes it right there, in the thread; one flush (wake-ups) per recvmmsg.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "actors/support/datagram_transport.hpp"
#include "actors/support/inbound_router.hpp"

namespace ssu2d {

inline constexpr size_t kRecvBatch = 32;
// Largest datagram read; anything bigger is counted as truncated and dropped.
inline constexpr size_t kMaxDatagram = 2048;

struct ReaderConfig {
  std::vector<int> fds;
  std::shared_ptr<InboundRouter> router;
  std::shared_ptr<const void> keep_fds;  // whatever owns the fds (the UdpSender)
};

class UdpReader : public DatagramReceiver {
 public:
  // Starts the thread; nullptr and a one-line error when it cannot (pipe2 failed).
  static std::unique_ptr<UdpReader> start(ReaderConfig cfg, std::string& error);
  ~UdpReader() override;  // stops and joins (detaches when called from the reader thread itself)
  struct Shared;

 private:
  explicit UdpReader(std::shared_ptr<Shared> sh);
  std::shared_ptr<Shared> sh_;
  std::thread thread_;
};

}  // namespace ssu2d
