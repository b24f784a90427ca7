#include "transport/session/session.hpp"

#include "transport/session/answers.hpp"

#include <algorithm>

#include "transport/i2p/gzip.hpp"
#include "transport/ssu2/header.hpp"

namespace ssu2::session {

namespace {

// Into `i`, reusing its buffer (one conversion per ACK received).
const AckInfo& to_info(const wire::AckBlock& b, AckInfo& i) {
  i.ack_through = b.ack_through;
  i.acnt = b.acnt;
  i.ranges.clear();
  for (const auto& r : b.ranges) i.ranges.push_back({r.nack, r.ack});
  return i;
}

// Spec "Generating ACKs": everything except ACK, Address, DateTime, Padding, Termination
// elicits an ACK. RouterInfo, Relay*, PeerTest and Path* blocks do.
bool is_ack_eliciting(const wire::Block& b) {
  return !(std::holds_alternative<wire::AckBlock>(b) || std::holds_alternative<wire::AddressBlock>(b) ||
           std::holds_alternative<wire::DateTimeBlock>(b) ||
           std::holds_alternative<wire::PaddingBlock>(b) ||
           std::holds_alternative<wire::TerminationBlock>(b));
}

void append(Bytes& out, const wire::Block& b) {
  // Blocks built here are always encodable; a failure would leave `out` unchanged.
  (void)wire::append_block(out, b);
}

// A key for the message-ID filter's hashing, from the session's random source.
uint64_t hash_seed(const RandomFn& random) {
  uint8_t b[8];
  if (random) random(MutByteSpan(b, sizeof b));
  else crypto::random_bytes(MutByteSpan(b, sizeof b));
  uint64_t seed = 0;
  for (uint8_t x : b) seed = seed << 8 | x;
  return seed;
}

// Gzips each uncompressed RouterInfo block (spec: flag bit 1) where that makes it smaller;
// true if any changed. A RouterInfo with several addresses (or a forwarded one, as Bob's
// Relay Intro or Peer Test carries) can exceed a packet at MTU 1280; compressed it fits.
bool compress_router_infos(std::vector<wire::Block>& blocks) {
  bool changed = false;
  for (auto& b : blocks) {
    auto* ri = std::get_if<wire::RouterInfoBlock>(&b);
    if (!ri || ri->gzip()) continue;
    auto z = i2p::gzip_compress(ri->data);
    if (!z || z->size() >= ri->data.size()) continue;
    ri->data = std::move(*z);
    ri->flags |= wire::kRouterInfoFlagGzip;
    changed = true;
  }
  return changed;
}

}  // namespace

DataSession::DataSession(SessionContext ctx)
    : ctx_(std::move(ctx)),
      peer_(ctx_.peer),
      start_(ctx_.now),
      last_received_(ctx_.now),
      transmission_(ctx_.first_packet_number),
      reassembler_(ctx_.reassembly_limit, ctx_.reassembly_budget),
      seen_messages_(ctx_.now, MessageIdFilter::kDefaultPeriod, MessageIdFilter::kDefaultMaxPerSet,
                     hash_seed(ctx_.random)),
      path_(ctx_.random),
      next_bandwidth_tick_(ctx_.now + kBandwidthPeriod) {
  if (ctx_.ack_session_confirmed) {
    // Bob: ACK packet 0 (the Session Confirmed) as soon as possible.
    (void)ack_.record(ctx_.now, 0, true, true, transmission_.rtt().rtt());
  }
  if (ctx_.new_token && !send_blocks(ctx_.now, {*ctx_.new_token}))
    metrics_.drop(DropReason::new_token_not_queued);
}

uint64_t DataSession::unix_seconds(TimePoint now) const {
  int64_t ms = int64_t(ctx_.unix_ms_at_now) + to_ms(now - start_);
  return ms < 0 ? 0 : uint64_t(ms) / 1000;
}

const Metrics& DataSession::metrics() {
  metrics_.rtt = transmission_.rtt().rtt();
  metrics_.rto = transmission_.rtt().rto();
  metrics_.window = transmission_.window();
  metrics_.in_flight = transmission_.in_flight();
  metrics_.queued = queue_.size();
  metrics_.control_queued = control_queue_.size();
  metrics_.retransmissions = transmission_.retransmissions();
  metrics_.spurious_retransmissions = transmission_.spurious_retransmissions();
  return metrics_;
}

// ---------------------------------------------------------------- inbound

void DataSession::on_datagrams(TimePoint now, std::span<InDatagram> batch) {
  now_ = now;
  for (auto& d : batch) on_packet(now, d.bytes, d.from);
}

void DataSession::on_datagram(TimePoint now, ByteSpan datagram, const Address& from) {
  now_ = now;
  scratch_.assign(datagram.begin(), datagram.end());
  on_packet(now, scratch_, from);
}

void DataSession::on_packet(TimePoint now, MutByteSpan buf, const Address& from) {
  metrics_.bytes_in += buf.size();
  bw_bytes_in_ += buf.size();
  ++metrics_.packets_in;
  if (state_ == State::closed) return metrics_.drop(DropReason::session_closed);
  if (buf.size() < wire::kMinPacketLen) return metrics_.drop(DropReason::too_short);

  // The masks are computed once: peeked, then applied to the packet if it is ours.
  auto peeked = wire::peek_short(buf, ctx_.receive.k_header_1, ctx_.receive.k_header_2);
  if (!peeked) return metrics_.drop(DropReason::bad_header);
  const wire::ShortHeader* header = &peeked->header;
  if (header->dest_conn_id != ctx_.our_conn_id) return metrics_.drop(DropReason::wrong_connection_id);
  if (header->type != uint8_t(wire::MessageType::Data)) {
    if (!recognise_session_confirmed(now, buf)) metrics_.drop(DropReason::unexpected_message_type);
    return;
  }
  peeked->apply(buf);
  uint32_t pn = header->packet_number;
  if (ack_.check(pn) != RemoteAckManager::Check::fresh) {
    ++metrics_.replayed_packets;
    return metrics_.drop(DropReason::replayed_packet_number);
  }
  ByteSpan ad(buf.data(), wire::kShortHeaderLen);
  size_t body_len = buf.size() - wire::kShortHeaderLen;
  if (!crypto::aead_decrypt(ctx_.receive.k_data, pn, ad, buf.data() + wire::kShortHeaderLen, body_len))
    return metrics_.drop(DropReason::aead_failure);
  auto blocks = wire::parse_blocks(
      ByteSpan(buf.data() + wire::kShortHeaderLen, body_len - crypto::kTagLen));
  if (!blocks) return metrics_.drop(DropReason::malformed_payload);

  // A packet whose fragments the reassembler cannot hold now is dropped before it is
  // acknowledged, so the peer sends it again later (receiver backpressure, never silent loss).
  if (!reassembly_has_room(*blocks)) return metrics_.drop(DropReason::reassembly_backpressure);

  bool eliciting = std::any_of(blocks->begin(), blocks->end(), is_ack_eliciting);
  (void)ack_.record(now, pn, eliciting, header->immediate_ack(), transmission_.rtt().rtt());
  ++valid_packets_received_;
  last_received_ = now;

  if (state_ == State::closing) {
    for (auto& b : *blocks)
      if (auto* t = std::get_if<wire::TerminationBlock>(&b);
          t && t->reason == wire::TerminationReason::TerminationReceived) {
        close_for_good();  // the peer confirmed our termination: closing can end
        return;
      }
    // Answer late packets with the termination again, at 1, 2, 4, 8, ... packets so that a
    // flood cannot turn us into an amplifier.
    ++closing_packets_seen_;
    if ((closing_packets_seen_ & (closing_packets_seen_ - 1)) == 0 && !termination_packet_.empty()) {
      start_packet(peer_) = termination_packet_;
      count_out(termination_packet_.size());
    }
    return;
  }

  check_address(now, from);
  dispatch(now, *blocks, from);
}

// Admission of a packet's fragments (Reassembler::admits holds the rule and why it cannot
// deadlock). Fragments of messages already delivered need no room: dispatch() ignores them,
// and refusing them would pin a resend whose first copy was taken but whose ACK was lost.
bool DataSession::reassembly_has_room(const std::vector<wire::Block>& blocks) {
  auto& pieces = pieces_;
  pieces.clear();
  for (const auto& b : blocks) {
    if (auto* f = std::get_if<wire::FirstFragmentBlock>(&b)) {
      if (!seen_messages_.contains(f->msg_id)) pieces.push_back({f->msg_id, 0, f->data.size()});
    } else if (auto* g = std::get_if<wire::FollowOnFragmentBlock>(&b)) {
      if (!seen_messages_.contains(g->msg_id))
        pieces.push_back({g->msg_id, g->fragment_number, g->data.size()});
    }
  }
  return pieces.empty() || reassembler_.admits(pieces);
}

bool DataSession::recognise_session_confirmed(TimePoint now, ByteSpan datagram) {
  if (!ctx_.session_confirmed_header_key) return false;
  auto h = wire::peek_header(datagram, ctx_.receive.k_header_1, *ctx_.session_confirmed_header_key);
  if (!h || h->type != uint8_t(wire::MessageType::SessionConfirmed) ||
      h->dest_conn_id != ctx_.our_conn_id)
    return false;
  // The peer did not see our ACK of packet 0: it resends Session Confirmed unchanged.
  // Count it and answer with an ACK at once (an ACK-bearing packet ends its resends).
  ++metrics_.session_confirmed_retransmits;
  if (state_ != State::active) return true;
  if (ack_.check(0) == RemoteAckManager::Check::fresh)
    (void)ack_.record(now, 0, true, true, transmission_.rtt().rtt());
  Bytes& pkt = start_packet(peer_);
  append_ack(pkt, ctx_.max_payload);
  if (finish(transmission_.next_packet_number(), false, pkt)) ++metrics_.ack_only_packets_out;
  return true;
}

void DataSession::check_address(TimePoint now, const Address& from) {
  if (from == peer_) {
    // A valid packet from the known address cancels a running validation (spoof defence).
    if (path_.active()) path_.cancel();
    return;
  }
  if (auto c = path_.on_new_address(now, from, transmission_.rtt().rtt())) {
    // Spec: during validation the window stays at its minimum.
    transmission_.congestion().reset_to_min();
    send_challenge(now, *c);
  }
}

void DataSession::dispatch(TimePoint now, std::vector<wire::Block>& blocks, const Address& from) {
  for (auto& block : blocks) {
    if (auto* b = std::get_if<wire::I2npBlock>(&block)) {
      deliver(now, I2npMessage{b->type, b->msg_id, b->expiration, std::move(b->body)});
    } else if (auto* f = std::get_if<wire::FirstFragmentBlock>(&block)) {
      if (seen_messages_.contains(f->msg_id)) {
        ++metrics_.duplicate_messages;  // a resent fragment of a message we already have
        continue;
      }
      auto o = reassembler_.on_first(now, f->type, f->msg_id, f->expiration, f->data, true);
      if (o.dropped) metrics_.drop(*o.dropped);
      if (o.complete) deliver(now, std::move(*o.complete));
    } else if (auto* g = std::get_if<wire::FollowOnFragmentBlock>(&block)) {
      if (seen_messages_.contains(g->msg_id)) {
        ++metrics_.duplicate_messages;
        continue;
      }
      auto o = reassembler_.on_follow_on(now, g->msg_id, g->fragment_number, g->is_last, g->data, true);
      if (o.dropped) metrics_.drop(*o.dropped);
      if (o.complete) deliver(now, std::move(*o.complete));
    } else if (auto* a = std::get_if<wire::AckBlock>(&block)) {
      (void)transmission_.on_ack(now, to_info(*a, ack_in_));
    } else if (auto* t = std::get_if<wire::TerminationBlock>(&block)) {
      on_peer_termination(now, *t);
      return;  // Termination is the last non-padding block
    } else if (auto* pc = std::get_if<wire::PathChallengeBlock>(&block)) {
      // Echo to where the challenge came from (not necessarily the known address).
      Bytes payload;
      append(payload, wire::PathResponseBlock{pc->data});
      append(payload, wire::AddressBlock{from});
      if (pending_control_out_.size() < kMaxQueuedControl) {
        pending_control_out_.push_back(std::move(payload));
        pending_control_to_.push_back(from);
      } else {
        metrics_.drop(DropReason::path_responses_queue_full);
      }
    } else if (auto* pr = std::get_if<wire::PathResponseBlock>(&block)) {
      on_path_response(now, pr->data);
    } else if (std::holds_alternative<wire::PaddingBlock>(block) ||
               std::holds_alternative<wire::DateTimeBlock>(block) ||
               std::holds_alternative<wire::AddressBlock>(block) ||
               std::holds_alternative<wire::CongestionBlock>(block) ||
               std::holds_alternative<wire::UnknownBlock>(block)) {
      // nothing to do; the packet was recorded for ACKs above
    } else if (auto* t = std::get_if<wire::NewTokenBlock>(&block)) {
      events_.push_back(NewTokenReceived{t->token, t->expires});
    } else if (auto* ri = std::get_if<wire::RouterInfoBlock>(&block)) {
      if (!ri->gzip()) {
        events_.push_back(RouterInfoReceived{std::move(ri->data), ri->flood()});
      } else if (auto un = i2p::gzip_decompress(ri->data)) {
        events_.push_back(RouterInfoReceived{std::move(*un), ri->flood()});
      } else {
        metrics_.drop(DropReason::bad_router_info_block);
      }
    } else {
      // An answer settles the request it answers (answers.hpp: i2pd 2.45.1 does not ACK it).
      if (auto key = answer_key(block))
        metrics_.control_answered += transmission_.settle_control(
            [&](ByteSpan blocks) { return carries_request(blocks, *key); });
      // Relay*, PeerTest, RelayTag*, Options, ...: for the caller.
      events_.push_back(ControlReceived{std::move(block)});
    }
  }
}

void DataSession::deliver(TimePoint now, I2npMessage msg) {
  int64_t now_s = int64_t(unix_seconds(now));
  if (int64_t(msg.expiration) < now_s) return metrics_.drop(DropReason::expired_message);
  if (int64_t(msg.expiration) > now_s + kMaxFutureExpirationS)
    return metrics_.drop(DropReason::expiration_too_far);
  if (!seen_messages_.insert(now, msg.id)) {
    ++metrics_.duplicate_messages;
    return;
  }
  ++metrics_.messages_in;
  events_.push_back(MessageReceived{std::move(msg)});
}

void DataSession::on_peer_termination(TimePoint now, const wire::TerminationBlock& t) {
  if (t.reason == wire::TerminationReason::TerminationReceived) {
    // The peer answered a termination we never sent (or we lost the state): just close.
    events_.push_back(Terminated{t.reason, true});
    release_undelivered();
    close_for_good();
    return;
  }
  // Spec: reply "termination received", never the peer's own reason.
  events_.push_back(Terminated{t.reason, true});
  enter_closing(now, wire::TerminationReason::TerminationReceived, true);
}

void DataSession::on_path_response(TimePoint now, ByteSpan data) {
  auto r = path_.on_response(data);
  if (r.outcome == PathValidator::Outcome::validated) {
    bool ip_changed = r.address.ip_len != peer_.ip_len ||
                      !std::equal(r.address.ip.begin(), r.address.ip.begin() + r.address.ip_len,
                                  peer_.ip.begin());
    peer_ = r.address;
    // Spec: a new IP means a new path: start RTT estimation again. A port-only change is
    // probably NAT rebinding and keeps the estimate.
    if (ip_changed) transmission_.rtt().reset();
    events_.push_back(AddressChanged{peer_});
  } else if (r.outcome == PathValidator::Outcome::failed) {
    events_.push_back(PathValidationFailed{r.address});
  }
}

// ---------------------------------------------------------------- outbound

std::vector<UndeliveredMessage> DataSession::take_undelivered() {
  // Handles grow in queueing order: the held messages (wholly sent) are older than any
  // still queued.
  std::vector<UndeliveredMessage> out;
  auto& d = transmission_.deliveries();
  for (auto& h : d.take_held()) out.push_back(UndeliveredMessage{std::move(h.msg), h.feedback_id});
  for (auto& q : queue_) out.push_back(UndeliveredMessage{std::move(q.msg), d.forget(q.handle)});
  queue_.clear();
  return out;
}

void DataSession::release_undelivered() {
  if (return_undelivered_)
    if (auto msgs = take_undelivered(); !msgs.empty()) events_.push_back(MessagesReturned{std::move(msgs)});
  queue_.clear();
  transmission_.abandon(DeliveryFailure::session_closed);
}

std::optional<Event> DataSession::poll_event() {
  // Delivery results are collected by the tracker during ACK processing; they join the
  // queue here, after what happened before this poll.
  for (auto& r : transmission_.deliveries().take_results()) events_.push_back(r);
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

QueueResult DataSession::queue_message(TimePoint now, I2npMessage msg,
                                       std::optional<uint64_t> feedback_id) {
  if (state_ != State::active) return QueueResult::closed;
  if (queue_.size() >= kMaxQueuedMessages) return QueueResult::queue_full;
  auto plan = plan_fragments(msg.body.size(), ctx_.max_payload - kAckReserve);
  if (!plan) return QueueResult::too_large;
  Queued q;
  q.handle = transmission_.deliveries().add(feedback_id, plan->size(), msg.expiration);
  q.plan = std::move(*plan);
  q.msg = std::move(msg);
  queue_.push_back(std::move(q));
  now_ = now;
  return QueueResult::queued;
}

void DataSession::on_timer(TimePoint now) {
  now_ = now;
  run_timers(now);
}

// Blocks that DataSession itself produces (or that carry I2NP) must not come in here: they
// would confuse the reassembler, the ACK logic or path validation on the other side.
bool is_caller_control_block(const wire::Block& b) {
  return is_ack_eliciting(b) && !std::holds_alternative<wire::I2npBlock>(b) &&
         !std::holds_alternative<wire::FirstFragmentBlock>(b) &&
         !std::holds_alternative<wire::FollowOnFragmentBlock>(b) &&
         !std::holds_alternative<wire::PathChallengeBlock>(b) &&
         !std::holds_alternative<wire::PathResponseBlock>(b);
}

Status DataSession::send_blocks(TimePoint now, std::vector<wire::Block> blocks) {
  auto refuse = [&](Errc code, DropReason why) -> Status {
    ++metrics_.control_refused;
    metrics_.drop(why);
    return Error{code, refusal_text(why)};
  };
  if (state_ != State::active) return refuse(Errc::wrong_state, DropReason::control_not_active);
  if (blocks.empty()) return refuse(Errc::malformed, DropReason::control_no_blocks);
  if (!std::all_of(blocks.begin(), blocks.end(), is_caller_control_block))
    return refuse(Errc::malformed, DropReason::control_not_a_control_block);
  if (control_queue_.size() >= kMaxQueuedControl)
    return refuse(Errc::oversized, DropReason::control_queue_full);
  Bytes encoded;
  for (const auto& b : blocks)
    if (!wire::append_block(encoded, b))
      return refuse(Errc::malformed, DropReason::control_unencodable_block);
  if (encoded.size() > ctx_.max_payload - kAckReserve && compress_router_infos(blocks)) {
    encoded.clear();
    for (const auto& b : blocks)
      if (!wire::append_block(encoded, b))
        return refuse(Errc::malformed, DropReason::control_unencodable_block);
  }
  if (encoded.size() > ctx_.max_payload - kAckReserve)
    return refuse(Errc::oversized, DropReason::control_blocks_too_large);
  metrics_.control_blocks_out += blocks.size();
  control_queue_.push_back(std::move(encoded));
  now_ = now;
  return {};
}

std::vector<DataSession::ControlRefusal> DataSession::send_blocks_split(
    TimePoint now, std::vector<wire::Block> blocks) {
  std::vector<ControlRefusal> refused;
  const uint8_t first = blocks.empty() ? 0 : wire::block_type(blocks.front());
  auto s = send_blocks(now, blocks);
  if (s) return refused;
  if (s.error().code != Errc::oversized || blocks.size() < 2 ||
      control_queue_.size() >= kMaxQueuedControl) {
    refused.push_back({first, s.error()});
    return refused;
  }
  for (auto& b : blocks) {
    const uint8_t type = wire::block_type(b);
    if (auto r = send_blocks(now, {std::move(b)}); !r) refused.push_back({type, r.error()});
  }
  return refused;
}

void DataSession::send_keepalive(TimePoint now) {
  now_ = now;
  if (state_ != State::active) return;
  // Staged like the packets decided during inputs: out with the next poll_transmit.
  Bytes& pkt = start_packet(peer_);
  append_ack(pkt, ctx_.max_payload);
  if (finish(transmission_.next_packet_number(), false, pkt)) ++metrics_.keepalives_out;
}

void DataSession::terminate(TimePoint now, wire::TerminationReason reason) {
  now_ = now;
  if (state_ != State::active) return;
  events_.push_back(Terminated{reason, false});
  enter_closing(now, reason, false);
}

void DataSession::enter_closing(TimePoint now, wire::TerminationReason reason, bool by_peer) {
  state_ = State::closing;
  closing_until_ = now + kClosingPeriod;
  // Unsent and unacknowledged messages fail now, or go back to the caller to reroute.
  release_undelivered();
  path_.cancel();
  pending_control_out_.clear();
  pending_control_to_.clear();
  control_queue_.clear();
  // Two packets. The spec wants Termination as the last block except Padding and recommends
  // an ACK block with it ("Data phase" termination: "should also include an ACK block").
  // i2pd 2.45.1 reads the reason at payload offset 11 whatever comes first
  // (SSU2Session::HandlePayload: `uint8_t rsn = buf[11]`), i.e. right only when Termination
  // is the payload's first block, and logged "reason=0" (or garbage) for our Ack+Termination.
  // So the ACK goes alone in the packet just before, and the Termination packet holds the
  // Termination block alone (12 bytes, over header protection's 8-byte minimum, so no
  // Padding either): valid per spec, read correctly by every i2pd, and the same layout
  // i2pd itself sends (Termination + Padding, SSU2Session::SendTermination). The one
  // deviation is the ACK in a separate packet instead of beside the Termination. Packets
  // are sent in order in one batch, so the peer normally sees the ACK first.
  if (ack_.has_received()) {
    Bytes& ack_pkt = start_packet(peer_);
    append_ack(ack_pkt, ctx_.max_payload);
    if (finish(transmission_.next_packet_number(), false, ack_pkt)) ++metrics_.ack_only_packets_out;
  }
  Bytes& pkt = start_packet(peer_);
  append(pkt, wire::TerminationBlock{valid_packets_received_, reason, {}});
  if (finish(transmission_.next_packet_number(), false, pkt)) termination_packet_ = pkt;
}

void DataSession::close_for_good() {
  if (state_ == State::closed) return;
  if (state_ == State::active) {
    control_queue_.clear();
    release_undelivered();
  }
  state_ = State::closed;
  termination_packet_.clear();
  events_.push_back(Closed{});
}

void DataSession::append_ack(Bytes& payload, size_t room) {
  if (!ack_.has_received() || room < wire::kBlockHeaderLen + 5) return;
  size_t ranges = std::min(kMaxAckRanges, (room - wire::kBlockHeaderLen - 5) / 2);
  if (!ack_.build_into(ack_out_, ranges)) return;
  ack_ranges_out_.clear();
  for (const auto& r : ack_out_.ranges) ack_ranges_out_.push_back({r.nack, r.ack});
  wire::append_ack_block(payload, ack_out_.ack_through, ack_out_.acnt, ack_ranges_out_);
  ack_.on_ack_sent();
}

size_t DataSession::room_after(const Bytes& pkt) const {
  size_t used = pkt.size() - wire::kShortHeaderLen;
  return used >= ctx_.max_payload ? 0 : ctx_.max_payload - used;
}

void DataSession::count_out(size_t bytes) {
  metrics_.bytes_out += bytes;
  bw_bytes_out_ += bytes;
  budget_left_ -= std::min(budget_left_, bytes);
  ++metrics_.packets_out;
}

Bytes& DataSession::start_packet(const Address& to) {
  OutDatagram& d = sink_ ? sink_->add(to) : staged_.add(to);
  d.bytes.resize(wire::kShortHeaderLen);
  return d.bytes;
}

bool DataSession::seal_in_place(uint32_t pn, bool immediate_ack, Bytes& pkt) const {
  // Header protection needs at least 8 payload bytes (its IVs come from the packet tail).
  size_t payload = pkt.size() - wire::kShortHeaderLen;
  if (payload < wire::kMinPayloadLen)
    append(pkt, wire::PaddingBlock{uint16_t(wire::kMinPayloadLen - payload)});
  payload = pkt.size() - wire::kShortHeaderLen;
  wire::ShortHeader h;
  h.dest_conn_id = ctx_.their_conn_id;
  h.packet_number = pn;
  h.type = uint8_t(wire::MessageType::Data);
  h.set_immediate_ack(immediate_ack);
  wire::encode_to(h, pkt.data());
  pkt.resize(pkt.size() + crypto::kTagLen);
  ByteSpan ad(pkt.data(), wire::kShortHeaderLen);
  return crypto::aead_encrypt(ctx_.send.k_data, pn, ad, pkt.data() + wire::kShortHeaderLen, payload) &&
         wire::protect_short(pkt, ctx_.send.k_header_1, ctx_.send.k_header_2);
}

bool DataSession::finish(uint32_t pn, bool immediate_ack, Bytes& pkt) {
  if (!seal_in_place(pn, immediate_ack, pkt)) {
    // crypto failure (bad key): nothing is sent
    (sink_ ? *sink_ : staged_).pop();
    metrics_.drop(DropReason::encrypt_failure);
    return false;
  }
  count_out(pkt.size());
  return true;
}

void DataSession::send_challenge(TimePoint now, const PathValidator::Challenge& c) {
  Bytes& pkt = start_packet(c.to);
  append(pkt, wire::PathChallengeBlock{c.data});
  append(pkt, wire::AddressBlock{c.to});
  append_ack(pkt, room_after(pkt));
  (void)finish(transmission_.next_packet_number(), false, pkt);
}

size_t DataSession::poll_transmit(TimePoint now, TransmitBatch& out, size_t max) {
  return poll_transmit(now, out, max, SIZE_MAX);
}

size_t DataSession::poll_transmit(TimePoint now, TransmitBatch& out, size_t max, size_t byte_budget) {
  size_t before = out.size();
  held_ = false;
  budget_left_ = byte_budget;
  // Packets decided during inputs go first, in the order they were made.
  for (auto& d : staged_) {
    if (out.size() - before >= max) break;
    OutDatagram& o = out.add(d.to);
    std::swap(o.bytes, d.bytes);  // buffers circulate, nothing is copied
    budget_left_ -= std::min(budget_left_, o.bytes.size());
  }
  size_t taken = out.size() - before;
  if (taken == staged_.size()) {
    staged_.clear();
  } else {
    // Rare: more staged than one poll may take; keep the rest in order.
    TransmitBatch rest;
    for (size_t i = taken; i < staged_.size(); ++i) std::swap(rest.add(staged_[i].to).bytes, staged_[i].bytes);
    std::swap(rest, staged_);
  }
  if (out.size() - before < max) {
    sink_ = &out;
    sink_limit_ = before + max;
    build(now, max);
    sink_ = nullptr;
  }
  budget_left_ = SIZE_MAX;  // packets built by inputs are never held
  return out.size() - before;
}

std::vector<OutDatagram> DataSession::take_datagrams() {
  TransmitBatch batch;
  while (poll_transmit(now_, batch, 64) == 64) {
  }
  std::vector<OutDatagram> out;
  out.reserve(batch.size());
  for (auto& d : batch) out.push_back(std::move(d));
  return out;
}

void DataSession::build(TimePoint now, size_t max) {
  if (state_ != State::active) return;
  resend_expired(now);
  if (state_ != State::active || !room_left()) return;
  // Control packets bypass the window.
  size_t i = 0;
  for (; i < pending_control_out_.size() && room_left(); ++i) {
    Bytes& pkt = start_packet(pending_control_to_[i]);
    pkt.insert(pkt.end(), pending_control_out_[i].begin(), pending_control_out_[i].end());
    append_ack(pkt, room_after(pkt));
    (void)finish(transmission_.next_packet_number(), false, pkt);
  }
  pending_control_out_.erase(pending_control_out_.begin(), pending_control_out_.begin() + i);
  pending_control_to_.erase(pending_control_to_.begin(), pending_control_to_.begin() + i);
  // Queued control blocks go before I2NP data: they are small and often time-critical
  // (peer test and relay timers run on the other side).
  while (room_left() && transmission_.has_capacity() && budget_left_ > 0 &&
         (send_control(now) || send_new_data(now))) {
  }
  if (budget_left_ == 0 && transmission_.has_capacity() && (!control_queue_.empty() || !queue_.empty()))
    held_ = true;
  if (room_left()) send_ack_if_due(now);
}

void DataSession::resend_expired(TimePoint now) {
  const bool peer_alive = now - last_received_ < kPeerSilence;
  auto expired = transmission_.take_expired(now, peer_alive, unix_seconds(now));
  for (auto ref : expired.resend) {
    // Same blocks (so fragment sizes are preserved), new packet number, fresh ACK block if
    // it still fits, and the immediate-ACK flag so that the peer answers quickly. A resend
    // that does not fit in this poll stays expired and goes out with the next one.
    if (!room_left()) break;
    if (budget_left_ == 0) {  // the bandwidth limit: it stays expired until tokens come
      held_ = true;
      break;
    }
    const SentPacket& p = transmission_.packet(ref);
    Bytes& pkt = start_packet(peer_);
    append_ack(pkt, ctx_.max_payload - p.blocks.size());
    pkt.insert(pkt.end(), p.blocks.begin(), p.blocks.end());
    uint32_t pn = transmission_.next_packet_number();
    if (finish(pn, true, pkt)) transmission_.on_resent(now, ref, pn);
  }
  if (expired.dropped > 0) {
    // A packet went unacknowledged through every resend and was given up; its messages
    // have failed (their senders are told). That alone does not prove the peer gone: a
    // live peer's packets keep messages resent (take_expired), and i2pd 2.45.1 never
    // acknowledges a control-only packet by itself (only I2NP makes it ACK), however
    // long it stays quiet meanwhile (between its tunnel-build bursts, 5 s), so a given-up
    // control-only packet never ends the session. The session ends with "timeout" only
    // when a packet carrying I2NP was given up and the peer has been silent (no
    // authenticated packet) for that packet's whole life, or for kPeerSilence when that
    // life was longer.
    metrics_.packets_given_up += expired.dropped;
    if (expired.dropped_first_sent) {
      Micros life = now - *expired.dropped_first_sent;
      if (now - last_received_ >= std::min<Micros>(life, kPeerSilence))
        terminate(now, wire::TerminationReason::Timeout);
    }
  }
}

bool DataSession::send_new_data(TimePoint now) {
  // Drop messages that expired while waiting.
  uint64_t now_s = unix_seconds(now);
  while (!queue_.empty() && queue_.front().next_piece == 0 && queue_.front().msg.expiration < now_s) {
    transmission_.deliveries().fail(queue_.front().handle, DeliveryFailure::expired);
    metrics_.drop(DropReason::expired_before_sending);
    queue_.pop_front();
  }
  if (queue_.empty() || !transmission_.pace_new_packet(now)) return false;

  Bytes& pkt = start_packet(peer_);
  // The ACK goes first (the receiver learns of our progress before it parses data), in the
  // room kept for it; the data blocks follow and are remembered for resends.
  append_ack(pkt, kAckReserve);
  const size_t data_at = pkt.size();
  const size_t room = ctx_.max_payload - kAckReserve;
  uint32_t pn = transmission_.next_packet_number();
  SentPacket& sent = transmission_.on_sent(now, pn);
  while (!queue_.empty()) {
    Queued& q = queue_.front();
    const FragmentPlan& p = q.plan[q.next_piece];
    if (pkt.size() - data_at + p.block_size() > room) break;
    ByteSpan piece(q.msg.body.data() + p.offset, p.length);
    switch (p.kind) {
      case FragmentPlan::Kind::whole:
        wire::append_i2np_block(pkt, q.msg.type, q.msg.id, q.msg.expiration, piece);
        break;
      case FragmentPlan::Kind::first:
        wire::append_first_fragment(pkt, q.msg.type, q.msg.id, q.msg.expiration, piece);
        break;
      case FragmentPlan::Kind::follow_on:
        wire::append_follow_on_fragment(pkt, p.number, p.last, q.msg.id, piece);
        break;
    }
    sent.messages.push_back(q.handle);
    if (++q.next_piece == q.plan.size()) {
      transmission_.deliveries().hold(q.handle, std::move(q.msg));
      queue_.pop_front();
    }
  }
  sent.blocks.assign(pkt.begin() + long(data_at), pkt.end());
  // Ask for a quick ACK on the last packet of a burst or when the window is 2/3 full.
  bool immediate = queue_.empty() || 3 * transmission_.in_flight() >= 2 * transmission_.window();
  (void)finish(pn, immediate, pkt);
  return true;
}

bool DataSession::send_control(TimePoint now) {
  if (control_queue_.empty()) return false;
  Bytes& pkt = start_packet(peer_);
  const Bytes& blocks = control_queue_.front();
  append_ack(pkt, ctx_.max_payload - blocks.size());
  pkt.insert(pkt.end(), blocks.begin(), blocks.end());
  uint32_t pn = transmission_.next_packet_number();
  // No delivery handles: nobody waits for feedback, but the blocks are resent until ACKed.
  transmission_.on_sent(now, pn, blocks, {});
  control_queue_.pop_front();
  if (finish(pn, true, pkt)) ++metrics_.control_packets_out;
  return true;
}

void DataSession::send_ack_if_due(TimePoint now) {
  auto d = ack_.deadline();
  if (!d || *d > now) return;
  Bytes& pkt = start_packet(peer_);
  append_ack(pkt, ctx_.max_payload);
  if (finish(transmission_.next_packet_number(), false, pkt)) ++metrics_.ack_only_packets_out;
}

// ---------------------------------------------------------------- timers

void DataSession::run_timers(TimePoint now) {
  if (now >= next_bandwidth_tick_) {
    // One report per second with traffic; an idle session reports nothing and does not
    // wake up for it (next_wakeup), so idle sessions cost no CPU.
    if (bw_bytes_in_ || bw_bytes_out_)
      events_.push_back(BandwidthSample{bw_bytes_in_, bw_bytes_out_});
    bw_bytes_in_ = bw_bytes_out_ = 0;
    // Skip whole missed periods, keep the phase.
    if (now - next_bandwidth_tick_ >= kBandwidthPeriod)
      next_bandwidth_tick_ += kBandwidthPeriod * ((now - next_bandwidth_tick_) / kBandwidthPeriod);
    while (next_bandwidth_tick_ <= now) next_bandwidth_tick_ += kBandwidthPeriod;
  }
  if (state_ == State::closing) {
    if (now >= closing_until_) close_for_good();
    return;
  }
  if (state_ == State::closed) return;
  if (size_t n = reassembler_.expire(now)) metrics_.drop(DropReason::incomplete_message_timeout, n);
  seen_messages_.on_timer(now);
  auto pv = path_.on_timer(now);
  if (pv.retry) send_challenge(now, *pv.retry);
  if (pv.failed) {
    // The old address stays; the window may grow again.
    events_.push_back(PathValidationFailed{pv.failed_address});
  }
  if (now - last_received_ >= ctx_.idle_timeout) terminate(now, wire::TerminationReason::IdleTimeout);
}

std::optional<TimePoint> DataSession::next_wakeup() const {
  if (state_ == State::closed) return std::nullopt;
  std::optional<TimePoint> best;
  if (bw_bytes_in_ || bw_bytes_out_) best = next_bandwidth_tick_;
  auto consider = [&](std::optional<TimePoint> t) {
    if (t && (!best || *t < *best)) best = t;
  };
  if (state_ == State::closing) {
    consider(closing_until_);
    return best;
  }
  consider(ack_.deadline());
  if (!held_) {  // held: the caller wakes us when the bandwidth limit allows (held())
    consider(transmission_.next_deadline());
    if (!queue_.empty() && transmission_.has_capacity()) consider(transmission_.pacing_deadline());
  }
  consider(path_.next_deadline());
  consider(reassembler_.next_deadline());
  consider(last_received_ + ctx_.idle_timeout);
  return best;
}

}  // namespace ssu2::session
