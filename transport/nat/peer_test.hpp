// SSU2 peer test (spec "Peer Test Process"), all three roles in one router:
//   Alice   starts a test through Bob, collects messages 4, 5 and 7, sends message 6, and
//           concludes reachable / firewalled / symmetric NAT / unknown.
//   Bob     checks Alice's request (message 1), picks a Charlie among his sessions, forwards
//           (message 2, preceded by Alice's RouterInfo) and relays Charlie's answer back
//           (message 4, preceded by Charlie's RouterInfo).
//   Charlie checks the forwarded request, answers Bob (message 3), probes Alice out of
//           session (message 5) and answers her message 6 with message 7.
// Messages 1-4 arrive as PeerTest blocks inside a session; 5-7 as out-of-session packets.
// Remote input that fails a check is dropped and counted (Context::counters), or answered
// with the spec's reject code where the spec has one.
#pragma once
#include <map>
#include <optional>

#include "transport/nat/context.hpp"
#include "transport/nat/oos_packet.hpp"

namespace ssu2::nat {

// Reject codes of the PeerTest block.
namespace pt_code {
inline constexpr uint8_t kAccept = 0;
inline constexpr uint8_t kBobUnspecified = 1;
inline constexpr uint8_t kBobNoCharlie = 2;
inline constexpr uint8_t kBobLimit = 3;
inline constexpr uint8_t kBobSignature = 4;
inline constexpr uint8_t kBobAddress = 5;
inline constexpr uint8_t kCharlieUnspecified = 64;
inline constexpr uint8_t kCharlieAddress = 65;
inline constexpr uint8_t kCharlieLimit = 66;
inline constexpr uint8_t kCharlieSignature = 67;
inline constexpr uint8_t kCharlieConnected = 68;
inline constexpr uint8_t kCharlieUnknownAlice = 70;
}  // namespace pt_code

class PeerTest {
 public:
  explicit PeerTest(Context& ctx) : ctx_(ctx) {}

  // Alice: start a test of `tested` (our address as we believe it) through Bob, with whom
  // we have a session. Returns the nonce. Errors: not_found (no session with Bob),
  // wrong_state (too many tests), crypto_error.
  Result<uint32_t> start(const Now& now, const RouterHash& bob, const Address& tested);

  // A PeerTest block received in the session with `from` (messages 1-4).
  void on_block(const Now& now, const RouterHash& from, const wire::PeerTestBlock& b);
  // An opened out-of-session Peer Test packet (messages 5-7) from `src`.
  void on_packet(const Now& now, const Address& src, const OosPacket& p);

  void on_timer(const Now& now);
  std::optional<TimePoint> next_deadline() const;

  // The last result we concluded (used by the "unless currently SYMNAT" rules).
  Reachability current() const { return current_; }
  size_t active_alice() const { return alice_.size(); }
  size_t active_bob() const { return bob_.size(); }
  size_t active_charlie() const { return charlie_.size(); }

 private:
  struct AliceTest {
    RouterHash bob{};
    Address tested;
    Bytes signed_data, signature;  // message 1, reused in message 6
    TimePoint deadline{0};
    bool got4 = false, got5 = false, got7 = false;
    uint8_t reject = 0;
    RouterHash charlie{};
    Address charlie_endpoint;     // from Charlie's RouterInfo (message 6 goes there)
    ByteArray<32> charlie_intro{};
    std::optional<TimePoint> msg6_at;
    int msg6_sent = 0;
    std::optional<Address> observed;
  };
  struct BobRelay {
    RouterHash alice{}, charlie{};
    TimePoint expires{0};
  };
  struct CharlieTest {
    RouterHash alice{};
    Address alice_endpoint;
    ByteArray<32> alice_intro{};
    Bytes signed_data, signature;  // our message 3, reused in messages 5 and 7
    TimePoint expires{0};
    int msg7_sent = 0;
  };

  void alice_msg4(const Now& now, const RouterHash& from, const wire::PeerTestBlock& b);
  void alice_msg5(const Now& now, const Address& src, const OosPacket& p);
  void alice_msg7(const Now& now, const Address& src, const OosPacket& p);
  void alice_send6(const Now& now, uint32_t nonce, AliceTest& t);
  void alice_finish(uint32_t nonce);
  Reachability alice_result(const AliceTest& t) const;

  void bob_msg1(const Now& now, const RouterHash& alice, const wire::PeerTestBlock& b);
  void bob_msg3(const Now& now, const RouterHash& charlie, const wire::PeerTestBlock& b);
  void bob_reject(const RouterHash& alice, const wire::PeerTestBlock& b, uint8_t code);
  const PeerInfo* bob_pick_charlie(const RouterHash& alice, uint8_t ip_len);

  void charlie_msg2(const Now& now, const RouterHash& bob, const wire::PeerTestBlock& b);
  void charlie_msg6(const Now& now, const Address& src, const OosPacket& p);
  void charlie_reply(const RouterHash& bob, const RouterHash& alice, Bytes signed_data,
                     uint8_t code);

  // A protected Peer Test packet for `nonce`: towards Alice (messages 5, 7) or from her
  // (message 6, connection IDs swapped), encrypted with the receiver's intro key.
  Result<Bytes> packet(const Now& now, uint32_t nonce, bool to_alice, const ByteArray<32>& key,
                       std::optional<Address> address, wire::PeerTestBlock block);

  Context& ctx_;
  std::map<uint32_t, AliceTest> alice_;
  std::map<uint32_t, BobRelay> bob_;
  std::map<uint32_t, CharlieTest> charlie_;
  Reachability current_ = Reachability::Unknown;
};

}  // namespace ssu2::nat
