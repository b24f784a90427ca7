#include "transport/nat/context.hpp"

namespace ssu2::nat {

Context::Context(LocalIdentity l, Config c, RandomFn rng)
    : local(std::move(l)),
      cfg(c),
      // Twice the skew plus a margin: a replay still carrying an acceptable timestamp is
      // always inside the filter's memory.
      nonces(Millis{(2 * int64_t(c.max_skew_s) + 60) * 1000}, 4 * c.max_active * 64),
      rng_(rng ? std::move(rng) : RandomFn([](MutByteSpan s) { crypto::random_bytes(s); })) {}

void Context::learn_peer(PeerInfo p) {
  // Our own RouterInfo (any peer can send it, it is public) is not another router: knowing it
  // would let a peer make us Charlie or relay for ourselves with a signature we made, e.g. a
  // Bob that hands our own message 1 back to us as message 2 (we would probe our own address).
  if (p.hash == local.hash) {
    ++counters.unexpected;
    return;
  }
  auto it = peers_.find(p.hash);
  if (it != peers_.end()) {
    it->second = std::move(p);
    return;
  }
  if (peers_.size() >= cfg.max_known_peers) {
    // Forget a router we have no session with (the lowest hash); if all have sessions,
    // refuse the newcomer.
    if (sessionless_.empty()) {
      ++counters.limit;
      return;
    }
    peers_.erase(*sessionless_.begin());
    sessionless_.erase(sessionless_.begin());
  }
  if (!sessions_.count(p.hash)) sessionless_.insert(p.hash);
  peers_.emplace(p.hash, std::move(p));
}

const PeerInfo* Context::peer(const RouterHash& h) const {
  auto it = peers_.find(h);
  return it == peers_.end() ? nullptr : &it->second;
}

const Address* Context::session(const RouterHash& h) const {
  auto it = sessions_.find(h);
  return it == sessions_.end() ? nullptr : &it->second;
}

uint32_t Context::random_u32() {
  uint8_t b[4];
  rng_(MutByteSpan(b, 4));
  return load_be32(b);
}

uint32_t Context::random_nonzero_u32() {
  for (;;)
    if (uint32_t v = random_u32()) return v;
}

uint64_t Context::random_nonzero_u64() {
  for (;;) {
    uint8_t b[8];
    rng_(MutByteSpan(b, 8));
    if (uint64_t v = load_be64(b)) return v;
  }
}

bool Context::fresh(uint32_t ts, const Now& now) const {
  const int64_t d = int64_t(ts) - int64_t(now.unix_s);
  return d <= int64_t(cfg.max_skew_s) && d >= -int64_t(cfg.max_skew_s);
}

std::vector<Action> Context::take_actions() {
  std::vector<Action> out(std::make_move_iterator(actions_.begin()),
                          std::make_move_iterator(actions_.end()));
  actions_.clear();
  return out;
}

}  // namespace ssu2::nat
