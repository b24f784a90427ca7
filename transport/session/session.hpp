// DataSession: one SSU2 session in the data phase, fully sans-IO, driven like quinn-proto's
// Connection: events in, outputs pulled.
//
// Inputs: on_datagrams() with every UDP payload the demux attributed to this session since
// the last call (one read burst), queue_message() for outbound I2NP, on_timer() when
// next_wakeup() is reached. Inputs build no packets (except the rare ones that must go out
// exactly as decided then: a Termination, an ACK of a retransmitted Session Confirmed).
// Outputs, pulled by the caller after a batch of inputs: poll_transmit() builds the packets
// that are due now (resends, control, new data, and one ACK block riding on the first of
// them, or an ACK-only packet when it is due and nothing else goes out), so the ACKs of a
// whole burst coalesce into one; received I2NP messages, delivery feedback, events, and
// blocks for other subsystems (RouterInfo, Relay*, PeerTest, NewToken, ...).
//
// Pieces (one file each): RemoteAckManager (ack.hpp) for the peer's packet numbers,
// TransmissionManager (transmission.hpp) for ours, Reassembler/plan_fragments
// (fragment.hpp), MessageIdFilter (duplicate.hpp), PathValidator (path_validation.hpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "transport/common/bytes.hpp"
#include "transport/common/time.hpp"
#include "transport/crypto/crypto.hpp"
#include "transport/session/ack.hpp"
#include "transport/session/duplicate.hpp"
#include "transport/session/fragment.hpp"
#include "transport/session/metrics.hpp"
#include "transport/session/path_validation.hpp"
#include "transport/common/address.hpp"
#include "transport/session/transmission.hpp"
#include "transport/ssu2/blocks.hpp"

namespace ssu2::session {

// Keys for one direction: the AEAD key (k_ab or k_ba) and the two header protection keys
// (k_header_1 = the receiver's intro key, k_header_2 from the data phase KDF).
struct DirectionKeys {
  crypto::Key32 k_data;
  crypto::Key32 k_header_1;
  crypto::Key32 k_header_2;
};

struct SessionContext {
  Address peer;
  uint64_t our_conn_id = 0;    // destination connection ID of packets we receive
  uint64_t their_conn_id = 0;  // destination connection ID of packets we send
  DirectionKeys send;
  DirectionKeys receive;
  // Bob only: the k_header_2 of the Session Confirmed, so that a retransmitted Session
  // Confirmed (same connection ID, type 2) is recognised and ACKed instead of failing.
  std::optional<crypto::Key32> session_confirmed_header_key;
  // Bob only: the peer's packet 0 was its Session Confirmed and must be ACKed at once.
  bool ack_session_confirmed = false;
  // Bob only: a New Token block for the peer's next connection, queued at start so that it
  // rides with the ACK of the Session Confirmed and is retransmitted until ACKed.
  std::optional<wire::NewTokenBlock> new_token;
  // Our first data packet number: Alice used 0 for Session Confirmed and starts at 1.
  uint32_t first_packet_number = 0;
  // Plaintext payload bytes per packet (spec: MTU - 60 for IPv4, MTU - 80 for IPv6,
  // so 1200 for IPv6 at the 1280 minimum). Excludes the 16-byte header and the MAC.
  size_t max_payload = 1200;
  // Soft bound on the bytes of partial I2NP messages held for reassembly (see Reassembler).
  size_t reassembly_limit = Reassembler::kDefaultMemoryLimit;
  // The node-wide reassembly bound shared by all sessions (budget.hpp); null: none.
  std::shared_ptr<SharedBudget> reassembly_budget;
  ByteArray<32> peer_router_hash{};
  TimePoint now{};
  uint64_t unix_ms_at_now = 0;  // wall clock at `now`, for I2NP expirations
  Millis idle_timeout{330'000};
  RandomFn random;  // for path challenges; default crypto::random_bytes
};

struct OutDatagram {
  Bytes bytes;
  Address to;
};

// A caller-owned batch of datagrams to send, reused from one poll to the next so that the
// packet buffers keep their capacity (steady traffic allocates nothing per packet).
class TransmitBatch {
 public:
  OutDatagram& add(const Address& to) {
    if (n_ == items_.size()) items_.emplace_back();
    OutDatagram& d = items_[n_++];
    d.bytes.clear();
    d.to = to;
    return d;
  }
  void pop() { --n_; }  // the last add() is not sent after all
  void clear() { n_ = 0; }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  OutDatagram& operator[](size_t i) { return items_[i]; }
  const OutDatagram& operator[](size_t i) const { return items_[i]; }
  OutDatagram* begin() { return items_.data(); }
  OutDatagram* end() { return items_.data() + n_; }

 private:
  std::vector<OutDatagram> items_;
  size_t n_ = 0;
};

// One received datagram of a batch. The bytes are decrypted in place.
struct InDatagram {
  MutByteSpan bytes;
  Address from;
};

// What a session reports, pulled with poll_event() in the order it happened.
struct MessageReceived {  // a complete I2NP message from the peer
  I2npMessage message;
};
struct NewTokenReceived {  // the peer's token for our next connection to it
  uint64_t token = 0;
  uint32_t expires = 0;  // Unix seconds
};
struct RouterInfoReceived {  // a RouterInfo block, gunzipped (not parsed or verified)
  Bytes router_info;
  bool flood = false;
};
struct ControlReceived {  // Relay*, PeerTest, RelayTag*, Options, ... in arrival order, after
  wire::Block block;      // the RouterInfoReceived of a RouterInfo that came before them
};
// DeliveryResult (transmission.hpp): a message queued with a feedback id was delivered or not.
struct Terminated {
  wire::TerminationReason reason = wire::TerminationReason::NormalClose;
  bool by_peer = false;
};
struct AddressChanged {  // the validated new peer address
  Address address;
};
struct PathValidationFailed {  // the candidate address that did not validate
  Address address;
};
struct BandwidthSample {  // bytes during the last kBandwidthPeriod (only while there is traffic)
  uint64_t bytes_in = 0, bytes_out = 0;
};
struct Closed {};  // closing period over: the session can be freed
// A message the session gives back instead of delivering it (take_undelivered, or
// MessagesReturned): it carries no result from this session; its feedback id comes along.
struct UndeliveredMessage {
  I2npMessage msg;
  std::optional<uint64_t> feedback_id;
};
// With return_undelivered_on_close(true), what a session that ends (by either side, or a
// timeout) had not delivered, oldest first, right after its Terminated event, so that the
// owner can route it over another session to the peer or fail it.
struct MessagesReturned {
  std::vector<UndeliveredMessage> messages;
};
using Event = std::variant<MessageReceived, NewTokenReceived, RouterInfoReceived, ControlReceived,
                           DeliveryResult, Terminated, AddressChanged, PathValidationFailed,
                           BandwidthSample, Closed, MessagesReturned>;

enum class QueueResult : uint8_t { queued, queue_full, too_large, closed };

class DataSession {
 public:
  static constexpr size_t kMaxQueuedMessages = 512;
  static constexpr Millis kClosingPeriod{60'000};
  static constexpr Millis kBandwidthPeriod{1000};
  // A peer whose last authenticated packet is older than this is not "alive": packets of
  // it that reach the resend limit are given up, and the session may end with "timeout".
  static constexpr Millis kPeerSilence{10'000};
  // Room kept in every new data packet for a piggy-backed ACK block (8 ranges).
  static constexpr size_t kMaxAckRanges = 8;
  static constexpr size_t kAckReserve = wire::kBlockHeaderLen + 5 + 2 * kMaxAckRanges;
  // I2NP expirations further than this in the future are refused (spec: enforce both ends).
  static constexpr int64_t kMaxFutureExpirationS = 300;
  // Control packets (send_blocks) waiting for window room; beyond this they are refused.
  static constexpr size_t kMaxQueuedControl = 64;

  explicit DataSession(SessionContext ctx);

  // ---- inputs ----
  // A read burst: every datagram is authenticated and dispatched; what they make due (ACKs,
  // answers) is built by the next poll_transmit(). The buffers are decrypted in place.
  void on_datagrams(TimePoint now, std::span<InDatagram> batch);
  // One datagram (copied into a scratch buffer first; tests and the handshake hand-over).
  void on_datagram(TimePoint now, ByteSpan datagram, const Address& from);
  QueueResult queue_message(TimePoint now, I2npMessage msg,
                            std::optional<uint64_t> feedback_id = std::nullopt);
  void on_timer(TimePoint now);
  // Control blocks for the peer (NewToken, RouterInfo, PeerTest, Relay*, RelayTag*, ...),
  // sent together in one ack-eliciting packet that is retransmitted like I2NP data until
  // ACKed (a new packet number each time). Queued ahead of I2NP messages, subject to the
  // window. Errors: malformed (empty, or an I2NP/fragment/ACK/Termination/Padding/Path
  // block, which have their own paths), oversized (does not fit one packet beside an ACK
  // block, or kMaxQueuedControl packets already waiting), wrong_state (not active).
  // An uncompressed RouterInfo that makes the packet too large is gzipped first.
  Status send_blocks(TimePoint now, std::vector<wire::Block> blocks);
  // send_blocks, but blocks too large for one packet together go one packet each, in order
  // (a Relay Intro still goes when the RouterInfo before it cannot). Returns what was
  // refused, with the wire type of the first block of each refused packet.
  struct ControlRefusal {
    uint8_t block_type = 0;
    Error error;
  };
  std::vector<ControlRefusal> send_blocks_split(TimePoint now, std::vector<wire::Block> blocks);
  // A keep-alive for the path (our NAT's mapping to the peer): the next poll_transmit sends
  // one packet that elicits nothing and is never resent (an ACK block, padded to the
  // minimum payload), whether or not anything else is due. Ignored unless active.
  void send_keepalive(TimePoint now);
  // Local close (router shutdown, replaced session, ...).
  void terminate(TimePoint now, wire::TerminationReason reason);
  // Before terminate(): removes every message not known to be delivered (never sent, partly
  // sent, or wholly sent and not yet ACKed), oldest first, so that the caller hands them to
  // the session replacing this one: the spec's "Multiple Sessions" section has the old
  // session's unsent and unacknowledged messages move to the new one. They produce no
  // delivery result here; their feedback ids come with them. The peer may have received
  // some already and filters duplicates by message ID ("I2NP Message Duplication"), as our
  // manager does across sessions (RecentMessages, duplicate.hpp).
  std::vector<UndeliveredMessage> take_undelivered();
  // Off (the default): the messages of a session that ends fail with session_closed. On:
  // they come back in a MessagesReturned event instead (the node reroutes them).
  void return_undelivered_on_close(bool on) { return_undelivered_ = on; }

  // ---- outputs ----
  // Appends at most `max` datagrams that are due at `now` to `out`; returns how many. Call
  // again while it returns `max`.
  size_t poll_transmit(TimePoint now, TransmitBatch& out, size_t max = 64);
  // The same under the node's outbound bandwidth limit: packets the peer must ACK (resends,
  // control blocks, new data) are started only while the bytes this call built stay below
  // `byte_budget` (so it is overdrawn by at most one packet). What does not fit is held,
  // never dropped: queued messages stay queued, expired packets stay expired, and held()
  // says so. ACK-only packets, path responses and packets staged by inputs go out anyway
  // (small, and the peer's congestion control needs them) and count against the budget.
  size_t poll_transmit(TimePoint now, TransmitBatch& out, size_t max, size_t byte_budget);
  // The last poll_transmit stopped at its byte budget with packets due. While held,
  // next_wakeup() leaves out the send deadlines (resends, pacing): they are due already,
  // and the caller wakes the session when its budget allows.
  bool held() const { return held_; }
  // Everything due at the time of the latest input, as owned datagrams (tests).
  std::vector<OutDatagram> take_datagrams();
  // The next event (messages, control blocks, delivery results, state changes), oldest first.
  std::optional<Event> poll_event();
  std::optional<TimePoint> next_wakeup() const;

  // ---- state ----
  enum class State : uint8_t { active, closing, closed };
  State state() const { return state_; }
  bool can_be_freed() const { return state_ == State::closed; }
  const Address& peer() const { return peer_; }
  const Metrics& metrics();

 private:
  struct Queued {
    I2npMessage msg;
    std::vector<FragmentPlan> plan;
    size_t next_piece = 0;
    DeliveryTracker::Handle handle = 0;
  };


  // inbound
  void on_packet(TimePoint now, MutByteSpan datagram, const Address& from);
  bool recognise_session_confirmed(TimePoint now, ByteSpan datagram);
  bool reassembly_has_room(const std::vector<wire::Block>& blocks);
  void dispatch(TimePoint now, std::vector<wire::Block>& blocks, const Address& from);
  void deliver(TimePoint now, I2npMessage msg);
  void on_peer_termination(TimePoint now, const wire::TerminationBlock& t);
  void on_path_response(TimePoint now, ByteSpan data);
  void check_address(TimePoint now, const Address& from);

  // outbound: every packet is built in place in a datagram buffer: 16 bytes for the header,
  // then the payload blocks; finish() pads, encrypts, protects the header and counts it.
  void build(TimePoint now, size_t max);
  bool room_left() const { return sink_->size() < sink_limit_; }
  void resend_expired(TimePoint now);
  bool send_new_data(TimePoint now);
  bool send_control(TimePoint now);
  void send_ack_if_due(TimePoint now);
  void send_challenge(TimePoint now, const PathValidator::Challenge& c);
  // A new datagram buffer (in the poll's batch, or staged for the next poll during inputs)
  // holding the header space.
  Bytes& start_packet(const Address& to);
  // Encrypts the payload after the header space in place; false (and the datagram is
  // withdrawn) on a crypto failure.
  bool finish(uint32_t pn, bool immediate_ack, Bytes& pkt);
  bool seal_in_place(uint32_t pn, bool immediate_ack, Bytes& pkt) const;
  // Appends an ACK block if we received anything and it fits in `room`; marks it sent.
  void append_ack(Bytes& payload, size_t room);
  size_t room_after(const Bytes& pkt) const;  // payload bytes still free in a packet
  void count_out(size_t bytes);
  void enter_closing(TimePoint now, wire::TerminationReason reason, bool by_peer);
  void close_for_good();
  // The session ends: its undelivered messages fail, or come back (MessagesReturned).
  void release_undelivered();

  // timers
  void run_timers(TimePoint now);
  uint64_t unix_seconds(TimePoint now) const;

  SessionContext ctx_;
  Address peer_;
  State state_ = State::active;
  TimePoint start_;
  TimePoint last_received_;
  TimePoint closing_until_{};
  Bytes termination_packet_;   // sent again (as-is, spec allows it) while closing
  uint64_t closing_packets_seen_ = 0;
  uint64_t valid_packets_received_ = 0;

  RemoteAckManager ack_;
  // Reused for every ACK block sent and received (no allocation per packet).
  AckInfo ack_out_, ack_in_;
  std::vector<wire::AckBlock::Range> ack_ranges_out_;
  TransmissionManager transmission_;
  Reassembler reassembler_;
  MessageIdFilter seen_messages_;
  PathValidator path_;
  std::deque<Queued> queue_;
  TimePoint now_{};          // time of the latest input (take_datagrams)
  TransmitBatch staged_;     // built during inputs, handed out by the next poll
  TransmitBatch* sink_ = nullptr;  // the batch being filled by build()
  size_t sink_limit_ = 0;
  size_t budget_left_ = SIZE_MAX;  // bytes the current poll may still start (bandwidth limit)
  bool held_ = false;              // the last poll stopped at its budget with packets due
  bool return_undelivered_ = false;
  Bytes scratch_;            // on_datagram's copy
  std::vector<Reassembler::Piece> pieces_;  // reassembly_has_room's, reused per packet
  std::vector<Bytes> pending_control_out_;  // payloads of control packets (path responses)
  std::vector<Address> pending_control_to_;
  std::deque<Bytes> control_queue_;  // serialized blocks of send_blocks(), oldest first

  Metrics metrics_;
  TimePoint next_bandwidth_tick_;
  uint64_t bw_bytes_in_ = 0, bw_bytes_out_ = 0;

  std::deque<Event> events_;
};

}  // namespace ssu2::session
