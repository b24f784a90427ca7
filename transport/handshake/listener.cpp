#include "transport/handshake/listener.hpp"

#include "transport/handshake/packet.hpp"
#include "transport/handshake/payload.hpp"

namespace ssu2::handshake {

InboundListener::InboundListener(Config cfg, std::shared_ptr<const LocalIdentity> local,
                                 RandomFn rng, TokenManager::Limits limits,
                                 AdmissionControl::Limits admission)
    : cfg_(std::move(cfg)),
      local_(std::move(local)),
      rng_(std::move(rng)),
      tokens_(std::make_shared<TokenManager>(rng_, limits)),
      // Replays must be remembered for at least twice the allowed skew.
      replay_(Millis{int64_t(4) * cfg_.max_clock_skew_s * 1000}),
      admission_(admission) {}

InboundListener::Output InboundListener::on_datagram(const Now& now, const Address& from,
                                                     ByteSpan dgram, RoomPolicy* room) {
  Output out;
  ++stats_.received;
  if (dgram.size() < wire::kMinLongPacketLen || dgram.size() > wire::kMaxPacketLenV4) {
    ++stats_.dropped_malformed;
    return out;
  }
  auto h = wire::peek_header(dgram, local_->intro_key, local_->intro_key);
  if (!h) {
    ++stats_.dropped_malformed;
    return out;
  }
  if (h->type == packet::type_byte(packet::MessageType::TokenRequest))
    on_token_request(now, from, dgram, out);
  else if (h->type == packet::type_byte(packet::MessageType::SessionRequest))
    on_session_request(now, from, dgram, room, out);
  else
    ++stats_.dropped_unexpected;
  return out;
}

void InboundListener::on_token_request(const Now& now, const Address& from, ByteSpan dgram,
                                       Output& out) {
  // Before the AEAD: a prefix gets a bounded number of Retries per second.
  if (!admission_.admit(AdmissionControl::Kind::token_request, from, now.mono)) {
    ++stats_.rate_limited_token;
    return;
  }
  auto o = packet::open_symmetric(dgram, local_->intro_key, packet::MessageType::TokenRequest);
  if (!o) {
    ++(o.error().code == Errc::auth_failed ? stats_.dropped_auth : stats_.dropped_malformed);
    return;
  }
  const auto& h = o->header;
  if (h.net_id != cfg_.net_id) {
    ++stats_.dropped_wrong_net;
    return;
  }
  if (h.src_conn_id == h.dest_conn_id) {
    ++stats_.dropped_malformed;
    return;
  }
  auto p = payload::parse(o->payload);
  if (!p || !p->date_time) {
    ++stats_.dropped_malformed;
    return;
  }
  ++stats_.token_requests;
  if (!clock_skew_ok(*p->date_time, now.unix_s, cfg_.max_clock_skew_s)) {
    ++stats_.clock_skew;
    send_retry(now.unix_s, from, h.dest_conn_id, h.src_conn_id, 0, wire::TerminationReason::ClockSkew, out);
    return;
  }
  auto token = tokens_->retry_token(from, now.unix_s);
  send_retry(now.unix_s, from, h.dest_conn_id, h.src_conn_id, token.value, std::nullopt, out);
}

void InboundListener::on_session_request(const Now& now, const Address& from, ByteSpan dgram,
                                         RoomPolicy* room, Output& out) {
  auto o = packet::open_handshake(dgram, local_->intro_key, local_->intro_key,
                                  packet::MessageType::SessionRequest);
  if (!o) {
    ++stats_.dropped_malformed;
    return;
  }
  const auto& h = o->header;
  if (h.net_id != cfg_.net_id) {
    ++stats_.dropped_wrong_net;
    return;
  }
  if (h.src_conn_id == h.dest_conn_id) {
    ++stats_.dropped_malformed;
    return;
  }
  const auto x = o->ephemeral();
  if (replay_.contains(x, now.mono)) {
    replay_.count_replay();
    ++stats_.dropped_replay;
    return;
  }
  // No valid token: answer with a Retry before spending a DH on it (spec "Tokens"), within
  // the prefix's Retry rate.
  if (!tokens_->valid(from, h.token, now.unix_s)) {
    ++stats_.bad_tokens;
    if (!admission_.admit(AdmissionControl::Kind::token_request, from, now.mono)) {
      ++stats_.rate_limited_token;
      return;
    }
    auto token = tokens_->retry_token(from, now.unix_s);
    send_retry(now.unix_s, from, h.dest_conn_id, h.src_conn_id, token.value, std::nullopt, out);
    return;
  }
  // A good token: admission before the token is consumed, X recorded or a DH spent, so a
  // refused sender's retransmission can still get in.
  if (!admission_.room_for_pending(from)) {
    ++stats_.refused_pending;
    return;
  }
  if (!admission_.admit(AdmissionControl::Kind::session_request, from, now.mono)) {
    ++stats_.rate_limited_session;
    return;
  }
  switch (room ? room->room_for(from) : Room::yes) {
    case Room::yes: break;
    case Room::pending_full: ++stats_.refused_pending; return;
    case Room::sessions_full:
      // Not a passing state: tell Alice now instead of letting her retry for 20 s.
      ++stats_.refused_sessions;
      send_retry(now.unix_s, from, h.dest_conn_id, h.src_conn_id, 0,
                 wire::TerminationReason::ConnectionLimits, out);
      return;
  }
  tokens_->consume(from, h.token, now.unix_s);
  auto r = InboundHandshake::accept(cfg_, local_, tokens_, rng_, now, from, dgram, *o);
  if (auto* refusal = std::get_if<InboundHandshake::Refusal>(&r)) {
    switch (*refusal) {
      case InboundHandshake::Refusal::clock_skew:
        ++stats_.clock_skew;
        send_retry(now.unix_s, from, h.dest_conn_id, h.src_conn_id, 0,
                   wire::TerminationReason::ClockSkew, out);
        break;
      case InboundHandshake::Refusal::malformed:
        ++stats_.dropped_malformed;
        break;
      default:
        ++stats_.dropped_auth;
        break;
    }
    return;
  }
  replay_.insert(x, now.mono);
  ++stats_.accepted;
  out.handshake = std::move(std::get<std::unique_ptr<InboundHandshake>>(r));
}

void InboundListener::send_retry(uint32_t wall_s, const Address& to, uint64_t their_dest,
                                 uint64_t their_src, uint64_t token,
                                 std::optional<wire::TerminationReason> reason, Output& out) {
  packet::LongHeader h;
  h.dest_conn_id = their_src;
  h.packet_number = random_u32(rng_);
  h.type = packet::type_byte(packet::MessageType::Retry);
  h.net_id = cfg_.net_id;
  h.src_conn_id = their_dest;
  h.token = token;
  Bytes body;
  payload::date_time(body, wall_s);
  payload::address(body, to);
  if (reason) payload::termination(body, *reason);
  // Small padding only: a Retry must not amplify a spoofed request.
  payload::padding(body, random_below(rng_, std::min<uint32_t>(cfg_.max_padding, 31) + 1));
  auto pkt = packet::seal_symmetric(h, local_->intro_key, body);
  if (!pkt) return;
  ++stats_.retries_sent;
  out.replies.push_back(Datagram{to, std::move(*pkt)});
}

}  // namespace ssu2::handshake
