// The one place where socket addresses are converted: sockaddr <-> the core's binary
// ssu2::Address, at the socket edge (reader, senders, bind). Everything above the socket
// carries ssu2::Address; text is made only for logs and ssu2ctl (Address::to_string / host).
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>

#include "transport/common/address.hpp"

namespace ssu2d::udp {

// AF_INET / AF_INET6 only; nullopt for any other family.
std::optional<ssu2::Address> to_address(const sockaddr_storage& ss);
// Fills ss/len for a 4- or 16-byte address; false for any other ip_len.
bool to_sockaddr(const ssu2::Address& a, sockaddr_storage& ss, socklen_t& len);

}  // namespace ssu2d::udp
