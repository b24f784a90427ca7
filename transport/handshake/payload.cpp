#include "transport/handshake/payload.hpp"

#include <cstring>

#include "transport/i2p/gzip.hpp"

namespace ssu2::handshake::payload {

bool date_time(Bytes& out, uint32_t wall_s) {
  return wire::append_block(out, wire::DateTimeBlock{wall_s}).ok();
}
bool address(Bytes& out, const Address& ep) {
  return wire::append_block(out, wire::AddressBlock{ep}).ok();
}
bool new_token(Bytes& out, const Token& t) {
  return wire::append_block(out, wire::NewTokenBlock{t.expires, t.value}).ok();
}
bool relay_tag_request(Bytes& out) {
  return wire::append_block(out, wire::RelayTagRequestBlock{}).ok();
}
bool relay_tag(Bytes& out, uint32_t tag) {
  return wire::append_block(out, wire::RelayTagBlock{tag}).ok();
}
bool termination(Bytes& out, wire::TerminationReason reason) {
  wire::TerminationBlock t;
  t.reason = reason;
  return wire::append_block(out, t).ok();
}
bool router_info(Bytes& out, ByteSpan ri, bool gzipped) {
  wire::RouterInfoBlock b;
  b.flags = gzipped ? wire::kRouterInfoFlagGzip : 0;
  b.frag = 0x01;
  b.data.assign(ri.begin(), ri.end());
  return wire::append_block(out, b).ok();
}
wire::RouterInfoBlock router_info_update(ByteSpan ri) {
  wire::RouterInfoBlock b;  // flood flag off, fragment 0 of 1
  if (auto z = i2p::gzip_compress(ri); z && z->size() < ri.size()) {
    b.flags = wire::kRouterInfoFlagGzip;
    b.data = std::move(*z);
  } else {
    b.data.assign(ri.begin(), ri.end());
  }
  return b;
}
bool padding(Bytes& out, size_t len) {
  return wire::append_block(out, wire::PaddingBlock{uint16_t(len)}).ok();
}

namespace {
struct Collector {
  Parsed& p;
  bool first;
  void operator()(const wire::DateTimeBlock& b) { p.date_time = b.timestamp; }
  void operator()(const wire::AddressBlock& b) {
    if (b.endpoint.ip_len == 4 || b.endpoint.ip_len == 16) p.address = b.endpoint;
  }
  void operator()(const wire::NewTokenBlock& b) { p.new_token = Token{b.token, b.expires}; }
  void operator()(const wire::RelayTagBlock& b) { p.relay_tag = b.relay_tag; }
  void operator()(const wire::RelayTagRequestBlock&) { p.relay_tag_requested = true; }
  void operator()(const wire::FirstPacketNumberBlock& b) { p.first_packet_number = b.first_packet_number; }
  void operator()(const wire::TerminationBlock& b) { p.termination = b.reason; }
  void operator()(const wire::RouterInfoBlock& b) {
    if (p.router_info) return;  // only the first one counts
    p.router_info = b;
    p.router_info_first = first;
  }
  void operator()(const wire::AckBlock&) { p.has_ack = true; }
  template <class Other>
  void operator()(const Other&) {}
};
}  // namespace

Result<Parsed> parse(ByteSpan in) {
  auto blocks = wire::parse_blocks(in);
  if (!blocks) return blocks.error();
  Parsed p;
  bool first = true;
  for (const auto& b : *blocks) {
    std::visit(Collector{p, first}, b);
    first = false;
  }
  return p;
}

}  // namespace ssu2::handshake::payload
