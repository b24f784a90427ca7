// Where a handshake-phase datagram goes when its Destination Connection ID (unmasked with our
// intro key) matched no pending handshake or session: spec "Inbound Packet Handling", made
// safe for crossed connects.
//
// Token Request, Session Request, Peer Test and Hole Punch are masked with OUR intro key (the
// receiver's); Session Created and Retry with the SENDER's intro key, so under our key their
// type byte is noise. When both routers dial each other at once, the same source address
// sends us both kinds: its Session Created / Retry for our outbound handshake and its own
// Token / Session Request for our listener. Classifying such a datagram by the type byte seen
// under our key first would hand a Session Created whose noise reads as Peer Test or Hole
// Punch (2 of 256 values) to the wrong place, and every retransmission with it (they are
// byte-identical). So the pending outbound handshake of that address sees the datagram
// first: it only takes what authenticates under its keys; everything else is classified
// under our intro key.
#pragma once
#include "transport/crypto/crypto.hpp"
#include "transport/handshake/outbound.hpp"

namespace ssu2::handshake {

enum class Route : uint8_t {
  outbound,  // taken by the pending outbound handshake
  listener,  // Token / Session Request, or nothing: InboundListener (which drops junk)
  nat,       // Peer Test or Hole Punch with a valid long header: the NAT subsystem
};

// A datagram from an address without a pending outbound handshake, by its header under our
// intro key: Peer Test and Hole Punch need a valid long header (version 2, our net ID) too.
Route classify_unsolicited(ByteSpan datagram, const crypto::Key32& our_intro_key, uint8_t net_id);

// A datagram from the address of the pending outbound handshake `pending`: offered to it first
// (it may send, see its take_outgoing()); if it is not that handshake's, classified as above.
Route route_from_pending_peer(OutboundHandshake& pending, const Now& now, const Address& from,
                              ByteSpan datagram, const crypto::Key32& our_intro_key,
                              uint8_t net_id);

}  // namespace ssu2::handshake
