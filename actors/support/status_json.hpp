// The JSON form of the introspection actor's answers, shared by `ssu2ctl --json status` /
// `sessions` and the node's HTTP API (/api/status, /api/sessions), so both show the same
// fields under the same names.
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

#include "messages/messages.hpp"

namespace ssu2d {

nlohmann::json status_json(const node_status& s);
nlohmann::json session_json(const session_info& s);
// A JSON array, one session_json object per session, in the list's order.
nlohmann::json sessions_json(const std::vector<session_info>& sessions);

}  // namespace ssu2d
