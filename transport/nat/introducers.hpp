// Our introducers for one IP family's SSU2 address (spec "Introducers", "Published
// Addresses": each published address lists its own ih/itag/iexp); IntroducerSet
// (transport/nat/introducer_set) holds one of these per family. While that address is
// firewalled (not symmetric NAT: an introduction could not reach us there), up to `wanted`
// established peers that can introduce in that family (a session over the family, a
// published host of the family and 'C' in that address's caps) are asked for a relay tag in
// the data phase. A granted tag is published as ihN / itagN / iexpN until it expires; it is
// asked for again every `refresh_interval` and its expiry is moved forward when less than
// `extend_before` is left. Our NAT must keep letting a held introducer's packets in (its
// Relay Intro comes whenever an Alice asks), so every `keepalive_interval` a KeepAlive asks
// the caller to send that session a packet: home NATs forget an idle UDP mapping after 30 s
// or more (RFC 4787 asks for at least 2 minutes, many keep 30 s), i2pd 2.45.1 sends its
// introducers a Padding packet every 30 s for the same reason (SSU2Server::UpdateIntroducers).
// An introducer is lost when its session ends or moves to the other family, when it does not
// answer the first request (`request_timeout`: it refused; not asked again for
// `refused_backoff`) or when its tag expired without a new grant; a replacement of the same
// family is then asked for. Any other reachability of the family drops them all. Sans-IO:
// the candidates come from the Context (sessions and RouterInfos), requests go out through
// the Relay; every change of the published list emits IntroducersChanged with the family.
#pragma once
#include <map>
#include <optional>
#include <vector>

#include "transport/nat/context.hpp"
#include "transport/nat/relay.hpp"

namespace ssu2::nat {

struct IntroducerConfig {
  size_t wanted = i2p::kMaxIntroducers;    // 3: ih0..ih2
  Millis tag_lifetime{80 * 60'000};         // iexp = grant time + this
  Millis extend_before{20 * 60'000};        // move iexp forward when less is left
  Millis refresh_interval{60'000};          // re-ask a held introducer this often
  Millis keepalive_interval{20'000};        // a packet to each held introducer this often
  Millis request_timeout{15'000};           // no tag by then: refused
  Millis refused_backoff{10 * 60'000};      // a refuser is not asked again before this
};

class Introducers {
 public:
  // `ip_len`: the family, 4 or 16.
  Introducers(Context& ctx, Relay& relay, uint8_t ip_len, IntroducerConfig cfg = {})
      : ctx_(ctx), relay_(relay), cfg_(cfg), ip_len_(ip_len == 16 ? 16 : 4) {}

  uint8_t ip_len() const { return ip_len_; }
  // Reachability of this family's address. Firewalled: gather introducers; anything else:
  // drop them all.
  void set_reachability(const Now& now, Reachability r);
  // A session with `peer` came up: it may be a candidate (picked at the next on_timer, due
  // at once); one of ours whose new session is of the other family is lost.
  void on_session_up(const Now& now, const RouterHash& peer);
  void on_session_closed(const Now& now, const RouterHash& peer);
  // `from` granted (or confirmed) `tag` for a request of ours (ignored when `from` is not
  // ours, held or asked, in this family).
  void on_granted(const Now& now, const RouterHash& from, uint32_t tag);
  // `from` gave `tag` in Session Created, for a Session Request that asked for one.
  void on_handshake_tag(const Now& now, const RouterHash& from, uint32_t tag);
  void on_timer(const Now& now);
  std::optional<TimePoint> next_deadline() const;

  // What to publish, in slot order (ih0 first).
  std::vector<i2p::Introducer> published() const;
  bool active() const { return state_ == Reachability::Firewalled; }
  size_t pending() const { return asking_.size(); }
  // Active and holding fewer than `wanted`: outbound handshakes should ask for tags.
  bool short_of_introducers() const { return active() && held_.size() < cfg_.wanted; }

 private:
  struct Held {
    RouterHash peer{};
    uint32_t tag = 0;
    uint32_t expires_s = 0;   // iexp (wall clock)
    TimePoint expires{0};     // the same on the monotonic clock
    TimePoint next_refresh{0};
    TimePoint next_keepalive{0};
  };
  bool candidate(const RouterHash& h, const Now& now) const;
  void fill(const Now& now);
  void ask(const Now& now, const RouterHash& h);
  void lose(const RouterHash& peer);
  void drop_all();
  void changed() { ctx_.emit(IntroducersChanged{.ip_len = ip_len_, .introducers = published()}); }

  Context& ctx_;
  Relay& relay_;
  IntroducerConfig cfg_;
  uint8_t ip_len_;
  Reachability state_ = Reachability::Unknown;
  std::vector<Held> held_;                   // in slot order
  std::map<RouterHash, TimePoint> asking_;   // first requests: peer -> deadline
  std::map<RouterHash, TimePoint> refused_;  // peer -> not before
  bool fill_due_ = false;
  std::optional<TimePoint> last_now_;
};

}  // namespace ssu2::nat
