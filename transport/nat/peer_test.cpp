#include "transport/nat/peer_test.hpp"

#include <algorithm>
#include <cstring>

#include "transport/nat/signing.hpp"

namespace ssu2::nat {
namespace {

constexpr uint8_t kVersion = 2;

// Spec "Processing by Bob": IPv4 must be the session's address, IPv6 must share the first
// 8 bytes; privileged ports are refused.
bool plausible_test_address(const Address& claimed, const Address* session) {
  if (claimed.port < 1024) return false;
  if (!session) return true;  // no session address known: nothing to compare with
  if (claimed.ip_len != session->ip_len) return false;
  const size_t n = claimed.ip_len == 16 ? 8 : 4;
  return std::memcmp(claimed.ip.data(), session->ip.data(), n) == 0;
}

wire::PeerTestBlock make_block(uint8_t msg, uint8_t code, std::optional<RouterHash> hash,
                               Bytes signed_data, Bytes signature) {
  wire::PeerTestBlock b;
  b.msg = msg;
  b.code = code;
  b.hash = hash;
  b.signed_data = std::move(signed_data);
  b.signature = std::move(signature);
  return b;
}

}  // namespace

// ===================================================================== Alice

Result<uint32_t> PeerTest::start(const Now& now, const RouterHash& bob, const Address& tested) {
  if (!ctx_.session(bob)) return Error{Errc::not_found, "no session with Bob"};
  if (alice_.size() >= ctx_.cfg.max_active) return Error{Errc::wrong_state, "too many tests"};
  uint32_t nonce = ctx_.random_nonzero_u32();
  while (alice_.count(nonce)) nonce = ctx_.random_nonzero_u32();

  AliceTest t;
  t.bob = bob;
  t.tested = tested;
  t.signed_data = wire::PeerTestBlock::make_signed_data(kVersion, nonce, now.unix_s, tested);
  auto sig = sign(ctx_.local.signing_priv, peer_test_message(bob, nullptr, t.signed_data));
  if (!sig) return sig.error();
  t.signature = *sig;
  t.deadline = now.mono + ctx_.cfg.peer_test_timeout;
  ctx_.emit(SendBlocks{bob, {make_block(1, 0, std::nullopt, t.signed_data, t.signature)}});
  alice_.emplace(nonce, std::move(t));
  return nonce;
}

void PeerTest::alice_msg4(const Now& now, const RouterHash& from, const wire::PeerTestBlock& b) {
  const uint32_t nonce = b.nonce();
  auto it = alice_.find(nonce);
  if (it == alice_.end()) { ++ctx_.counters.unknown_nonce; return; }
  AliceTest& t = it->second;
  if (from != t.bob) { ++ctx_.counters.wrong_sender; return; }
  if (t.got4) { ++ctx_.counters.replayed_nonce; return; }  // retransmitted block
  if (b.code != pt_code::kAccept) {
    t.got4 = true;
    t.reject = b.code;
    alice_finish(nonce);
    return;
  }
  // Charlie's agreement must be about our test: same signed address, fresh, his signature.
  if (!(b.alice() == t.tested) || b.version() != kVersion) { ++ctx_.counters.malformed; return; }
  if (!ctx_.fresh(b.timestamp(), now)) { ++ctx_.counters.stale_timestamp; return; }
  const PeerInfo* charlie = ctx_.peer(*b.hash);
  const auto* ep = charlie ? &charlie->endpoint_for(t.tested.ip_len) : nullptr;
  if (!charlie || !charlie->intro_key || !ep || !*ep) {
    // Bob must send Charlie's RouterInfo first; without it we cannot reach Charlie.
    ++ctx_.counters.unknown_peer;
    return;
  }
  if (!verify(charlie->signing_key,
              peer_test_message(t.bob, &ctx_.local.hash, b.signed_data), b.signature)) {
    ++ctx_.counters.bad_signature;
    return;
  }
  t.got4 = true;
  t.charlie = charlie->hash;
  t.charlie_endpoint = **ep;
  t.charlie_intro = *charlie->intro_key;
  // With message 5 already here we may answer at once; otherwise wait a while for it so
  // that our message 6 does not open the firewall before we know whether 5 gets through.
  t.msg6_at = t.got5 ? now.mono : now.mono + ctx_.cfg.msg6_delay;
  if (t.got5) alice_send6(now, nonce, t);
}

void PeerTest::alice_msg5(const Now& now, const Address& src, const OosPacket& p) {
  const uint32_t nonce = p.peer_test->nonce();
  auto it = alice_.find(nonce);
  if (it == alice_.end()) { ++ctx_.counters.unknown_nonce; return; }
  AliceTest& t = it->second;
  if (t.got5) return;  // Charlie may retransmit; nothing new
  // After our message 6 went to Charlie, his message 5 may come through the hole it opened
  // in our NAT: it proves nothing about unsolicited reachability.
  if (t.msg6_sent > 0) { ++ctx_.counters.unexpected; return; }
  // If message 4 is in, Charlie is known and an included signature must be his.
  if (t.got4 && !p.peer_test->signature.empty()) {
    const PeerInfo* charlie = ctx_.peer(t.charlie);
    if (charlie && !verify(charlie->signing_key,
                           peer_test_message(t.bob, &ctx_.local.hash, p.peer_test->signed_data),
                           p.peer_test->signature)) {
      ++ctx_.counters.bad_signature;
      return;
    }
  }
  t.got5 = true;
  if (t.got4 && t.msg6_sent == 0) alice_send6(now, nonce, t);
}

void PeerTest::alice_send6(const Now& now, uint32_t nonce, AliceTest& t) {
  auto pkt = packet(now, nonce, false, t.charlie_intro, t.charlie_endpoint,
                    make_block(6, 0, std::nullopt, t.signed_data, t.signature));
  if (!pkt) { ++ctx_.counters.malformed; t.msg6_at.reset(); return; }
  ctx_.emit(SendPacket{t.charlie_endpoint, std::move(*pkt)});
  ++t.msg6_sent;
  if (t.msg6_sent < ctx_.cfg.msg6_max_sends)
    t.msg6_at = now.mono + ctx_.cfg.msg6_resend;
  else
    t.msg6_at.reset();
}

void PeerTest::alice_msg7(const Now& now, const Address& src, const OosPacket& p) {
  const uint32_t nonce = p.peer_test->nonce();
  auto it = alice_.find(nonce);
  if (it == alice_.end()) { ++ctx_.counters.unknown_nonce; return; }
  AliceTest& t = it->second;
  if (t.msg6_sent == 0) { ++ctx_.counters.unexpected; return; }  // we never sent message 6
  if (!p.address) { ++ctx_.counters.malformed; return; }          // required in message 7
  if (!p.peer_test->signature.empty()) {
    const PeerInfo* charlie = ctx_.peer(t.charlie);
    if (charlie && !verify(charlie->signing_key,
                           peer_test_message(t.bob, &ctx_.local.hash, p.peer_test->signed_data),
                           p.peer_test->signature)) {
      ++ctx_.counters.bad_signature;
      return;
    }
  }
  t.got7 = true;
  t.observed = *p.address;
  alice_finish(nonce);
}

// The spec's "Results State Machine". Where its summary table and detailed list disagree
// (4 received, neither 5 nor 7) we follow the table: Charlie agreed, so the missing 5 and the
// unanswered 6 point at our firewall rather than at nothing.
Reachability PeerTest::alice_result(const AliceTest& t) const {
  if (t.reject != 0) return Reachability::Unknown;
  const bool symnat_now = current_ == Reachability::SymmetricNat;
  if (t.got5) {
    if (t.got4 && t.got7) return Reachability::Reachable;  // port/IP differences: Charlie's
                                                            // NAT or an address change
    return symnat_now ? Reachability::Unknown : Reachability::Reachable;
  }
  if (!t.got4) return Reachability::Unknown;
  if (!t.got7) return symnat_now ? Reachability::SymmetricNat : Reachability::Firewalled;
  // Only the port decides: a changed IP with the same port is an address change behind an
  // ordinary firewall (spec: "FIREWALLED, address change?"), a changed port is symmetric NAT.
  const bool port_ok = t.observed && t.observed->port == t.tested.port;
  return port_ok ? Reachability::Firewalled : Reachability::SymmetricNat;
}

void PeerTest::alice_finish(uint32_t nonce) {
  auto it = alice_.find(nonce);
  if (it == alice_.end()) return;
  const AliceTest& t = it->second;
  PeerTestDone d;
  d.nonce = nonce;
  d.bob = t.bob;
  d.result = alice_result(t);
  d.tested = t.tested;
  d.observed = t.observed;
  d.reject_code = t.reject;
  d.got4 = t.got4 && t.reject == 0;
  d.got5 = t.got5;
  d.got7 = t.got7;
  if (d.result != Reachability::Unknown) current_ = d.result;
  ctx_.emit(std::move(d));
  alice_.erase(it);
}

// ===================================================================== Bob

void PeerTest::bob_reject(const RouterHash& alice, const wire::PeerTestBlock& b, uint8_t code) {
  // Bob's own refusal: all-zero hash, Alice's signed data, signed by us.
  auto sig = sign(ctx_.local.signing_priv, peer_test_message(ctx_.local.hash, &alice, b.signed_data));
  ++ctx_.counters.rejected_sent;
  ctx_.emit(SendBlocks{alice, {make_block(4, code, RouterHash{}, b.signed_data,
                                          sig ? *sig : Bytes{})}});
}

const PeerInfo* PeerTest::bob_pick_charlie(const RouterHash& alice, uint8_t ip_len) {
  std::vector<const PeerInfo*> candidates;
  for (const auto& [h, ep] : ctx_.sessions()) {
    if (h == alice) continue;
    const PeerInfo* p = ctx_.peer(h);
    if (p && p->peer_test_capable && p->intro_key && p->endpoint_for(ip_len))
      candidates.push_back(p);
  }
  if (candidates.empty()) return nullptr;
  return candidates[ctx_.random_u32() % candidates.size()];
}

void PeerTest::bob_msg1(const Now& now, const RouterHash& alice, const wire::PeerTestBlock& b) {
  const uint32_t nonce = b.nonce();
  if (b.version() != kVersion || b.code != 0) { ++ctx_.counters.malformed; return; }
  if (!ctx_.fresh(b.timestamp(), now)) { ++ctx_.counters.stale_timestamp; return; }
  switch (ctx_.nonces.insert(now.mono, NonceKind::PeerTestBob, alice, nonce)) {
    case NonceFilter::Insert::replay: ++ctx_.counters.replayed_nonce; return;
    case NonceFilter::Insert::full: ++ctx_.counters.limit; return bob_reject(alice, b, pt_code::kBobLimit);
    case NonceFilter::Insert::fresh: break;
  }
  const PeerInfo* a = ctx_.peer(alice);
  if (!a) { ++ctx_.counters.unknown_peer; return bob_reject(alice, b, pt_code::kBobUnspecified); }
  if (!verify(a->signing_key, peer_test_message(ctx_.local.hash, nullptr, b.signed_data),
              b.signature)) {
    ++ctx_.counters.bad_signature;
    return bob_reject(alice, b, pt_code::kBobSignature);
  }
  const Address claimed = b.alice();
  if (!plausible_test_address(claimed, ctx_.session(alice)))
    return bob_reject(alice, b, pt_code::kBobAddress);
  if (bob_.size() >= ctx_.cfg.max_active || bob_.count(nonce)) {
    ++ctx_.counters.limit;
    return bob_reject(alice, b, pt_code::kBobLimit);
  }
  const PeerInfo* charlie = bob_pick_charlie(alice, claimed.ip_len);
  if (!charlie) return bob_reject(alice, b, pt_code::kBobNoCharlie);

  // Charlie needs Alice's RouterInfo before message 2 to verify her signature.
  std::vector<wire::Block> blocks;
  if (!a->router_info.empty()) blocks.push_back(wire::RouterInfoBlock{0, 0x01, a->router_info});
  blocks.push_back(make_block(2, 0, alice, b.signed_data, b.signature));
  ctx_.emit(SendBlocks{charlie->hash, std::move(blocks)});
  bob_.emplace(nonce, BobRelay{alice, charlie->hash, now.mono + ctx_.cfg.forward_ttl});
}

void PeerTest::bob_msg3(const Now& now, const RouterHash& charlie, const wire::PeerTestBlock& b) {
  auto it = bob_.find(b.nonce());
  if (it == bob_.end()) { ++ctx_.counters.unknown_nonce; return; }
  if (it->second.charlie != charlie) { ++ctx_.counters.wrong_sender; return; }
  const RouterHash alice = it->second.alice;
  bob_.erase(it);
  std::vector<wire::Block> blocks;
  if (b.code == pt_code::kAccept) {
    // Alice needs Charlie's RouterInfo (intro key, address, signing key) before message 4.
    const PeerInfo* c = ctx_.peer(charlie);
    if (c && !c->router_info.empty()) blocks.push_back(wire::RouterInfoBlock{0, 0x01, c->router_info});
  }
  blocks.push_back(make_block(4, b.code, charlie, b.signed_data, b.signature));
  ctx_.emit(SendBlocks{alice, std::move(blocks)});
}

// ===================================================================== Charlie

void PeerTest::charlie_reply(const RouterHash& bob, const RouterHash& alice, Bytes signed_data,
                             uint8_t code) {
  auto sig = sign(ctx_.local.signing_priv, peer_test_message(bob, &alice, signed_data));
  if (code != 0) ++ctx_.counters.rejected_sent;
  ctx_.emit(SendBlocks{bob, {make_block(3, code, std::nullopt, std::move(signed_data),
                                        sig ? *sig : Bytes{})}});
}

void PeerTest::charlie_msg2(const Now& now, const RouterHash& bob, const wire::PeerTestBlock& b) {
  const uint32_t nonce = b.nonce();
  const RouterHash alice = *b.hash;
  const Address alice_ep = b.alice();
  if (b.version() != kVersion || b.code != 0) { ++ctx_.counters.malformed; return; }
  if (!ctx_.fresh(b.timestamp(), now)) { ++ctx_.counters.stale_timestamp; return; }
  switch (ctx_.nonces.insert(now.mono, NonceKind::PeerTestCharlie, bob, nonce)) {
    case NonceFilter::Insert::replay: ++ctx_.counters.replayed_nonce; return;
    case NonceFilter::Insert::full:
      ++ctx_.counters.limit;
      return charlie_reply(bob, alice, b.signed_data, pt_code::kCharlieLimit);
    case NonceFilter::Insert::fresh: break;
  }
  const PeerInfo* a = ctx_.peer(alice);
  if (!a) {
    ++ctx_.counters.unknown_peer;
    return charlie_reply(bob, alice, b.signed_data, pt_code::kCharlieUnknownAlice);
  }
  if (!verify(a->signing_key, peer_test_message(bob, nullptr, b.signed_data), b.signature)) {
    ++ctx_.counters.bad_signature;
    return charlie_reply(bob, alice, b.signed_data, pt_code::kCharlieSignature);
  }
  if (!a->intro_key || !ctx_.local.endpoint_for(alice_ep.ip_len))
    return charlie_reply(bob, alice, b.signed_data, pt_code::kCharlieAddress);
  if (ctx_.session(alice))  // a session would let message 5 through regardless of her NAT
    return charlie_reply(bob, alice, b.signed_data, pt_code::kCharlieConnected);
  if (charlie_.size() >= ctx_.cfg.max_active || charlie_.count(nonce)) {
    ++ctx_.counters.limit;
    return charlie_reply(bob, alice, b.signed_data, pt_code::kCharlieLimit);
  }

  CharlieTest t;
  t.alice = alice;
  t.alice_endpoint = alice_ep;
  t.alice_intro = *a->intro_key;
  t.signed_data = wire::PeerTestBlock::make_signed_data(kVersion, nonce, now.unix_s, alice_ep);
  auto sig = sign(ctx_.local.signing_priv, peer_test_message(bob, &alice, t.signed_data));
  if (!sig) return;
  t.signature = *sig;
  t.expires = now.mono + ctx_.cfg.forward_ttl;
  ctx_.emit(SendBlocks{bob, {make_block(3, 0, std::nullopt, t.signed_data, t.signature)}});
  // Message 5: probe Alice directly; it only arrives if her address accepts unsolicited UDP.
  auto pkt = packet(now, nonce, true, t.alice_intro, std::nullopt,
                    make_block(5, 0, std::nullopt, t.signed_data, t.signature));
  if (pkt) ctx_.emit(SendPacket{alice_ep, std::move(*pkt)});
  charlie_.emplace(nonce, std::move(t));
}

void PeerTest::charlie_msg6(const Now& now, const Address& src, const OosPacket& p) {
  const uint32_t nonce = p.peer_test->nonce();
  auto it = charlie_.find(nonce);
  if (it == charlie_.end()) { ++ctx_.counters.unknown_nonce; return; }
  CharlieTest& t = it->second;
  if (t.msg7_sent >= ctx_.cfg.msg7_max_sends) { ++ctx_.counters.limit; return; }
  // Message 7 tells Alice the address her message 6 really came from.
  auto pkt = packet(now, nonce, true, t.alice_intro, src,
                    make_block(7, 0, std::nullopt, t.signed_data, t.signature));
  if (!pkt) return;
  ++t.msg7_sent;
  ctx_.emit(SendPacket{src, std::move(*pkt)});
}

// ===================================================================== dispatch

void PeerTest::on_block(const Now& now, const RouterHash& from, const wire::PeerTestBlock& b) {
  // parse_blocks() validated the layout; a hand-built block may still be inconsistent.
  if (b.alice().ip_len == 0 || wire::PeerTestBlock::message_has_hash(b.msg) != b.hash.has_value()) {
    ++ctx_.counters.malformed;
    return;
  }
  switch (b.msg) {
    case 1: return bob_msg1(now, from, b);
    case 2: return charlie_msg2(now, from, b);
    case 3: return bob_msg3(now, from, b);
    case 4: return alice_msg4(now, from, b);
    default: ++ctx_.counters.malformed; return;  // 5-7 are never sent in session
  }
}

void PeerTest::on_packet(const Now& now, const Address& src, const OosPacket& p) {
  if (!p.peer_test || !p.datetime || p.peer_test->alice().ip_len == 0) {
    ++ctx_.counters.malformed;
    return;
  }
  if (!ctx_.fresh(*p.datetime, now)) { ++ctx_.counters.stale_timestamp; return; }
  const uint32_t nonce = p.peer_test->nonce();
  const uint64_t cid = nonce_conn_id(nonce);
  const uint8_t msg = p.peer_test->msg;
  // The connection IDs must be the ones derived from the nonce in the block.
  const bool to_alice = p.header.dest_conn_id == cid && p.header.src_conn_id == ~cid;
  const bool to_charlie = p.header.dest_conn_id == ~cid && p.header.src_conn_id == cid;
  if ((msg == 5 || msg == 7) && to_alice) return msg == 5 ? alice_msg5(now, src, p) : alice_msg7(now, src, p);
  if (msg == 6 && to_charlie) return charlie_msg6(now, src, p);
  ++ctx_.counters.malformed;
}

Result<Bytes> PeerTest::packet(const Now& now, uint32_t nonce, bool to_alice,
                               const ByteArray<32>& key, std::optional<Address> address,
                               wire::PeerTestBlock block) {
  const uint64_t cid = nonce_conn_id(nonce);
  wire::LongHeader h;
  h.dest_conn_id = to_alice ? cid : ~cid;
  h.src_conn_id = to_alice ? ~cid : cid;
  h.packet_number = ctx_.random_u32();
  h.type = uint8_t(wire::MessageType::PeerTest);
  h.net_id = ctx_.local.net_id;
  h.token = ctx_.random_nonzero_u64();  // random and ignored by the receiver
  std::vector<wire::Block> blocks;
  blocks.push_back(wire::DateTimeBlock{now.unix_s});
  if (address) blocks.push_back(wire::AddressBlock{*address});
  blocks.push_back(std::move(block));
  return seal_oos_packet(h, blocks, key);
}

// ===================================================================== timers

void PeerTest::on_timer(const Now& now) {
  std::vector<uint32_t> done;
  for (auto& [nonce, t] : alice_) {
    if (t.msg6_at && *t.msg6_at <= now.mono && t.got4 && !t.got7) alice_send6(now, nonce, t);
    if (t.deadline <= now.mono) done.push_back(nonce);
  }
  for (uint32_t n : done) alice_finish(n);
  std::erase_if(bob_, [&](const auto& e) { return e.second.expires <= now.mono; });
  std::erase_if(charlie_, [&](const auto& e) { return e.second.expires <= now.mono; });
}

std::optional<TimePoint> PeerTest::next_deadline() const {
  std::optional<TimePoint> best;
  auto consider = [&](TimePoint t) { if (!best || t < *best) best = t; };
  for (const auto& [n, t] : alice_) {
    consider(t.deadline);
    if (t.msg6_at) consider(*t.msg6_at);
  }
  for (const auto& [n, b] : bob_) consider(b.expires);
  for (const auto& [n, c] : charlie_) consider(c.expires);
  return best;
}

}  // namespace ssu2::nat
