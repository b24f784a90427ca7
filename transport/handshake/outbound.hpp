// Alice's side of the SSU2 handshake, sans-IO.
//
//   [no token] TokenRequest -> Retry(token) -> SessionRequest -> SessionCreated
//   -> SessionConfirmed (fragmented if our RouterInfo does not fit) -> first Data from Bob
//
// Drive it with start(), on_datagram() for every datagram from the peer's address (it tells
// whether the datagram was this handshake's: see route.hpp for what to do with the rest), and
// on_timer() at next_deadline(); after each call send take_outgoing(). When done() the
// handshake either failed() or take_session() yields the SessionContext.
//
// Alice switches to the data phase only when a Data packet from Bob decrypts with the
// data-phase keys (normally the ACK of Session Confirmed); until then Session Confirmed is
// retransmitted, and a duplicate Session Created (Bob did not get it) triggers an
// immediate resend.
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "transport/crypto/crypto.hpp"
#include "transport/handshake/config.hpp"
#include "transport/handshake/outcome.hpp"
#include "transport/handshake/retransmit.hpp"
#include "transport/handshake/session_context.hpp"

namespace ssu2::handshake {

class OutboundHandshake {
 public:
  enum class State : uint8_t {
    idle,
    token_request_sent,
    session_request_sent,
    session_confirmed_sent,
    established,
    failed,
  };

  // `token`: from the TokenCache (skips Token Request) or nullopt.
  OutboundHandshake(Config cfg, std::shared_ptr<const LocalIdentity> local, RemoteRouter remote,
                    std::optional<Token> token, RandomFn rng = default_random());

  void start(const Now& now);
  // True when the datagram belongs to this handshake: it opened under the keys of the message
  // expected now (Retry / Session Created with Bob's intro key, Data with the data-phase keys)
  // or is a copy of Bob's Session Created. False for anything else (wrong source, a type or
  // key it does not expect, already done): it is counted in stats() and the caller may offer
  // it elsewhere, e.g. to the listener when it is Bob's own Session Request (crossed connect).
  bool on_datagram(const Now& now, const Address& from, ByteSpan datagram);
  void on_timer(const Now& now);

  std::vector<Datagram> take_outgoing();
  std::optional<TimePoint> next_deadline() const;

  State state() const { return state_; }
  bool done() const { return state_ == State::established || state_ == State::failed; }
  const std::optional<Failed>& failed() const { return failed_; }
  // The session, once (moves it out).
  std::optional<SessionContext> take_session();

  // Destination Connection ID of Bob's packets to us (for the socket's demux table).
  uint64_t our_conn_id() const { return src_conn_id_; }
  uint64_t their_conn_id() const { return dest_conn_id_; }
  const RemoteRouter& remote() const { return remote_; }
  const HandshakeStats& stats() const { return stats_; }
  // Number of datagrams Session Confirmed was split into (1 if it fit).
  size_t session_confirmed_fragments() const { return confirmed_fragments_; }

 private:
  void send_token_request(const Now& now);
  void send_session_request(const Now& now, uint64_t token);
  bool try_retry(const Now& now, ByteSpan dgram);
  // The keys of one Session Request sent: what its Session Created opens with.
  struct Request {
    crypto::SymmetricState noise;
    crypto::X25519Keys ephemeral;
    crypto::Key32 created_header_key;
  };
  bool try_session_created(const Now& now, ByteSpan dgram);
  bool try_session_created(const Now& now, ByteSpan dgram, const Request& req);
  bool try_data(ByteSpan dgram);
  Status send_session_confirmed(TimePoint now, const crypto::PublicKey32& bob_ephemeral);
  void fail(Failure f, std::optional<wire::TerminationReason> peer = std::nullopt);
  void emit(const Bytes& pkt);
  size_t ip_overhead() const { return (remote_.address.is_v6() ? 40 : 20) + 8; }

  Config cfg_;
  std::shared_ptr<const LocalIdentity> local_;
  RemoteRouter remote_;
  std::optional<Token> initial_token_;
  uint64_t request_token_ = 0;  // token in the Session Request in flight
  RandomFn rng_;
  uint16_t mtu_;

  State state_ = State::idle;
  uint64_t src_conn_id_ = 0;   // ours
  uint64_t dest_conn_id_ = 0;  // Bob's
  TimePoint deadline_{0};
  Retransmit resend_;
  std::vector<Datagram> out_;

  crypto::SymmetricState noise_;
  crypto::X25519Keys ephemeral_;
  crypto::Key32 created_header_key_;
  // Session Requests replaced by a later Retry's token, oldest first (bounded by the Retry
  // limit): Bob may have accepted one of them.
  static constexpr size_t kMaxSuperseded = 3;
  std::vector<Request> superseded_;
  crypto::Key32 confirmed_header_key_;
  Bytes session_created_raw_;  // to recognise Bob's retransmissions
  std::optional<wire::DataPhaseKeys> data_keys_;
  size_t confirmed_fragments_ = 0;

  SessionContext ctx_;
  std::optional<SessionContext> result_;
  std::optional<Failed> failed_;
  HandshakeStats stats_;
};

}  // namespace ssu2::handshake
