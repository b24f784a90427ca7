#include "transport/handshake/data_phase.hpp"

#include <algorithm>

namespace ssu2::handshake {

session::SessionContext to_session_context(const SessionContext& h, TimePoint now,
                                           uint64_t unix_ms) {
  session::SessionContext c;
  c.peer = h.peer;
  c.our_conn_id = h.our_conn_id;
  c.their_conn_id = h.their_conn_id;
  c.send = session::DirectionKeys{h.send.data, h.peer_intro_key, h.send.header2};
  c.receive = session::DirectionKeys{h.receive.data, h.our_intro_key, h.receive.header2};
  c.session_confirmed_header_key = h.session_confirmed_header_key;
  c.ack_session_confirmed = !h.outbound;  // Bob ACKs Alice's Session Confirmed (packet 0)
  if (!h.outbound && h.token_to_send)
    c.new_token = wire::NewTokenBlock{.expires = h.token_to_send->expires,
                                      .token = h.token_to_send->value};
  c.first_packet_number = h.next_send_packet_number;
  c.max_payload = h.max_payload;
  std::copy(h.peer_hash.begin(), h.peer_hash.end(), c.peer_router_hash.begin());
  c.now = now;
  c.unix_ms_at_now = unix_ms;
  return c;
}

}  // namespace ssu2::handshake
