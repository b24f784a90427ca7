// ssu2ctl: talks to a node's introspection actor (CAF remote_actor), or inspects a
// RouterInfo file offline.
//   ssu2ctl [--node HOST:PORT] [--json] [--tls] status|sessions|session HASH|metrics|
//           connect FILE|send [--sequential] HASH N SIZE[-MAX]|disconnect HASH
//   ssu2ctl routerinfo FILE
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iomanip>
#include <iostream>

#include <boost/program_options.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <nlohmann/json.hpp>

#ifdef SSU2D_HAVE_CAF_OPENSSL
#include <caf/openssl/all.hpp>
#endif

#include "actors/support/key_store.hpp"
#include "actors/support/router_info_json.hpp"
#include "messages/messages.hpp"

#ifndef SSU2D_VERSION
#define SSU2D_VERSION "unknown"
#endif

namespace po = boost::program_options;
using nlohmann::json;
using namespace ssu2d;

namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

json to_json(const session_info& s) {
  return {{"peer", to_string(s.peer)},       {"remote", s.remote},
          {"state", s.state},                {"established_ms_ago", s.established_ms_ago},
          {"i2np_in", s.i2np_in},            {"i2np_out", s.i2np_out},
          {"outbound", s.outbound},          {"rtt_ms", s.rtt_ms},
          {"rto_ms", s.rto_ms},              {"window", s.window},
          {"in_flight", s.in_flight},        {"queued", s.queued},
          {"bytes_in", s.bytes_in},          {"bytes_out", s.bytes_out},
          {"packets_in", s.packets_in},      {"packets_out", s.packets_out},
          {"retransmissions", s.retransmissions}, {"drops", s.drops}};
}

json to_json(const node_status& s) {
  return {{"router_hash", to_string(s.hash)},   {"addresses", s.addresses},
          {"control", s.control},               {"uptime_ms", s.uptime_ms},
          {"sessions", s.sessions},             {"pending_handshakes", s.pending_handshakes},
          {"datagrams_in", s.datagrams_in},     {"datagrams_out", s.datagrams_out},
          {"datagrams_unknown", s.datagrams_unknown}, {"version", s.version},
          {"reachability", s.nat.reachability}, {"external_address", s.nat.external},
          {"router_caps", s.nat.router_caps}, {"address_caps", s.nat.address_caps},
          {"published_addresses", s.nat.published}, {"peer_tests", s.nat.peer_tests},
          {"republished", s.nat.republished}};
}

void print_status(const node_status& s) {
  auto row = [](const std::string& k, const std::string& v) {
    std::cout << std::left << std::setw(20) << k << v << "\n";
  };
  row("router hash", to_string(s.hash));
  std::string addrs;
  for (auto& a : s.addresses) addrs += (addrs.empty() ? "" : ", ") + a;
  row("addresses", addrs);
  row("control", s.control);
  row("uptime", std::to_string(s.uptime_ms / 1000) + " s");
  row("sessions", std::to_string(s.sessions));
  row("pending handshakes", std::to_string(s.pending_handshakes));
  row("datagrams in/out", std::to_string(s.datagrams_in) + " / " + std::to_string(s.datagrams_out));
  row("datagrams unknown", std::to_string(s.datagrams_unknown));
  row("version", s.version);
  row("reachability", s.nat.reachability + (s.nat.external.empty() ? "" : " (external " + s.nat.external + ")"));
  std::string pub;
  for (auto& a : s.nat.published) pub += (pub.empty() ? "" : ", ") + a;
  row("published", (pub.empty() ? "no host" : pub) + ", caps " + s.nat.router_caps + " / " + s.nat.address_caps);
  for (auto& t : s.nat.peer_tests) row("peer test", t);
}

void print_sessions(const std::vector<session_info>& l) {
  std::cout << std::left << std::setw(66) << "PEER" << std::setw(24) << "REMOTE" << std::setw(13)
            << "STATE" << std::setw(10) << "AGE(s)" << std::setw(10) << "I2NP IN" << "I2NP OUT\n";
  for (auto& s : l)
    std::cout << std::left << std::setw(66) << to_string(s.peer) << std::setw(24) << s.remote
              << std::setw(13) << s.state << std::setw(10) << s.established_ms_ago / 1000
              << std::setw(10) << s.i2np_in << s.i2np_out << "\n";
  if (l.empty()) std::cout << "(no sessions)\n";
}

// One session in detail (transport state from the session actor).
void print_session_detail(const session_info& s) {
  auto row = [](const std::string& k, const std::string& v) {
    std::cout << std::left << std::setw(20) << k << v << "\n";
  };
  row("peer", to_string(s.peer));
  row("remote", s.remote);
  row("state", s.state + (s.outbound ? " (outbound)" : " (inbound)"));
  row("age", std::to_string(s.established_ms_ago / 1000) + " s");
  row("rtt / rto", std::to_string(s.rtt_ms) + " / " + std::to_string(s.rto_ms) + " ms");
  row("window / in flight", std::to_string(s.window) + " / " + std::to_string(s.in_flight));
  row("queued", std::to_string(s.queued));
  row("i2np in / out", std::to_string(s.i2np_in) + " / " + std::to_string(s.i2np_out));
  row("bytes in / out", std::to_string(s.bytes_in) + " / " + std::to_string(s.bytes_out));
  row("packets in / out", std::to_string(s.packets_in) + " / " + std::to_string(s.packets_out));
  row("retransmissions", std::to_string(s.retransmissions));
  for (auto& [reason, n] : s.drops) row("dropped", std::to_string(n) + " " + reason);
}

int routerinfo_offline(const std::string& file, bool as_json) {
  std::string err;
  auto bytes = read_file(file, 64 * 1024, &err);
  if (!bytes) {
    std::cerr << "ssu2ctl: " << err << "\n";
    return 1;
  }
  auto ri = ssu2::i2p::RouterInfo::parse(ssu2::ByteSpan(bytes->data(), bytes->size()));
  if (!ri) {
    std::cerr << "ssu2ctl: " << file << ": not a RouterInfo (" << ssu2::to_string(ri.error().code)
              << ": " << ri.error().what << ")\n";
    return 1;
  }
  // The readable form is the same JSON, indented: RouterInfos are nested structures.
  std::cout << router_info_to_json(*ri).dump(as_json ? -1 : 2) << "\n";
  return 0;
}

bool split_host_port(const std::string& s, std::string& host, uint16_t& port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  try {
    int p = std::stoi(s.substr(colon + 1));
    if (p < 1 || p > 65535) return false;
    port = uint16_t(p);
  } catch (...) {
    return false;
  }
  return !host.empty();
}

// A decimal count for `send`: the error names the argument instead of "stoul".
uint32_t parse_count(const std::string& text, const std::string& what) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 9)
    throw std::invalid_argument("send: " + what + " must be a whole number, got \"" + text + "\"");
  return uint32_t(std::stoul(text));
}

// Why a TCP connection to host:port fails (the errno CAF does not report), "" if it works.
std::string tcp_probe(const std::string& host, uint16_t port) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0)
    return std::string("cannot resolve ") + host + ": " + ::gai_strerror(rc);
  std::string why = "no address";
  for (auto* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    timeval tv{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    const int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    const int err = errno;
    ::close(fd);
    if (rc == 0) {
      why.clear();
      break;
    }
    why = std::strerror(err == EINPROGRESS ? ETIMEDOUT : err);
  }
  ::freeaddrinfo(res);
  return why;
}

int fail(const caf::error& e) {
  std::cerr << "ssu2ctl: " << render_node_error(e) << "\n";
  return 1;
}

// Sends one request and prints the reply; the reply type decides the printer.
int run_command(caf::actor_system& sys, const caf::actor& node, const std::vector<std::string>& a,
                unsigned timeout_s,
                bool as_json, bool sequential) {
  caf::scoped_actor self{sys};
  int rc = 0;
  auto on_error = [&](caf::error& e) { rc = fail(e); };
  const std::string& cmd = a[0];
  auto need = [&](size_t n) {
    if (a.size() != n) throw std::invalid_argument(cmd + " takes " + std::to_string(n - 1) + " argument(s)");
  };
  if (cmd == "status") {
    need(1);
    self->request(node, kTimeout, status_atom::value).receive(
        [&](node_status& s) { as_json ? void(std::cout << to_json(s).dump() << "\n") : print_status(s); },
        on_error);
  } else if (cmd == "sessions") {
    need(1);
    self->request(node, kTimeout, sessions_atom::value).receive(
        [&](session_list& l) {
          if (!as_json) return print_sessions(l.sessions);
          json out = json::array();
          for (auto& s : l.sessions) out.push_back(to_json(s));
          std::cout << out.dump() << "\n";
        },
        on_error);
  } else if (cmd == "session") {
    need(2);
    self->request(node, kTimeout, session_atom::value, a[1]).receive(
        [&](session_info& s) { as_json ? void(std::cout << to_json(s).dump() << "\n") : print_session_detail(s); },
        on_error);
  } else if (cmd == "metrics") {
    need(1);
    self->request(node, kTimeout, metrics_atom::value).receive(
        [&](std::string& text) {
          if (as_json) std::cout << json{{"metrics", text}}.dump() << "\n";
          else std::cout << text;
        },
        on_error);
  } else if (cmd == "connect") {
    need(2);
    std::string err;
    auto bytes = read_file(a[1], 64 * 1024, &err);
    if (!bytes) {
      std::cerr << "ssu2ctl: " << err << "\n";
      return 1;
    }
    // The handshake itself may take up to 20 s (retransmissions), so wait longer than that.
    self->request(node, std::chrono::seconds(30), connect_atom::value,
                  std::vector<uint8_t>(bytes->begin(), bytes->end()))
        .receive(
            [&](const router_hash& h) {
              std::cout << (as_json ? json{{"connected", to_string(h)}}.dump()
                                    : "connected " + to_string(h))
                        << "\n";
            },
            on_error);
  } else if (cmd == "send") {
    need(4);
    // SIZE is one number or a MIN-MAX range (each message's size drawn from it).
    auto n = parse_count(a[2], "N (number of messages)");
    auto dash = a[3].find('-');
    auto min_size = parse_count(a[3].substr(0, dash), "SIZE");
    auto max_size = dash == std::string::npos ? min_size
                                              : parse_count(a[3].substr(dash + 1), "MAX (size)");
    if (max_size < min_size)
      throw std::invalid_argument("send: SIZE-MAX needs SIZE <= MAX, got \"" + a[3] + "\"");
    // --sequential: one message at a time, the next after the previous delivery report.
    auto req = sequential ? self->request(node, std::chrono::seconds(timeout_s),
                                          send_sequential_atom::value, a[1], n, min_size, max_size)
                          : self->request(node, std::chrono::seconds(timeout_s),
                                          send_test_atom::value, a[1], n, min_size, max_size);
    req.receive(
        [&](const send_test_result& r) {
          json j{{"sent", r.sent}, {"delivered", r.delivered}, {"failed", r.failed},
                 {"elapsed_ms", r.elapsed_ms}, {"sequential", sequential},
                 {"latency_min_us", r.latency_min_us}, {"latency_p50_us", r.latency_p50_us},
                 {"latency_p99_us", r.latency_p99_us}, {"latency_max_us", r.latency_max_us},
                 {"latency_mean_us", r.latency_mean_us}};
          if (as_json) std::cout << j.dump() << "\n";
          else
            std::cout << "sent " << r.sent << ", delivered " << r.delivered << ", failed "
                      << r.failed << " in " << r.elapsed_ms << " ms\n";
          if (!as_json && sequential)
            std::cout << "latency us: min " << r.latency_min_us << ", p50 " << r.latency_p50_us
                      << ", p99 " << r.latency_p99_us << ", max " << r.latency_max_us
                      << ", mean " << r.latency_mean_us << "\n";
          if (r.delivered != n) rc = 1;
        },
        on_error);
  } else if (cmd == "disconnect") {
    need(2);
    self->request(node, kTimeout, disconnect_atom::value, a[1]).receive(
        [&](bool ok) { std::cout << (as_json ? json{{"ok", ok}}.dump() : std::string("disconnecting")) << "\n"; },
        on_error);
  } else if (cmd == "peertest") {
    need(2);
    // The node bounds a test at 30 s (the spec's Alice gives up after 20 s).
    self->request(node, std::chrono::seconds(40), peer_test_atom::value, a[1]).receive(
        [&](const peer_test_result& r) {
          json j{{"bob", to_string(r.bob)}, {"result", r.result}, {"observed", r.observed},
                 {"tested", r.tested}, {"nonce", r.nonce}, {"reject_code", r.reject_code}};
          if (as_json) std::cout << j.dump() << "\n";
          else
            std::cout << r.result << " (tested " << r.tested << ", observed "
                      << (r.observed.empty() ? "-" : r.observed)
                      << (r.reject_code ? ", reject code " + std::to_string(r.reject_code) : "")
                      << ")\n";
        },
        on_error);
  } else if (cmd == "relaytag") {
    need(2);
    self->request(node, std::chrono::seconds(20), relay_atom::value, a[1]).receive(
        [&](uint32_t tag) {
          std::cout << (as_json ? json{{"relay_tag", tag}}.dump() : "relay tag " + std::to_string(tag))
                    << "\n";
        },
        on_error);
  } else {
    throw std::invalid_argument("unknown command \"" + cmd + "\"");
  }
  return rc;
}

constexpr const char* kCommands =
    "commands (HASH: a router hash as printed by status / sessions):\n"
    "  status                    the node: router hash, addresses, uptime, sessions, counters\n"
    "  sessions                  one line per session (peer, remote address, state, age)\n"
    "  session HASH              one session in detail (RTT, window, bytes, drops)\n"
    "  metrics                   all metrics in Prometheus text format\n"
    "  connect FILE              open a session to the router whose RouterInfo is FILE\n"
    "  send [--sequential] HASH N SIZE[-MAX]\n"
    "                            send N test messages of SIZE bytes, report deliveries\n"
    "  disconnect HASH           end the session with HASH (Termination)\n"
    "  peertest HASH             run an SSU2 peer test with HASH as Bob (reachability)\n"
    "  relaytag HASH             ask HASH for a relay tag (introducer)\n"
    "  routerinfo FILE           decode and verify a RouterInfo file (offline, no node)\n";

// "--node --json" would take "--json" as the address; refuse values that are options.
std::string check_values(const po::parsed_options& parsed) {
  for (auto& o : parsed.options) {
    if (o.position_key >= 0) continue;
    for (auto& v : o.value)
      if (v.size() > 1 && v[0] == '-' && !(v[1] >= '0' && v[1] <= '9'))
        return "--" + o.string_key + " needs a value, got the option \"" + v + "\"";
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description desc("usage: ssu2ctl [options] COMMAND [ARGS]\noptions");
  desc.add_options()
      ("help,h", "show this help")
      ("version,V", "print the version and exit")
      ("node,n", po::value<std::string>()->default_value("127.0.0.1:12346"), "node control HOST:PORT")
      ("json,j", "print JSON instead of a table")
      ("tls", "connect with TLS (CAF OpenSSL module)")
      ("tls-ca", po::value<std::string>(), "with --tls: CA (or self-signed) PEM that signed "
                                           "the node's control.cert")
      ("tls-cert", po::value<std::string>(), "with --tls: our client certificate (PEM)")
      ("tls-key", po::value<std::string>(), "with --tls: our client private key (PEM)")
      ("timeout", po::value<unsigned>()->default_value(300), "seconds to wait for a reply to send")
      ("sequential", "with send: one message at a time (the next after the previous delivery "
                     "report); prints the per-message latencies");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::vector<std::string>>(), "command and arguments");
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("command", -1);
  po::variables_map vm;
  try {
    auto parsed = po::command_line_parser(argc, argv).options(all).positional(pos).run();
    if (auto err = check_values(parsed); !err.empty()) {
      std::cerr << "ssu2ctl: " << err << "\n";
      return 2;
    }
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "ssu2ctl: " << e.what() << " (see ssu2ctl --help)\n";
    return 2;
  }
  if (vm.count("version")) {
    std::cout << "ssu2ctl " << SSU2D_VERSION << "\n";
    return 0;
  }
  if (vm.count("help") || !vm.count("command")) {
    (vm.count("help") ? std::cout : std::cerr) << desc << "\n" << kCommands;
    return vm.count("help") ? 0 : 2;
  }
  auto args = vm["command"].as<std::vector<std::string>>();
  bool as_json = vm.count("json") > 0;
  if (vm.count("sequential") && args[0] != "send") {
    std::cerr << "ssu2ctl: --sequential only applies to send\n";
    return 2;
  }
  static const std::vector<std::string> known = {"status", "sessions", "session", "metrics",
                                                 "connect", "send", "disconnect", "peertest",
                                                 "relaytag", "routerinfo"};
  if (std::find(known.begin(), known.end(), args[0]) == known.end()) {
    std::cerr << "ssu2ctl: unknown command \"" << args[0] << "\"\n" << kCommands;
    return 2;
  }
  if (args[0] == "send" && args.size() == 4) {
    // Bad numbers are a usage error, found before the node is contacted.
    try {
      parse_count(args[2], "N (number of messages)");
      auto dash = args[3].find('-');
      parse_count(args[3].substr(0, dash), "SIZE");
      if (dash != std::string::npos) parse_count(args[3].substr(dash + 1), "MAX (size)");
    } catch (const std::exception& e) {
      std::cerr << "ssu2ctl: " << e.what() << "\n";
      return 2;
    }
  }
  if (args[0] == "routerinfo") {
    if (args.size() != 2) {
      std::cerr << "ssu2ctl: routerinfo takes 1 argument\n";
      return 2;
    }
    return routerinfo_offline(args[1], as_json);
  }

  std::string host;
  uint16_t port = 0;
  if (!split_host_port(vm["node"].as<std::string>(), host, port)) {
    std::cerr << "ssu2ctl: --node must be HOST:PORT\n";
    return 2;
  }
  bool tls = vm.count("tls") > 0;
  caf::actor_system_config cfg;
  register_messages(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("logger.console", caf::atom("none"));
#ifdef SSU2D_HAVE_CAF_OPENSSL
  if (tls) {
    cfg.load<caf::openssl::manager>();
    // CAF 0.17 authenticates both ends once any certificate setting is present: the node's
    // certificate is checked against --tls-ca and we must present our own certificate.
    // Without any of them it would try an anonymous cipher, which a node with a
    // certificate refuses.
    if (vm.count("tls-ca")) cfg.openssl_cafile = vm["tls-ca"].as<std::string>();
    if (vm.count("tls-cert")) cfg.openssl_certificate = vm["tls-cert"].as<std::string>();
    if (vm.count("tls-key")) cfg.openssl_key = vm["tls-key"].as<std::string>();
  }
#endif
  caf::actor_system sys{cfg};
  caf::expected<caf::actor> node = caf::error{};
  if (tls) {
#ifdef SSU2D_HAVE_CAF_OPENSSL
    node = caf::openssl::remote_actor(sys, host, port);
#else
    std::cerr << "ssu2ctl: built without TLS support\n";
    return 2;
#endif
  } else {
    node = sys.middleman().remote_actor(host, port);
  }
  if (!node) {
    const std::string why = tcp_probe(host, port);
    std::cerr << "ssu2ctl: cannot reach node at " << host << ":" << port << ": "
              << (why.empty() ? render_node_error(node.error()) : why)
              << " (is ssu2d running, with control.host/control.port = " << host << ":" << port
              << "? --node HOST:PORT picks another"
              << (tls ? "; with --tls check the certificates" : "") << ")\n";
    return 1;
  }
  try {
    return run_command(sys, *node, args, vm["timeout"].as<unsigned>(), as_json,
                       vm.count("sequential") > 0);
  } catch (const std::exception& e) {
    std::cerr << "ssu2ctl: " << e.what() << "\n";
    return 2;
  }
}
