// Every typed message and atom that crosses an actor boundary in ssu2d (CAF 0.17).
// Types that may cross the network (introspection) are registered in register_messages();
// both ssu2d and ssu2ctl call it so the names match on the wire.
#pragma once
#include <array>
#include <ostream>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "transport/common/address.hpp"
#include "transport/nat/nat_blocks.hpp"

namespace ssu2 {
// UDP addresses cross actors as the core's binary ssu2::Address (IP family by length, the IP
// bytes, the port); text only at the edges (logs, config, ssu2ctl). The core does not know
// CAF, so its serialization for CAF lives here, found by argument-dependent lookup.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Address& x) {
  return f(caf::meta::type_name("address"), x.ip_len, x.ip, x.port);
}

namespace nat {
// NAT blocks go from actor to actor as the parsed values they are: CAF moves a message that
// stays in the process, it serializes one only to send it to another node (these never are).
// Should that happen, they travel in their SSU2 wire encoding, the one block codec
// (transport/ssu2/blocks.hpp); printed (to_string), they show their type numbers.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NatBlocks& x) {
  std::vector<uint8_t> encoded;
  auto save = caf::meta::save_callback([&]() -> caf::error {
    auto b = wire::emit_blocks(x.blocks);
    if (!b) return caf::make_error(caf::sec::invalid_argument, "unencodable NAT blocks");
    encoded.assign(b->begin(), b->end());
    return caf::none;
  });
  auto load = caf::meta::load_callback([&]() -> caf::error {
    auto b = wire::parse_blocks(ByteSpan(encoded.data(), encoded.size()));
    if (!b) return caf::make_error(caf::sec::invalid_argument, "malformed NAT blocks");
    x.blocks = std::move(*b);
    return caf::none;
  });
  return f(caf::meta::type_name("nat_blocks"), save, encoded, load);
}
inline std::string to_string(const NatBlocks& x) {
  return "nat_blocks(" + wire::block_type_list(x.blocks) + ")";
}
}  // namespace nat
}  // namespace ssu2

namespace ssu2d {

// ---- atoms ------------------------------------------------------------------
// socket actor
using inbox_atom = caf::atom_constant<caf::atom("inbox")>;         // reader -> inbox owner: wake
using send_atom = caf::atom_constant<caf::atom("send")>;           // anyone -> socket
using send_failed_atom = caf::atom_constant<caf::atom("sendfail")>;  // socket -> sender
using register_atom = caf::atom_constant<caf::atom("register")>;   // conn id -> actor
using register_session_atom = caf::atom_constant<caf::atom("regsession")>;  // + its inbox
using unregister_atom = caf::atom_constant<caf::atom("unreg")>;
using register_ep_atom = caf::atom_constant<caf::atom("regep")>;   // fallback by source address
using unregister_ep_atom = caf::atom_constant<caf::atom("unregep")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;         // socket self-timer
using local_endpoints_atom = caf::atom_constant<caf::atom("localeps")>;
using socket_stats_atom = caf::atom_constant<caf::atom("sockstats")>;
using inbound_atom = caf::atom_constant<caf::atom("inbound")>;     // socket -> session/handler
// subsystem manager
using established_atom = caf::atom_constant<caf::atom("estab")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
using i2np_atom = caf::atom_constant<caf::atom("i2np")>;            // session -> manager (in)
using route_atom = caf::atom_constant<caf::atom("route")>;          // anyone -> manager (out)
using reroute_atom = caf::atom_constant<caf::atom("reroute")>;  // ending session -> manager
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;      // manager -> session
using listen_atom = caf::atom_constant<caf::atom("listen")>;        // subscribe to inbound I2NP
// introspection (remote)
using status_atom = caf::atom_constant<caf::atom("status")>;
using sessions_atom = caf::atom_constant<caf::atom("sessions")>;
using session_count_atom = caf::atom_constant<caf::atom("sesscount")>;  // -> uint64_t, the manager's table size
using session_atom = caf::atom_constant<caf::atom("session")>;
using metrics_atom = caf::atom_constant<caf::atom("metrics")>;
using connect_atom = caf::atom_constant<caf::atom("connect")>;
using send_test_atom = caf::atom_constant<caf::atom("sendtest")>;
using send_sequential_atom = caf::atom_constant<caf::atom("sendseq")>;  // one at a time
using disconnect_atom = caf::atom_constant<caf::atom("disconn")>;
// handshake and session actors
using tick_atom = caf::atom_constant<caf::atom("tick")>;             // self-timer
using flush_atom = caf::atom_constant<caf::atom("flush")>;           // self: drain after a burst
using confirm_atom = caf::atom_constant<caf::atom("confirm")>;       // deliver with feedback
using terminate_atom = caf::atom_constant<caf::atom("terminate")>;   // end a session
using new_token_atom = caf::atom_constant<caf::atom("newtoken")>;    // session -> handshake
using router_info_atom = caf::atom_constant<caf::atom("rinfo")>;     // RouterInfo seen
using handshake_atom = caf::atom_constant<caf::atom("handshake")>;   // node -> manager
using handshake_stats_atom = caf::atom_constant<caf::atom("hsstats")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using peer_test_atom = caf::atom_constant<caf::atom("peertest")>;
using relay_atom = caf::atom_constant<caf::atom("relay")>;             // relay tag request
using log_level_atom = caf::atom_constant<caf::atom("loglevel")>;     // ssu2ctl loglevel [LEVEL]
// NAT actor (peer test / relay); blocks cross actors as parsed values (ssu2::nat::NatBlocks)
using nat_blocks_atom = caf::atom_constant<caf::atom("natblocks")>;  // session -> nat (in)
using send_blocks_atom = caf::atom_constant<caf::atom("sendblocks")>;  // nat, handshake -> session (out)
using keepalive_atom = caf::atom_constant<caf::atom("keepalive")>;  // nat -> session: a packet now
using nat_packet_atom = caf::atom_constant<caf::atom("natpacket")>;  // handshake -> nat
using nat_timeout_atom = caf::atom_constant<caf::atom("nattimeout")>;  // nat self-timer
using set_socket_atom = caf::atom_constant<caf::atom("setsock")>;    // late socket link
using observed_atom = caf::atom_constant<caf::atom("observed")>;     // session -> nat: how a peer sees us
using nat_status_atom = caf::atom_constant<caf::atom("natstatus")>;  // introspection -> nat
using introduce_atom = caf::atom_constant<caf::atom("introduce")>;  // handshake -> nat: via introducers
using relay_token_atom = caf::atom_constant<caf::atom("relaytoken")>;  // nat -> handshake: Charlie's token

// ---- plain data ---------------------------------------------------------------
// A received datagram. conn_id is the destination connection ID after unmasking with our
// intro key (0 when the packet was too short to carry one).
struct datagram {
  ssu2::Address from;
  std::vector<uint8_t> bytes;
  uint64_t conn_id = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, datagram& x) {
  return f(caf::meta::type_name("datagram"), x.from, x.bytes, x.conn_id);
}

// A datagram to send. The socket reports a failure back with send_failed_atom.
struct send_request {
  ssu2::Address to;
  std::vector<uint8_t> bytes;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, send_request& x) {
  return f(caf::meta::type_name("send_request"), x.to, x.bytes);
}

// Why a send did not go out: errno of the last attempt and a short reason.
struct send_failure {
  ssu2::Address to;
  int32_t error_code = 0;
  std::string reason;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, send_failure& x) {
  return f(caf::meta::type_name("send_failure"), x.to, x.error_code, x.reason);
}

// SHA-256 of a RouterIdentity.
struct router_hash {
  std::array<uint8_t, 32> bytes{};
  bool operator==(const router_hash& o) const { return bytes == o.bytes; }
  bool operator<(const router_hash& o) const { return bytes < o.bytes; }
};
inline router_hash to_router_hash(const std::array<uint8_t, 32>& h) { return router_hash{h}; }
std::string to_string(const router_hash& h);   // I2P base64, 44 chars (as I2P tools show it)
std::string short_hash(const router_hash& h);  // its first 8 characters, for log lines
std::string to_hex(const router_hash& h);      // lowercase hex, 64 chars
bool parse_router_hash(const std::string& text, router_hash& out);  // hex (64) or I2P base64 (44, or 43 unpadded)
inline std::ostream& operator<<(std::ostream& os, const router_hash& h) { return os << to_string(h); }
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, router_hash& x) {
  return f(caf::meta::type_name("router_hash"), x.bytes);
}

// An I2NP message (full header + body) to or from a peer router.
struct i2np_message {
  router_hash peer;
  std::vector<uint8_t> bytes;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, i2np_message& x) {
  return f(caf::meta::type_name("i2np_message"), x.peer, x.bytes);
}

// ---- introspection replies ------------------------------------------------------
struct session_info {
  router_hash peer;
  std::string remote;      // the peer's address as text, may be empty if unknown
  std::string state;       // "established", "terminating", "closed"
  uint64_t established_ms_ago = 0;  // age of the session
  uint64_t i2np_in = 0;    // I2NP messages received (delivered to the manager)
  uint64_t i2np_out = 0;   // I2NP messages queued for the peer
  bool outbound = false;   // true: we connected (Alice)
  uint64_t rtt_ms = 0, rto_ms = 0;
  uint64_t rtt_us = 0;     // the same RTT in microseconds (sub-ms paths read rtt_ms 0)
  uint64_t window = 0, in_flight = 0, queued = 0;  // packets / packets / messages
  uint64_t bytes_in = 0, bytes_out = 0, packets_in = 0, packets_out = 0;
  uint64_t retransmissions = 0;
  // Control packets (relay, peer test) settled by the peer's answer instead of an ACK
  // (transport/session/answers.hpp: i2pd 2.45.1 does not ACK them).
  uint64_t control_answered = 0;
  std::map<std::string, uint64_t> drops;  // reason -> count
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_info& x) {
  return f(caf::meta::type_name("session_info"), x.peer, x.remote, x.state,
           x.established_ms_ago, x.i2np_in, x.i2np_out, x.outbound, x.rtt_ms, x.rto_ms, x.rtt_us,
           x.window, x.in_flight, x.queued, x.bytes_in, x.bytes_out, x.packets_in,
           x.packets_out, x.retransmissions, x.control_answered, x.drops);
}

// Answer to a delivery-confirmed I2NP send: the peer ACKed every packet of the message.
struct delivery_report {
  router_hash peer;
  uint32_t msg_id = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delivery_report& x) {
  return f(caf::meta::type_name("delivery_report"), x.peer, x.msg_id);
}

// Reply of the control request "send HASH N SIZE" (and of its sequential form).
// The latency of a message is measured in the introspection actor (steady clock) from
// handing it to the manager to its delivery report; the summary covers delivered messages
// only (all zero when none was). Percentiles are nearest-rank.
struct send_test_result {
  uint32_t sent = 0;       // messages accepted by the session
  uint32_t delivered = 0;  // ACKed by the peer
  uint32_t failed = 0;     // refused, dropped, expired or lost with the session
  uint64_t elapsed_ms = 0;
  uint64_t latency_min_us = 0, latency_p50_us = 0, latency_p99_us = 0, latency_max_us = 0;
  uint64_t latency_mean_us = 0;
  // One line per failed message, "message K: <error>" (K from 1, in issue order), at most
  // kMaxSendFailureLines of them; `failed` counts them all.
  std::vector<std::string> failures;
};
constexpr size_t kMaxSendFailureLines = 100;
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, send_test_result& x) {
  return f(caf::meta::type_name("send_test_result"), x.sent, x.delivered, x.failed,
           x.elapsed_ms, x.latency_min_us, x.latency_p50_us, x.latency_p99_us,
           x.latency_max_us, x.latency_mean_us, x.failures);
}

// Handshake actor counters (also exported as metrics).
struct handshake_stats {
  uint64_t pending_inbound = 0, pending_outbound = 0;
  uint64_t outbound_started = 0;
  uint64_t outbound_with_token = 0;  // started with a cached token (no Token Request)
  uint64_t retries_received = 0;     // Retry messages accepted by outbound handshakes
  uint64_t established_outbound = 0, established_inbound = 0;
  uint64_t tokens_cached = 0;        // TokenCache entries now
  uint64_t new_tokens_received = 0;  // NewToken blocks stored
  std::map<std::string, uint64_t> failures;  // reason -> count
  uint64_t sessions = 0;             // live session actors (including terminating ones)
  uint64_t connected = 0;            // sessions not yet ended (a connect returns at once)
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, handshake_stats& x) {
  return f(caf::meta::type_name("handshake_stats"), x.pending_inbound, x.pending_outbound,
           x.outbound_started, x.outbound_with_token, x.retries_received,
           x.established_outbound, x.established_inbound, x.tokens_cached,
           x.new_tokens_received, x.failures, x.sessions, x.connected);
}

// Reply of a peer test we ran as Alice (ssu2ctl peertest HASH).
struct peer_test_result {
  router_hash bob;
  std::string result;     // "reachable", "firewalled", "symmetric_nat", "unknown"
  std::string observed;   // our endpoint as Charlie saw it ("" if no message 7)
  std::string tested;     // the endpoint we asked to have tested
  uint32_t nonce = 0;
  uint32_t reject_code = 0;  // nonzero: Bob or Charlie refused (spec PeerTest codes)
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_test_result& x) {
  return f(caf::meta::type_name("peer_test_result"), x.bob, x.result, x.observed, x.tested,
           x.nonce, x.reject_code);
}

struct session_list {
  std::vector<session_info> sessions;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_list& x) {
  return f(caf::meta::type_name("session_list"), x.sessions);
}

// Reachability as the nat actor sees it (ssu2ctl status; see transport/nat/reachability).
struct nat_status {
  std::string reachability = "unknown";  // unknown, reachable, firewalled, symmetric_nat
  std::string external;                  // our address as a quorum of peers sees it ("")
  std::string router_caps;               // published router caps, e.g. "LR"
  std::string address_caps;              // published SSU2 address caps, e.g. "BC" or "4"
  std::vector<std::string> published;    // published SSU2 host:port ("" entries omitted)
  std::vector<std::string> peer_tests;   // last results, oldest first: "result observed age_s"
  uint64_t republished = 0;              // RouterInfo rebuilds since start
  // Published per family (the SSU2 address of that family): "ih(base64) itag=N iexp=S", ih0 first.
  std::vector<std::string> introducers_v4;
  std::vector<std::string> introducers_v6;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, nat_status& x) {
  return f(caf::meta::type_name("nat_status"), x.reachability, x.external, x.router_caps,
           x.address_caps, x.published, x.peer_tests, x.republished, x.introducers_v4,
           x.introducers_v6);
}

struct node_status {
  router_hash hash;
  std::vector<std::string> addresses;  // SSU2 UDP endpoints we listen on
  std::string control;                 // control endpoint
  uint64_t uptime_ms = 0;
  uint64_t sessions = 0;
  uint64_t pending_handshakes = 0;
  uint64_t datagrams_in = 0;
  uint64_t datagrams_out = 0;
  uint64_t datagrams_unknown = 0;  // dropped: too short / undecryptable / no handler
  uint64_t bytes_in = 0;           // UDP payload bytes received / sent, all sockets
  uint64_t bytes_out = 0;
  // Bytes per second over the last 1 s, 15 s and 5 min (support/bandwidth).
  uint64_t in_bps_1s = 0, in_bps_15s = 0, in_bps_5m = 0;
  uint64_t out_bps_1s = 0, out_bps_15s = 0, out_bps_5m = 0;
  // Bandwidth limits (support/bandwidth_limiter): bytes per second (0 = unlimited), the
  // tokens in each bucket now (negative: booked by waiting sessions) and the bytes over the
  // limit (in: dropped; out: waited for).
  uint64_t limit_in_bps = 0, limit_out_bps = 0;
  int64_t bucket_in = 0, bucket_out = 0;
  uint64_t refused_in_bytes = 0, refused_out_bytes = 0;
  std::string version;
  std::string log_level;           // the node logger's level now ("info", ...)
  nat_status nat;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_status& x) {
  return f(caf::meta::type_name("node_status"), x.hash, x.addresses, x.control, x.uptime_ms,
           x.sessions, x.pending_handshakes, x.datagrams_in, x.datagrams_out,
           x.datagrams_unknown, x.bytes_in, x.bytes_out, x.in_bps_1s, x.in_bps_15s,
           x.in_bps_5m, x.out_bps_1s, x.out_bps_15s, x.out_bps_5m, x.limit_in_bps,
           x.limit_out_bps, x.bucket_in, x.bucket_out, x.refused_in_bytes,
           x.refused_out_bytes, x.version, x.log_level, x.nat);
}

// Counters the socket actor reports (also exported as metrics).
struct socket_stats {
  uint64_t datagrams_in = 0;
  uint64_t datagrams_out = 0;
  uint64_t unknown = 0;
  uint64_t registered = 0;  // conn id entries
  uint64_t send_eagain = 0;
  uint64_t send_errors = 0;
  uint64_t queued = 0;      // sends waiting for the socket to drain
  uint64_t bytes_in = 0;    // UDP payload bytes received / sent
  uint64_t bytes_out = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, socket_stats& x) {
  return f(caf::meta::type_name("socket_stats"), x.datagrams_in, x.datagrams_out, x.unknown,
           x.registered, x.send_eagain, x.send_errors, x.queued, x.bytes_in, x.bytes_out);
}

// ---- errors -------------------------------------------------------------------------
// Errors the node reports to control clients; they cross the network as caf::error with
// category "ssu2d" and a text context.
enum class node_errc : uint8_t {
  not_available = 1,  // the transport for this request is not implemented yet
  unknown_session,    // no session with that router
  bad_request,        // malformed argument (hash, file)
  no_session,         // outbound I2NP for a router we are not connected to
  handshake_failed,   // connect failed; the text names the reason (timeout, rejected, ...)
  queue_full,         // the session's send queue is full (never grown)
  too_large,          // the I2NP message cannot be fragmented into 64 fragments
  not_delivered,      // dropped / expired / session closed before the peer ACKed it
  limit,              // too many pending handshakes or sessions
  timeout,            // a request to a peer (peer test, relay tag) got no answer in time
};
caf::error make_error(node_errc code, std::string text);
std::string render_node_error(const caf::error& err);  // "unknown_session: ..." for any error

// Registers every message type above under a stable name (call before constructing the
// actor_system, in every process that talks to a node).
void register_messages(caf::actor_system_config& cfg);

}  // namespace ssu2d
