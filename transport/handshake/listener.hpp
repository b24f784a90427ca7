// Bob's front door for datagrams that belong to no known connection: Token Requests are
// answered with a Retry carrying a token bound to the sender's address and port; Session
// Requests with a valid unused token become an InboundHandshake, those without one get a
// Retry (no DH is spent on them), replays of an accepted ephemeral key are dropped.
// Everything else is counted and dropped without an answer (probing resistance).
#pragma once
#include <memory>
#include <vector>

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
};

class InboundListener {
 public:
  InboundListener(Config cfg, std::shared_ptr<const LocalIdentity> local,
                  RandomFn rng = default_random(), TokenManager::Limits limits = {});

  struct Output {
    std::vector<Datagram> replies;                // Retry messages to send
    std::unique_ptr<InboundHandshake> handshake;  // new pending connection (already answered)
  };
  Output on_datagram(TimePoint now, uint32_t wall_s, const Endpoint& from, ByteSpan datagram);

  TokenManager& tokens() { return *tokens_; }
  const std::shared_ptr<TokenManager>& token_manager() const { return tokens_; }
  ReplayCache& replay_cache() { return replay_; }
  const ListenerStats& stats() const { return stats_; }

 private:
  void on_token_request(uint32_t wall_s, const Endpoint& from, ByteSpan dgram, Output& out);
  void on_session_request(TimePoint now, uint32_t wall_s, const Endpoint& from, ByteSpan dgram,
                          Output& out);
  // Retry to the sender of a request with header (dest, src): token 0 plus a Termination
  // block when `reason` is set.
  void send_retry(uint32_t wall_s, const Endpoint& to, uint64_t their_dest, uint64_t their_src,
                  uint64_t token, std::optional<wire::TerminationReason> reason, Output& out);

  Config cfg_;
  std::shared_ptr<const LocalIdentity> local_;
  RandomFn rng_;
  std::shared_ptr<TokenManager> tokens_;
  ReplayCache replay_;
  ListenerStats stats_;
};

}  // namespace ssu2::handshake
