// The nat actor's relay roles that involve the handshake actor (ssu2.rst "Relay Process"):
//   Alice: a connect to a firewalled router (its addresses have introducers, no host) asks
//     one introducer (Bob) at a time to introduce us, in the order and with the family
//     ssu2::nat::IntroducerChoice gives (every SSU2 address of Charlie's, the families we
//     have an address in), connecting to Bob first when we have no session with him; the engine's IntroductionReady (Bob's Relay Response or Charlie's
//     Hole Punch) gives Charlie's address and token, and the requester's promise goes to the
//     handshake actor's connect there; a reject or timeout moves on to the next introducer.
//   Charlie: the engine's TokenIssued goes to the handshake actor, whose listener then takes
//     Alice's Session Request with that token.
#include "actors/nat_actor_state.hpp"
#include "actors/support/logging.hpp"

namespace ssu2d::nat_detail {

namespace {

// The whole attempt, over every introducer (each Relay Request is bounded by the engine).
constexpr auto kAttemptDeadline = std::chrono::seconds(60);
constexpr auto kConnectBobTimeout = std::chrono::seconds(20);

void finish(nat_t* self, const router_hash& charlie, const caf::error& err) {
  auto a = self->state.introductions.take(charlie);
  if (!a) return;
  log().info("nat: no introduction to {}: {}", to_string(charlie), render_node_error(err));
  count(self, "ssu2_introductions_failed_total", "Connects through introducers that failed");
  for (auto& rp : a->waiting) rp.deliver(err);
}

// Sends the Relay Request to the attempt's Bob (a session with him is up). False when it
// could not be sent (the reason is kept in last_error).
bool ask(nat_t* self, const router_hash& charlie, Introductions::Attempt& a) {
  auto& st = self->state;
  // Charlie punches towards our address of the family of his address that listed Bob.
  const auto& ours = st.engine->local().endpoint_for(a.ip_len);
  if (!ours) {
    a.last_error = std::string("we have no IPv") + (a.ip_len == 16 ? "6" : "4") +
                   " address for Charlie to answer";
    return false;
  }
  auto nonce = st.engine->request_introduction(core_now(self), a.bob->bytes, charlie.bytes, a.tag, *ours);
  if (!nonce) {
    a.last_error = std::string("relay request via ") + to_string(*a.bob) + ": " + nonce.error().what;
    drain(self);
    return false;
  }
  st.introductions.sent(charlie, *nonce);
  log().info("nat: asking {} to introduce us to {} (tag {}, nonce {})", to_string(*a.bob),
             to_string(charlie), a.tag, *nonce);
  drain(self);
  return true;
}

// The next introducer: asked at once when connected, else connected to first (through the
// manager, by hash); none left ends the attempt.
void step(nat_t* self, const router_hash& charlie) {
  auto& st = self->state;
  for (;;) {
    auto* a = st.introductions.find(charlie);
    if (!a) return;
    auto next = a->choice.next([&](const ssu2::crypto::Hash32& h) { return st.sessions.count(router_hash{h}) > 0; });
    if (!next) {
      finish(self, charlie, make_error(node_errc::handshake_failed, "no introducer could introduce us to " +
                                                                     to_string(charlie) + ": " + a->last_error));
      return;
    }
    st.introductions.asking(charlie, router_hash{next->introducer.router_hash}, next->introducer.tag,
                            next->ip_len);
    if (st.sessions.count(*a->bob)) {
      if (ask(self, charlie, *a)) return;
      continue;
    }
    if (!st.opts.manager) {
      a->last_error = "no session with introducer " + to_string(*a->bob);
      continue;
    }
    router_hash bob = *a->bob;
    self->request(st.opts.manager, kConnectBobTimeout, connect_atom::value, bob)
        .then(
            [self, charlie, bob](const router_hash&) {
              auto* a = self->state.introductions.find(charlie);
              if (!a || a->bob != bob || a->nonce) return;
              // Else the session's established message (it may come later) goes on.
              if (self->state.sessions.count(bob) && !ask(self, charlie, *a)) step(self, charlie);
            },
            [self, charlie, bob](caf::error& err) {
              auto* a = self->state.introductions.find(charlie);
              if (!a || a->bob != bob || a->nonce) return;
              a->last_error = "introducer " + to_string(bob) + ": " + render_node_error(err);
              log().info("nat: {}; trying the next introducer of {}", a->last_error, to_string(charlie));
              count(self, "ssu2_introducer_fallbacks_total",
                    "Introducers we could not reach (we are Alice); the next one is tried");
              step(self, charlie);
            });
    return;
  }
}

}  // namespace

caf::result<router_hash> introduce(nat_t* self, std::vector<uint8_t>& router_info) {
  auto& st = self->state;
  ssu2::ByteSpan bytes(router_info.data(), router_info.size());
  auto ri = ssu2::i2p::RouterInfo::parse(bytes);
  if (!ri) return make_error(node_errc::bad_request, "RouterInfo does not parse");
  const auto& local = st.engine->local();
  nat::IntroducerChoice choice(*ri, local.v4.has_value(), local.v6.has_value(), unix_now_s(self));
  if (choice.left() == 0)
    return make_error(node_errc::bad_request, "firewalled router: " + choice.why_none());
  // The Relay Request names Charlie: the engine needs his RouterInfo (the handshake actor
  // checked its signature before handing it here).
  (void)st.engine->learn_verified_router_info(bytes);
  router_hash charlie = to_router_hash(ri->hash());
  auto rp = self->make_response_promise();
  bool full = false;
  auto* a = st.introductions.start(charlie, std::move(router_info), std::move(choice), rp, full);
  if (full) return make_error(node_errc::limit, "too many connects through introducers");
  if (a) {
    count(self, "ssu2_introductions_total", "Connects through introducers started (we are Alice)");
    self->delayed_send(self, kAttemptDeadline, introduce_atom::value, charlie, a->serial);
    step(self, charlie);
  }
  return rp;
}

void on_introduction_ready(nat_t* self, const nat::IntroductionReady& r) {
  auto& st = self->state;
  auto charlie = st.introductions.charlie_of(r.nonce);
  if (!charlie) return;
  auto a = st.introductions.take(*charlie);
  if (!a) return;
  if (!st.opts.handshake) {
    for (auto& rp : a->waiting) rp.deliver(make_error(node_errc::not_available, "no handshake actor"));
    return;
  }
  log().info("nat: {} agreed (nonce {}, {}): connecting to {} at {}", to_string(*a->bob), r.nonce,
             r.via_hole_punch ? "hole punch" : "relay response", to_string(*charlie),
             r.charlie_endpoint.to_string());
  count(self, "ssu2_introductions_ready_total", "Introductions Charlie agreed to (we are Alice)");
  for (auto& rp : a->waiting)
    rp.delegate(st.opts.handshake, connect_atom::value, a->router_info,
                r.charlie_endpoint, r.token);
}

void on_introduction_failed(nat_t* self, const nat::IntroductionFailed& f) {
  auto& st = self->state;
  auto charlie = st.introductions.charlie_of(f.nonce);
  if (!charlie) return;
  auto* a = st.introductions.find(*charlie);
  if (!a) return;
  a->last_error = "introducer " + to_string(*a->bob) +
                  (f.timed_out ? std::string(": no answer") : ": code " + std::to_string(f.code));
  log().info("nat: introduction to {}: {}", to_string(*charlie), a->last_error);
  step(self, *charlie);
}

void on_token_issued(nat_t* self, const nat::TokenIssued& t) {
  if (self->state.opts.handshake)
    self->send(self->state.opts.handshake, relay_token_atom::value,
               t.alice_endpoint, t.token);
}

void introductions_on_session(nat_t* self, const router_hash& peer) {
  for (const auto& charlie : self->state.introductions.waiting_for(peer))
    if (auto* a = self->state.introductions.find(charlie); a && !ask(self, charlie, *a))
      step(self, charlie);
}

void introduction_deadline(nat_t* self, const router_hash& charlie, uint64_t serial) {
  auto* a = self->state.introductions.find(charlie);
  if (a && a->serial == serial)
    finish(self, charlie, make_error(node_errc::timeout, "no introduction to " + to_string(charlie) +
                                                         " in 60 s: " + a->last_error));
}

}  // namespace ssu2d::nat_detail
