#include "transport/nat/introducer_set.hpp"

namespace ssu2::nat {

void IntroducerSet::set_reachability(const Now& now, Reachability r, uint8_t ip_len) {
  if (ip_len == 4) v4_.set_reachability(now, r);
  else if (ip_len == 16) v6_.set_reachability(now, r);
}

void IntroducerSet::on_session_up(const Now& now, const RouterHash& peer) {
  v4_.on_session_up(now, peer);
  v6_.on_session_up(now, peer);
}

void IntroducerSet::on_session_closed(const Now& now, const RouterHash& peer) {
  v4_.on_session_closed(now, peer);
  v6_.on_session_closed(now, peer);
}

void IntroducerSet::on_granted(const Now& now, const RouterHash& from, uint32_t tag) {
  v4_.on_granted(now, from, tag);
  v6_.on_granted(now, from, tag);
}

void IntroducerSet::on_handshake_tag(const Now& now, const RouterHash& from, uint32_t tag) {
  v4_.on_handshake_tag(now, from, tag);
  v6_.on_handshake_tag(now, from, tag);
}

void IntroducerSet::on_timer(const Now& now) {
  v4_.on_timer(now);
  v6_.on_timer(now);
}

std::optional<TimePoint> IntroducerSet::next_deadline() const {
  auto a = v4_.next_deadline(), b = v6_.next_deadline();
  if (a && b) return std::min(*a, *b);
  return a ? a : b;
}

}  // namespace ssu2::nat
