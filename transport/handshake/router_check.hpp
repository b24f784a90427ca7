// Bob's checks of the RouterInfo Alice sends in Session Confirmed (ssu2.rst Session
// Confirmed notes): well-formed and signed, our network, an SSU2 address whose published
// static key `s` is the key Alice proved in the handshake (docs/DEFECTS.md defect 14), a sane
// publication date, and the caller's acceptance policy.
#pragma once
#include <memory>
#include <string>
#include <variant>

#include "transport/crypto/crypto.hpp"
#include "transport/handshake/config.hpp"
#include "transport/i2p/router_info.hpp"
#include "transport/ssu2/blocks.hpp"

namespace ssu2::handshake {

struct CheckedRouter {
  std::shared_ptr<const i2p::RouterInfo> router_info;
  crypto::Key32 intro_key;  // i of the matching SSU2 address
  uint16_t mtu = 0;         // its mtu option, 0 if absent
};

// `static_key`: the s Alice sent in Session Confirmed part 1.
std::variant<CheckedRouter, Failure> check_router_info(const wire::RouterInfoBlock& block,
                                                       const crypto::PublicKey32& static_key,
                                                       const Config& cfg,
                                                       const LocalIdentity& local,
                                                       uint32_t wall_s);

// The IP families this node can send on (one flag per open socket), and which one to try
// first when a peer publishes both.
struct Families {
  bool v4 = true;
  bool v6 = true;
  bool prefer_v6 = false;
  bool allows(const Address& a) const { return a.is_v6() ? v6 : v4; }
};

// Why a RouterInfo cannot be dialled directly. `firewalled`: its SSU2 addresses have no
// host we can use but one of them lists introducers, so it is reached through them.
enum class RemoteRouterError {
  none,
  unparsable,
  bad_signature,
  other_network,
  no_ssu2_address,
  firewalled,
  bad_host,
  no_common_family,
};

struct RemoteRouterCheck {
  RemoteRouterError error = RemoteRouterError::none;
  std::string what;  // one line for logs and ssu2ctl; empty when ok
  explicit operator bool() const { return error == RemoteRouterError::none; }
};

// Alice's check of a RouterInfo she wants to connect to (a file, the netDb): parses, verifies
// the signature and net id, and picks the SSU2 address to dial: of those with a numeric host
// and port in a family we can send on, one of the preferred family, else the first (ssu2.rst
// "Published Addresses": a dual-stack router publishes one address per family). With `via`
// (Charlie's address after an introduction) that stands for host and port, and the keys come
// from the address of via's family (the one with introducers), else the first.
RemoteRouterCheck remote_router_from_bytes(ByteSpan bytes, uint32_t net_id, RemoteRouter& out,
                                           const Address* via = nullptr, Families families = {});

}  // namespace ssu2::handshake
