// Where a received datagram goes, decided where it is received (the reader thread, or the
// in-memory network of whole-node tests): its destination connection ID is unmasked with our
// intro key, and it goes
//   conn id of an established session (SessionDemux) -> that session's DatagramInbox
//   anything else                                    -> the socket actor's DatagramInbox
// with one inbox_atom wake-up per inbox that went from empty to non-empty, sent at flush().
// Both kinds of inbox are bounded; refused datagrams are counted by the inbox's drop counter.
// Session datagrams beyond the inbound bandwidth limit are dropped here, before decryption.
// One caller at a time (not thread-safe itself; the demux and inboxes are).
#pragma once
#include <memory>
#include <shared_mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/support/bandwidth_limiter.hpp"
#include "actors/support/datagram_inbox.hpp"
#include "actors/support/metrics.hpp"
#include "messages/interfaces.hpp"
#include "transport/common/time.hpp"
#include "transport/crypto/crypto.hpp"

namespace ssu2d {

// conn id -> (session actor, its inbox). Written by the socket actor (register / unregister /
// the actor went down), read by the receiving side for every datagram.
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

struct InboundRouterConfig {
  ssu2::crypto::Key32 intro_key;
  inbox_wake_actor socket;                     // woken for its inbox; held weakly
  std::shared_ptr<DatagramInbox> socket_inbox;
  std::shared_ptr<SessionDemux> demux;
  std::shared_ptr<MetricsRegistry> metrics;
  std::shared_ptr<BandwidthLimiter> in_limit;  // may be null
};

class InboundRouter {
 public:
  explicit InboundRouter(InboundRouterConfig cfg);
  // One datagram from `from`, received at `now`.
  void route(ssu2::TimePoint now, const ssu2::Address& from, std::span<const uint8_t> bytes);
  // Sends the wake-ups collected since the last flush. False once the socket actor is gone
  // (nobody to receive for).
  bool flush();
  MetricsRegistry& metrics() { return *cfg_.metrics; }

 private:
  InboundRouterConfig cfg_;
  caf::weak_actor_ptr socket_;
  Counter* drop_short_;
  std::vector<inbox_wake_actor> wakes_;
  bool wake_socket_ = false;
};

}  // namespace ssu2d
