// The socket actor: owns the node's DatagramTransport (actors/support/datagram_transport.hpp:
// one or two real non-blocking UDP sockets, IPv4 and/or IPv6, in a UdpSender that also
// closes them; an in-memory network in whole-node tests). The transport's receiving side
// (the UdpReader thread: recvmmsg batches) unmasks the destination connection ID with our
// intro key and demultiplexes where it receives (actors/support/inbound_router.hpp):
//   conn id of a registered session (register_session_atom)
//                           -> that session's bounded DatagramInbox + one (inbox_atom) wake
//                              per burst
//   anything else           -> the socket actor's own bounded inbox, then here:
//     conn id registered      -> that actor
//     source address registered (Session Created / Retry fallback, see ssu2.rst
//                             "Header Encryption": those use the sender's intro key)
//                           -> that actor
//     otherwise               -> the new-inbound handler, or counted as unknown when none;
//   each target gets one request (inbound_atom, std::vector<datagram>) -> bool per take, and
//   the next take waits for every answer, so unsolicited floods queue only in the bounded
//   inbox (dropped and counted beyond it), never in an actor's mailbox.
// A full inbox drops and counts: ssu2_datagrams_dropped_total{reason="inbox_full" |
// "socket_inbox_full"}; sizes in ssu2_session_inbox_datagrams / ssu2_socket_inbox_datagrams.
// Sends: sessions send directly through the transport; (send_atom, send_request) -> sendto;
// EAGAIN queues the datagram and retries on a short timer; any other failure or a full
// queue is reported back to the sender as (send_failed_atom, send_failure). A failed send is
// never fatal and never silent.
//
// Protocol: typed, `socket_actor` in messages/interfaces.hpp, with the roles its callers hold
// (datagram_out_actor, session_socket_actor, handshake_socket_actor, socket_stats_actor);
// what it sends to registered actors is datagram_target_actor / inbox_wake_actor there.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/support/datagram_inbox.hpp"
#include "actors/support/inbound_router.hpp"
#include "actors/support/metrics.hpp"
#include "actors/support/udp_sender.hpp"
#include "messages/interfaces.hpp"
#include "messages/messages.hpp"
#include "transport/common/bytes.hpp"
#include "transport/crypto/crypto.hpp"
#include "transport/ssu2/header.hpp"

namespace ssu2d {

// Shortest datagram that can be SSU2: 16-byte short header + 8-byte minimum payload +
// 16-byte MAC (ssu2.rst: "all packet payloads are a minimum of 8 bytes").
inline constexpr size_t kMinSsu2Packet = ssu2::wire::kMinPacketLen;

// Unmasks the destination connection ID (first 8 header bytes) with k_header_1 = our intro
// key (ssu2::wire::peek_dest_conn_id: mask = ChaCha20(key, iv = packet[len-24 .. len-12),
// 8 zero bytes), big-endian as the spec defines the field). nullopt for packets too short to
// be SSU2. The one place the socket decides how to read the demux key.
std::optional<uint64_t> peek_dest_conn_id(ssu2::ByteSpan packet,
                                          const ssu2::crypto::Key32& intro_key);

// Opens a non-blocking UDP socket bound to host:port (numeric IPv4 or IPv6, port 0 =
// ephemeral). On failure returns false and a one-line error.
bool open_udp(const std::string& host, uint16_t port, UdpSocket& out, std::string& error);

struct SocketOptions {
  std::vector<UdpSocket> sockets;              // ownership moves to the actor (when no sender)
  std::shared_ptr<DatagramTransport> sender;   // shared with the sessions; a UdpSender of
                                               // `sockets` when null
  ssu2::crypto::Key32 intro_key;          // our k_header_1 for inbound packets
  datagram_target_actor new_inbound;      // unknown conn ids; may be null
  std::shared_ptr<MetricsRegistry> metrics;  // may be null (a private registry is used)
  size_t send_queue_limit = 4096;
  size_t inbox_limit = 4096;              // datagrams waiting for this actor (not sessions')
  std::shared_ptr<BandwidthLimiter> in_limit;  // inbound bandwidth limit; may be null
  bool detached = true;  // its own thread (a node); false under CAF's test coordinator
};

socket_actor spawn_socket_actor(caf::actor_system& sys, SocketOptions opts);

}  // namespace ssu2d
