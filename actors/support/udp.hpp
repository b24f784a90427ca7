// The one place where socket addresses are converted: sockaddr <-> the core's binary
// ssu2::session::PeerAddress (hot path, no text) and sockaddr <-> the node's text
// `endpoint` (handshake path, local addresses, logs).
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>

#include "messages/messages.hpp"
#include "transport/session/peer_address.hpp"

namespace ssu2d::udp {

// AF_INET / AF_INET6 only; nullopt for any other family.
std::optional<ssu2::session::PeerAddress> to_peer_address(const sockaddr_storage& ss);
// Fills ss/len for a 4- or 16-byte address; false for any other ip_len.
bool to_sockaddr(const ssu2::session::PeerAddress& a, sockaddr_storage& ss, socklen_t& len);

// Text forms (ssu2::Address::host / parse). to_sockaddr and to_address fail when the host is
// not a numeric IPv4 / IPv6 address.
endpoint to_endpoint(const sockaddr_storage& ss);
endpoint to_endpoint(const ssu2::Address& a);
bool to_sockaddr(const endpoint& ep, sockaddr_storage& ss, socklen_t& len);
std::optional<ssu2::Address> to_address(const endpoint& ep);

}  // namespace ssu2d::udp
