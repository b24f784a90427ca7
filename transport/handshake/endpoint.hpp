// The node's handshake endpoint, sans-IO (the role of quinn-proto's Endpoint): every datagram
// that no established session's inbox took comes here with the Destination Connection ID the
// socket unmasked with our intro key; connects start here. It owns the InboundListener (Token
// and Session Requests, tokens, replay cache, admission), every pending handshake in both
// directions, Alice's token cache, the table of live sessions by connection ID, and the
// policies that decide between sessions: which session a new one replaces, and what a
// crossed connect keeps.
//
// Inputs: on_datagram(), connect(), on_timeout() at poll_timeout(), and the session layer's
// reports (on_new_token(), on_session_closed(), on_session_gone()). Outputs are pulled:
// poll_event() (typed events, see Event) before poll_transmit() (datagrams to send), so
// that the caller registers a new outbound handshake's routes before its first datagram
// leaves.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>
#include <deque>

#include "transport/handshake/admission.hpp"
#include "transport/handshake/config.hpp"
#include "transport/handshake/inbound.hpp"
#include "transport/handshake/listener.hpp"
#include "transport/handshake/outbound.hpp"
#include "transport/handshake/tokens.hpp"

namespace ssu2::handshake {

struct EndpointLimits {
  size_t max_pending = 128;    // handshakes in progress, both directions
  size_t max_sessions = 1000;  // open sessions plus pending inbound handshakes
  TokenManager::Limits tokens;
  AdmissionControl::Limits admission;
  size_t token_cache = 4096;  // Alice's tokens from peers
  // limits.max_sessions decides how many New Tokens Bob keeps: one per session, twice over
  // (a router that reconnected holds a fresh token while its previous one has not expired).
  static EndpointLimits for_sessions(size_t max_sessions, size_t max_pending);
};

// What to do with a datagram after on_datagram().
enum class Disposition : uint8_t {
  handled,     // taken by a handshake or the listener (answered, or counted and dropped)
  to_session,  // belongs to the live session with the given connection ID (raced its inbox)
  to_nat,      // out-of-session Peer Test / Hole Punch: the NAT engine
};
struct Routed {
  Disposition what = Disposition::handled;
  uint64_t session = 0;  // for to_session
};

// A new outbound handshake: until its HandshakeDone, datagrams with Destination Connection ID
// `conn_id` and every datagram from `peer` (Session Created and Retry are masked with the
// peer's intro key, so their unmasked ID is noise) must come to this endpoint.
struct OutboundStarted {
  uint64_t conn_id = 0;
  Address peer;
};

// A handshake ended. On success `session` holds the context for the new session (already in
// the session table under conn_id); `replaces` names a live session of the same router in
// the same direction, which the caller terminates (ReplacedByNewSession).
struct HandshakeDone {
  uint64_t conn_id = 0;
  bool outbound = false;
  Address peer;
  crypto::Hash32 router{};  // zero for a failed inbound handshake
  std::optional<SessionContext> session;
  std::optional<Failed> failure;       // unset on success and for "shutdown"
  std::string reason;                  // "" on success, else the failure's name (+ peer's)
  std::optional<uint64_t> replaces;
  // An inbound session with a router we are also dialling (a crossed connect): the connect
  // of that pending outbound handshake is answered by this session, whatever becomes of the
  // handshake (i2pd 2.45.1 hands every datagram from an address it is dialling to its own
  // pending handshake, so ours may never be answered while it dials us).
  std::optional<uint64_t> answers_connect;
};

using Event = std::variant<OutboundStarted, HandshakeDone>;

// Per connect: what this handshake asks of Bob beyond a session.
struct ConnectOptions {
  // A Relay Tag Request in Session Request (i2pd 2.45.1 hands out relay tags only in
  // Session Created); the tag Bob gives comes back in SessionContext::relay_tag.
  bool request_relay_tag = false;
};

struct ConnectResult {
  enum class Kind : uint8_t {
    connected,  // a session with the router exists
    joined,     // a handshake with it is already in progress (conn_id)
    started,    // a new handshake (conn_id); its HandshakeDone answers
    refused,    // see code / reason
  };
  enum class Code : uint8_t { none, bad_request, limit };
  Kind kind = Kind::refused;
  uint64_t conn_id = 0;
  Code code = Code::none;
  std::string reason;
};

struct EndpointStats {
  uint64_t pending_inbound = 0, pending_outbound = 0;
  uint64_t outbound_started = 0, outbound_with_token = 0;
  uint64_t retries_received = 0;
  uint64_t established_outbound = 0, established_inbound = 0;
  uint64_t new_tokens_received = 0;
  uint64_t sessions = 0;       // live sessions, closing ones included
  uint64_t open_sessions = 0;  // not closing
  uint64_t connected = 0;      // routers with an open session
  uint64_t tokens_cached = 0;  // Alice's token cache
  uint64_t retry_tokens = 0, new_tokens = 0, tokens_evicted = 0;
  uint64_t admission_prefixes = 0;
  uint64_t replay_cache = 0;
  uint64_t dropped_conn_id_in_use = 0;  // Session Request for a connection ID we already use
  uint64_t evicted_pending = 0;         // pending inbound handshakes evicted for room
  ListenerStats listener;
};

// Pending slots under pressure: when every slot is taken, a new Session Request that passed
// its checks evicts the oldest pending inbound handshake of the prefix holding the most slots,
// if that prefix holds at least two more than the newcomer's; else it is refused. Handshakes
// that never finish (a flood holding slots until the 12 s timeout) thus give way to senders
// from other prefixes, and a sender cannot take a slot from its own prefix's peers by more
// than its share.
class HandshakeEndpoint final : private RoomPolicy {
 public:
  HandshakeEndpoint(Config cfg, std::shared_ptr<const LocalIdentity> local, EndpointLimits limits,
                    RandomFn rng = default_random());

  // A datagram whose Destination Connection ID, unmasked with our intro key, is `conn_id`.
  Routed on_datagram(const Now& now, const Address& from, uint64_t conn_id, ByteSpan datagram);
  // A router already connected or being connected keeps its session or handshake (a relay
  // tag is then not asked for: the data phase's RelayTagRequest is the caller's way).
  ConnectResult connect(const Now& now, RemoteRouter remote, ConnectOptions opts = {});
  void on_timeout(const Now& now);
  std::optional<TimePoint> poll_timeout() const;

  std::optional<Event> poll_event();
  std::optional<Datagram> poll_transmit();

  // A session received a New Token block from its peer.
  void on_new_token(const Now& now, const crypto::Hash32& router, const Address& peer, Token t);
  // The session started closing: a connect to its router makes a new one.
  void on_session_closed(uint64_t conn_id);
  // The session is gone: its connection ID is free.
  void on_session_gone(uint64_t conn_id);
  // Our RouterInfo was rebuilt (republished): handshakes started from now on send `ri` in
  // Session Confirmed; those in progress keep the one they started with. Empty `ri`: ignored.
  void update_router_info(Bytes ri);
  const LocalIdentity& local() const { return *local_; }
  // Abandons every pending handshake (outbound ones end with reason "shutdown").
  void shutdown();

  size_t pending() const { return pending_.size(); }
  bool has_session(uint64_t conn_id) const { return sessions_.count(conn_id) != 0; }
  std::vector<uint64_t> session_ids() const;
  EndpointStats stats() const;
  InboundListener& listener() { return listener_; }
  const InboundListener& listener() const { return listener_; }
  TokenCache& token_cache() { return cache_; }

 private:
  struct Pending {
    std::unique_ptr<InboundHandshake> in;
    std::unique_ptr<OutboundHandshake> out;
    Address peer;
    crypto::Hash32 router{};  // outbound
    std::optional<TimePoint> deadline;
    TimePoint since{0};  // started (outbound) / Session Request accepted (inbound)
  };
  struct Live {
    crypto::Hash32 router{};
    bool outbound = false;
    bool closing = false;
    TimePoint established{0};
  };

  Room room_for(const Address& from) override;
  void listen(const Now& now, const Address& from, uint64_t conn_id, ByteSpan datagram);
  // After any input to pending handshake `id`: its datagrams, its deadline, its end.
  void settle(TimePoint now, uint64_t id);
  void established(TimePoint now, uint64_t id, Pending& p, SessionContext ctx, HandshakeDone& done);
  void drop_pending(std::map<uint64_t, Pending>::iterator it);
  void emit(std::vector<Datagram> out);

  Config cfg_;
  std::shared_ptr<const LocalIdentity> local_;
  EndpointLimits limits_;
  RandomFn rng_;
  InboundListener listener_;
  TokenCache cache_;

  std::map<uint64_t, Pending> pending_;  // by our connection ID, both directions
  size_t pending_inbound_ = 0;
  std::map<Address, uint64_t> outbound_by_peer_;
  std::map<crypto::Hash32, uint64_t> outbound_by_router_;
  std::set<std::pair<TimePoint, uint64_t>> deadlines_;

  std::map<uint64_t, Live> sessions_;             // every session not gone, by our conn ID
  std::map<crypto::Hash32, uint64_t> newest_;     // router -> its newest open session
  size_t open_sessions_ = 0;

  std::deque<Event> events_;
  std::deque<Datagram> transmits_;
  EndpointStats counters_;
};

}  // namespace ssu2::handshake
