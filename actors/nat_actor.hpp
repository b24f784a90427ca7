// The NAT actor: one per node, a thin CAF shell around the sans-IO ssu2::nat::NatEngine
// (peer test Alice/Bob/Charlie, relay tags and introductions).
//
// Protocol: typed, `nat_actor` in messages/interfaces.hpp (callers hold session_nat_actor,
// handshake_nat_actor or nat_control_actor, all with nat_command_actor); SSU2 blocks travel
// as parsed values (ssu2::nat::NatBlocks, transport/nat/nat_blocks.hpp), never re-encoded
// between actors. The messages' meaning:
//   (set_socket_atom, datagram_out_actor socket)            once, from the node
//   (handshake_atom, nat_handshake_actor)                  once, from the node: told each
//        republished RouterInfo as (router_info_atom, bytes)
//   (established_atom, router_hash, nat_session_actor, Address remote, bytes router_info,
//        bool tag_asked, uint32 tag_granted, uint32 tag_issued)
//        from a session actor when it starts: the session is used for SendBlocks, the
//        peer's RouterInfo (from the handshake, may be empty) is learned, and the relay tag
//        of its handshake (0 = none) is held (granted: answers relaytag requests) or
//        registered (issued by us as Bob)
//   (closed_atom, router_hash, std::string reason)          from that session actor (a close
//        from an older session for the same router is ignored)
//   (nat_blocks_atom, router_hash from, NatBlocks)          RouterInfo / PeerTest / Relay* /
//        RelayTag* blocks a session received
//   (nat_packet_atom, datagram)                             out-of-session Peer Test (7) or
//        Hole Punch (11) packet, from the handshake actor
//   (peer_test_atom, router_hash bob) -> peer_test_result   we are Alice, Bob = that
//        connected router; or error unknown_session (no session with Bob), limit, timeout
//   (relay_atom, router_hash introducer) -> uint32 tag      relay tag request: the tag we
//        hold from it, else a RelayTagRequest block in the session; without a session, a
//        connect through the manager whose Session Request asks for a tag (i2pd 2.45.1
//        gives tags only in Session Created); error unknown_session (no session and no
//        RouterInfo), handshake_failed, timeout
//   (introduce_atom, bytes router_info) -> router_hash     from the handshake actor: a
//        connect to a firewalled router (introducers, no host); we are Alice and ask its
//        introducers in turn (nat_introduce.cpp), then the handshake actor connects to
//        Charlie with his relay token; error handshake_failed (none could), timeout (60 s),
//        limit (Introductions::kMaxAttempts), bad_request (no introducers)
//   (introduce_atom, router_hash charlie, uint64 serial)   that attempt's deadline
//   As Charlie, a relay token we gave Alice goes to the handshake actor as
//        (relay_token_atom, Address alice, uint64 token).
//   Firewalled (reachability, per family), the node asks for relay tags in every outbound
//   handshake until each firewalled family holds its introducers (transport/nat/
//   introducer_set): (relay_atom, bool) to the handshake actor when that changes.
//   (nat_timeout_atom, int64 deadline_ms)                   engine timer (one armed at a time)
//   (nat_timeout_atom, uint32 request_id)                   bound on a waiting request
//   (observed_atom, router_hash peer, Address seen)         a peer's Address block: how it
//        sees us (feeds the reachability machine)
//   (nat_status_atom) -> nat_status                         reachability for ssu2ctl status
//   (tick_atom, int64 deadline_ms)                          reachability timer: automatic
//        peer tests with an established peer as Bob when the machine says one is due
// Reachability (transport/nat/reachability, one machine per family) decides each SSU2
// address's host/caps, each family's introducers go into that family's address; on a change
// the RouterPublisher rebuilds, signs and writes our RouterInfo.
// Outputs: session: (send_blocks_atom, NatBlocks); socket: (send_atom, send_request).
#pragma once
#include <memory>

#include <caf/all.hpp>

#include "actors/support/metrics.hpp"
#include "actors/support/router_publisher.hpp"
#include "messages/interfaces.hpp"
#include "messages/messages.hpp"
#include "transport/common/random.hpp"
#include "transport/nat/introducers.hpp"
#include "transport/nat/reachability.hpp"
#include "transport/nat/types.hpp"

namespace ssu2d {

struct NatActorOptions {
  ssu2::nat::LocalIdentity local;
  datagram_out_actor socket;                 // may be set later with set_socket_atom
  nat_handshake_actor handshake;              // may be set later with handshake_atom
  i2np_router_actor manager;                 // connects for relaytag requests; may be null
  std::shared_ptr<MetricsRegistry> metrics;  // may be null
  std::chrono::milliseconds peer_test_wait{30'000};  // bound on a peertest request
  std::chrono::milliseconds relay_tag_wait{10'000};  // bound on a relaytag request
  bool auto_peer_test = true;                // run the machine's automatic peer tests
  ssu2::nat::ReachabilityConfig reachability;
  ssu2::nat::IntroducerConfig introducers;
  std::shared_ptr<RouterPublisher> publisher;  // may be null: nothing is republished
  ssu2::RandomFn random;                       // nonces, tags; empty = crypto::random_bytes
};

nat_actor spawn_nat_actor(caf::actor_system& sys, NatActorOptions opts);

}  // namespace ssu2d
