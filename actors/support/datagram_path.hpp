// What a session actor needs for its datagrams without a hop through the socket actor:
// its inbox (registered at the socket under its conn id) and the shared UdpSender.
#pragma once
#include <memory>
#include <span>
#include <vector>

#include <caf/all.hpp>

#include "actors/support/datagram_inbox.hpp"
#include "actors/support/datagram_transport.hpp"
#include "messages/interfaces.hpp"

namespace ssu2d {

struct DatagramPath {
  std::shared_ptr<DatagramInbox> inbox;  // null: datagrams come as (inbound_atom, datagram)
  std::shared_ptr<DatagramTransport> sender;     // null: every datagram goes as send_atom
};

// Sends one drain's datagrams: through path.sender in one batch, unless the socket actor's
// retry queue is non-empty (then behind it, to keep order). What the kernel pushed back goes
// to the socket actor as (send_atom, send_request) from `self`, which therefore also gets the
// socket's (send_failed_atom, send_failure) for those. Returns the datagrams that failed
// here (already counted in ssu2_send_errors_total), for the caller to count and log.
std::vector<SendBatchResult::Failure> send_datagrams(caf::local_actor* self,
                                                     const DatagramPath& path,
                                                     const datagram_out_actor& socket,
                                                     std::span<ssu2::session::OutDatagram> out);

}  // namespace ssu2d
