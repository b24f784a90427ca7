// The session actor's state, shared by its two files: session_actor.cpp (start and the
// behaviour: messages onto the core) and session_drain.cpp (the core's outputs onto sends).
// Not an interface: only those include it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "actors/session_actor.hpp"
#include "actors/support/deadline_timer.hpp"
#include "actors/support/delivery_promises.hpp"

namespace ssu2d::session_detail {

namespace ss = ssu2::session;

struct session_state {
  static inline const char* name = "ssu2d.session";
  std::unique_ptr<ss::DataSession> ds;
  router_hash peer;
  ssu2::Address remote;
  bool outbound = false;
  uint64_t our_conn_id = 0;
  session_socket_actor socket;
  session_handshake_actor handshake;
  session_nat_actor nat;
  session_events_actor manager;
  DatagramPath path;                   // our inbox at the socket, the direct sender
  std::vector<InboundDatagram> batch;  // reused by every inbox take
  std::vector<ss::InDatagram> in;      // views of `batch` for the core
  ss::TransmitBatch tx;                // reused by every poll
  ssu2::TimePoint started{};
  DeliveryPromises pending;  // confirm requests by feedback id
  DeadlineTimer timer;  // the core's next_wakeup(), or when the bandwidth share allows more
  std::shared_ptr<BandwidthLimiter> out_limit;  // kept alive for `bandwidth`
  std::unique_ptr<SessionBandwidth> bandwidth;
  bool flush_queued = false;  // a flush_atom to ourselves is in the mailbox
  bool ended = false;  // closed reported
  uint64_t i2np_in = 0, i2np_out = 0, send_failures = 0, ignored_blocks = 0;
  std::shared_ptr<MetricsRegistry> metrics;
  ss::Metrics::DropCounts exported_drops{};  // what ssu2_session_dropped_total has of ours
  Gauge* live = nullptr;
};
using session_t = caf::stateful_actor<session_state, session_actor::base>;

// Everything the core produced goes where it belongs (datagrams, events, NAT blocks, the
// drop metrics); then the timer is re-armed, or the actor quits once the session is freed.
void drain(session_t* self);
// drain() once the messages already in the mailbox are handled.
void drain_soon(session_t* self);
// Blocks from the nat actor: one packet if they fit, else one per block, in order.
void send_nat_blocks(session_t* self, ssu2::nat::NatBlocks& blocks);
// Messages the core gave back (ss::UndeliveredMessage), each with its delivery promise
// (delegated, so the receiver answers it): to the session replacing this one, or to the
// manager, which routes them over another session to the peer or fails them.
void hand_over(session_t* self, std::vector<ss::UndeliveredMessage> msgs, const i2np_sink_actor& successor);
void hand_back(session_t* self, std::vector<ss::UndeliveredMessage> msgs);
session_info info_of(session_t* self);
void on_end(session_t* self, const std::string& reason);

}  // namespace ssu2d::session_detail
