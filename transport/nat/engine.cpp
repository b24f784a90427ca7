#include "transport/nat/engine.hpp"

#include <type_traits>

#include "transport/i2p/gzip.hpp"

namespace ssu2::nat {

NatEngine::NatEngine(LocalIdentity local, Config cfg, RandomFn rng, IntroducerConfig intro)
    : ctx_(std::move(local), cfg, std::move(rng)),
      peer_test_(ctx_),
      relay_(ctx_),
      introducers_(ctx_, relay_, intro) {}

Status NatEngine::learn_router_info(const wire::RouterInfoBlock& b) {
  Bytes plain;
  if (b.gzip()) {
    auto un = i2p::gzip_decompress(b.data);
    if (!un) { ++ctx_.counters.malformed; return un.error(); }
    plain = std::move(*un);
  } else {
    plain = b.data;
  }
  auto ri = i2p::RouterInfo::parse(plain);
  if (!ri) { ++ctx_.counters.malformed; return ri.error(); }
  if (!ri->verify()) { ++ctx_.counters.bad_signature; return Error{Errc::auth_failed, "RouterInfo"}; }
  auto p = peer_info_from(*ri);
  if (!p) { ++ctx_.counters.malformed; return p.error(); }
  ctx_.learn_peer(std::move(*p));
  return {};
}

Status NatEngine::learn_verified_router_info(ByteSpan bytes) {
  auto ri = i2p::RouterInfo::parse(bytes);
  if (!ri) return ri.error();
  auto p = peer_info_from(*ri);
  if (!p) return p.error();
  ctx_.learn_peer(std::move(*p));
  return {};
}

void NatEngine::session_established(const Now& now, const RouterHash& peer, const Address& remote,
                                    const HandshakeTags& tags) {
  ctx_.session_up(peer, remote);
  relay_.on_handshake(peer, tags);
  introducers_.on_session_up(now, peer);
  if (tags.granted && *tags.granted != 0) introducers_.on_handshake_tag(now, peer, *tags.granted);
}

void NatEngine::session_closed(const Now& now, const RouterHash& peer) {
  ctx_.session_down(peer);
  relay_.on_session_closed(peer);
  introducers_.on_session_closed(now, peer);
}

bool NatEngine::takes(const wire::Block& b) {
  return std::holds_alternative<wire::PeerTestBlock>(b) ||
         std::holds_alternative<wire::RelayRequestBlock>(b) ||
         std::holds_alternative<wire::RelayResponseBlock>(b) ||
         std::holds_alternative<wire::RelayIntroBlock>(b) ||
         std::holds_alternative<wire::RelayTagRequestBlock>(b) ||
         std::holds_alternative<wire::RelayTagBlock>(b);
}

void NatEngine::on_block(const Now& now, const RouterHash& from, const wire::Block& block) {
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, wire::RouterInfoBlock>) (void)learn_router_info(b);
        else if constexpr (std::is_same_v<T, wire::PeerTestBlock>) peer_test_.on_block(now, from, b);
        else if constexpr (std::is_same_v<T, wire::RelayTagRequestBlock>) relay_.on_tag_request(now, from);
        else if constexpr (std::is_same_v<T, wire::RelayTagBlock>) {
          if (relay_.on_tag(now, from, b)) introducers_.on_granted(now, from, b.relay_tag);
        }
        else if constexpr (std::is_same_v<T, wire::RelayRequestBlock>) relay_.on_request(now, from, b);
        else if constexpr (std::is_same_v<T, wire::RelayIntroBlock>) relay_.on_intro(now, from, b);
        else if constexpr (std::is_same_v<T, wire::RelayResponseBlock>) relay_.on_response(now, from, b);
      },
      block);
}

Status NatEngine::on_packet(const Now& now, const Address& src, ByteSpan packet) {
  auto p = open_oos_packet(packet, ctx_.local.intro_key, ctx_.local.net_id);
  if (!p) {
    ++ctx_.counters.malformed;
    return p.error();
  }
  if (p->header.type == uint8_t(wire::MessageType::PeerTest))
    peer_test_.on_packet(now, src, *p);
  else
    relay_.on_hole_punch(now, src, *p);
  return {};
}

void NatEngine::on_timer(const Now& now) {
  peer_test_.on_timer(now);
  relay_.on_timer(now);
  introducers_.on_timer(now);
}

std::optional<TimePoint> NatEngine::next_deadline() const {
  std::optional<TimePoint> best;
  for (auto d : {peer_test_.next_deadline(), relay_.next_deadline(), introducers_.next_deadline()})
    if (d && (!best || *d < *best)) best = d;
  return best;
}

}  // namespace ssu2::nat
