#include "actors/support/router_info_json.hpp"

#include <ctime>

#include "transport/i2p/base64.hpp"

namespace ssu2d {
namespace {

using nlohmann::json;
using namespace ssu2::i2p;

json mapping_to_json(const Mapping& m) {
  json j = json::object();
  for (const auto& [k, v] : m.entries) j[k] = v;
  return j;
}

std::string iso8601_utc(uint64_t ms) {
  const std::time_t secs = std::time_t(ms / 1000);
  std::tm tm{};
  if (!gmtime_r(&secs, &tm)) return "";
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The SSU2 options decoded, so a reader can tell a malformed "s" from a missing one.
json ssu2_details(const RouterAddress& a) {
  json j;
  j["static_key_valid"] = a.static_key().has_value();
  j["intro_key_valid"] = a.intro_key().has_value();
  j["version_2"] = a.supports_version("2");
  if (auto p = a.port()) j["port"] = *p;
  if (auto m = a.mtu()) j["mtu"] = *m;
  json intros = json::array();
  for (const auto& in : a.introducers()) {
    intros.push_back({{"router_hash", base64_encode(in.router_hash)},
                      {"expiration_s", in.expiration_s},
                      {"tag", in.tag}});
  }
  j["introducers"] = std::move(intros);
  return j;
}

}  // namespace

json router_info_to_json(const RouterInfo& ri) {
  json j;
  const auto hash = ri.hash();
  j["router_hash"] = base64_encode(hash);
  j["router_hash_b32"] = b32_address(hash);
  j["identity"] = {{"signing_type", ri.identity.sig_type()},
                   {"signing_type_name", "EdDSA_SHA512_Ed25519"},
                   {"crypto_type", ri.identity.crypto_type()},
                   {"crypto_type_name", "X25519"},
                   {"signing_key", base64_encode(ri.identity.signing_key())},
                   {"encryption_key", base64_encode(ri.identity.encryption_key())}};
  j["published_ms"] = ri.published;
  j["published"] = iso8601_utc(ri.published);
  if (auto n = ri.net_id()) j["net_id"] = *n;
  else j["net_id"] = nullptr;
  j["caps"] = ri.caps();
  j["router_version"] = ri.router_version();
  j["options"] = mapping_to_json(ri.options);
  json addrs = json::array();
  for (const auto& a : ri.addresses) {
    json ja;
    ja["transport"] = a.transport;
    ja["cost"] = a.cost;
    ja["expiration"] = a.expiration;
    ja["options"] = mapping_to_json(a.options);
    if (a.is_ssu2() || a.transport == "SSU") ja["ssu2"] = ssu2_details(a);
    addrs.push_back(std::move(ja));
  }
  j["addresses"] = std::move(addrs);
  j["size"] = ri.bytes().size();
  j["signature_valid"] = ri.verify();
  return j;
}

}  // namespace ssu2d
