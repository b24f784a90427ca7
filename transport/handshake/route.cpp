#include "transport/handshake/route.hpp"

#include "transport/ssu2/header.hpp"

namespace ssu2::handshake {

Route classify_unsolicited(ByteSpan datagram, const crypto::Key32& our_intro_key, uint8_t net_id) {
  auto h = wire::peek_header(datagram, our_intro_key, our_intro_key);
  if (!h) return Route::listener;
  bool nat_type = h->type == uint8_t(wire::MessageType::PeerTest) ||
                  h->type == uint8_t(wire::MessageType::HolePunch);
  // peek_header on a long header: flags[0] = version, flags[1] = net ID.
  if (nat_type && h->flags[0] == wire::kProtocolVersion && h->flags[1] == net_id)
    return Route::nat;
  return Route::listener;
}

Route route_from_pending_peer(OutboundHandshake& pending, const Now& now, const Address& from,
                              ByteSpan datagram, const crypto::Key32& our_intro_key,
                              uint8_t net_id) {
  if (pending.on_datagram(now, from, datagram)) return Route::outbound;
  return classify_unsolicited(datagram, our_intro_key, net_id);
}

}  // namespace ssu2::handshake
