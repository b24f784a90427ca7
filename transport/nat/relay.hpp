// SSU2 relay / introduction (spec "Relay Process", "Tag Requests by Bob"), all roles:
//   tag owner  (a firewalled router, "Charlie" later) asks a peer for a relay tag and
//              publishes the tag it gets (RelayTagGranted).
//   Bob        (introducer) hands out tags, maps a RelayRequest's tag to Charlie's session and
//              forwards it as RelayIntro (preceded by Alice's RouterInfo); relays Charlie's
//              RelayResponse back; answers with a signed reject when he cannot.
//   Charlie    checks the RelayIntro, answers Bob with a signed RelayResponse carrying a token
//              and sends Alice a Hole Punch out of session; tells the caller to accept the
//              token (TokenIssued).
//   Alice      signs a RelayRequest to Bob, and on Bob's RelayResponse or Charlie's Hole Punch
//              (whichever comes first) reports IntroductionReady with Charlie's address and
//              the token; IntroductionFailed on a reject or timeout.
// Nonces are checked against the NonceFilter (relay blocks have no message ID).
#pragma once
#include <map>
#include <optional>
#include <set>

#include "transport/nat/context.hpp"
#include "transport/nat/oos_packet.hpp"

namespace ssu2::nat {

namespace relay_code {
inline constexpr uint8_t kAccept = 0;
inline constexpr uint8_t kBobUnspecified = 1;
inline constexpr uint8_t kBobLimit = 3;
inline constexpr uint8_t kBobSignature = 4;
inline constexpr uint8_t kBobTagNotFound = 5;
inline constexpr uint8_t kBobAliceUnknown = 6;
inline constexpr uint8_t kCharlieUnspecified = 64;
inline constexpr uint8_t kCharlieAddress = 65;
inline constexpr uint8_t kCharlieLimit = 66;
inline constexpr uint8_t kCharlieSignature = 67;
inline constexpr uint8_t kCharlieConnected = 68;
inline constexpr uint8_t kCharlieUnknownAlice = 70;
}  // namespace relay_code

class Relay {
 public:
  // A firewalled router asks for tags until it holds this many (spec "Introducers": up to 3
  // are published).
  static constexpr size_t kWantedTags = 3;

  explicit Relay(Context& ctx) : ctx_(ctx) {}

  // ---- commands ----
  // Ask `introducer` (session must be up) for a relay tag. not_found without a session.
  Status request_tag(const Now& now, const RouterHash& introducer);
  // Alice: ask Bob to introduce us to Charlie, whose RouterInfo published (bob, tag).
  // `our_endpoint` is the address Charlie should punch towards. Returns the nonce.
  // Errors: not_found (no session with Bob, or Charlie's RouterInfo unknown), wrong_state
  // (too many pending), crypto_error.
  Result<uint32_t> request_introduction(const Now& now, const RouterHash& bob,
                                        const RouterHash& charlie, uint32_t tag,
                                        const Address& our_endpoint);

  // ---- in-session blocks from router `from` ----
  void on_tag_request(const Now& now, const RouterHash& from);
  // A session with `peer` came up from a handshake that asked for or gave a tag: a granted
  // tag is held and reported (RelayTagGranted) like one from a RelayTag block; asked with
  // no tag, a RelayTag block may still follow in the data phase; an issued tag is Bob's.
  void on_handshake(const RouterHash& peer, const HandshakeTags& t);
  // True when it answered a request of ours (the tag is now held).
  bool on_tag(const Now& now, const RouterHash& from, const wire::RelayTagBlock& b);
  void on_request(const Now& now, const RouterHash& from, const wire::RelayRequestBlock& b);
  void on_intro(const Now& now, const RouterHash& from, const wire::RelayIntroBlock& b);
  void on_response(const Now& now, const RouterHash& from, const wire::RelayResponseBlock& b);
  // ---- out of session: an opened Hole Punch packet from `src` ----
  void on_hole_punch(const Now& now, const Address& src, const OosPacket& p);

  // Tags issued to / granted by a router die with its session.
  void on_session_closed(const RouterHash& peer);
  void on_timer(const Now& now);
  std::optional<TimePoint> next_deadline() const;

  // Bob's table: which router a tag belongs to.
  std::optional<RouterHash> tag_owner(uint32_t tag) const;
  // Whether new outbound handshakes should ask for a relay tag: firewalled and fewer than
  // kWantedTags held.
  bool wants_tags(bool firewalled) const { return firewalled && granted_.size() < kWantedTags; }
  // Tags we hold, per introducer.
  const std::map<RouterHash, uint32_t>& granted_tags() const { return granted_; }
  size_t pending_introductions() const { return alice_.size(); }

 private:
  struct AliceIntro {
    RouterHash bob{}, charlie{};
    TimePoint deadline{0};
    bool done = false;  // Ready/Failed reported; kept until the deadline to absorb the twin
  };
  struct BobForward {
    RouterHash alice{}, charlie{};
    TimePoint expires{0};
  };

  void bob_reject(const Now& now, const RouterHash& alice, uint32_t nonce, uint8_t code);
  void charlie_reject(const Now& now, const RouterHash& bob, uint32_t nonce, uint8_t code);
  void alice_response(const Now& now, const RouterHash& bob, const wire::RelayResponseBlock& b);
  void bob_forward_response(const RouterHash& charlie, const wire::RelayResponseBlock& b);
  // Verifies Charlie's acceptance for an introduction Alice asked Bob for.
  bool charlie_signature_ok(const AliceIntro& a, const wire::RelayResponseBlock& b);

  Context& ctx_;
  std::map<uint32_t, RouterHash> tags_;         // Bob: tag -> owner
  std::map<RouterHash, uint32_t> tag_of_;       // Bob: owner -> tag
  std::set<RouterHash> asked_;                  // tag requests we sent, not yet answered
  std::map<RouterHash, uint32_t> granted_;      // tags we hold: introducer -> tag
  std::map<uint32_t, AliceIntro> alice_;
  std::map<uint32_t, BobForward> bob_;
};

}  // namespace ssu2::nat
