#include "transport/nat/introducers.hpp"

#include <algorithm>

namespace ssu2::nat {

void Introducers::set_reachability(const Now& now, Reachability r) {
  last_now_ = now.mono;
  if (r == state_) return;
  state_ = r;
  if (!active()) {
    drop_all();
    return;
  }
  fill(now);
}

void Introducers::drop_all() {
  asking_.clear();
  fill_due_ = false;
  if (held_.empty()) return;
  held_.clear();
  changed();
}

bool Introducers::candidate(const RouterHash& h, const Now& now) const {
  const PeerInfo* p = ctx_.peer(h);
  if (!p || !p->introduces(ip_len_)) return false;
  // Its Relay Intro comes to us over this session: through this family's NAT mapping.
  const Address* s = ctx_.session(h);
  if (!s || s->ip_len != ip_len_) return false;
  if (asking_.count(h)) return false;
  if (std::any_of(held_.begin(), held_.end(), [&](const Held& x) { return x.peer == h; }))
    return false;
  auto r = refused_.find(h);
  return r == refused_.end() || r->second <= now.mono;
}

void Introducers::ask(const Now& now, const RouterHash& h) {
  if (relay_.request_tag(now, h).ok()) asking_[h] = now.mono + cfg_.request_timeout;
}

void Introducers::fill(const Now& now) {
  std::vector<RouterHash> c;
  for (const auto& [h, ep] : ctx_.sessions())
    if (candidate(h, now)) c.push_back(h);
  // Random ones: firewalled routers that see the same peers do not all pick the same.
  while (!c.empty() && held_.size() + asking_.size() < cfg_.wanted) {
    size_t i = ctx_.random_u32() % c.size();
    ask(now, c[i]);
    c.erase(c.begin() + ptrdiff_t(i));
  }
}

void Introducers::lose(const RouterHash& peer) {
  asking_.erase(peer);
  auto it = std::find_if(held_.begin(), held_.end(), [&](const Held& x) { return x.peer == peer; });
  if (it != held_.end()) {
    held_.erase(it);
    changed();
  }
}

void Introducers::on_session_up(const Now& now, const RouterHash& peer) {
  last_now_ = now.mono;
  // A newer session replaced the old one: over another family it no longer serves this one.
  if (const Address* s = ctx_.session(peer); s && s->ip_len != ip_len_) lose(peer);
  fill_due_ = active();
}

void Introducers::on_session_closed(const Now& now, const RouterHash& peer) {
  last_now_ = now.mono;
  lose(peer);
  fill_due_ = active();
}

void Introducers::on_granted(const Now& now, const RouterHash& from, uint32_t tag) {
  last_now_ = now.mono;
  if (!active()) return;
  const uint32_t exp_s = now.unix_s + uint32_t(cfg_.tag_lifetime.count() / 1000);
  auto it = std::find_if(held_.begin(), held_.end(), [&](const Held& x) { return x.peer == from; });
  if (it != held_.end()) {
    // A refresh: same tag, expiry moved forward only when it gets close (each move
    // republishes the RouterInfo).
    if (it->tag == tag && it->expires - now.mono >= cfg_.extend_before) return;
    it->tag = tag;
    it->expires_s = exp_s;
    it->expires = now.mono + cfg_.tag_lifetime;
    changed();
    return;
  }
  // Only answers to our own first requests (not a tag asked for by an operator).
  if (!asking_.erase(from) || held_.size() >= cfg_.wanted) return;
  held_.push_back(Held{from, tag, exp_s, now.mono + cfg_.tag_lifetime, now.mono + cfg_.refresh_interval,
                       now.mono + cfg_.keepalive_interval});
  changed();
}

void Introducers::on_handshake_tag(const Now& now, const RouterHash& from, uint32_t tag) {
  last_now_ = now.mono;
  // Asked for in our Session Request because we are firewalled (the same want as ours):
  // held when the peer could be picked as an introducer now.
  if (active() && (asking_.count(from) || candidate(from, now))) asking_[from] = now.mono;
  on_granted(now, from, tag);
}

void Introducers::on_timer(const Now& now) {
  last_now_ = now.mono;
  fill_due_ = false;
  if (!active()) return;
  for (auto it = asking_.begin(); it != asking_.end();) {
    if (it->second > now.mono) { ++it; continue; }
    refused_[it->first] = now.mono + cfg_.refused_backoff;
    it = asking_.erase(it);
  }
  std::erase_if(refused_, [&](const auto& e) { return e.second <= now.mono; });
  size_t before = held_.size();
  std::erase_if(held_, [&](const Held& x) { return x.expires <= now.mono; });
  if (held_.size() != before) changed();
  for (auto& x : held_) {
    if (x.next_refresh <= now.mono) {
      x.next_refresh = now.mono + cfg_.refresh_interval;
      // The request is a packet to the introducer too: the keepalive can wait.
      x.next_keepalive = now.mono + cfg_.keepalive_interval;
      (void)relay_.request_tag(now, x.peer);  // no session: its close drops it
    } else if (x.next_keepalive <= now.mono) {
      x.next_keepalive = now.mono + cfg_.keepalive_interval;
      ctx_.emit(KeepAlive{x.peer});
    }
  }
  fill(now);
}

std::optional<TimePoint> Introducers::next_deadline() const {
  if (!active()) return std::nullopt;
  if (fill_due_) return last_now_.value_or(TimePoint{0});
  std::optional<TimePoint> best;
  auto consider = [&](TimePoint t) { if (!best || t < *best) best = t; };
  for (const auto& [h, t] : asking_) consider(t);
  for (const auto& x : held_) {
    consider(x.expires);
    consider(x.next_refresh);
    consider(x.next_keepalive);
  }
  // A refuser may be asked again once its backoff is over, if we still lack introducers.
  if (held_.size() + asking_.size() < cfg_.wanted)
    for (const auto& [h, t] : refused_) consider(t);
  return best;
}

std::vector<i2p::Introducer> Introducers::published() const {
  std::vector<i2p::Introducer> out;
  for (const auto& x : held_) out.push_back(i2p::Introducer{x.peer, x.expires_s, x.tag});
  return out;
}

}  // namespace ssu2::nat
