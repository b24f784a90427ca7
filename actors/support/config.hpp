// Node configuration: JSON, the embedded default (config/default.json) with a user file merged
// over it. Every key of the user file must exist in the default and have the same JSON type;
// values are range-checked after merging. Errors are one line naming the key path, e.g.
//   config: unknown key "ssu2.prot"
//   config: "ssu2.port" must be an integer 1..65535
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ssu2d {

struct NodeConfig {
  std::string data_dir;
  int net_id = 2;
  // CAF worker threads running the actors; 0 = one per core but one (the socket's reader
  // thread has its own), at least one (docs/BENCHMARKS.md, "Worker threads").
  int workers = 0;
  struct Ssu2 {
    std::string host;       // IPv4 listen address ("" = no IPv4 socket)
    uint16_t port = 0;
    std::string ipv6_host;  // IPv6 listen address ("" = no IPv6 socket)
    int mtu = 1500;
    // The address published in our RouterInfo when it differs from the bound one (port
    // forwarding, a proxy in front of us). Empty / 0 = the bound host / port.
    std::string published_host;
    uint16_t published_port = 0;
  } ssu2;
  struct Peers {
    std::vector<std::string> router_infos;  // RouterInfo files to connect to
    std::string netdb_dir;                  // folder of routerInfo-*.dat files
  } peers;
  struct Limits {
    int max_sessions = 512;
    int max_pending_handshakes = 128;
    int send_queue = 4096;  // datagrams the socket holds while the kernel buffer is full
    // Admission of unsolicited handshakes per source prefix (IPv4 /24, IPv6 /64): Token
    // Requests (Retries) and Session Requests (DH) per second, bursts of twice that, and
    // handshakes pending at once.
    int token_requests_per_prefix = 50;
    int session_requests_per_prefix = 25;
    int pending_handshakes_per_prefix = 32;
    // Bytes of partial I2NP messages all sessions together may hold for reassembly.
    int reassembly_memory_mb = 64;
  } limits;
  struct Bandwidth {
    // Node-wide limits in KBytes per second (1 KB = 1024 bytes, as i2pd's "bandwidth"),
    // 0 = unlimited. They also set our RouterInfo's bandwidth class (transport/i2p/
    // bandwidth_class).
    uint64_t in_kbytes_s = 0;
    uint64_t out_kbytes_s = 0;
    uint64_t in_bytes_s() const { return in_kbytes_s * 1024; }
    uint64_t out_bytes_s() const { return out_kbytes_s * 1024; }
  } bandwidth;
  struct Nat {
    // Automatic peer tests (transport/nat/reachability): the first one first_test_s after
    // start, then every test_interval_s, every retest_s while the state is unknown or a
    // change awaits confirmation; `confirmations` agreeing results change the state.
    bool auto_peer_test = true;
    int first_test_s = 10;
    int test_interval_s = 1200;
    int retest_s = 60;
    int confirmations = 2;
    int address_quorum = 2;  // distinct peers that must report the same external address
    // While firewalled, a packet to each of our introducers this often, so that our NAT
    // keeps their mapping (transport/nat/introducers.hpp); below the NAT's UDP timeout.
    int introducer_keepalive_s = 20;
  } nat;
  struct Log {
    std::string level = "info";
    std::string file;  // "" = stderr (the journal under systemd); reopened on SIGHUP
  } log;
  struct Control {
    std::string host;
    uint16_t port = 0;  // 0 = pick an ephemeral port (logged at start)
    bool tls = false;
    std::string cert, key;  // PEM files, required when tls is true
    std::string ca;         // PEM CA file that client certificates must chain to (CAF's
                            // OpenSSL module authenticates both ends when a cert is set)
  } control;
  struct Metrics {
    // The HTTP server: /metrics, /api/status, /api/sessions and the console at /.
    std::string host = "127.0.0.1";  // numeric IPv4 or IPv6 address
    uint16_t port = 0;               // 0 = no HTTP server (metrics still via ssu2ctl)
    // HTTP basic authentication on every path when auth_user is set: the password is the
    // first line of auth_password_file (read at start; both keys or neither).
    std::string auth_user;
    std::string auth_password_file;
  } metrics;
};

struct ConfigResult {
  std::optional<NodeConfig> config;
  nlohmann::json merged;  // the effective JSON (for --print-config style output)
  std::string error;      // one line, empty on success
  bool ok() const { return config.has_value(); }
};

// The embedded default as JSON text.
const char* default_config_text();
// Parses and validates the embedded default alone.
ConfigResult load_default_config();
// Merges the user JSON text over the default, then validates. A key given twice in one
// object is an error naming it (JSON parsers would silently keep the last one).
ConfigResult load_config_text(const std::string& user_json);
// Reads a file and calls load_config_text; a missing file is an error naming the path.
ConfigResult load_config_file(const std::string& path);

// The keys that SIGHUP applies without a restart: log.level, log.file and peers.*.
bool reloadable_key(const std::string& path);
// Dotted paths of the leaf values that differ between two merged documents and that a
// reload cannot apply (everything but reloadable_key), sorted.
std::vector<std::string> changed_keys_needing_restart(const nlohmann::json& before,
                                                      const nlohmann::json& after);

// Recursive merge: objects merge key by key, anything else in `over` replaces `base`.
// Exposed for tests.
void merge_json(nlohmann::json& base, const nlohmann::json& over);

}  // namespace ssu2d
