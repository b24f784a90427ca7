// Why a node cannot bind one of its ports, in words an operator acts on.
#pragma once
#include <cstdint>
#include <string>

namespace ssu2d {

// "address in use" for EADDRINUSE, "address not available on this host" for EADDRNOTAVAIL,
// a privilege hint for EACCES, else strerror(err).
std::string bind_error_text(int err);
// Tries to bind and listen on TCP host:port (SO_REUSEADDR, as CAF does) and closes again:
// "" when that works, else bind_error_text of the failure (used to explain a CAF publish
// error, which carries no errno).
std::string tcp_listen_probe(const std::string& host, uint16_t port);

}  // namespace ssu2d
