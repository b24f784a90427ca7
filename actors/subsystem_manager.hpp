// The subsystem manager: the node's table of connected routers.
// Sessions tell it when they are established or closed and hand it every inbound I2NP
// message; anyone routes outbound I2NP through it to the right session actor.
// I2NP bytes here are one message with the 9-byte short header (as carried in SSU2 I2NP
// blocks, i2np.rst "Short header").
//
// Protocol (typed: subsystem_manager_actor in messages/interfaces.hpp; sessions see it as
// session_events_actor, senders of I2NP as i2np_router_actor):
//   (established_atom, router_hash, managed_session_actor, std::string remote) -> bool
//        the session is monitored; its entry goes when it sends closed or terminates
//   (closed_atom, router_hash, std::string reason)          -> bool  (entry existed and
//        was removed; a close from a session that is no longer the entry is ignored)
//   (i2np_atom, i2np_message)                               inbound from a session;
//        a DatabaseLookup for our own hash is answered with a DatabaseStore of our
//        RouterInfo; everything is forwarded to listeners as (i2np_atom, i2np_message)
//   (route_atom, i2np_message)   -> bool, or error no_session / queue_full / ...
//        outbound; delegated to the session as (deliver_atom, std::vector<uint8_t> bytes),
//        so the session's answer goes to the requester
//   (route_atom, i2np_message, confirm_atom) -> delivery_report | error   the same with
//        delivery feedback (the session answers once the peer ACKed the message)
//        Without a session but with a known RouterInfo, the handshake actor is asked to
//        connect and the message waits (bounded) until the session is established.
//   (handshake_atom, connector_actor)        the handshake actor to connect through
//   (router_info_atom, std::vector<uint8_t>) a peer RouterInfo (config, RouterInfo block);
//        DatabaseStores received are learned the same way
//   (router_info_atom, router_hash) -> std::vector<uint8_t> | error unknown_session
//        the RouterInfo we know for that router (the newest received)
//   (connect_atom, std::vector<uint8_t> ri)  -> router_hash | error   remembered and
//        delegated to the handshake actor
//   (connect_atom, router_hash, relay_atom) -> router_hash | error   a connect with the
//        RouterInfo we know for that router (error unknown_session without one) whose
//        Session Request asks for a relay tag (from the nat actor)
//   (listen_atom, i2np_listener_actor)                      subscribe to inbound I2NP
//   (sessions_atom)              -> session_list
//   (session_atom, router_hash)  -> session_info (from the session actor), or error
//        unknown_session
//   (disconnect_atom, router_hash) -> bool, or error unknown_session; the session gets
//        (disconnect_atom)
#pragma once
#include <memory>

#include <caf/all.hpp>

#include "actors/support/metrics.hpp"
#include "messages/interfaces.hpp"
#include "messages/messages.hpp"
#include "transport/common/random.hpp"
#include "transport/i2p/router_info.hpp"

namespace ssu2d {

struct SubsystemOptions {
  router_hash local_hash;
  // Our RouterInfo for DatabaseStore replies; null = lookups for us are not answered.
  std::shared_ptr<const ssu2::i2p::RouterInfo> local_router_info;
  std::shared_ptr<MetricsRegistry> metrics;  // may be null
  size_t max_sessions = 512;
  ssu2::RandomFn random;  // DatabaseStore reply tokens; empty = crypto::random_bytes
};

subsystem_manager_actor spawn_subsystem_manager(caf::actor_system& sys, SubsystemOptions opts);

}  // namespace ssu2d
