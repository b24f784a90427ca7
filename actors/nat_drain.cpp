// The nat actor's outputs: each action of the engine onto a send (to a session, the socket
// or the actor's own machinery in nat_actor.cpp / nat_introduce.cpp).
#include "actors/nat_actor_state.hpp"
#include "actors/support/logging.hpp"
#include "actors/support/reachability_status.hpp"

namespace ssu2d::nat_detail {

namespace wire = ssu2::wire;

namespace {

void send_blocks(nat_t* self, nat::SendBlocks& sb) {
  auto& st = self->state;
  auto it = st.sessions.find(to_router_hash(sb.to));
  if (it == st.sessions.end()) {
    // The session went away between the engine's decision and now: the peer's timers cover it.
    st.unroutable++;
    return log().debug("nat: no session with {} for blocks", to_string(to_router_hash(sb.to)));
  }
  log().debug("nat: blocks {} to {}", wire::block_type_list(sb.blocks), to_string(to_router_hash(sb.to)));
  self->send(it->second, send_blocks_atom::value, nat::NatBlocks{std::move(sb.blocks)});
}

}  // namespace

// Carries out every action the engine produced (also those produced meanwhile), then
// re-arms its timer.
void drain(nat_t* self) {
  auto& st = self->state;
  for (auto actions = st.engine->take_actions(); !actions.empty(); actions = st.engine->take_actions())
    for (auto& a : actions) {
      if (auto* sb = std::get_if<nat::SendBlocks>(&a)) {
        send_blocks(self, *sb);
      } else if (auto* sp = std::get_if<nat::SendPacket>(&a)) {
        log().debug("nat: out-of-session packet to {}", sp->to.to_string());
        if (st.opts.socket)
          self->send(st.opts.socket, send_atom::value,
                     send_request{sp->to,
                                  std::vector<uint8_t>(sp->bytes.begin(), sp->bytes.end())});
      } else if (auto* d = std::get_if<nat::PeerTestDone>(&a)) {
        on_peer_test_done(self, *d);
        after_reachability(self);
      } else if (auto* g = std::get_if<nat::RelayTagGranted>(&a)) {
        on_tag_granted(self, *g);
        update_tag_wish(self);
      } else if (std::holds_alternative<nat::IntroducersChanged>(a)) {
        republish(self);
        update_tag_wish(self);  // a lost introducer is asked for in handshakes again
      } else if (auto* k = std::get_if<nat::KeepAlive>(&a)) {
        if (auto it = st.sessions.find(to_router_hash(k->to)); it != st.sessions.end())
          self->send(it->second, keepalive_atom::value);
      } else if (auto* t = std::get_if<nat::TokenIssued>(&a)) {
        on_token_issued(self, *t);
      } else if (auto* r = std::get_if<nat::IntroductionReady>(&a)) {
        on_introduction_ready(self, *r);
      } else if (auto* f = std::get_if<nat::IntroductionFailed>(&a)) {
        on_introduction_failed(self, *f);
      }
    }
  if (st.opts.metrics) export_nat_drops(*st.opts.metrics, st.engine->counters(), st.exported);
  arm_timer(self);
}

}  // namespace ssu2d::nat_detail
