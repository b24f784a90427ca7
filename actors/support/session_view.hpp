// What a session actor reports about its DataSession: the transport state of session_info
// (state, RTT, window, bytes, drops by name) and the caf::error for a refused queue_message.
#pragma once
#include <caf/all.hpp>

#include "messages/messages.hpp"
#include "transport/session/session.hpp"

namespace ssu2d {

// Fills state, rtt/rto, window, in_flight, queued, byte/packet counts, retransmissions and
// the core's drops; the caller fills peer, remote, age, direction and its own counters.
void fill_transport_state(session_info& out, ssu2::session::DataSession& ds);

// Adds n drops (none when n is 0) to out.drops under the reason's name: the core counts by
// DropReason, session_info carries names (ssu2ctl, the JSON API).
void add_drops(session_info& out, ssu2::session::DropReason r, uint64_t n);

// queue_full / too_large / not_delivered("session_closed") for a refused message.
caf::error queue_error(ssu2::session::QueueResult r);

}  // namespace ssu2d
