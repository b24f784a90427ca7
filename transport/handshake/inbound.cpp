#include "transport/handshake/inbound.hpp"

#include <algorithm>

#include "transport/handshake/payload.hpp"
#include "transport/handshake/router_check.hpp"
#include "transport/ssu2/kdf.hpp"

namespace ssu2::handshake {

std::variant<std::unique_ptr<InboundHandshake>, InboundHandshake::Refusal> InboundHandshake::accept(
    const Config& cfg, std::shared_ptr<const LocalIdentity> local,
    std::shared_ptr<TokenManager> tokens, RandomFn rng, const Now& now, const Address& from, ByteSpan datagram, const packet::OpenedHandshake& request) {
  // ---- Session Request: "e", "es" ----
  auto noise = wire::initial_handshake_state(local->static_pub);
  const auto x = request.ephemeral();
  noise.mix_hash(request.header_bytes());
  noise.mix_hash(ByteSpan{x});
  auto dh = crypto::x25519_dh(local->static_priv, x);
  if (!dh) return Refusal::auth_failed;
  noise.mix_key(dh->span());
  auto pt = crypto::aead_decrypt(noise.k(), 0, ByteSpan{noise.h()}, request.ciphertext());
  if (!pt) return Refusal::auth_failed;
  noise.mix_hash(request.ciphertext());
  auto p = payload::parse(*pt);
  if (!p || !p->date_time) return Refusal::malformed;
  if (!clock_skew_ok(*p->date_time, now.unix_s, cfg.max_clock_skew_s)) return Refusal::clock_skew;
  auto created_hk = wire::session_created_header_key(noise.ck());
  if (!created_hk) return Refusal::crypto_error;

  std::unique_ptr<InboundHandshake> hs(new InboundHandshake());
  hs->cfg_ = cfg;
  hs->local_ = std::move(local);
  hs->tokens_ = std::move(tokens);
  hs->rng_ = std::move(rng);
  hs->peer_ = from;
  hs->our_conn_id_ = request.header.dest_conn_id;
  hs->their_conn_id_ = request.header.src_conn_id;
  hs->relay_tag_requested_ = p->relay_tag_requested;
  hs->session_request_raw_.assign(datagram.begin(), datagram.end());
  hs->deadline_ = now.mono + cfg.inbound_timeout;

  // ---- Session Created: "e", "ee" ----
  hs->ephemeral_ = ephemeral_from(hs->rng_);
  packet::LongHeader h;
  h.dest_conn_id = hs->their_conn_id_;
  h.packet_number = random_u32(hs->rng_);
  h.type = packet::type_byte(packet::MessageType::SessionCreated);
  h.net_id = cfg.net_id;
  h.src_conn_id = hs->our_conn_id_;
  h.token = 0;
  auto clear = wire::encode(h);
  Bytes body;
  payload::date_time(body, now.unix_s);
  payload::address(body, from);
  if (hs->relay_tag_requested_ && cfg.grant_relay_tags) {
    uint32_t tag = 0;
    while (tag == 0) tag = random_u32(hs->rng_);
    hs->relay_tag_issued_ = tag;
    payload::relay_tag(body, tag);
  }
  payload::padding(body, random_below(hs->rng_, cfg.max_padding + 1));

  noise.mix_hash(ByteSpan{clear});
  noise.mix_hash(ByteSpan{hs->ephemeral_.pub});
  auto dh2 = crypto::x25519_dh(hs->ephemeral_, x);
  if (!dh2) return Refusal::auth_failed;
  noise.mix_key(dh2->span());
  auto ct = crypto::aead_encrypt(noise.k(), 0, ByteSpan{noise.h()}, body);
  if (!ct) return Refusal::crypto_error;
  noise.mix_hash(*ct);  // first step of the Session Confirmed KDF
  auto confirmed_hk = wire::session_confirmed_header_key(noise.ck());
  if (!confirmed_hk) return Refusal::crypto_error;
  hs->confirmed_header_key_ = *confirmed_hk;
  hs->noise_ = noise;

  auto pkt = packet::seal_handshake(clear, hs->ephemeral_.pub, *ct, hs->local_->intro_key, *created_hk);
  if (!pkt) return Refusal::crypto_error;
  hs->resend_.arm({*pkt}, now.mono, cfg.session_created_resend);
  hs->emit(*pkt);
  return hs;
}

std::vector<Datagram> InboundHandshake::take_outgoing() { return std::exchange(out_, {}); }

std::optional<TimePoint> InboundHandshake::next_deadline() const {
  if (done()) return std::nullopt;
  auto r = resend_.next();
  return r ? std::min(*r, deadline_) : deadline_;
}

std::optional<SessionContext> InboundHandshake::take_session() { return std::exchange(result_, std::nullopt); }

void InboundHandshake::fail(Failure f) {
  state_ = State::failed;
  failed_ = Failed{f, std::nullopt};
  resend_.disarm();
  for (auto& frag : fragments_) frag.reset();
}

void InboundHandshake::on_timer(const Now& now) {
  if (done()) return;
  if (now.mono >= deadline_) return fail(Failure::timeout);
  if (resend_.due(now.mono)) {
    for (const auto& p : resend_.fire(now.mono)) {
      emit(p);
      ++stats_.retransmissions;
    }
  }
}

void InboundHandshake::on_datagram(const Now& now, const Address& from, ByteSpan dgram) {
  if (done()) return;
  ++stats_.received;
  if (from != peer_) {
    ++stats_.dropped_wrong_source;
    return;
  }
  if (dgram.size() < wire::kMinPacketLen || dgram.size() > wire::kMaxPacketLenV4) {
    ++stats_.dropped_malformed;
    return;
  }
  // Alice resent Session Request: Session Created was lost, resend it (same bytes).
  if (dgram.size() == session_request_raw_.size() &&
      std::equal(dgram.begin(), dgram.end(), session_request_raw_.begin())) {
    ++stats_.duplicates;
    for (const auto& p : resend_.packets()) {
      emit(p);
      ++stats_.retransmissions;
    }
    return;
  }
  if (!try_confirmed_fragment(now.unix_s, dgram)) ++stats_.dropped_unexpected;
}

bool InboundHandshake::try_confirmed_fragment(uint32_t wall_s, ByteSpan dgram) {
  Bytes copy(dgram.begin(), dgram.end());
  auto h = wire::unprotect_short(MutByteSpan{copy}, local_->intro_key, confirmed_header_key_);
  if (!h || h->type != packet::type_byte(packet::MessageType::SessionConfirmed)) return false;
  if (h->dest_conn_id != our_conn_id_ || h->packet_number != 0) {
    ++stats_.dropped_malformed;
    return true;
  }
  const uint8_t total = h->confirmed_total_fragments();
  const uint8_t index = h->confirmed_fragment_number();
  if (total == 0 || index >= total || (total_fragments_ && total != total_fragments_)) {
    ++stats_.dropped_malformed;
    return true;
  }
  total_fragments_ = total;
  if (fragments_[index]) {
    ++stats_.duplicates;  // Alice resent Session Confirmed before we had all of it
    return true;
  }
  fragments_[index] = Bytes(copy.begin() + wire::kShortHeaderLen, copy.end());
  if (index == 0) std::copy_n(copy.begin(), wire::kShortHeaderLen, header0_.begin());
  for (uint8_t i = 0; i < total_fragments_; ++i)
    if (!fragments_[i]) return true;  // wait for the rest
  process_confirmed(wall_s);
  return true;
}

void InboundHandshake::process_confirmed(uint32_t wall_s) {
  Bytes jumbo;
  for (uint8_t i = 0; i < total_fragments_; ++i) {
    jumbo.insert(jumbo.end(), fragments_[i]->begin(), fragments_[i]->end());
  }
  // Whatever happens next, these fragments have been used: a failed AEAD means corrupted
  // input, and Alice's retransmission will bring a fresh copy.
  for (auto& f : fragments_) f.reset();
  total_fragments_ = 0;
  constexpr size_t kPart1 = 32 + 16;
  if (jumbo.size() < kPart1 + 16 + wire::kMinPayloadLen) {
    ++stats_.dropped_malformed;
    return;
  }

  // ---- "s": Alice's static key, Session Created key, nonce 1 ----
  crypto::SymmetricState st = noise_;
  st.mix_hash(ByteSpan{header0_});
  ByteSpan part1{jumbo.data(), kPart1};
  auto s = crypto::aead_decrypt(st.k(), 1, ByteSpan{st.h()}, part1);
  if (!s || s->size() != 32) {
    ++stats_.dropped_auth;
    return;
  }
  crypto::PublicKey32 alice_static{};
  std::copy_n(s->begin(), 32, alice_static.begin());
  st.mix_hash(part1);
  // ---- "se" ----
  auto dh = crypto::x25519_dh(ephemeral_, alice_static);
  if (!dh) {
    ++stats_.dropped_auth;
    return;
  }
  st.mix_key(dh->span());
  ByteSpan part2 = ByteSpan{jumbo}.subspan(kPart1);
  auto pt = crypto::aead_decrypt(st.k(), 0, ByteSpan{st.h()}, part2);
  if (!pt) {
    ++stats_.dropped_auth;
    return;
  }
  st.mix_hash(part2);
  noise_ = st;

  // Authenticated: from here every problem is final (spec, Session Confirmed notes).
  auto p = payload::parse(*pt);
  if (!p || !p->router_info || !p->router_info_first) return fail(Failure::protocol_error);
  auto checked = check_router_info(*p->router_info, alice_static, cfg_, *local_, wall_s);
  if (auto* f = std::get_if<Failure>(&checked)) return fail(*f);
  auto& router = std::get<CheckedRouter>(checked);
  auto keys = wire::data_phase_keys(noise_.ck());
  if (!keys) return fail(Failure::crypto_error);

  SessionContext ctx;
  ctx.outbound = false;
  ctx.peer = peer_;
  ctx.our_conn_id = our_conn_id_;
  ctx.their_conn_id = their_conn_id_;
  ctx.our_intro_key = local_->intro_key;
  ctx.peer_intro_key = router.intro_key;
  ctx.send = keys->bob_to_alice;
  ctx.receive = keys->alice_to_bob;
  ctx.peer_hash = router.router_info->hash();
  ctx.peer_static_key = alice_static;
  ctx.peer_router_info = router.router_info;
  uint16_t mtu = router.mtu ? std::min(cfg_.mtu, router.mtu) : cfg_.mtu;
  ctx.mtu = std::clamp<uint16_t>(mtu, 1280, 1500);
  ctx.max_payload = data_max_payload(ctx.mtu, peer_.is_v6());
  ctx.next_send_packet_number = 0;
  ctx.next_receive_packet_number = 1;  // Alice's packet 0 was Session Confirmed
  ctx.relay_tag_requested = relay_tag_requested_;
  ctx.relay_tag_issued = relay_tag_issued_;
  ctx.token_received = p->new_token;
  if (tokens_) ctx.token_to_send = tokens_->issue_new_token(peer_, wall_s);
  ctx.session_confirmed_header_key = confirmed_header_key_;
  result_ = std::move(ctx);
  state_ = State::established;
  resend_.disarm();
}

}  // namespace ssu2::handshake
