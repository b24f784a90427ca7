// Bob's checks of the RouterInfo Alice sends in Session Confirmed (ssu2.rst Session
// Confirmed notes): well-formed and signed, our network, an SSU2 address whose published
// static key `s` is the key Alice proved in the handshake (docs/DEFECTS.md defect 14), a sane
// publication date, and the caller's acceptance policy.
#pragma once
#include <memory>
#include <string>
#include <string_view>
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

// Alice's check of a RouterInfo she wants to connect to (a file, the netDb): parses, verifies
// the signature and net id, finds a usable SSU2 address with numeric host, port, s and i.
// Fills `out` and returns "" or a one-line reason: kNoHost (exactly) for an address without
// host/port, a firewalled router, reached through its introducers; then `via` (Charlie's
// address from the introduction) stands for the host and port.
inline constexpr std::string_view kNoHost = "SSU2 address has no host/port (firewalled peer)";
std::string remote_router_from_bytes(ByteSpan bytes, uint32_t net_id, RemoteRouter& out,
                                     const Address* via = nullptr);

}  // namespace ssu2::handshake
