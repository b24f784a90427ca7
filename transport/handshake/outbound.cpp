#include "transport/handshake/outbound.hpp"

#include <algorithm>

#include "transport/handshake/packet.hpp"
#include "transport/i2p/gzip.hpp"
#include "transport/handshake/payload.hpp"
#include "transport/ssu2/kdf.hpp"

namespace ssu2::handshake {

namespace {

// Two distinct non-zero connection IDs (spec "Connection ID Numbering").
std::pair<uint64_t, uint64_t> new_conn_ids(const RandomFn& rng) {
  uint64_t a = 0, b = 0;
  while (a == 0) a = random_u64(rng);
  while (b == 0 || b == a) b = random_u64(rng);
  return {a, b};
}

uint16_t effective_mtu(uint16_t ours, uint16_t theirs) {
  uint16_t m = theirs ? std::min(ours, theirs) : ours;
  return std::clamp<uint16_t>(m, 1280, 1500);
}

}  // namespace

OutboundHandshake::OutboundHandshake(Config cfg, std::shared_ptr<const LocalIdentity> local,
                                     RemoteRouter remote, std::optional<Token> token, RandomFn rng)
    : cfg_(std::move(cfg)),
      local_(std::move(local)),
      remote_(std::move(remote)),
      initial_token_(token),
      rng_(std::move(rng)),
      mtu_(effective_mtu(cfg_.mtu, remote_.mtu)) {
  auto [a, b] = new_conn_ids(rng_);
  src_conn_id_ = a;
  dest_conn_id_ = b;
}

void OutboundHandshake::emit(const Bytes& pkt) { out_.push_back(Datagram{remote_.address, pkt}); }

std::vector<Datagram> OutboundHandshake::take_outgoing() { return std::exchange(out_, {}); }

std::optional<TimePoint> OutboundHandshake::next_deadline() const {
  if (done() || state_ == State::idle) return std::nullopt;
  auto r = resend_.next();
  return r ? std::min(*r, deadline_) : deadline_;
}

std::optional<SessionContext> OutboundHandshake::take_session() { return std::exchange(result_, std::nullopt); }

void OutboundHandshake::fail(Failure f, std::optional<wire::TerminationReason> peer) {
  state_ = State::failed;
  failed_ = Failed{f, peer};
  resend_.disarm();
  data_keys_.reset();
}

void OutboundHandshake::start(const Now& now) {
  if (state_ != State::idle) return;
  deadline_ = now.mono + cfg_.outbound_timeout;
  if (initial_token_ && initial_token_->value != 0)
    send_session_request(now, initial_token_->value);
  else
    send_token_request(now);
}

// ---- Token Request ----

void OutboundHandshake::send_token_request(const Now& now) {
  packet::LongHeader h;
  h.dest_conn_id = dest_conn_id_;
  h.packet_number = random_u32(rng_);
  h.type = packet::type_byte(packet::MessageType::TokenRequest);
  h.net_id = cfg_.net_id;
  h.src_conn_id = src_conn_id_;
  h.token = 0;
  Bytes body;
  payload::date_time(body, now.unix_s);
  payload::padding(body, 1 + random_below(rng_, cfg_.max_padding + 1));
  auto pkt = packet::seal_symmetric(h, remote_.intro_key, body);
  if (!pkt) return fail(Failure::crypto_error);
  state_ = State::token_request_sent;
  resend_.arm({*pkt}, now.mono, cfg_.token_request_resend);
  emit(*pkt);
}

// ---- Session Request ----

void OutboundHandshake::send_session_request(const Now& now, uint64_t token) {
  // A Retry with a new token replaces the request in flight, but Bob may have accepted that
  // one already: a Retry answering an earlier datagram can arrive late with another token
  // (Bob replaced it meanwhile; i2pd 2.45.1 replaces an address's token when it expires and
  // whenever it issues a New Token). Keep the replaced request's keys, so that its Session
  // Created still opens (try_session_created).
  if (state_ == State::session_request_sent) {
    if (superseded_.size() >= kMaxSuperseded) superseded_.erase(superseded_.begin());
    superseded_.push_back(Request{noise_, ephemeral_, created_header_key_});
  }
  ephemeral_ = ephemeral_from(rng_);
  noise_ = wire::initial_handshake_state(remote_.static_key);

  packet::LongHeader h;
  h.dest_conn_id = dest_conn_id_;
  h.packet_number = random_u32(rng_);
  h.type = packet::type_byte(packet::MessageType::SessionRequest);
  h.net_id = cfg_.net_id;
  h.src_conn_id = src_conn_id_;
  h.token = token;
  auto clear = wire::encode(h);

  Bytes body;
  payload::date_time(body, now.unix_s);
  if (cfg_.request_relay_tag) payload::relay_tag_request(body);
  payload::padding(body, random_below(rng_, cfg_.max_padding + 1));

  // "e": MixHash(header), MixHash(X); "es": MixKey(DH(x, B)).
  noise_.mix_hash(ByteSpan{clear});
  noise_.mix_hash(ByteSpan{ephemeral_.pub});
  auto dh = crypto::x25519_dh(ephemeral_, remote_.static_key);
  if (!dh) return fail(Failure::crypto_error);
  noise_.mix_key(dh->span());
  auto ct = crypto::aead_encrypt(noise_.k(), 0, ByteSpan{noise_.h()}, body);
  if (!ct) return fail(Failure::crypto_error);
  noise_.mix_hash(*ct);  // first step of the Session Created KDF
  auto hk = wire::session_created_header_key(noise_.ck());
  if (!hk) return fail(Failure::crypto_error);
  created_header_key_ = *hk;

  auto pkt = packet::seal_handshake(clear, ephemeral_.pub, *ct, remote_.intro_key, remote_.intro_key);
  if (!pkt) return fail(Failure::crypto_error);
  ctx_.token_received.reset();
  request_token_ = token;
  state_ = State::session_request_sent;
  resend_.arm({*pkt}, now.mono, cfg_.session_request_resend);
  emit(*pkt);
}

// ---- inbound ----

bool OutboundHandshake::on_datagram(const Now& now, const Address& from, ByteSpan dgram) {
  if (done() || state_ == State::idle) return false;
  ++stats_.received;
  // Spec: drop Session Created / Retry not from the address the request went to.
  if (from != remote_.address) {
    ++stats_.dropped_wrong_source;
    return false;
  }
  if (dgram.size() < wire::kMinPacketLen || dgram.size() > wire::kMaxPacketLenV4) {
    ++stats_.dropped_malformed;
    return false;
  }
  bool taken = false;
  switch (state_) {
    case State::token_request_sent:
      taken = try_retry(now, dgram);
      break;
    case State::session_request_sent:
      taken = try_session_created(now, dgram) || try_retry(now, dgram);
      break;
    case State::session_confirmed_sent:
      if (session_created_raw_.size() == dgram.size() &&
          std::equal(dgram.begin(), dgram.end(), session_created_raw_.begin())) {
        // Bob did not get Session Confirmed: resend it at once.
        ++stats_.duplicates;
        for (const auto& p : resend_.packets()) {
          emit(p);
          ++stats_.retransmissions;
        }
        return true;
      }
      taken = try_data(dgram);
      break;
    default:
      break;
  }
  if (!taken) ++stats_.dropped_unexpected;
  return taken;
}

bool OutboundHandshake::try_retry(const Now& now, ByteSpan dgram) {
  auto o = packet::open_symmetric(dgram, remote_.intro_key, packet::MessageType::Retry);
  if (!o) return false;  // not a Retry (or forged): the caller counts it
  const auto& h = o->header;
  if (h.net_id != cfg_.net_id) {
    ++stats_.dropped_malformed;
    return true;
  }
  if (h.dest_conn_id != src_conn_id_ || h.src_conn_id != dest_conn_id_) {
    ++stats_.dropped_unexpected;
    return true;
  }
  auto p = payload::parse(o->payload);
  if (!p) {
    ++stats_.dropped_malformed;
    return true;
  }
  if (p->termination) {
    fail(*p->termination == wire::TerminationReason::ClockSkew ? Failure::clock_skew
                                                                 : Failure::peer_rejected,
         p->termination);
    return true;
  }
  if (!p->date_time || h.token == 0) {
    ++stats_.dropped_malformed;
    return true;
  }
  if (!clock_skew_ok(*p->date_time, now.unix_s, cfg_.max_clock_skew_s)) {
    fail(Failure::clock_skew);
    return true;
  }
  // A late copy of the Retry whose token we already use: the request is in flight.
  if (state_ == State::session_request_sent && request_token_ == h.token) {
    ++stats_.duplicates;
    return true;
  }
  if (++stats_.retries > 3) {
    fail(Failure::protocol_error);
    return true;
  }
  send_session_request(now, h.token);
  return true;
}

bool OutboundHandshake::try_session_created(const Now& now, ByteSpan dgram) {
  if (try_session_created(now, dgram, Request{noise_, ephemeral_, created_header_key_}))
    return true;
  for (auto it = superseded_.rbegin(); it != superseded_.rend(); ++it)
    if (try_session_created(now, dgram, *it)) return true;
  return false;
}

bool OutboundHandshake::try_session_created(const Now& now, ByteSpan dgram, const Request& req) {
  auto o = packet::open_handshake(dgram, remote_.intro_key, req.created_header_key,
                                  packet::MessageType::SessionCreated);
  if (!o) return false;
  const auto& h = o->header;
  if (h.net_id != cfg_.net_id) {
    ++stats_.dropped_malformed;
    return true;
  }
  if (h.dest_conn_id != src_conn_id_ || h.src_conn_id != dest_conn_id_) {
    ++stats_.dropped_unexpected;
    return true;
  }
  // Work on a copy so that a forged or corrupted message leaves our state intact.
  crypto::SymmetricState st = req.noise;
  const auto y = o->ephemeral();
  st.mix_hash(o->header_bytes());
  st.mix_hash(ByteSpan{y});
  auto dh = crypto::x25519_dh(req.ephemeral, y);
  if (!dh) {
    ++stats_.dropped_auth;
    return true;
  }
  st.mix_key(dh->span());
  auto pt = crypto::aead_decrypt(st.k(), 0, ByteSpan{st.h()}, o->ciphertext());
  if (!pt) {
    ++stats_.dropped_auth;
    return true;
  }
  st.mix_hash(o->ciphertext());
  // Authenticated from here: any problem ends the handshake (spec, Session Created notes).
  auto p = payload::parse(*pt);
  if (!p) {
    fail(Failure::protocol_error);
    return true;
  }
  if (p->termination) {
    fail(Failure::peer_rejected, p->termination);
    return true;
  }
  if (!p->date_time) {
    fail(Failure::protocol_error);
    return true;
  }
  if (!clock_skew_ok(*p->date_time, now.unix_s, cfg_.max_clock_skew_s)) {
    fail(Failure::clock_skew);
    return true;
  }
  noise_ = st;
  ephemeral_ = req.ephemeral;
  created_header_key_ = req.created_header_key;
  superseded_.clear();
  session_created_raw_.assign(dgram.begin(), dgram.end());
  ctx_.token_received = p->new_token;
  // A tag we did not ask for is ignored (we would publish nothing with it).
  if (cfg_.request_relay_tag) ctx_.relay_tag = p->relay_tag;
  ctx_.our_observed_address = p->address;
  if (auto st2 = send_session_confirmed(now.mono, y); !st2)
    fail(st2.error().code == Errc::oversized ? Failure::protocol_error : Failure::crypto_error);
  return true;
}

// ---- Session Confirmed ----

Status OutboundHandshake::send_session_confirmed(TimePoint now, const crypto::PublicKey32& bob_eph) {
  auto hk = wire::session_confirmed_header_key(noise_.ck());
  if (!hk) return hk.error();
  confirmed_header_key_ = *hk;

  // Room for Noise data in each datagram after the 16-byte short header.
  const size_t space = mtu_ - ip_overhead() - wire::kShortHeaderLen;
  constexpr size_t kNoiseOverhead = 48 + 16;  // part 1 (static key + MAC) and part 2 MAC

  // RouterInfo block: plain if it fits in one datagram, else gzip if that is smaller.
  ByteSpan ri{local_->router_info};
  Bytes gz;
  bool gzipped = false;
  if (kNoiseOverhead + 5 + ri.size() + 3 > space) {
    if (auto z = i2p::gzip_compress(ri); z && z->size() < ri.size()) {
      gz = std::move(*z);
      gzipped = true;
    }
  }
  Bytes body;
  if (!payload::router_info(body, gzipped ? ByteSpan{gz} : ri, gzipped))
    return Error{Errc::oversized, "routerinfo block"};

  // Padding: random, trimmed so that a message which fits in one datagram still does; for a
  // fragmented message the last fragment must hold at least 24 bytes (header mask IVs).
  size_t pad = random_below(rng_, cfg_.max_padding + 1);
  auto total_for = [&](size_t p) { return kNoiseOverhead + body.size() + 3 + p; };
  size_t n = 1;
  if (total_for(pad) > space) {
    if (total_for(0) <= space) {
      pad = space - total_for(0);
    } else {
      size_t total = total_for(pad);
      n = (total + space - 1) / space;
      size_t last = total - (n - 1) * space;
      if (last < 24) pad += 24 - last;
    }
  }
  if (n > 15) return Error{Errc::oversized, "routerinfo needs more than 15 fragments"};
  payload::padding(body, pad);

  wire::ShortHeader h0;
  h0.dest_conn_id = dest_conn_id_;
  h0.packet_number = 0;
  h0.type = packet::type_byte(packet::MessageType::SessionConfirmed);
  h0.set_confirmed_fragment(0, uint8_t(n));
  auto clear0 = wire::encode(h0);

  // "s": MixHash(header); encrypt our static key with the Session Created key, nonce 1.
  noise_.mix_hash(ByteSpan{clear0});
  auto part1 = crypto::aead_encrypt(noise_.k(), 1, ByteSpan{noise_.h()}, ByteSpan{local_->static_pub});
  if (!part1) return part1.error();
  noise_.mix_hash(*part1);
  // "se": MixKey(DH(s, Y)); encrypt the payload with nonce 0.
  auto dh = crypto::x25519_dh(local_->static_priv, bob_eph);
  if (!dh) return dh.error();
  noise_.mix_key(dh->span());
  auto part2 = crypto::aead_encrypt(noise_.k(), 0, ByteSpan{noise_.h()}, body);
  if (!part2) return part2.error();
  noise_.mix_hash(*part2);
  auto keys = wire::data_phase_keys(noise_.ck());
  if (!keys) return keys.error();
  data_keys_ = std::move(*keys);

  Bytes jumbo = std::move(*part1);
  jumbo.insert(jumbo.end(), part2->begin(), part2->end());
  std::vector<Bytes> packets;
  for (size_t i = 0; i < n; ++i) {
    wire::ShortHeader hi = h0;
    hi.set_confirmed_fragment(uint8_t(i), uint8_t(n));
    auto clear = wire::encode(hi);
    size_t off = i * space, len = std::min(space, jumbo.size() - off);
    Bytes pkt(clear.begin(), clear.end());
    pkt.insert(pkt.end(), jumbo.begin() + off, jumbo.begin() + off + len);
    if (auto st = wire::protect_short(MutByteSpan{pkt}, remote_.intro_key, confirmed_header_key_); !st)
      return st;
    packets.push_back(std::move(pkt));
  }
  confirmed_fragments_ = n;
  for (const auto& p : packets) emit(p);
  resend_.arm(std::move(packets), now, cfg_.session_confirmed_resend);
  state_ = State::session_confirmed_sent;
  return {};
}

// ---- confirmation by the first Data packet ----

bool OutboundHandshake::try_data(ByteSpan dgram) {
  if (!data_keys_) return false;
  const auto& rx = data_keys_->bob_to_alice;
  Bytes copy(dgram.begin(), dgram.end());
  auto h = wire::unprotect_short(MutByteSpan{copy}, local_->intro_key, rx.header2);
  if (!h || h->type != packet::type_byte(packet::MessageType::Data) || h->dest_conn_id != src_conn_id_)
    return false;
  ByteSpan ad{copy.data(), wire::kShortHeaderLen};
  auto pt = crypto::aead_decrypt(rx.data, h->packet_number, ad, ByteSpan{copy}.subspan(wire::kShortHeaderLen));
  if (!pt) {
    ++stats_.dropped_auth;
    return true;
  }
  ctx_.outbound = true;
  ctx_.relay_tag_asked = cfg_.request_relay_tag;
  ctx_.peer = remote_.address;
  ctx_.our_conn_id = src_conn_id_;
  ctx_.their_conn_id = dest_conn_id_;
  ctx_.our_intro_key = local_->intro_key;
  ctx_.peer_intro_key = remote_.intro_key;
  ctx_.send = data_keys_->alice_to_bob;
  ctx_.receive = data_keys_->bob_to_alice;
  ctx_.peer_router_info = remote_.router_info;
  ctx_.peer_hash = remote_.router_hash;
  ctx_.peer_static_key = remote_.static_key;
  ctx_.mtu = mtu_;
  ctx_.max_payload = data_max_payload(mtu_, remote_.address.is_v6());
  ctx_.next_send_packet_number = 1;  // Session Confirmed was packet 0
  ctx_.next_receive_packet_number = 0;
  ctx_.first_packets.push_back(Bytes(dgram.begin(), dgram.end()));
  result_ = std::move(ctx_);
  state_ = State::established;
  resend_.disarm();
  return true;
}

// ---- timer ----

void OutboundHandshake::on_timer(const Now& now) {
  if (done() || state_ == State::idle) return;
  if (now.mono >= deadline_) return fail(Failure::timeout);
  if (resend_.due(now.mono)) {
    for (const auto& p : resend_.fire(now.mono)) {
      emit(p);
      ++stats_.retransmissions;
    }
  }
}

}  // namespace ssu2::handshake
