// ssu2ctl's commands: one request to the node's introspection actor each (or an offline
// RouterInfo decode), with the reply printed as a table or JSON.
#pragma once
#include <cstdint>
#include <string>

#include <caf/all.hpp>

#include "messages/interfaces.hpp"

namespace ssu2d::ctl {

// The parsed command line (CLI11 fills it; values are already validated).
struct Command {
  std::string name;              // "status", "send", ...
  std::string hash;              // HASH argument (hex or I2P base64, checked)
  std::string file;              // FILE argument
  std::string level;             // loglevel LEVEL ("" asks)
  std::string sort = "age";      // sessions --sort age|rtt|bytes|peer
  uint32_t count = 0, min_size = 0, max_size = 0;  // send N SIZE[-MAX]
  bool sequential = false;
  bool json = false;
  bool quiet = false;            // no progress lines
  unsigned timeout_s = 300;      // send: seconds to wait for the reply
};

// Runs a command against a connected node; returns the exit code (0 ok, 1 failed).
int run_command(caf::actor_system& sys, const introspection_client_actor& node, const Command& c);
// `routerinfo FILE`, no node needed.
int routerinfo_offline(const Command& c);

}  // namespace ssu2d::ctl
