#include "actors/support/config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fstream>
#include <set>
#include <sstream>

#include "default_config.hpp"

namespace ssu2d {

namespace {

using json = nlohmann::json;

std::string quote_key(const std::string& path) { return "\"" + path + "\""; }
std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

const char* type_word(const json& v) {
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "an object";
  return "null";
}

// The JSON type family of a default value that a user value must match. Integers and
// floats are both "number" here; the range checks decide whether a fractional value is ok.
bool same_kind(const json& want, const json& got) {
  if (want.is_number()) return got.is_number();
  return want.type() == got.type();
}

// Checks that every key in `user` exists in `schema` with the same type, recursing into
// objects. Lists are checked element-wise against the first default element when there is
// one; an empty default list means "list of strings" (all lists in the schema are paths).
std::string check_shape(const json& schema, const json& user, const std::string& prefix) {
  for (auto it = user.begin(); it != user.end(); ++it) {
    std::string path = join(prefix, it.key());
    auto s = schema.find(it.key());
    if (s == schema.end()) return "config: unknown key " + quote_key(path);
    // Numbers are checked with their range after merging, so a wrong type and a wrong
    // value give the same message ("must be an integer 1..65535").
    if (!s->is_number() && !same_kind(*s, *it))
      return "config: " + quote_key(path) + " must be " + type_word(*s) + ", not " + type_word(*it);
    if (s->is_object()) {
      auto err = check_shape(*s, *it, path);
      if (!err.empty()) return err;
    } else if (s->is_array()) {
      for (size_t i = 0; i < it->size(); ++i)
        if (!(*it)[i].is_string())
          return "config: " + quote_key(path + "[" + std::to_string(i) + "]") + " must be a string";
    }
  }
  return {};
}

// Range-checked readers over the merged document; each returns an error line or "".
std::string get_int(const json& doc, const std::string& path, long lo, long hi, long& out) {
  const json* v = &doc;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '.')) v = &(*v)[part];  // keys exist: the default has them
  std::string msg = "config: " + quote_key(path) + " must be an integer " + std::to_string(lo) +
                    ".." + std::to_string(hi);
  if (!v->is_number_integer()) return msg;
  long x = v->get<long>();
  if (x < lo || x > hi) return msg;
  out = x;
  return {};
}

bool numeric_ip(const std::string& host) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

bool valid_level(const std::string& l) {
  for (const char* ok : {"trace", "debug", "info", "warn", "error", "critical", "off"})
    if (l == ok) return true;
  return false;
}

ConfigResult build(json merged) {
  ConfigResult r;
  NodeConfig c;
  long v = 0;
  std::string err;
  auto fail = [&](std::string e) {
    r.error = std::move(e);
    return r;
  };

  c.data_dir = merged["data_dir"].get<std::string>();
  if (!(err = get_int(merged, "net_id", 1, 255, v)).empty()) return fail(err);
  c.net_id = int(v);
  if (!(err = get_int(merged, "workers", 0, 256, v)).empty()) return fail(err);
  c.workers = int(v);

  c.ssu2.host = merged["ssu2"]["host"].get<std::string>();
  c.ssu2.ipv6_host = merged["ssu2"]["ipv6_host"].get<std::string>();
  if (!(err = get_int(merged, "ssu2.port", 1, 65535, v)).empty()) return fail(err);
  c.ssu2.port = uint16_t(v);
  if (!(err = get_int(merged, "ssu2.mtu", 1280, 1500, v)).empty()) return fail(err);
  c.ssu2.mtu = int(v);
  c.ssu2.published_host = merged["ssu2"]["published_host"].get<std::string>();
  if (!(err = get_int(merged, "ssu2.published_port", 0, 65535, v)).empty()) return fail(err);
  c.ssu2.published_port = uint16_t(v);
  if (c.ssu2.host.empty() && c.ssu2.ipv6_host.empty())
    return fail("config: \"ssu2.host\" and \"ssu2.ipv6_host\" cannot both be empty");

  c.peers.router_infos = merged["peers"]["router_infos"].get<std::vector<std::string>>();
  c.peers.netdb_dir = merged["peers"]["netdb_dir"].get<std::string>();

  if (!merged["nat"]["auto_peer_test"].is_boolean())
    return fail("config: \"nat.auto_peer_test\" must be true or false");
  c.nat.auto_peer_test = merged["nat"]["auto_peer_test"].get<bool>();
  if (!(err = get_int(merged, "nat.first_test_s", 1, 86400, v)).empty()) return fail(err);
  c.nat.first_test_s = int(v);
  if (!(err = get_int(merged, "nat.test_interval_s", 5, 86400, v)).empty()) return fail(err);
  c.nat.test_interval_s = int(v);
  if (!(err = get_int(merged, "nat.retest_s", 1, 86400, v)).empty()) return fail(err);
  c.nat.retest_s = int(v);
  if (!(err = get_int(merged, "nat.confirmations", 1, 10, v)).empty()) return fail(err);
  c.nat.confirmations = int(v);
  if (!(err = get_int(merged, "nat.address_quorum", 1, 16, v)).empty()) return fail(err);
  c.nat.address_quorum = int(v);
  if (!(err = get_int(merged, "nat.introducer_keepalive_s", 1, 3600, v)).empty()) return fail(err);
  c.nat.introducer_keepalive_s = int(v);

  if (!(err = get_int(merged, "limits.max_sessions", 1, 100000, v)).empty()) return fail(err);
  c.limits.max_sessions = int(v);
  if (!(err = get_int(merged, "limits.max_pending_handshakes", 1, 100000, v)).empty())
    return fail(err);
  c.limits.max_pending_handshakes = int(v);
  if (!(err = get_int(merged, "limits.send_queue", 1, 1000000, v)).empty()) return fail(err);
  c.limits.send_queue = int(v);
  if (!(err = get_int(merged, "limits.token_requests_per_prefix", 1, 1000000, v)).empty())
    return fail(err);
  c.limits.token_requests_per_prefix = int(v);
  if (!(err = get_int(merged, "limits.session_requests_per_prefix", 1, 1000000, v)).empty())
    return fail(err);
  c.limits.session_requests_per_prefix = int(v);
  if (!(err = get_int(merged, "limits.pending_handshakes_per_prefix", 1, 100000, v)).empty())
    return fail(err);
  c.limits.pending_handshakes_per_prefix = int(v);
  if (!(err = get_int(merged, "limits.reassembly_memory_mb", 1, 65536, v)).empty())
    return fail(err);
  c.limits.reassembly_memory_mb = int(v);
  // 4,000,000 KB/s (about 4 GB/s) at most keeps the token arithmetic far from overflow.
  if (!(err = get_int(merged, "bandwidth.in_kbytes_s", 0, 4'000'000, v)).empty()) return fail(err);
  c.bandwidth.in_kbytes_s = uint64_t(v);
  if (!(err = get_int(merged, "bandwidth.out_kbytes_s", 0, 4'000'000, v)).empty()) return fail(err);
  c.bandwidth.out_kbytes_s = uint64_t(v);

  c.log.level = merged["log"]["level"].get<std::string>();
  c.log.file = merged["log"]["file"].get<std::string>();
  if (!valid_level(c.log.level))
    return fail("config: \"log.level\" must be one of trace, debug, info, warn, error, "
                "critical, off");

  c.control.host = merged["control"]["host"].get<std::string>();
  if (!(err = get_int(merged, "control.port", 0, 65535, v)).empty()) return fail(err);
  c.control.port = uint16_t(v);
  c.control.tls = merged["control"]["tls"].get<bool>();
  c.control.cert = merged["control"]["cert"].get<std::string>();
  c.control.key = merged["control"]["key"].get<std::string>();
  c.control.ca = merged["control"]["ca"].get<std::string>();
  if (c.control.tls && c.control.cert.empty())
    return fail("config: \"control.cert\" is required when \"control.tls\" is true");
  if (c.control.tls && c.control.key.empty())
    return fail("config: \"control.key\" is required when \"control.tls\" is true");

  c.metrics.host = merged["metrics"]["host"].get<std::string>();
  if (!numeric_ip(c.metrics.host))
    return fail("config: \"metrics.host\" must be a numeric IPv4 or IPv6 address, not \"" +
                c.metrics.host + "\"");
  if (!(err = get_int(merged, "metrics.port", 0, 65535, v)).empty()) return fail(err);
  c.metrics.port = uint16_t(v);
  c.metrics.auth_user = merged["metrics"]["auth_user"].get<std::string>();
  c.metrics.auth_password_file = merged["metrics"]["auth_password_file"].get<std::string>();
  if (c.metrics.auth_user.find(':') != std::string::npos)
    return fail("config: \"metrics.auth_user\" cannot contain ':'");
  if (!c.metrics.auth_user.empty() && c.metrics.auth_password_file.empty())
    return fail("config: \"metrics.auth_password_file\" is required when \"metrics.auth_user\" is set");
  if (c.metrics.auth_user.empty() && !c.metrics.auth_password_file.empty())
    return fail("config: \"metrics.auth_user\" is required when \"metrics.auth_password_file\" is set");

  r.config = std::move(c);
  r.merged = std::move(merged);
  return r;
}

// Parses JSON (comments allowed) and finds the first key that appears twice in one object:
// nlohmann::json keeps the last silently, which hides typos like two "port" lines.
json parse_or_error(const std::string& text, const char* what, std::string& error) {
  struct Frame {
    bool object = false;
    std::set<std::string> keys;
    std::string key;  // the key being read in this object
  };
  std::vector<Frame> stack;
  std::string duplicate;
  json::parser_callback_t cb = [&](int, json::parse_event_t ev, json& parsed) {
    switch (ev) {
      case json::parse_event_t::object_start: stack.push_back({true, {}, {}}); break;
      case json::parse_event_t::array_start: stack.push_back({false, {}, {}}); break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!stack.empty()) stack.pop_back();
        break;
      case json::parse_event_t::key:
        if (!stack.empty() && parsed.is_string()) {
          auto& top = stack.back();
          top.key = parsed.get<std::string>();
          if (!top.keys.insert(top.key).second && duplicate.empty()) {
            for (auto& f : stack)
              if (f.object) duplicate = join(duplicate, f.key);
          }
        }
        break;
      case json::parse_event_t::value: break;
    }
    return true;
  };
  json j = json::parse(text, cb, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (j.is_discarded()) error = std::string("config: ") + what + " is not valid JSON";
  else if (!j.is_object()) error = std::string("config: ") + what + " must be a JSON object";
  else if (!duplicate.empty())
    error = std::string("config: duplicate key ") + quote_key(duplicate) + " in " + what;
  return j;
}

void collect_changes(const json& a, const json& b, const std::string& prefix,
                     std::vector<std::string>& out) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (auto it = a.begin(); it != a.end(); ++it) keys.insert(it.key());
    for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
    for (auto& k : keys) {
      auto x = a.find(k), y = b.find(k);
      std::string path = join(prefix, k);
      if (x == a.end() || y == b.end()) out.push_back(path);
      else collect_changes(*x, *y, path, out);
    }
  } else if (a != b) {
    out.push_back(prefix);
  }
}

}  // namespace

const char* default_config_text() { return generated::default_config_json; }

void merge_json(json& base, const json& over) {
  if (!base.is_object() || !over.is_object()) {
    base = over;
    return;
  }
  for (auto it = over.begin(); it != over.end(); ++it) {
    auto b = base.find(it.key());
    if (b != base.end() && b->is_object() && it->is_object()) merge_json(*b, *it);
    else base[it.key()] = *it;
  }
}

bool reloadable_key(const std::string& path) {
  return path == "log.level" || path == "log.file" || path == "peers" || path.rfind("peers.", 0) == 0;
}

std::vector<std::string> changed_keys_needing_restart(const json& before, const json& after) {
  std::vector<std::string> all, out;
  collect_changes(before, after, "", all);
  for (auto& p : all)
    if (!reloadable_key(p)) out.push_back(p);
  return out;
}

ConfigResult load_default_config() { return load_config_text("{}"); }

ConfigResult load_config_text(const std::string& user_text) {
  ConfigResult r;
  json def = parse_or_error(default_config_text(), "embedded default", r.error);
  if (!r.error.empty()) return r;
  json user = parse_or_error(user_text, "file", r.error);
  if (!r.error.empty()) return r;
  r.error = check_shape(def, user, "");
  if (!r.error.empty()) return r;
  merge_json(def, user);
  return build(std::move(def));
}

ConfigResult load_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    ConfigResult r;
    r.error = "config: cannot read file " + quote_key(path);
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return load_config_text(ss.str());
}

}  // namespace ssu2d
