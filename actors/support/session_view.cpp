#include "actors/support/session_view.hpp"

namespace ssu2d {

namespace ss = ssu2::session;

void fill_transport_state(session_info& s, ss::DataSession& ds) {
  const auto& m = ds.metrics();
  switch (ds.state()) {
    case ss::DataSession::State::active: s.state = "established"; break;
    case ss::DataSession::State::closing: s.state = "terminating"; break;
    case ss::DataSession::State::closed: s.state = "closed"; break;
  }
  s.rtt_ms = uint64_t(ssu2::to_ms(m.rtt));
  s.rto_ms = uint64_t(ssu2::to_ms(m.rto));
  s.rtt_us = uint64_t(m.rtt.count());
  s.window = m.window;
  s.in_flight = m.in_flight;
  s.queued = m.queued;
  s.bytes_in = m.bytes_in;
  s.bytes_out = m.bytes_out;
  s.packets_in = m.packets_in;
  s.packets_out = m.packets_out;
  s.retransmissions = m.retransmissions;
  s.control_answered = m.control_answered;
  m.for_each_drop([&](ss::DropReason r, uint64_t n) { add_drops(s, r, n); });
}

void add_drops(session_info& s, ss::DropReason r, uint64_t n) {
  if (n) s.drops[std::string(name(r))] += n;
}

caf::error queue_error(ss::QueueResult r) {
  switch (r) {
    case ss::QueueResult::queue_full: return make_error(node_errc::queue_full, "session queue full");
    case ss::QueueResult::too_large: return make_error(node_errc::too_large, "message too large");
    default: return make_error(node_errc::not_delivered, "session_closed");
  }
}

}  // namespace ssu2d
