// ssu2ctl's connection to a node: address parsing, the CAF actor system (plain or TLS) and
// an error that says why the node cannot be reached (errno) and what to check.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include <caf/all.hpp>

#include "messages/interfaces.hpp"

namespace ssu2d::ctl {

struct Endpoint {
  std::string host;
  uint16_t port = 0;
};
struct TlsFiles {
  bool on = false;
  std::string ca, cert, key;
};

// "HOST:PORT" or "[V6]:PORT"; false when malformed or the port is out of 1..65535.
bool split_host_port(const std::string& s, Endpoint& out);
// Why a TCP connection to host:port fails (the errno text CAF does not report), "" if it works.
std::string tcp_probe(const Endpoint& ep);
// Connects to the node's control actor and runs `fn` with it; returns fn's exit code, or 1
// after reporting "cannot reach node at HOST:PORT: <errno text>; is ssu2d running? ...".
int with_node(const Endpoint& ep, const TlsFiles& tls, bool as_json,
              const std::function<int(caf::actor_system&, const introspection_client_actor&)>& fn);

}  // namespace ssu2d::ctl
