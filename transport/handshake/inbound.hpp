// Bob's side of one pending inbound SSU2 connection, sans-IO.
//
// InboundListener (listener.hpp) checks the token of a Session Request and creates this
// machine, which has then already answered with Session Created. Route to it every datagram
// whose Destination Connection ID (peeked with our intro key) is our_conn_id(): Alice's
// retransmitted Session Request (answered by resending Session Created) and the fragments of
// Session Confirmed, which are reassembled, decrypted and validated. On success the handshake
// is done and take_session() yields the SessionContext; the session should then send Data
// packet 0 with an ACK of packet 0 (and token_to_send in a New Token block).
#pragma once
#include <array>
#include <memory>
#include <variant>
#include <optional>
#include <vector>

#include "transport/crypto/crypto.hpp"
#include "transport/handshake/config.hpp"
#include "transport/handshake/outcome.hpp"
#include "transport/handshake/packet.hpp"
#include "transport/handshake/retransmit.hpp"
#include "transport/handshake/session_context.hpp"
#include "transport/handshake/tokens.hpp"

namespace ssu2::handshake {

class InboundHandshake {
 public:
  enum class State : uint8_t { session_created_sent, established, failed };

  // Why accept() refused a Session Request.
  enum class Refusal : uint8_t { auth_failed, malformed, clock_skew, crypto_error };

  // Processes a Session Request whose token the listener accepted (DH, AEAD, payload and
  // DateTime checks) and, if it is good, returns the machine with Session Created queued.
  static std::variant<std::unique_ptr<InboundHandshake>, Refusal> accept(
      const Config& cfg, std::shared_ptr<const LocalIdentity> local,
      std::shared_ptr<TokenManager> tokens, RandomFn rng, const Now& now, const Address& from, ByteSpan datagram, const packet::OpenedHandshake& request);

  void on_datagram(const Now& now, const Address& from, ByteSpan datagram);
  void on_timer(const Now& now);

  std::vector<Datagram> take_outgoing();
  std::optional<TimePoint> next_deadline() const;

  State state() const { return state_; }
  bool done() const { return state_ != State::session_created_sent; }
  const std::optional<Failed>& failed() const { return failed_; }
  std::optional<SessionContext> take_session();

  uint64_t our_conn_id() const { return our_conn_id_; }     // Alice's Destination Connection ID
  uint64_t their_conn_id() const { return their_conn_id_; }  // Alice's Source Connection ID
  const Address& peer() const { return peer_; }
  const HandshakeStats& stats() const { return stats_; }

 private:
  InboundHandshake() = default;
  bool try_confirmed_fragment(uint32_t wall_s, ByteSpan dgram);
  void process_confirmed(uint32_t wall_s);
  void fail(Failure f);
  void emit(const Bytes& pkt) { out_.push_back(Datagram{peer_, pkt}); }

  Config cfg_;
  std::shared_ptr<const LocalIdentity> local_;
  std::shared_ptr<TokenManager> tokens_;
  RandomFn rng_;
  Address peer_;
  uint64_t our_conn_id_ = 0;
  uint64_t their_conn_id_ = 0;
  bool relay_tag_requested_ = false;
  std::optional<uint32_t> relay_tag_issued_;  // sent in our Session Created

  State state_ = State::session_created_sent;
  TimePoint deadline_{0};
  Retransmit resend_;
  std::vector<Datagram> out_;

  crypto::SymmetricState noise_;  // after Session Created
  crypto::X25519Keys ephemeral_;
  crypto::Key32 confirmed_header_key_;
  Bytes session_request_raw_;

  // Session Confirmed reassembly: fragment payloads by number, header of fragment 0.
  uint8_t total_fragments_ = 0;
  std::array<std::optional<Bytes>, 15> fragments_{};
  ByteArray<16> header0_{};

  std::optional<SessionContext> result_;
  std::optional<Failed> failed_;
  HandshakeStats stats_;
};

}  // namespace ssu2::handshake
