// RouterInfo -> JSON for `ssu2ctl routerinfo FILE` and introspection.
#pragma once
#include <nlohmann/json.hpp>

#include "transport/i2p/router_info.hpp"

namespace ssu2d {

// Fields: router_hash (I2P base64), router_hash_b32, identity {signing_type, crypto_type,
// signing_key, encryption_key}, published_ms, published (UTC ISO 8601), net_id, caps,
// router_version, options, addresses [{transport, cost, expiration, options, ssu2?}],
// size, signature_valid.
nlohmann::json router_info_to_json(const ssu2::i2p::RouterInfo& ri);

}  // namespace ssu2d
