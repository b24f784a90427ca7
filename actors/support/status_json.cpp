#include "actors/support/status_json.hpp"

namespace ssu2d {

using nlohmann::json;

json session_json(const session_info& s) {
  return {{"peer", to_string(s.peer)},       {"remote", s.remote},
          {"state", s.state},                {"established_ms_ago", s.established_ms_ago},
          {"i2np_in", s.i2np_in},            {"i2np_out", s.i2np_out},
          {"outbound", s.outbound},          {"rtt_ms", s.rtt_ms}, {"rtt_us", s.rtt_us},
          {"rto_ms", s.rto_ms},              {"window", s.window},
          {"in_flight", s.in_flight},        {"queued", s.queued},
          {"bytes_in", s.bytes_in},          {"bytes_out", s.bytes_out},
          {"packets_in", s.packets_in},      {"packets_out", s.packets_out},
          {"retransmissions", s.retransmissions}, {"control_answered", s.control_answered},
          {"drops", s.drops}};
}

json sessions_json(const std::vector<session_info>& sessions) {
  json out = json::array();
  for (auto& s : sessions) out.push_back(session_json(s));
  return out;
}

json status_json(const node_status& s) {
  return {{"router_hash", to_string(s.hash)},   {"addresses", s.addresses},
          {"control", s.control},               {"uptime_ms", s.uptime_ms},
          {"sessions", s.sessions},             {"pending_handshakes", s.pending_handshakes},
          {"datagrams_in", s.datagrams_in},     {"datagrams_out", s.datagrams_out},
          {"datagrams_unknown", s.datagrams_unknown},
          {"bytes_in", s.bytes_in},             {"bytes_out", s.bytes_out},
          {"bandwidth_in_bps", {{"1s", s.in_bps_1s}, {"15s", s.in_bps_15s}, {"5m", s.in_bps_5m}}},
          {"bandwidth_out_bps", {{"1s", s.out_bps_1s}, {"15s", s.out_bps_15s}, {"5m", s.out_bps_5m}}},
          {"bandwidth_limit_bps", {{"in", s.limit_in_bps}, {"out", s.limit_out_bps}}},
          {"bandwidth_bucket_bytes", {{"in", s.bucket_in}, {"out", s.bucket_out}}},
          {"bandwidth_refused_bytes", {{"in", s.refused_in_bytes}, {"out", s.refused_out_bytes}}},
          {"version", s.version},               {"log_level", s.log_level},
          {"reachability", s.nat.reachability}, {"external_address", s.nat.external},
          {"router_caps", s.nat.router_caps},   {"address_caps", s.nat.address_caps},
          {"published_addresses", s.nat.published}, {"peer_tests", s.nat.peer_tests},
          {"republished", s.nat.republished},   {"introducers", {{"ipv4", s.nat.introducers_v4}, {"ipv6", s.nat.introducers_v6}}}};
}

}  // namespace ssu2d
