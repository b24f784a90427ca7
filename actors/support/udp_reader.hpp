// The socket's reader thread and the demux table it shares with the socket actor.
//
// The thread receives with recvmmsg (kRecvBatch datagrams per call into buffers allocated
// once), unmasks each destination connection ID and demultiplexes right there:
//   conn id of an established session (SessionDemux) -> that session's DatagramInbox
//   anything else                                    -> the socket actor's DatagramInbox
// and posts one inbox_atom wake-up per inbox that went from empty to non-empty. Both kinds
// of inbox are bounded; refused datagrams are counted by the inbox's drop counter.
#pragma once
#include <atomic>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/support/bandwidth_limiter.hpp"
#include "actors/support/datagram_inbox.hpp"
#include "actors/support/metrics.hpp"
#include "messages/interfaces.hpp"
#include "transport/crypto/crypto.hpp"

namespace ssu2d {

inline constexpr size_t kRecvBatch = 32;
// Largest datagram read; anything bigger is counted as truncated and dropped.
inline constexpr size_t kMaxDatagram = 2048;

// conn id -> (session actor, its inbox). Written by the socket actor (register / unregister /
// the actor went down), read by the reader thread for every datagram.
class SessionDemux {
 public:
  enum class Route { none, queued, dropped };
  void put(uint64_t conn_id, inbox_wake_actor owner, std::shared_ptr<DatagramInbox> inbox);
  bool erase(uint64_t conn_id);
  size_t erase_owner(const caf::actor_addr& owner);  // every entry of that actor
  size_t size() const;
  bool contains(uint64_t conn_id) const;
  // Pushes into the entry's inbox. When the inbox was empty, `wake` is set to its owner: the
  // caller sends it (inbox_atom) after releasing whatever it holds.
  Route route(uint64_t conn_id, const ssu2::Address& from,
              std::span<const uint8_t> bytes, inbox_wake_actor& wake);

 private:
  struct Entry {
    inbox_wake_actor owner;
    std::shared_ptr<DatagramInbox> inbox;
  };
  mutable std::shared_mutex mu_;
  std::unordered_map<uint64_t, Entry> map_;
};

struct ReaderConfig {
  std::vector<int> fds;
  ssu2::crypto::Key32 intro_key;
  inbox_wake_actor socket;                     // woken for its inbox; held weakly
  std::shared_ptr<DatagramInbox> socket_inbox;
  std::shared_ptr<SessionDemux> demux;
  std::shared_ptr<MetricsRegistry> metrics;
  std::shared_ptr<const void> keep_fds;        // whatever owns the fds (the UdpSender)
  // Inbound bandwidth limit (may be null): session datagrams beyond it are dropped here,
  // before decryption; the others are charged (support/bandwidth_limiter.hpp).
  std::shared_ptr<BandwidthLimiter> in_limit;
};

class UdpReader {
 public:
  // Starts the thread; nullptr and a one-line error when it cannot (pipe2 failed).
  static std::unique_ptr<UdpReader> start(ReaderConfig cfg, std::string& error);
  ~UdpReader();  // stops and joins (detaches when called from the reader thread itself)
  struct Shared;

 private:
  explicit UdpReader(std::shared_ptr<Shared> sh);
  std::shared_ptr<Shared> sh_;
  std::thread thread_;
};

}  // namespace ssu2d
