#include "actors/apps/ctl_commands.hpp"

#include <iostream>
#include <optional>
#include <utility>

#include "actors/apps/ctl_output.hpp"
#include "actors/support/status_json.hpp"
#include "actors/support/key_store.hpp"
#include "actors/support/router_info_json.hpp"
#include "messages/messages.hpp"
#include "transport/i2p/base64.hpp"

namespace ssu2d::ctl {

namespace {

using nlohmann::json;
constexpr auto kTimeout = std::chrono::seconds(10);
// The node's handshake gives up after 20 s of retransmissions; wait longer than that.
constexpr auto kConnectTimeout = std::chrono::seconds(30);

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, s < 1 ? "%.3f s" : "%.1f s", s);
  return buf;
}

// Reads and decodes FILE; on failure reports it (rc 1) and returns nothing.
std::optional<std::pair<ssu2::Bytes, ssu2::i2p::RouterInfo>> load_router_info(const Command& c) {
  std::string err;
  auto bytes = read_file(c.file, 64 * 1024, &err);
  if (!bytes) {
    report(c.json, "bad_file", err, 1);
    return std::nullopt;
  }
  auto ri = ssu2::i2p::RouterInfo::parse(ssu2::ByteSpan(bytes->data(), bytes->size()));
  if (!ri) {
    report(c.json, "bad_file",
           c.file + ": not a RouterInfo (" + std::string(ssu2::to_string(ri.error().code)) +
               ": " + ri.error().what + ")",
           1);
    return std::nullopt;
  }
  return std::pair{std::move(*bytes), std::move(*ri)};
}

int connect(caf::scoped_actor& self, const introspection_client_actor& node, const Command& c) {
  // Decoded here too, so that the progress lines name the peer before the node answers.
  auto loaded = load_router_info(c);
  if (!loaded) return 1;
  auto& [bytes, ri_value] = *loaded;
  auto* ri = &ri_value;
  const auto h = ri->hash();
  const std::string peer = ssu2::i2p::base64_encode(ssu2::ByteSpan(h.data(), h.size()));
  progress(c.quiet, "connect: handshake with " + peer + " started (gives up after 20 s)");
  Ticker ticker("connect: handshake with " + peer.substr(0, 8), c.quiet);
  int rc = 0;
  self->request(node, kConnectTimeout, connect_atom::value,
                std::vector<uint8_t>(bytes.begin(), bytes.end()))
      .receive(
          [&](const router_hash& got) {
            progress(c.quiet, "connect: handshake completed in " + seconds(ticker.elapsed_s()));
            std::cout << (c.json ? json{{"connected", to_string(got)}}.dump()
                                 : "connected " + to_string(got))
                      << "\n";
          },
          [&](caf::error& e) {
            progress(c.quiet, "connect: handshake with " + peer.substr(0, 8) + " failed after " +
                                  seconds(ticker.elapsed_s()));
            rc = report(c.json, e);
          });
  return rc;
}

int send(caf::scoped_actor& self, const introspection_client_actor& node, const Command& c) {
  progress(c.quiet, "send: " + std::to_string(c.count) + " message(s) to " + c.hash +
                        (c.sequential ? ", one at a time" : "") +
                        " (a session is opened first if there is none)");
  Ticker ticker("send: delivery reports from " + c.hash.substr(0, 8), c.quiet);
  auto req = c.sequential
                 ? self->request(node, std::chrono::seconds(c.timeout_s),
                                 send_sequential_atom::value, c.hash, c.count, c.min_size,
                                 c.max_size)
                 : self->request(node, std::chrono::seconds(c.timeout_s), send_test_atom::value,
                                 c.hash, c.count, c.min_size, c.max_size);
  int rc = 0;
  req.receive(
      [&](const send_test_result& r) {
        progress(c.quiet, "send: done in " + seconds(ticker.elapsed_s()));
        if (c.json) std::cout << to_json(r, c.sequential).dump() << "\n";
        else print_send_result(r, c.sequential);
        if (r.delivered != c.count) rc = 1;
      },
      [&](caf::error& e) { rc = report(c.json, e); });
  return rc;
}

}  // namespace

int routerinfo_offline(const Command& c) {
  auto loaded = load_router_info(c);
  if (!loaded) return 1;
  auto* ri = &loaded->second;
  // The readable form is the same JSON, indented: RouterInfos are nested structures.
  std::cout << router_info_to_json(*ri).dump(c.json ? -1 : 2) << "\n";
  return 0;
}

int run_command(caf::actor_system& sys, const introspection_client_actor& node, const Command& c) {
  caf::scoped_actor self{sys};
  int rc = 0;
  auto on_error = [&](caf::error& e) { rc = report(c.json, e); };
  auto print = [&](const json& j, const std::string& text) {
    std::cout << (c.json ? j.dump() : text) << "\n";
  };
  const std::string& cmd = c.name;
  if (cmd == "status") {
    self->request(node, kTimeout, status_atom::value).receive(
        [&](node_status& s) { c.json ? print(status_json(s), "") : print_status(s); }, on_error);
  } else if (cmd == "sessions") {
    self->request(node, kTimeout, sessions_atom::value).receive(
        [&](session_list& l) {
          sort_sessions(l.sessions, c.sort);
          if (!c.json) return print_sessions(l.sessions);
          print(sessions_json(l.sessions), "");
        },
        on_error);
  } else if (cmd == "session") {
    self->request(node, kTimeout, session_atom::value, c.hash).receive(
        [&](session_info& s) { c.json ? print(session_json(s), "") : print_session_detail(s); },
        on_error);
  } else if (cmd == "metrics") {
    self->request(node, kTimeout, metrics_atom::value).receive(
        [&](std::string& text) {
          if (c.json) print(json{{"metrics", text}}, "");
          else std::cout << text;
        },
        on_error);
  } else if (cmd == "connect") {
    rc = connect(self, node, c);
  } else if (cmd == "send") {
    rc = send(self, node, c);
  } else if (cmd == "disconnect") {
    self->request(node, kTimeout, disconnect_atom::value, c.hash).receive(
        [&](bool ok) { print(json{{"ok", ok}}, "disconnecting"); }, on_error);
  } else if (cmd == "peertest") {
    progress(c.quiet, "peertest: testing with " + c.hash.substr(0, 8) + " as Bob (up to 30 s)");
    Ticker ticker("peertest", c.quiet);
    // The node bounds a test at 30 s (the spec's Alice gives up after 20 s).
    self->request(node, std::chrono::seconds(40), peer_test_atom::value, c.hash).receive(
        [&](const peer_test_result& r) {
          print(json{{"bob", to_string(r.bob)}, {"result", r.result}, {"observed", r.observed},
                     {"tested", r.tested}, {"nonce", r.nonce}, {"reject_code", r.reject_code}},
                r.result + " (tested " + r.tested + ", observed " +
                    (r.observed.empty() ? "-" : r.observed) +
                    (r.reject_code ? ", reject code " + std::to_string(r.reject_code) : "") + ")");
        },
        on_error);
  } else if (cmd == "relaytag") {
    self->request(node, std::chrono::seconds(20), relay_atom::value, c.hash).receive(
        [&](uint32_t tag) { print(json{{"relay_tag", tag}}, "relay tag " + std::to_string(tag)); },
        on_error);
  } else if (cmd == "loglevel") {
    self->request(node, kTimeout, log_level_atom::value, c.level).receive(
        [&](const std::string& level) { print(json{{"log_level", level}}, "log level " + level); },
        on_error);
  } else {
    return report(c.json, "usage", "unknown command \"" + cmd + "\"", 2);
  }
  return rc;
}

}  // namespace ssu2d::ctl
