// ssu2ctl: talks to a node's introspection actor (CAF remote_actor), or inspects a
// RouterInfo file offline. The command line is CLI11's: one subcommand each, with its own
// --help and typed, validated arguments; `ssu2ctl --help` lists them all.
#include <sys/socket.h>

#include <algorithm>
#include <iostream>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#ifdef SSU2D_HAVE_CAF_OPENSSL
#include <caf/openssl/all.hpp>
#endif

#include "actors/apps/ctl_commands.hpp"
#include "actors/apps/ctl_connect.hpp"
#include "actors/apps/ctl_output.hpp"
#include "messages/messages.hpp"

#ifndef SSU2D_VERSION
#define SSU2D_VERSION "unknown"
#endif

using namespace ssu2d;
using ssu2d::ctl::Command;

namespace {

struct Global {
  std::string node = "127.0.0.1:12346";
  bool tls = false;
  std::string tls_ca, tls_cert, tls_key;
};

constexpr const char* kCommands =
    "commands (HASH: a router hash, I2P base64 as printed by status / sessions, or hex;\n"
    "`ssu2ctl COMMAND --help` describes one):\n"
    "  status                    the node: router hash, addresses, uptime, sessions, log level\n"
    "  sessions [--sort KEY]     one line per session (peer, direction, remote, state, age, RTT,\n"
    "                            window, bytes); KEY: age, rtt, bytes, peer\n"
    "  session HASH              one session in detail (RTT, window, bytes, drops)\n"
    "  metrics                   all metrics in Prometheus text format\n"
    "  connect FILE              open a session to the router whose RouterInfo is FILE\n"
    "  send [--sequential] HASH N SIZE[-MAX]\n"
    "                            send N test messages of SIZE bytes, report deliveries\n"
    "  disconnect HASH           end the session with HASH (Termination)\n"
    "  peertest HASH             run an SSU2 peer test with HASH as Bob (reachability)\n"
    "  relaytag HASH             ask HASH for a relay tag (introducer)\n"
    "  loglevel [LEVEL]          show or set the node's log level (trace ... off)\n"
    "  routerinfo FILE           decode and verify a RouterInfo file (offline, no node)\n";

const std::vector<std::string> kNames = {"status",     "sessions", "session",  "metrics",
                                         "connect",    "send",     "disconnect", "peertest",
                                         "relaytag",   "loglevel", "routerinfo"};
// Global options that take a value (the next word unless written --opt=value).
const std::vector<std::string> kValued = {"-n", "--node", "--tls-ca", "--tls-cert",
                                          "--tls-key", "--timeout"};

CLI::Validator router_hash_check() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        router_hash h;
        if (parse_router_hash(s, h)) return {};
        return "must be a router hash (44 I2P base64 characters or 64 hex digits), got \"" + s +
               "\"";
      },
      "HASH");
}

// A whole number, named in the error ("N (number of messages) must be ...").
CLI::Validator whole_number(std::string what) {
  return CLI::Validator(
      [what](std::string& s) -> std::string {
        if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 9)
          return what + " must be a whole number, got \"" + s + "\"";
        return {};
      },
      "NUMBER");
}

// SIZE or MIN-MAX, each a whole number, MIN <= MAX.
CLI::Validator size_range() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        auto dash = s.find('-');
        std::string lo = s.substr(0, dash), hi = dash == std::string::npos ? lo : s.substr(dash + 1);
        for (auto& [part, name] : {std::pair{lo, "SIZE"}, std::pair{hi, "MAX (size)"}})
          if (auto e = whole_number(name)(part); !e.empty()) return e;
        if (std::stoul(hi) < std::stoul(lo)) return "SIZE-MAX needs SIZE <= MAX, got \"" + s + "\"";
        return {};
      },
      "SIZE[-MAX]");
}

// Finds what CLI11 would report less clearly: an option value that is another option
// ("--node --json status") and an unknown command word. "" when neither.
std::string prescan(int argc, char** argv, bool& unknown_command) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (std::find(kValued.begin(), kValued.end(), a) != kValued.end()) {
      if (i + 1 < argc && argv[i + 1][0] == '-' && !std::isdigit(uint8_t(argv[i + 1][1])))
        return a + " needs a value, got the option \"" + argv[i + 1] + "\"";
      ++i;
      continue;
    }
    if (a.empty() || a[0] == '-') continue;
    if (std::find(kNames.begin(), kNames.end(), a) != kNames.end()) return {};
    unknown_command = true;
    return "unknown command \"" + a + "\"";
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  Global g;
  Command c;
  CLI::App app{"ssu2ctl: control a running ssu2d node (or decode a RouterInfo file)",
               "ssu2ctl"};
  app.set_version_flag("-V,--version", std::string("ssu2ctl ") + SSU2D_VERSION);
  app.add_option("-n,--node", g.node, "the node's control HOST:PORT (control.host/control.port)")
      ->capture_default_str();
  app.add_flag("-j,--json", c.json, "print JSON instead of a table (errors as {\"error\", \"reason\"})");
  app.add_flag("-q,--quiet", c.quiet, "no progress lines on stderr for connect / send / peertest");
  app.add_flag("--tls", g.tls, "connect with TLS (CAF OpenSSL module)");
  app.add_option("--tls-ca", g.tls_ca, "with --tls: CA (or self-signed) PEM that signed the node's control.cert");
  app.add_option("--tls-cert", g.tls_cert, "with --tls: our client certificate (PEM)");
  app.add_option("--tls-key", g.tls_key, "with --tls: our client private key (PEM)");
  app.add_option("--timeout", c.timeout_s, "seconds to wait for the reply to send")
      ->capture_default_str()->check(CLI::Range(1u, 86400u));
  // Kept at the top level too (ssu2ctl --sequential send ...), as before subcommands.
  app.add_flag("--sequential", c.sequential, "with send: one message at a time")->group("");
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(kCommands);

  std::string size_text, count_text;
  auto sub = [&](const char* name, const char* what) {
    auto* s = app.add_subcommand(name, what);
    s->group("");  // listed by the footer, with their arguments
    s->footer("");
    s->callback([&c, name] { c.name = name; });
    return s;
  };
  auto hash_arg = [&](CLI::App* s, const char* what) {
    s->add_option("HASH", c.hash, what)->required()->check(router_hash_check());
  };
  sub("status", "the node: router hash, addresses, uptime, sessions, counters, log level");
  sub("sessions", "one line per session (peer, direction, remote, state, age, RTT, window, bytes)")
      ->add_option("--sort", c.sort, "order of the table: age (oldest first), rtt or bytes "
                                     "(largest first), peer")
      ->check(CLI::IsMember({"age", "rtt", "bytes", "peer"}));
  hash_arg(sub("session", "one session in detail (RTT, window, bytes, drops)"), "the peer");
  sub("metrics", "all metrics in Prometheus text format");
  sub("connect", "open a session to the router whose RouterInfo is FILE; progress on stderr")
      ->add_option("FILE", c.file, "a RouterInfo file")->required()->check(CLI::ExistingFile);
  auto* send = sub("send", "send N test messages (I2P Data) and report deliveries and failures");
  send->add_flag("--sequential", c.sequential,
                 "one message at a time (the next after the previous delivery report); prints "
                 "the per-message latencies");
  hash_arg(send, "the peer (a session is opened first if there is none)");
  send->add_option("N", count_text, "number of messages")->required()
      ->check(whole_number("N (number of messages)"));
  send->add_option("SIZE", size_text, "message size in bytes, or MIN-MAX (drawn per message)")
      ->required()->check(size_range());
  hash_arg(sub("disconnect", "end the session with HASH (Termination)"), "the peer");
  hash_arg(sub("peertest", "run an SSU2 peer test with HASH as Bob (reachability)"), "Bob");
  hash_arg(sub("relaytag", "ask HASH for a relay tag (introducer)"), "the peer");
  sub("loglevel", "show the node's log level, or set it (takes effect at once)")
      ->add_option("LEVEL", c.level, "new level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  sub("routerinfo", "decode and verify a RouterInfo file (offline, no node)")
      ->add_option("FILE", c.file, "a RouterInfo file")->required();

  if (argc == 1) {
    std::cerr << app.help() << "\n";
    return 2;
  }
  bool as_json_early = false;  // errors before CLI11 has parsed: JSON too with --json
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (std::find(kValued.begin(), kValued.end(), a) != kValued.end()) ++i;
    else as_json_early |= a == "--json" || a == "-j";
  }
  bool unknown = false;
  if (auto err = prescan(argc, argv, unknown); !err.empty()) {
    if (unknown && !as_json_early) std::cerr << "ssu2ctl: " << err << "\n" << kCommands;
    else ctl::report(as_json_early, "usage", err + " (see ssu2ctl --help)", 2);
    return 2;
  }
  // I2P base64 uses '-' and '~', so a router hash may start with '-' ("-vZU...="), which
  // CLI11 would read as short options. Such an argument reaches CLI11 in its hex form (every
  // HASH argument takes both) and is given back as typed once parsed.
  std::vector<std::string> args(argv, argv + argc);
  std::string dash_hash;
  for (size_t i = 1; i < args.size(); ++i) {
    router_hash h;
    if (args[i].size() >= 43 && args[i][0] == '-' && parse_router_hash(args[i], h)) {
      dash_hash = args[i];
      args[i] = to_hex(h);
    }
  }
  std::vector<char*> arg_ptrs;
  for (auto& a : args) arg_ptrs.push_back(a.data());
  try {
    app.parse(int(arg_ptrs.size()), arg_ptrs.data());
    router_hash typed, parsed;
    if (!dash_hash.empty() && parse_router_hash(dash_hash, typed) &&
        parse_router_hash(c.hash, parsed) && typed == parsed)
      c.hash = dash_hash;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string where = c.name.empty() ? "" : c.name + ": ";
    for (auto* s : app.get_subcommands()) where = s->get_name() + ": ";
    return ctl::report(as_json_early, "usage",
                       where + e.what() + " (see ssu2ctl " +
                           (where.empty() ? "" : where.substr(0, where.size() - 2) + " ") +
                           "--help)",
                       2);
  }
  if (c.sequential && c.name != "send")
    return ctl::report(c.json, "usage", "--sequential only applies to send", 2);
  if (c.name == "send") {
    c.count = uint32_t(std::stoul(count_text));
    auto dash = size_text.find('-');
    c.min_size = uint32_t(std::stoul(size_text.substr(0, dash)));
    c.max_size = dash == std::string::npos ? c.min_size
                                           : uint32_t(std::stoul(size_text.substr(dash + 1)));
  }
  if (c.name == "routerinfo") return ctl::routerinfo_offline(c);

  ctl::Endpoint ep;
  if (!ctl::split_host_port(g.node, ep))
    return ctl::report(c.json, "usage", "--node must be HOST:PORT, got \"" + g.node + "\"", 2);
  ctl::TlsFiles tls{g.tls, g.tls_ca, g.tls_cert, g.tls_key};
  return ctl::with_node(ep, tls, c.json, [&](caf::actor_system& sys, const introspection_client_actor& node) {
    return ctl::run_command(sys, node, c);
  });
}
