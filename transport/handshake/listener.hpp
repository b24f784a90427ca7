// Bob's front door for datagrams that belong to no known connection: Token Requests are
// answered with a Retry carrying a token bound to the sender's address and port; Session
// Requests with a valid unused token become an InboundHandshake, those without one get a
// Retry (no DH is spent on them), replays of an accepted ephemeral key are dropped.
// Everything else is counted and dropped without an answer (probing resistance).
//
// Admission comes before work: a Token Request (and a Retry for a bad token) must fit the
// source prefix's Token Request rate before its AEAD is opened or a Retry sealed; a Session
// Request with a good token must find a free pending slot (node-wide, given by the caller, and
// per prefix) and fit the prefix's Session Request rate before its token is consumed, its
// ephemeral key recorded or its DH computed. A refused request leaves no trace, so the
// sender's retransmission can still succeed.
#pragma once
#include <memory>
#include <vector>

#include "transport/handshake/admission.hpp"
#include "transport/handshake/config.hpp"
#include "transport/handshake/inbound.hpp"
#include "transport/handshake/tokens.hpp"

namespace ssu2::handshake {

struct ListenerStats {
  uint64_t received = 0;
  uint64_t dropped_malformed = 0;     // too short / long, bad version, equal conn IDs, bad blocks
  uint64_t dropped_wrong_net = 0;     // header net ID is not ours
  uint64_t dropped_unexpected = 0;    // a type that does not start a connection
  uint64_t dropped_auth = 0;          // AEAD or DH failure
  uint64_t dropped_replay = 0;        // ephemeral key of an already accepted Session Request
  uint64_t clock_skew = 0;            // rejected with a Retry + Termination(clock skew)
  uint64_t token_requests = 0;
  uint64_t bad_tokens = 0;            // Session Request answered with a Retry
  uint64_t retries_sent = 0;
  uint64_t accepted = 0;
  uint64_t rate_limited_token = 0;    // Token Request / Retry over its prefix's rate: dropped
  uint64_t rate_limited_session = 0;  // Session Request over its prefix's DH rate: dropped
  uint64_t refused_pending = 0;       // no pending-handshake slot (node or prefix): dropped
  uint64_t refused_sessions = 0;      // node at max sessions: Retry + Termination(limits)
};

// Whether the caller has room for another pending handshake.
enum class Room : uint8_t { yes, pending_full, sessions_full };
// Asked once per Session Request that passed every other check (good token, prefix cap, prefix
// rate), right before the DH; it may make room (the endpoint evicts a pending handshake of the
// busiest prefix, see endpoint.hpp).
class RoomPolicy {
 public:
  virtual Room room_for(const Address& from) = 0;

 protected:
  ~RoomPolicy() = default;
};

class InboundListener {
 public:
  InboundListener(Config cfg, std::shared_ptr<const LocalIdentity> local,
                  RandomFn rng = default_random(), TokenManager::Limits limits = {},
                  AdmissionControl::Limits admission = {});
  // Our identity from now on (a republished RouterInfo); requests already accepted keep theirs.
  void set_local(std::shared_ptr<const LocalIdentity> local) { local_ = std::move(local); }

  struct Output {
    std::vector<Datagram> replies;                // Retry messages to send
    std::unique_ptr<InboundHandshake> handshake;  // new pending connection (already answered)
  };
  Output on_datagram(const Now& now, const Address& from, ByteSpan datagram,
                     RoomPolicy* room = nullptr);

  TokenManager& tokens() { return *tokens_; }
  const TokenManager& tokens() const { return *tokens_; }
  const std::shared_ptr<TokenManager>& token_manager() const { return tokens_; }
  ReplayCache& replay_cache() { return replay_; }
  const ReplayCache& replay_cache() const { return replay_; }
  AdmissionControl& admission() { return admission_; }
  const AdmissionControl& admission() const { return admission_; }
  const ListenerStats& stats() const { return stats_; }

 private:
  void on_token_request(const Now& now, const Address& from, ByteSpan dgram, Output& out);
  void on_session_request(const Now& now, const Address& from, ByteSpan dgram, RoomPolicy* room,
                          Output& out);
  // Retry to the sender of a request with header (dest, src): token 0 plus a Termination
  // block when `reason` is set.
  void send_retry(uint32_t wall_s, const Address& to, uint64_t their_dest, uint64_t their_src,
                  uint64_t token, std::optional<wire::TerminationReason> reason, Output& out);

  Config cfg_;
  std::shared_ptr<const LocalIdentity> local_;
  RandomFn rng_;
  std::shared_ptr<TokenManager> tokens_;
  ReplayCache replay_;
  AdmissionControl admission_;
  ListenerStats stats_;
};

}  // namespace ssu2::handshake
