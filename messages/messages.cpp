#include "messages/messages.hpp"

#include <algorithm>
#include <cstdio>

#include "transport/i2p/base64.hpp"

namespace ssu2d {

namespace {

constexpr caf::atom_value kErrorCategory = caf::atom("ssu2d");

const char* errc_name(uint8_t code) {
  switch (static_cast<node_errc>(code)) {
    case node_errc::not_available: return "not_available";
    case node_errc::unknown_session: return "unknown_session";
    case node_errc::bad_request: return "bad_request";
    case node_errc::no_session: return "no_session";
    case node_errc::handshake_failed: return "handshake_failed";
    case node_errc::queue_full: return "queue_full";
    case node_errc::too_large: return "too_large";
    case node_errc::not_delivered: return "not_delivered";
    case node_errc::limit: return "limit";
    case node_errc::timeout: return "timeout";
  }
  return "unknown_error";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_hex_hash(const std::string& text, router_hash& out) {
  for (size_t i = 0; i < 32; ++i) {
    int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.bytes[i] = uint8_t(hi << 4 | lo);
  }
  return true;
}

}  // namespace

std::string to_string(const router_hash& h) {
  return ssu2::i2p::base64_encode(ssu2::ByteSpan(h.bytes.data(), h.bytes.size()));
}

std::string short_hash(const router_hash& h) { return to_string(h).substr(0, 8); }

std::string to_hex(const router_hash& h) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(64);
  for (uint8_t b : h.bytes) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

bool parse_router_hash(const std::string& text, router_hash& out) {
  router_hash tmp;
  bool ok = false;
  if (text.size() == 64) {
    ok = parse_hex_hash(text, tmp);
  } else if (text.size() == 44 || text.size() == 43) {  // padded or not
    auto bytes = ssu2::i2p::base64_decode(text);
    ok = bytes && bytes->size() == tmp.bytes.size();
    if (ok) std::copy(bytes->begin(), bytes->end(), tmp.bytes.begin());
  }
  if (ok) out = tmp;
  return ok;
}

caf::error make_error(node_errc code, std::string text) {
  return caf::error(static_cast<uint8_t>(code), kErrorCategory,
                    caf::make_message(std::move(text)));
}

std::string render_node_error(const caf::error& err) {
  if (!err) return "ok";
  std::string text;
  if (err.context().match_elements<std::string>()) text = err.context().get_as<std::string>(0);
  if (err.category() == kErrorCategory) {
    std::string out = errc_name(err.code());
    if (!text.empty()) out += ": " + text;
    return out;
  }
  // System errors (timeouts, connection failures) keep CAF's own code name.
  std::string out = caf::to_string(err.category()) + " error " + std::to_string(err.code());
  if (err.category() == caf::atom("system"))
    out = "system: " + caf::to_string(static_cast<caf::sec>(err.code()));
  if (!text.empty()) out += ": " + text;
  return out;
}

void register_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<ssu2::Address>("ssu2::Address");
  cfg.add_message_type<datagram>("ssu2d::datagram");
  cfg.add_message_type<std::vector<datagram>>("ssu2d::datagram_batch");
  cfg.add_message_type<send_request>("ssu2d::send_request");
  cfg.add_message_type<send_failure>("ssu2d::send_failure");
  cfg.add_message_type<router_hash>("ssu2d::router_hash");
  cfg.add_message_type<i2np_message>("ssu2d::i2np_message");
  cfg.add_message_type<session_info>("ssu2d::session_info");
  cfg.add_message_type<session_list>("ssu2d::session_list");
  cfg.add_message_type<nat_status>("ssu2d::nat_status");
  cfg.add_message_type<node_status>("ssu2d::node_status");
  cfg.add_message_type<socket_stats>("ssu2d::socket_stats");
  // RouterInfo bytes travel from ssu2ctl to the node (connect FILE).
  cfg.add_message_type<std::vector<uint8_t>>("ssu2d::bytes");
  cfg.add_message_type<delivery_report>("ssu2d::delivery_report");
  cfg.add_message_type<ssu2::nat::NatBlocks>("ssu2::nat::NatBlocks");
  cfg.add_message_type<send_test_result>("ssu2d::send_test_result");
  cfg.add_message_type<handshake_stats>("ssu2d::handshake_stats");
  cfg.add_message_type<peer_test_result>("ssu2d::peer_test_result");
  cfg.add_error_category(kErrorCategory, [](uint8_t code, caf::atom_value, const caf::message& ctx) {
    std::string out = errc_name(code);
    if (ctx.match_elements<std::string>()) out += ": " + ctx.get_as<std::string>(0);
    return out;
  });
}

}  // namespace ssu2d
