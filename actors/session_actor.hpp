// The session actor: one per established SSU2 session, a thin CAF shell around the sans-IO
// ssu2::session::DataSession. It is spawned by the handshake actor with the handshake's
// outcome and lives until the session's closing period is over (can_be_freed()).
//
// Protocol (typed: session_actor in messages/interfaces.hpp; its roles i2np_sink_actor,
// managed_session_actor, nat_session_actor are what the manager and the nat actor hold):
//   (inbox_atom)                                   from the socket's reader thread: our
//        DatagramInbox went non-empty; the whole batch is taken and fed to the DataSession
//   (inbound_atom, datagram)                       from the socket / handshake actor (our conn
//        id before the inbox was registered, or no inbox)
// I2NP bytes <-> the core's message: ssu2::session::parse_short_i2np / short_i2np_bytes;
// the handshake's outcome -> the data phase: ssu2::handshake::to_session_context.
//
//   (deliver_atom, std::vector<uint8_t> i2np)      -> bool, or error queue_full / too_large /
//        bad_request / not_delivered("session closed"); fire and forget is fine: the reply
//        only matters to requesters (a full queue is refused, never grown)
//   (deliver_atom, std::vector<uint8_t> i2np, confirm_atom)
//        -> delivery_report once the peer ACKed every packet of the message, or
//        error not_delivered("dropped" | "expired" | "session_closed") / queue_full /
//        too_large / bad_request. Always answered, also when the session ends.
//   (tick_atom, int64 deadline_ms)                 self-timer (one armed at a time)
//   (terminate_atom, uint8 reason) -> bool         send Termination(reason), enter closing;
//        answered once the Termination datagram went to the socket (false: already ending)
//   (terminate_atom, uint8 reason, i2np_sink_actor successor) -> bool   replaced: the
//        messages not known to be delivered (unsent, or sent and not ACKed) move there
//        first (their promises answered from there), then as above
//   (disconnect_atom)                              from the manager: terminate(NormalClose)
//   (session_atom) -> session_info                 introspection
//   (send_blocks_atom, NatBlocks)                  from the nat actor (or the handshake
//        actor: our republished RouterInfo): SSU2 blocks, parsed values, sent through
//        DataSession::send_blocks_split (retransmitted until ACKed; one block per packet
//        when they do not fit one; a block the core refuses is dropped and counted)
//   (peer_test_atom) -> peer_test_result           delegated to the nat actor with Bob = our
//        peer (error not_available when the node has no nat actor)
//   (relay_atom) -> uint32 tag                     relay tag request to our peer, delegated
//   (send_failed_atom, send_failure)               from the socket: counted
// Outputs:
//   manager:   (established_atom, hash, self as managed_session_actor, remote) at start; (i2np_atom, i2np_message)
//              for each message received; (router_info_atom, bytes) for RouterInfo blocks;
//              (closed_atom, hash, reason) when the session ends
//   handshake: (new_token_atom, hash, Address, uint64 token, uint32 expires) for NewToken
//              blocks (Alice's next connection skips the Retry); (closed_atom, hash, reason)
//   socket:    datagrams go out through DatagramPath::sender (sendmmsg, no actor hop); what
//              the kernel pushes back, or everything without a sender, as (send_atom,
//              send_request); (unregister_atom, conn id) when freed
//   nat:       (established_atom, hash, self as nat_session_actor, Address remote, bytes peer RouterInfo,
//              bool tag asked, uint32 tag granted, uint32 tag issued) at start (the relay
//              tag of the handshake, 0 = none: nat_actor.hpp); (nat_blocks_atom, hash, NatBlocks) with the RouterInfo / PeerTest /
//              Relay* / RelayTag* blocks received, in arrival order; (closed_atom, hash, reason) when the session ends
// I2NP bytes are one message with the 9-byte short header, as in the manager.
// Under an outbound bandwidth limit (out_limit) each drain sends within the budget of the
// session's SessionBandwidth share; what the core holds back is sent when the tick at the
// share's booked time comes (support/bandwidth_limiter.hpp).
#pragma once
#include <memory>
#include <optional>
#include <string>

#include <caf/all.hpp>

#include "actors/support/bandwidth_limiter.hpp"
#include "actors/support/clock.hpp"
#include "actors/support/datagram_path.hpp"
#include "actors/support/metrics.hpp"
#include "messages/interfaces.hpp"
#include "messages/messages.hpp"
#include "transport/handshake/session_context.hpp"
#include "transport/handshake/types.hpp"
#include "transport/session/session.hpp"

namespace ssu2d {

struct SessionActorOptions {
  ssu2::handshake::SessionContext context;  // moved in; first_packets are processed at start
  session_socket_actor socket;
  session_events_actor manager;
  session_handshake_actor handshake;  // may be null (tokens, closes then not reported)
  session_nat_actor nat;              // may be null (NAT blocks then counted and dropped)
  DatagramPath path;  // inbox registered at the socket + direct sender; both may be null
  std::shared_ptr<MetricsRegistry> metrics;  // may be null
  std::shared_ptr<ssu2::session::SharedBudget> reassembly_budget;  // node-wide; may be null
  ssu2::RandomFn random;  // path challenges; empty = crypto::random_bytes
  std::shared_ptr<BandwidthLimiter> out_limit;  // node-wide outbound limit; may be null
};

session_actor spawn_session_actor(caf::actor_system& sys, SessionActorOptions opts);

}  // namespace ssu2d
