// The typed interfaces of ssu2d's actors (CAF 0.17 typed_actor): the one place that says,
// in types, who takes what. Each role interface is the subset one kind of caller needs;
// the actor's full interface extends the roles it plays, so its handle converts to any of
// them (CAF checks that at compile time) and a test double implements just the role.
// The messages' meaning is in each actor's header (actors/*.hpp).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/support/datagram_inbox.hpp"  // shared_ptr<DatagramInbox> may be a message
#include "messages/messages.hpp"

namespace ssu2d {

// ---- socket actor (actors/socket_actor.hpp) -------------------------------------------
// What receives datagrams from the socket (conn id or source address registered, or the
// new-inbound handler): one batch per inbox take, answered once handled; the socket takes
// its next batch only when every target answered (its flow control).
using datagram_target_actor =
    caf::typed_actor<caf::replies_to<inbound_atom, std::vector<datagram>>::with<bool>>;

// Woken from the socket's reader thread when its DatagramInbox went non-empty (a session
// registered with register_session_atom, and the socket actor itself).
using inbox_wake_actor = caf::typed_actor<caf::reacts_to<inbox_atom>>;

// Datagrams out through the socket actor (sendto; EAGAIN queues and retries). What cannot
// be sent is reported back to the sender as (send_failed_atom, send_failure).
using datagram_out_actor = caf::typed_actor<caf::reacts_to<send_atom, send_request>>;

// What a session needs of the socket: datagrams out, and dropping its conn id at the end
// (true: the entry existed).
using session_socket_actor =
    datagram_out_actor::extend<caf::replies_to<unregister_atom, uint64_t>::with<bool>>;

// What the handshake actor needs of the socket: routes by conn id (a pending handshake's, or
// an established session's straight into its inbox) and by source address (Session Created /
// Retry fallback). Each answers true when the entry was added/replaced (register_session:
// false without an actor or inbox) or existed (unregister_ep). Registered actors are
// monitored: when one terminates, all its entries are removed.
using handshake_socket_actor = session_socket_actor::extend<
    caf::replies_to<register_atom, uint64_t, datagram_target_actor>::with<bool>,
    caf::replies_to<register_session_atom, uint64_t, inbox_wake_actor,
                    std::shared_ptr<DatagramInbox>>::with<bool>,
    caf::replies_to<register_ep_atom, ssu2::Address, datagram_target_actor>::with<bool>,
    caf::replies_to<unregister_ep_atom, ssu2::Address>::with<bool>>;

// The socket's counters (introspection, the node's shutdown round trip).
using socket_stats_actor = caf::typed_actor<caf::replies_to<socket_stats_atom>::with<socket_stats>>;

// The whole socket actor: the roles above, plus its inbox wake from the reader thread, its
// own retry timer for queued sends, and the local endpoints it is bound to.
using socket_actor = handshake_socket_actor::extend_with<socket_stats_actor>::extend<
    caf::reacts_to<inbox_atom>,
    caf::reacts_to<retry_atom>,
    caf::replies_to<local_endpoints_atom>::with<std::vector<ssu2::Address>>>;

// ---- handshake actor (actors/handshake_actor.hpp) -------------------------------------
// What a session tells the handshake actor (sent from the session: the sender tells which
// session it is): it closed, and each New Token its peer gave us (router, its address,
// token, expiry in unix seconds).
using session_handshake_actor = caf::typed_actor<
    caf::reacts_to<closed_atom, router_hash, std::string>,
    caf::reacts_to<new_token_atom, router_hash, ssu2::Address, uint64_t, uint32_t>>;

// Connects with a RouterInfo (the manager): the peer's router hash once the session is up,
// at once when one exists; relay_atom: the Session Request asks for a relay tag.
using connector_actor = caf::typed_actor<
    caf::replies_to<connect_atom, std::vector<uint8_t>>::with<router_hash>,
    caf::replies_to<connect_atom, std::vector<uint8_t>, relay_atom>::with<router_hash>>;

// What the nat actor needs of the handshake actor: the connect to Charlie after an
// introduction (his endpoint and relay token), Alice's relay token we gave as Charlie, the
// relay tag wish for outbound handshakes, and our republished RouterInfo.
using nat_handshake_actor = caf::typed_actor<
    caf::replies_to<connect_atom, std::vector<uint8_t>, ssu2::Address, uint64_t>::with<router_hash>,
    caf::reacts_to<relay_token_atom, ssu2::Address, uint64_t>,
    caf::reacts_to<relay_atom, bool>,
    caf::reacts_to<router_info_atom, std::vector<uint8_t>>>;

// The handshake counters (introspection, tests).
using handshake_stats_actor =
    caf::typed_actor<caf::replies_to<handshake_stats_atom>::with<handshake_stats>>;

// The whole handshake actor: the roles above and the socket's datagram_target_actor, plus
// its late socket link, one datagram at a time (tests), its timer, the node's graceful
// shutdown (-> number of sessions that were open) and the socket's send failures.
using handshake_actor = datagram_target_actor::extend_with<session_handshake_actor>
    ::extend_with<connector_actor>::extend_with<nat_handshake_actor>
    ::extend_with<handshake_stats_actor>::extend<
        caf::reacts_to<set_socket_atom, handshake_socket_actor>,
        caf::reacts_to<inbound_atom, datagram>,
        caf::reacts_to<tick_atom, int64_t>,
        caf::replies_to<shutdown_atom>::with<uint64_t>,
        caf::reacts_to<send_failed_atom, send_failure>>;

// ---- session actor (actors/session_actor.hpp) -----------------------------------------
// Outbound I2NP (short header) into a session: fire and forget, or with delivery feedback
// (delivery_report once the peer ACKed every packet of it, or an error: never silent).
using i2np_sink_actor = caf::typed_actor<
    caf::replies_to<deliver_atom, std::vector<uint8_t>>::with<bool>,
    caf::replies_to<deliver_atom, std::vector<uint8_t>, confirm_atom>::with<delivery_report>>;

// What the subsystem manager needs of a session: I2NP out, its state, ending it.
using managed_session_actor = i2np_sink_actor::extend<
    caf::replies_to<session_atom>::with<session_info>,
    caf::reacts_to<disconnect_atom>>;

// What the nat actor needs of a session: SSU2 blocks (parsed values) sent in the session,
// and a keep-alive packet for the NAT mapping to one of our introducers.
using nat_session_actor =
    caf::typed_actor<caf::reacts_to<send_blocks_atom, ssu2::nat::NatBlocks>,
                     caf::reacts_to<keepalive_atom>>;

// The whole session actor: the roles above, plus
//   inbound datagrams: (inbox_atom) wake from the socket's reader thread, (inbound_atom,
//     datagram) one datagram handed over by the handshake or socket actor;
//   its own timers: flush after a burst, tick at the core's deadline;
//   ending: terminate with a reason, or replaced by a successor that takes over every
//     message not yet ACKed;
//   peer test / relay tag commands with this session's peer as Bob / introducer;
//   send failures reported by the socket.
using session_actor = managed_session_actor::extend_with<nat_session_actor>::extend<
    caf::reacts_to<inbox_atom>,
    caf::reacts_to<inbound_atom, datagram>,
    caf::reacts_to<flush_atom>,
    caf::reacts_to<tick_atom, int64_t>,
    caf::replies_to<terminate_atom, uint8_t>::with<bool>,
    caf::replies_to<terminate_atom, uint8_t, i2np_sink_actor>::with<bool>,
    caf::replies_to<peer_test_atom>::with<peer_test_result>,
    caf::replies_to<relay_atom>::with<uint32_t>,
    caf::reacts_to<send_failed_atom, send_failure>>;

// ---- nat actor (actors/nat_actor.hpp) -------------------------------------------------
// Peer test / relay tag commands: a peer test with that router as Bob, a relay tag from that
// introducer (asked through a session for its peer, or through introspection).
using nat_command_actor = caf::typed_actor<
    caf::replies_to<peer_test_atom, router_hash>::with<peer_test_result>,
    caf::replies_to<relay_atom, router_hash>::with<uint32_t>>;

// What a session needs of the nat actor: the commands, and telling it that the session
// started (the session to send blocks through, the peer's endpoint and RouterInfo, its
// handshake's relay tags: asked, granted, issued), that it closed, the NAT blocks it
// received, and how the peer sees us (its Address block).
using session_nat_actor = nat_command_actor::extend<
    caf::reacts_to<established_atom, router_hash, nat_session_actor, ssu2::Address,
                   std::vector<uint8_t>, bool, uint32_t, uint32_t>,
    caf::reacts_to<closed_atom, router_hash, std::string>,
    caf::reacts_to<nat_blocks_atom, router_hash, ssu2::nat::NatBlocks>,
    caf::reacts_to<observed_atom, router_hash, ssu2::Address>>;

// What the handshake actor needs of the nat actor: what its sessions need (it hands the
// handle on), out-of-session Peer Test / Hole Punch packets, and connects to firewalled
// routers through their introducers (answered with Charlie's hash once his session is up).
using handshake_nat_actor = session_nat_actor::extend<
    caf::reacts_to<nat_packet_atom, datagram>,
    caf::replies_to<introduce_atom, std::vector<uint8_t>>::with<router_hash>>;

// What introspection needs: the commands and the reachability status.
using nat_control_actor =
    nat_command_actor::extend<caf::replies_to<nat_status_atom>::with<nat_status>>;

// The whole nat actor: the roles above, plus its late links from the node (the socket, the
// handshake actor) and its own timers (an introduction attempt's deadline, the engine's
// deadline, a waiting request's bound, the reachability tick), and the socket's reports of
// out-of-session packets it could not send.
using nat_actor = handshake_nat_actor::extend<
    caf::replies_to<nat_status_atom>::with<nat_status>,
    caf::reacts_to<set_socket_atom, datagram_out_actor>,
    caf::reacts_to<handshake_atom, nat_handshake_actor>,
    caf::reacts_to<introduce_atom, router_hash, uint64_t>,
    caf::reacts_to<nat_timeout_atom, int64_t>,
    caf::reacts_to<nat_timeout_atom, uint32_t>,
    caf::reacts_to<tick_atom, int64_t>,
    caf::reacts_to<send_failed_atom, send_failure>>;

// ---- subsystem manager (actors/subsystem_manager.hpp) ---------------------------------
// Who hears inbound I2NP (listen_atom).
using i2np_listener_actor = caf::typed_actor<caf::reacts_to<i2np_atom, i2np_message>>;

// What a session tells the manager: established / closed / each message received, the
// RouterInfos it saw, and (reroute) the messages it ended without delivering, for another
// session to the peer if there is one (never a new connect).
using session_events_actor = i2np_listener_actor::extend<
    caf::replies_to<established_atom, router_hash, managed_session_actor, std::string>::with<bool>,
    caf::replies_to<closed_atom, router_hash, std::string>::with<bool>,
    caf::replies_to<reroute_atom, i2np_message>::with<bool>,
    caf::replies_to<reroute_atom, i2np_message, confirm_atom>::with<delivery_report>,
    caf::reacts_to<router_info_atom, std::vector<uint8_t>>>;

// Outbound I2NP routed to the session of `i2np_message::peer` (connecting on demand when a
// RouterInfo is known), and connects.
using i2np_router_actor = caf::typed_actor<
    caf::replies_to<route_atom, i2np_message>::with<bool>,
    caf::replies_to<route_atom, i2np_message, confirm_atom>::with<delivery_report>,
    caf::replies_to<connect_atom, std::vector<uint8_t>>::with<router_hash>,
    caf::replies_to<connect_atom, router_hash>::with<router_hash>,
    caf::replies_to<connect_atom, router_hash, relay_atom>::with<router_hash>>;

// The whole manager: the roles above, plus its wiring (the handshake actor to connect
// through, listeners), the RouterInfos it knows, and introspection.
using subsystem_manager_actor = session_events_actor::extend_with<i2np_router_actor>::extend<
    caf::reacts_to<handshake_atom, connector_actor>,
    caf::reacts_to<listen_atom, i2np_listener_actor>,
    caf::replies_to<router_info_atom, router_hash>::with<std::vector<uint8_t>>,
    caf::replies_to<sessions_atom>::with<session_list>,
    caf::replies_to<session_count_atom>::with<uint64_t>,
    caf::replies_to<session_atom, router_hash>::with<session_info>,
    caf::replies_to<disconnect_atom, router_hash>::with<bool>>;

// ---- introspection actor (actors/introspection_actor.hpp) -----------------------------
// What ssu2ctl and the web console ask (remotely, through the middleman: ssu2ctl's
// remote_actor names this type, so both ends check the same interface). Router hashes
// travel as text (hex or I2P base64).
using introspection_client_actor = caf::typed_actor<
    caf::replies_to<status_atom>::with<node_status>,
    caf::replies_to<sessions_atom>::with<session_list>,
    caf::replies_to<session_atom, std::string>::with<session_info>,
    caf::replies_to<metrics_atom>::with<std::string>,
    caf::replies_to<connect_atom, std::vector<uint8_t>>::with<router_hash>,
    caf::replies_to<send_test_atom, std::string, uint32_t, uint32_t, uint32_t>::with<send_test_result>,
    caf::replies_to<send_sequential_atom, std::string, uint32_t, uint32_t, uint32_t>::with<send_test_result>,
    caf::replies_to<handshake_stats_atom>::with<handshake_stats>,
    caf::replies_to<disconnect_atom, std::string>::with<bool>,
    caf::replies_to<peer_test_atom, std::string>::with<peer_test_result>,
    caf::replies_to<relay_atom, std::string>::with<uint32_t>,
    caf::replies_to<log_level_atom, std::string>::with<std::string>>;

// The whole introspection actor: the client's requests, plus its 1 s bandwidth tick and the
// node's note of our control endpoint once published.
using introspection_actor = introspection_client_actor::extend<
    caf::reacts_to<tick_atom, int64_t>,
    caf::reacts_to<local_endpoints_atom, std::string>>;

}  // namespace ssu2d
