// The handshake actor: one per node, a thin shell over the sans-IO
// ssu2::handshake::HandshakeEndpoint (transport/handshake/endpoint.hpp), which owns the
// listener, tokens, admission, every pending handshake, the token cache and the table of
// sessions with its replacement policy. The shell maps datagrams, connects and timers onto
// it, and its events onto actors: completed handshakes become session actors
// (session_actor.hpp), socket routes, answers to connect requests, metrics.
//
// Sessions: each one gets a DatagramInbox and the UdpSender (DatagramPath); its conn id is
// registered at the socket as (register_session_atom, conn id, session, inbox), so the
// reader thread queues its datagrams without going through any actor.
// Datagram routing: the socket sends it everything nobody registered (new inbound), plus
// what belongs to pending outbound handshakes, which are registered with the socket under
// their connection ID (Bob's Data packets use our intro key) AND the peer's endpoint
// (Session Created and Retry are masked with Bob's intro key, so their unmasked ID is noise).
//
// Protocol: typed, `handshake_actor` in messages/interfaces.hpp (callers hold
// datagram_target_actor, session_handshake_actor, connector_actor, nat_handshake_actor or
// handshake_stats_actor). The messages' meaning:
//   (set_socket_atom, handshake_socket_actor)   once, right after the socket is spawned
//   (inbound_atom, std::vector<datagram>) -> bool  a batch from the socket (answered when
//        handled: the socket's flow control)
//   (inbound_atom, datagram)                    one datagram (tests)
//   (connect_atom, std::vector<uint8_t> ri)     -> router_hash when the session is up
//        (at once if one already exists), or error bad_request (RouterInfo unusable),
//        limit (limits.max_pending_handshakes), handshake_failed("timeout" | "peer_rejected" | ...)
//   (connect_atom, std::vector<uint8_t> ri, relay_atom) -> router_hash   the same, and the
//        Session Request asks for a relay tag (it reaches the nat actor with the session)
//        A RouterInfo whose address has no host (a firewalled router) is handed to the
//        nat actor as (introduce_atom, ri), which answers once Charlie's session is up.
//   (connect_atom, ri, Address charlie, uint64 token) -> router_hash   from the nat actor
//        after an introduction: connect to Charlie there with his relay token (no Retry)
//   (relay_token_atom, Address alice, uint64 token)    from the nat actor as Charlie: our
//        listener accepts Alice's Session Request with this token
//   (relay_atom, bool)                          from the nat actor: every outbound
//        handshake asks for a relay tag (firewalled and short of tags) or not
//   (router_info_atom, std::vector<uint8_t> ri)  from the nat actor: our republished
//        RouterInfo; later handshakes send it, every session sends it to its peer, told as
//        (send_blocks_atom, NatBlocks) with its RouterInfo block
//   (new_token_atom, router_hash, Address, uint64 token, uint32 expires)  from sessions
//   (closed_atom, router_hash, std::string reason)                         from sessions
//   (tick_atom, int64 deadline_ms)              self-timer (one armed at a time)
//   (handshake_stats_atom) -> handshake_stats
//   (shutdown_atom) -> uint64  every live session sends Termination(RouterShutdown); the
//        answer (number of sessions that were open; closing ones are told but not counted)
//        comes when each confirmed or after 2 s
//   (send_failed_atom, send_failure)            from the socket: counted
// Out-of-session Peer Test (type 7) and Hole Punch (type 11) packets arrive here as unknown
// connection IDs; they are passed to the nat actor as (nat_packet_atom, datagram).
// Failures are counted in metrics: ssu2_handshake_failures_total{direction,reason}; the
// listener's refusals in ssu2_listener_refused_total{reason}.
#pragma once
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/support/bandwidth_limiter.hpp"
#include "actors/support/metrics.hpp"
#include "actors/support/datagram_transport.hpp"
#include "messages/interfaces.hpp"
#include "messages/messages.hpp"
#include "transport/handshake/config.hpp"
#include "transport/handshake/endpoint.hpp"
#include "transport/handshake/router_check.hpp"
#include "transport/session/budget.hpp"

namespace ssu2d {

struct HandshakeActorOptions {
  ssu2::handshake::Config config;
  std::shared_ptr<const ssu2::handshake::LocalIdentity> local;
  session_events_actor manager;  // told by each session (established, closed, I2NP)
  // May be null: NAT packets are then handled (and refused) as handshakes.
  handshake_nat_actor nat;
  std::shared_ptr<MetricsRegistry> metrics;  // may be null
  // Pending handshakes, sessions, tokens and admission (limits.* in the config).
  ssu2::handshake::EndpointLimits limits;
  // The IP families we have sockets for: which of a peer's addresses we can dial.
  ssu2::handshake::Families families;
  // Sessions send through it directly (null: through the socket actor). Each session gets
  // its own inbox of `session_inbox` datagrams, registered with (register_session_atom).
  std::shared_ptr<DatagramTransport> sender;
  size_t session_inbox = 1024;
  // Node-wide reassembly memory shared by the sessions (limits.reassembly_memory_mb).
  std::shared_ptr<ssu2::session::SharedBudget> reassembly_budget;
  // Node-wide outbound bandwidth limit shared by the sessions (bandwidth.out_kbytes_s).
  std::shared_ptr<BandwidthLimiter> out_limit;
  // The node's randomness (handshakes, tokens, sessions' path challenges); empty = the
  // system's (crypto::random_bytes).
  ssu2::RandomFn random;
};

handshake_actor spawn_handshake_actor(caf::actor_system& sys, HandshakeActorOptions opts);


}  // namespace ssu2d
