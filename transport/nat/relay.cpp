#include "transport/nat/relay.hpp"

#include "transport/nat/signing.hpp"

namespace ssu2::nat {
namespace {

constexpr uint8_t kVersion = 2;

wire::RelayResponseBlock response_head(uint8_t code, uint32_t nonce, uint32_t unix_s) {
  wire::RelayResponseBlock r;
  r.code = code;
  r.nonce = nonce;
  r.has_details = true;
  r.timestamp = unix_s;
  r.version = kVersion;
  r.charlie = Address{{}, 0, 0};
  return r;
}

}  // namespace

// ===================================================================== tags

Status Relay::request_tag(const Now& now, const RouterHash& introducer) {
  if (!ctx_.session(introducer)) return Error{Errc::not_found, "no session with introducer"};
  asked_.insert(introducer);
  ctx_.emit(SendBlocks{introducer, {wire::RelayTagRequestBlock{}}});
  return {};
}

void Relay::on_tag_request(const Now& now, const RouterHash& from) {
  // A repeated request gets the same tag back (the first answer may have been lost).
  if (auto it = tag_of_.find(from); it != tag_of_.end()) {
    ctx_.emit(SendBlocks{from, {wire::RelayTagBlock{it->second}}});
    return;
  }
  // Only for a router whose session and RouterInfo we have; the spec lets Bob stay silent
  // when he does not want to relay.
  if (!ctx_.session(from) || !ctx_.peer(from)) { ++ctx_.counters.unknown_peer; return; }
  if (tags_.size() >= ctx_.cfg.max_tags) { ++ctx_.counters.limit; return; }
  uint32_t tag = ctx_.random_nonzero_u32();
  while (tags_.count(tag)) tag = ctx_.random_nonzero_u32();
  tags_[tag] = from;
  tag_of_[from] = tag;
  ctx_.emit(SendBlocks{from, {wire::RelayTagBlock{tag}}});
}

bool Relay::on_tag(const Now& now, const RouterHash& from, const wire::RelayTagBlock& b) {
  if (!asked_.erase(from)) { ++ctx_.counters.unexpected; return false; }
  if (b.relay_tag == 0) { ++ctx_.counters.malformed; return false; }
  granted_[from] = b.relay_tag;
  ctx_.emit(RelayTagGranted{from, b.relay_tag});
  return true;
}

void Relay::on_handshake(const RouterHash& peer, const HandshakeTags& t) {
  if (t.issued) {
    // Given in Session Created before we knew of any limit here: a tag we cannot keep is
    // not honoured later (a RelayRequest naming it gets "tag not found").
    if (*t.issued == 0 || tags_.count(*t.issued) || tags_.size() >= ctx_.cfg.max_tags) {
      ++ctx_.counters.limit;
    } else {
      if (auto old = tag_of_.find(peer); old != tag_of_.end()) tags_.erase(old->second);
      tags_[*t.issued] = peer;
      tag_of_[peer] = *t.issued;
    }
  }
  if (t.granted && *t.granted != 0) {
    asked_.erase(peer);
    granted_[peer] = *t.granted;
    ctx_.emit(RelayTagGranted{peer, *t.granted});
  } else if (t.asked) {
    asked_.insert(peer);
  }
}

std::optional<RouterHash> Relay::tag_owner(uint32_t tag) const {
  auto it = tags_.find(tag);
  if (it == tags_.end()) return std::nullopt;
  return it->second;
}

void Relay::on_session_closed(const RouterHash& peer) {
  if (auto it = tag_of_.find(peer); it != tag_of_.end()) {
    tags_.erase(it->second);
    tag_of_.erase(it);
  }
  granted_.erase(peer);
  asked_.erase(peer);
}

// ===================================================================== Alice

Result<uint32_t> Relay::request_introduction(const Now& now, const RouterHash& bob,
                                             const RouterHash& charlie, uint32_t tag,
                                             const Address& our_endpoint) {
  if (!ctx_.session(bob)) return Error{Errc::not_found, "no session with Bob"};
  if (!ctx_.peer(charlie)) return Error{Errc::not_found, "Charlie's RouterInfo unknown"};
  if (alice_.size() >= ctx_.cfg.max_active) return Error{Errc::wrong_state, "too many pending"};
  uint32_t nonce = ctx_.random_nonzero_u32();
  while (alice_.count(nonce)) nonce = ctx_.random_nonzero_u32();

  wire::RelayRequestBlock r;
  r.nonce = nonce;
  r.relay_tag = tag;
  r.timestamp = now.unix_s;
  r.version = kVersion;
  r.alice = our_endpoint;
  auto sig = sign(ctx_.local.signing_priv, relay_request_message(bob, charlie, r.signed_data()));
  if (!sig) return sig.error();
  r.signature = *sig;
  ctx_.emit(SendBlocks{bob, {std::move(r)}});
  alice_.emplace(nonce, AliceIntro{bob, charlie, now.mono + ctx_.cfg.introduction_timeout});
  return nonce;
}

bool Relay::charlie_signature_ok(const AliceIntro& a, const wire::RelayResponseBlock& b) {
  const PeerInfo* c = ctx_.peer(a.charlie);
  if (!c) { ++ctx_.counters.unknown_peer; return false; }
  if (!verify(c->signing_key, relay_response_message(a.bob, b.signed_data()), b.signature)) {
    ++ctx_.counters.bad_signature;
    return false;
  }
  return true;
}

void Relay::alice_response(const Now& now, const RouterHash& bob,
                           const wire::RelayResponseBlock& b) {
  auto it = alice_.find(b.nonce);
  if (it == alice_.end()) { ++ctx_.counters.unknown_nonce; return; }
  AliceIntro& a = it->second;
  if (a.bob != bob) { ++ctx_.counters.wrong_sender; return; }
  if (a.done) return;  // the Hole Punch was faster
  if (b.code != relay_code::kAccept) {
    a.done = true;
    ctx_.emit(IntroductionFailed{b.nonce, a.charlie, b.code, false});
    return;
  }
  if (!b.token || b.charlie.ip_len == 0) { ++ctx_.counters.malformed; return; }
  if (!ctx_.fresh(b.timestamp, now)) { ++ctx_.counters.stale_timestamp; return; }
  if (!charlie_signature_ok(a, b)) return;
  a.done = true;
  ctx_.emit(IntroductionReady{b.nonce, a.charlie, b.charlie, *b.token, false});
}

void Relay::on_hole_punch(const Now& now, const Address& src, const OosPacket& p) {
  if (!p.relay_response || !p.datetime) { ++ctx_.counters.malformed; return; }
  if (!ctx_.fresh(*p.datetime, now)) { ++ctx_.counters.stale_timestamp; return; }
  const wire::RelayResponseBlock& b = *p.relay_response;
  const uint64_t cid = nonce_conn_id(b.nonce);
  if (p.header.dest_conn_id != cid || p.header.src_conn_id != ~cid) {
    ++ctx_.counters.malformed;
    return;
  }
  auto it = alice_.find(b.nonce);
  if (it == alice_.end()) { ++ctx_.counters.unknown_nonce; return; }
  AliceIntro& a = it->second;
  if (a.done) return;  // Bob's response was faster, or a retransmitted punch
  if (b.code != relay_code::kAccept || !b.token) { ++ctx_.counters.malformed; return; }
  if (!ctx_.fresh(b.timestamp, now)) { ++ctx_.counters.stale_timestamp; return; }
  if (!charlie_signature_ok(a, b)) return;
  a.done = true;
  // Behind a symmetric NAT Charlie's own idea of his port can be wrong: the packet's real
  // source is the address that just worked (spec "Response Handling").
  ctx_.emit(IntroductionReady{b.nonce, a.charlie, src, *b.token, true});
}

// ===================================================================== Bob

void Relay::bob_reject(const Now& now, const RouterHash& alice, uint32_t nonce, uint8_t code) {
  auto r = response_head(code, nonce, now.unix_s);
  auto sig = sign(ctx_.local.signing_priv, relay_response_message(ctx_.local.hash, r.signed_data()));
  if (sig) r.signature = *sig;
  ++ctx_.counters.rejected_sent;
  ctx_.emit(SendBlocks{alice, {std::move(r)}});
}

void Relay::on_request(const Now& now, const RouterHash& alice, const wire::RelayRequestBlock& b) {
  if (b.alice.ip_len != 4 && b.alice.ip_len != 16) { ++ctx_.counters.malformed; return; }
  if (!ctx_.fresh(b.timestamp, now)) { ++ctx_.counters.stale_timestamp; return; }
  switch (ctx_.nonces.insert(now.mono, NonceKind::RelayBob, alice, b.nonce)) {
    case NonceFilter::Insert::replay: ++ctx_.counters.replayed_nonce; return;
    case NonceFilter::Insert::full:
      ++ctx_.counters.limit;
      return bob_reject(now, alice, b.nonce, relay_code::kBobLimit);
    case NonceFilter::Insert::fresh: break;
  }
  auto owner = tag_owner(b.relay_tag);
  if (!owner || *owner == alice || !ctx_.session(*owner)) {
    ++ctx_.counters.unknown_tag;
    return bob_reject(now, alice, b.nonce, relay_code::kBobTagNotFound);
  }
  const PeerInfo* a = ctx_.peer(alice);
  if (!a) {
    ++ctx_.counters.unknown_peer;
    return bob_reject(now, alice, b.nonce, relay_code::kBobAliceUnknown);
  }
  if (!verify(a->signing_key, relay_request_message(ctx_.local.hash, *owner, b.signed_data()),
              b.signature)) {
    ++ctx_.counters.bad_signature;
    return bob_reject(now, alice, b.nonce, relay_code::kBobSignature);
  }
  if (b.version != kVersion) return bob_reject(now, alice, b.nonce, relay_code::kBobUnspecified);
  if (bob_.size() >= ctx_.cfg.max_active || bob_.count(b.nonce)) {
    ++ctx_.counters.limit;
    return bob_reject(now, alice, b.nonce, relay_code::kBobLimit);
  }

  wire::RelayIntroBlock intro;
  intro.alice_hash = alice;
  intro.nonce = b.nonce;
  intro.relay_tag = b.relay_tag;
  intro.timestamp = b.timestamp;
  intro.version = b.version;
  intro.alice = b.alice;
  intro.signature = b.signature;
  std::vector<wire::Block> blocks;
  // Charlie verifies Alice's signature, so her RouterInfo must reach him first.
  if (!a->router_info.empty()) blocks.push_back(wire::RouterInfoBlock{0, 0x01, a->router_info});
  blocks.push_back(std::move(intro));
  ctx_.emit(SendBlocks{*owner, std::move(blocks)});
  bob_.emplace(b.nonce, BobForward{alice, *owner, now.mono + ctx_.cfg.forward_ttl});
}

void Relay::bob_forward_response(const RouterHash& charlie, const wire::RelayResponseBlock& b) {
  auto it = bob_.find(b.nonce);
  if (it == bob_.end()) { ++ctx_.counters.unknown_nonce; return; }
  if (it->second.charlie != charlie) { ++ctx_.counters.wrong_sender; return; }
  const RouterHash alice = it->second.alice;
  bob_.erase(it);
  ctx_.emit(SendBlocks{alice, {b}});  // unmodified: Alice checks Charlie's signature
}

void Relay::on_response(const Now& now, const RouterHash& from, const wire::RelayResponseBlock& b) {
  // The same block type flows Charlie -> Bob and Bob -> Alice; our own tables say which.
  if (bob_.count(b.nonce)) return bob_forward_response(from, b);
  if (alice_.count(b.nonce)) return alice_response(now, from, b);
  ++ctx_.counters.unknown_nonce;
}

// ===================================================================== Charlie

void Relay::charlie_reject(const Now& now, const RouterHash& bob, uint32_t nonce, uint8_t code) {
  auto r = response_head(code, nonce, now.unix_s);
  auto sig = sign(ctx_.local.signing_priv, relay_response_message(bob, r.signed_data()));
  if (sig) r.signature = *sig;
  ++ctx_.counters.rejected_sent;
  ctx_.emit(SendBlocks{bob, {std::move(r)}});
}

void Relay::on_intro(const Now& now, const RouterHash& bob, const wire::RelayIntroBlock& b) {
  if (b.alice.ip_len != 4 && b.alice.ip_len != 16) { ++ctx_.counters.malformed; return; }
  // Only an introducer we hold this very tag from may introduce anyone to us.
  auto g = granted_.find(bob);
  if (g == granted_.end() || g->second != b.relay_tag) {
    ++ctx_.counters.unknown_tag;
    return;
  }
  if (!ctx_.fresh(b.timestamp, now)) { ++ctx_.counters.stale_timestamp; return; }
  switch (ctx_.nonces.insert(now.mono, NonceKind::RelayCharlie, bob, b.nonce)) {
    case NonceFilter::Insert::replay: ++ctx_.counters.replayed_nonce; return;
    case NonceFilter::Insert::full:
      ++ctx_.counters.limit;
      return charlie_reject(now, bob, b.nonce, relay_code::kCharlieLimit);
    case NonceFilter::Insert::fresh: break;
  }
  const PeerInfo* a = ctx_.peer(b.alice_hash);
  if (!a) {
    ++ctx_.counters.unknown_peer;
    return charlie_reject(now, bob, b.nonce, relay_code::kCharlieUnknownAlice);
  }
  if (!verify(a->signing_key, relay_request_message(bob, ctx_.local.hash, b.signed_data()),
              b.signature)) {
    ++ctx_.counters.bad_signature;
    return charlie_reject(now, bob, b.nonce, relay_code::kCharlieSignature);
  }
  const auto& ours = ctx_.local.endpoint_for(b.alice.ip_len);
  if (b.version != kVersion || !ours || !a->intro_key)
    return charlie_reject(now, bob, b.nonce, relay_code::kCharlieAddress);
  if (ctx_.session(b.alice_hash))
    return charlie_reject(now, bob, b.nonce, relay_code::kCharlieConnected);

  auto r = response_head(relay_code::kAccept, b.nonce, now.unix_s);
  r.charlie = *ours;
  auto sig = sign(ctx_.local.signing_priv, relay_response_message(bob, r.signed_data()));
  if (!sig) return;
  r.signature = *sig;
  r.token = ctx_.random_nonzero_u64();
  ctx_.emit(TokenIssued{b.alice, *r.token});
  ctx_.emit(SendBlocks{bob, {r}});

  // Hole Punch: opens our NAT towards Alice and gives her the same signed response.
  const uint64_t cid = nonce_conn_id(b.nonce);
  wire::LongHeader h;
  h.dest_conn_id = cid;
  h.src_conn_id = ~cid;
  h.packet_number = ctx_.random_u32();
  h.type = uint8_t(wire::MessageType::HolePunch);
  h.net_id = ctx_.local.net_id;
  h.token = ctx_.random_nonzero_u64();
  std::vector<wire::Block> blocks{wire::DateTimeBlock{now.unix_s}, wire::AddressBlock{b.alice},
                                  std::move(r)};
  auto pkt = seal_oos_packet(h, blocks, *a->intro_key);
  if (pkt) ctx_.emit(SendPacket{b.alice, std::move(*pkt)});
}

// ===================================================================== timers

void Relay::on_timer(const Now& now) {
  for (auto it = alice_.begin(); it != alice_.end();) {
    if (it->second.deadline > now.mono) { ++it; continue; }
    if (!it->second.done) ctx_.emit(IntroductionFailed{it->first, it->second.charlie, 0, true});
    it = alice_.erase(it);
  }
  std::erase_if(bob_, [&](const auto& e) { return e.second.expires <= now.mono; });
}

std::optional<TimePoint> Relay::next_deadline() const {
  std::optional<TimePoint> best;
  auto consider = [&](TimePoint t) { if (!best || t < *best) best = t; };
  for (const auto& [n, a] : alice_) consider(a.deadline);
  for (const auto& [n, b] : bob_) consider(b.expires);
  return best;
}

}  // namespace ssu2::nat
