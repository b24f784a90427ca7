// SSU2 payload blocks: parse and emit. See blocks.hpp for the rules.
#include "transport/ssu2/blocks.hpp"

#include <algorithm>

namespace ssu2::wire {

namespace {

bool valid_ip_len(uint8_t len) { return len == 4 || len == 16; }

// Reads port + IP of a known total size (the asz/csz value: 6 or 18, or 0 when allowed).
bool read_endpoint(Reader& r, uint8_t size, Address& out, bool allow_empty) {
  if (size == 0 && allow_empty) {
    out = Address{{}, 0, 0};
    return true;
  }
  if (size != 6 && size != 18) return false;
  out.port = r.u16();
  out.ip_len = uint8_t(size - 2);
  out.ip = {};
  auto ip = r.take(out.ip_len);
  if (!r.ok()) return false;
  std::copy(ip.begin(), ip.end(), out.ip.begin());
  return true;
}

void write_endpoint(Writer& w, const Address& e) {
  if (e.ip_len == 0) return;
  w.u16(e.port);
  w.bytes(ByteSpan(e.ip.data(), e.ip_len));
}

// The signed middle of RelayRequest / RelayIntro: nonce, tag, timestamp, ver, asz, endpoint.
Bytes relay_signed_data(uint32_t nonce, uint32_t tag, uint32_t ts, uint8_t ver,
                        const Address& e) {
  Bytes out;
  Writer w(out);
  w.u32(nonce);
  w.u32(tag);
  w.u32(ts);
  w.u8(ver);
  w.u8(wire_size(e));
  write_endpoint(w, e);
  return out;
}

Error bad(const char* what) { return Error{Errc::malformed, what}; }

Bytes copy(ByteSpan s) { return Bytes(s.begin(), s.end()); }

}  // namespace

Bytes RelayRequestBlock::signed_data() const {
  return relay_signed_data(nonce, relay_tag, timestamp, version, alice);
}

Bytes RelayIntroBlock::signed_data() const {
  return relay_signed_data(nonce, relay_tag, timestamp, version, alice);
}

Bytes RelayResponseBlock::signed_data() const {
  Bytes out;
  Writer w(out);
  w.u32(nonce);
  if (!has_details) return out;
  w.u32(timestamp);
  w.u8(version);
  w.u8(wire_size(charlie));
  write_endpoint(w, charlie);
  return out;
}

// ---- PeerTest signed data ----

Bytes PeerTestBlock::make_signed_data(uint8_t version, uint32_t nonce, uint32_t timestamp,
                                      const Address& alice) {
  Bytes out;
  Writer w(out);
  w.u8(version);
  w.u32(nonce);
  w.u32(timestamp);
  w.u8(wire_size(alice));
  write_endpoint(w, alice);
  return out;
}

uint8_t PeerTestBlock::version() const { return signed_data.empty() ? 0 : signed_data[0]; }
uint32_t PeerTestBlock::nonce() const {
  Reader r(signed_data);
  r.skip(1);
  return r.u32();
}
uint32_t PeerTestBlock::timestamp() const {
  Reader r(signed_data);
  r.skip(5);
  return r.u32();
}
Address PeerTestBlock::alice() const {
  Reader r(signed_data);
  r.skip(9);
  uint8_t asz = r.u8();
  Address e;
  if (!r.ok() || !read_endpoint(r, asz, e, false)) return Address{{}, 0, 0};
  return e;
}

// ---- termination reasons ----

const char* to_string(TerminationReason r) noexcept {
  switch (r) {
    case TerminationReason::NormalClose: return "normal close";
    case TerminationReason::TerminationReceived: return "termination received";
    case TerminationReason::IdleTimeout: return "idle timeout";
    case TerminationReason::RouterShutdown: return "router shutdown";
    case TerminationReason::DataPhaseAeadFailure: return "data phase AEAD failure";
    case TerminationReason::IncompatibleOptions: return "incompatible options";
    case TerminationReason::IncompatibleSignatureType: return "incompatible signature type";
    case TerminationReason::ClockSkew: return "clock skew";
    case TerminationReason::PaddingViolation: return "padding violation";
    case TerminationReason::AeadFramingError: return "AEAD framing error";
    case TerminationReason::PayloadFormatError: return "payload format error";
    case TerminationReason::SessionRequestError: return "session request error";
    case TerminationReason::SessionCreatedError: return "session created error";
    case TerminationReason::SessionConfirmedError: return "session confirmed error";
    case TerminationReason::Timeout: return "timeout";
    case TerminationReason::RouterInfoSignatureFailure: return "RI signature verification fail";
    case TerminationReason::StaticKeyMismatch: return "s parameter mismatch";
    case TerminationReason::Banned: return "banned";
    case TerminationReason::BadToken: return "bad token";
    case TerminationReason::ConnectionLimits: return "connection limits";
    case TerminationReason::IncompatibleVersion: return "incompatible version";
    case TerminationReason::WrongNetId: return "wrong net id";
    case TerminationReason::ReplacedByNewSession: return "replaced by new session";
  }
  return "unknown";
}

// ---- ACK helpers ----

std::vector<AckBlock::Interval> AckBlock::acked_intervals() const {
  std::vector<Interval> out;
  // Work in signed 64-bit so that walking below packet 0 is detectable instead of wrapping.
  int64_t high = ack_through;
  int64_t low = high - int64_t(acnt);
  auto push = [&](int64_t lo, int64_t hi) {
    if (hi < 0) return;
    lo = std::max<int64_t>(lo, 0);
    // Merge with the previous run when a (0, n) range continues it.
    if (!out.empty() && int64_t(out.back().low) == hi + 1)
      out.back().low = uint32_t(lo);
    else
      out.push_back(Interval{uint32_t(lo), uint32_t(hi)});
  };
  push(low, high);
  int64_t next = low - 1;  // highest packet number not yet described
  for (const auto& r : ranges) {
    next -= r.nack;
    if (r.ack > 0) {
      push(next - r.ack + 1, next);
      next -= r.ack;
    }
    if (next < 0) break;
  }
  return out;
}

std::vector<uint32_t> AckBlock::acked_packets() const {
  std::vector<uint32_t> out;
  for (const auto& iv : acked_intervals())
    for (int64_t p = iv.high; p >= int64_t(iv.low); --p) out.push_back(uint32_t(p));
  return out;
}

bool AckBlock::acks(uint32_t pn) const {
  for (const auto& iv : acked_intervals())
    if (pn >= iv.low && pn <= iv.high) return true;
  return false;
}

std::optional<AckBlock> AckBlock::from_packets(std::vector<uint32_t> packets, size_t max_ranges) {
  if (packets.empty()) return std::nullopt;
  std::sort(packets.begin(), packets.end(), std::greater<>());
  packets.erase(std::unique(packets.begin(), packets.end()), packets.end());

  // Runs of consecutive acked numbers, highest first: (gap before the run, run length).
  struct Run {
    uint64_t gap;  // nacked packets between the previous (higher) run and this one
    uint64_t len;
  };
  std::vector<Run> runs;
  for (size_t i = 0; i < packets.size();) {
    size_t j = i + 1;
    while (j < packets.size() && packets[j] + 1 == packets[j - 1]) ++j;
    uint64_t gap = runs.empty() ? 0 : uint64_t(packets[i - 1]) - packets[i] - 1;
    runs.push_back(Run{gap, j - i});
    i = j;
  }

  AckBlock b;
  b.ack_through = packets.front();
  uint64_t first_rest = runs[0].len - 1;  // acked below ack_through in the first run
  b.acnt = uint8_t(std::min<uint64_t>(first_rest, 255));
  first_rest -= b.acnt;

  // Append one (nack, ack) stream segment as ranges of <= 255 each; stops when full.
  auto add = [&](uint64_t nack, uint64_t ack) -> bool {
    while (nack > 255) {
      if (b.ranges.size() >= max_ranges) return false;
      b.ranges.push_back({255, 0});
      nack -= 255;
    }
    do {
      if (b.ranges.size() >= max_ranges) return false;
      uint8_t a = uint8_t(std::min<uint64_t>(ack, 255));
      b.ranges.push_back({uint8_t(nack), a});
      ack -= a;
      nack = 0;
    } while (ack > 0);
    return true;
  };
  if (first_rest > 0 && !add(0, first_rest)) return b;
  for (size_t i = 1; i < runs.size(); ++i)
    if (!add(runs[i].gap, runs[i].len)) break;
  // A range of pure NACKs at the end says nothing (after the last range packets are neither
  // acked nor nacked), so drop it if the range budget cut a segment there.
  while (!b.ranges.empty() && b.ranges.back().ack == 0) b.ranges.pop_back();
  return b;
}

// ---- parsing ----

namespace {

Result<Block> parse_relay_request(ByteSpan data) {
  Reader r(data);
  RelayRequestBlock b;
  b.flag = r.u8();
  b.nonce = r.u32();
  b.relay_tag = r.u32();
  b.timestamp = r.u32();
  b.version = r.u8();
  uint8_t asz = r.u8();
  if (!r.ok()) return bad("relay request too short");
  if (!read_endpoint(r, asz, b.alice, false)) return bad("relay request asz");
  b.signature = copy(r.rest());
  return Block{std::move(b)};
}

Result<Block> parse_relay_intro(ByteSpan data) {
  Reader r(data);
  RelayIntroBlock b;
  b.flag = r.u8();
  b.alice_hash = r.array<32>();
  b.nonce = r.u32();
  b.relay_tag = r.u32();
  b.timestamp = r.u32();
  b.version = r.u8();
  uint8_t asz = r.u8();
  if (!r.ok()) return bad("relay intro too short");
  if (!read_endpoint(r, asz, b.alice, false)) return bad("relay intro asz");
  b.signature = copy(r.rest());
  return Block{std::move(b)};
}

Result<Block> parse_relay_response(ByteSpan data) {
  Reader r(data);
  RelayResponseBlock b;
  b.flag = r.u8();
  b.code = r.u8();
  b.nonce = r.u32();
  if (!r.ok()) return bad("relay response too short");
  if (r.empty()) {
    if (b.code == 0) return bad("relay response accept without details");
    return Block{std::move(b)};
  }
  b.has_details = true;
  b.timestamp = r.u32();
  b.version = r.u8();
  uint8_t csz = r.u8();
  if (!r.ok()) return bad("relay response details too short");
  if (!read_endpoint(r, csz, b.charlie, true)) return bad("relay response csz");
  if (b.code == 0) {
    if (r.remaining() < 8) return bad("relay response token missing");
    b.signature = copy(r.take(r.remaining() - 8));
    b.token = r.u64();
  } else {
    b.signature = copy(r.rest());
  }
  return Block{std::move(b)};
}

Result<Block> parse_peer_test(ByteSpan data) {
  Reader r(data);
  PeerTestBlock b;
  b.msg = r.u8();
  b.code = r.u8();
  b.flag = r.u8();
  if (!r.ok()) return bad("peer test too short");
  if (b.msg < 1 || b.msg > 7) return bad("peer test message number");
  if (PeerTestBlock::message_has_hash(b.msg)) {
    auto h = r.array<32>();
    if (!r.ok()) return bad("peer test hash");
    b.hash = h;
  }
  size_t signed_start = r.position();
  r.skip(9);  // ver, nonce, timestamp
  uint8_t asz = r.u8();
  if (!r.ok()) return bad("peer test signed data too short");
  Address e;
  if (!read_endpoint(r, asz, e, false)) return bad("peer test asz");
  b.signed_data = copy(data.subspan(signed_start, r.position() - signed_start));
  b.signature = copy(r.rest());
  return Block{std::move(b)};
}

Result<Block> parse_ack(ByteSpan data) {
  if (data.size() < 5) return bad("ack too short");
  if ((data.size() - 5) % 2 != 0) return bad("ack range count");
  Reader r(data);
  AckBlock b;
  b.ack_through = r.u32();
  b.acnt = r.u8();
  b.ranges.reserve((data.size() - 5) / 2);
  while (!r.empty()) {
    AckBlock::Range range;
    range.nack = r.u8();
    range.ack = r.u8();
    b.ranges.push_back(range);
  }
  return Block{std::move(b)};
}

template <class T>
Result<Block> parse_i2np_like(ByteSpan data, size_t min_body, const char* what) {
  if (data.size() < 9 + min_body) return bad(what);
  Reader r(data);
  T b;
  b.type = r.u8();
  b.msg_id = r.u32();
  b.expiration = r.u32();
  if constexpr (std::is_same_v<T, I2npBlock>)
    b.body = copy(r.rest());
  else
    b.data = copy(r.rest());
  return Block{std::move(b)};
}

}  // namespace

Result<Block> parse_block(uint8_t type, ByteSpan data) {
  Reader r(data);
  const size_t n = data.size();
  switch (static_cast<BlockType>(type)) {
    case BlockType::DateTime:
      if (n != 4) return bad("datetime size");
      return Block{DateTimeBlock{r.u32()}};
    case BlockType::Options: {
      if (n < 12) return bad("options size");
      OptionsBlock b;
      b.tmin = r.u8(); b.tmax = r.u8(); b.rmin = r.u8(); b.rmax = r.u8();
      b.tdmy = r.u16(); b.rdmy = r.u16(); b.tdelay = r.u16(); b.rdelay = r.u16();
      b.more = copy(r.rest());
      return Block{std::move(b)};
    }
    case BlockType::RouterInfo: {
      if (n < 2) return bad("router info size");
      RouterInfoBlock b;
      b.flags = r.u8();
      b.frag = r.u8();
      b.data = copy(r.rest());
      return Block{std::move(b)};
    }
    case BlockType::I2np:
      return parse_i2np_like<I2npBlock>(data, 0, "i2np size");
    case BlockType::FirstFragment:
      return parse_i2np_like<FirstFragmentBlock>(data, 1, "first fragment size");
    case BlockType::FollowOnFragment: {
      if (n < 6) return bad("follow-on fragment size");
      FollowOnFragmentBlock b;
      uint8_t frag = r.u8();
      b.fragment_number = uint8_t(frag >> 1);
      b.is_last = (frag & 1) != 0;
      if (b.fragment_number == 0) return bad("follow-on fragment number 0");
      b.msg_id = r.u32();
      b.data = copy(r.rest());
      return Block{std::move(b)};
    }
    case BlockType::Termination: {
      if (n < 9) return bad("termination size");
      TerminationBlock b;
      b.valid_frames_received = r.u64();
      b.reason = static_cast<TerminationReason>(r.u8());
      b.additional = copy(r.rest());
      return Block{std::move(b)};
    }
    case BlockType::RelayRequest: return parse_relay_request(data);
    case BlockType::RelayResponse: return parse_relay_response(data);
    case BlockType::RelayIntro: return parse_relay_intro(data);
    case BlockType::PeerTest: return parse_peer_test(data);
    case BlockType::NextNonce: return Block{NextNonceBlock{copy(data)}};
    case BlockType::Ack: return parse_ack(data);
    case BlockType::Address: {
      if (n != 6 && n != 18) return bad("address size");
      AddressBlock b;
      if (!read_endpoint(r, uint8_t(n), b.endpoint, false)) return bad("address");
      return Block{b};
    }
    case BlockType::RelayTagRequest:
      if (n != 0) return bad("relay tag request size");
      return Block{RelayTagRequestBlock{}};
    case BlockType::RelayTag: {
      if (n != 4) return bad("relay tag size");
      RelayTagBlock b{r.u32()};
      if (b.relay_tag == 0) return bad("relay tag zero");
      return Block{b};
    }
    case BlockType::NewToken: {
      if (n != 12) return bad("new token size");
      NewTokenBlock b;
      b.expires = r.u32();
      b.token = r.u64();
      return Block{b};
    }
    case BlockType::PathChallenge: return Block{PathChallengeBlock{copy(data)}};
    case BlockType::PathResponse: return Block{PathResponseBlock{copy(data)}};
    case BlockType::FirstPacketNumber:
      if (n != 4) return bad("first packet number size");
      return Block{FirstPacketNumberBlock{r.u32()}};
    case BlockType::Congestion: {
      if (n < 1) return bad("congestion size");
      CongestionBlock b;
      b.flags = r.u8();
      b.extension = copy(r.rest());
      return Block{std::move(b)};
    }
    case BlockType::Padding:
      return Block{PaddingBlock{uint16_t(n)}};
  }
  return Block{UnknownBlock{type, copy(data)}};
}

Result<std::vector<Block>> parse_blocks(ByteSpan payload) {
  std::vector<Block> out;
  Reader r(payload);
  bool seen_padding = false;
  while (!r.empty()) {
    uint8_t type = r.u8();
    uint16_t size = r.u16();
    if (!r.ok()) return Error{Errc::truncated, "block head"};
    if (r.remaining() < size) return Error{Errc::truncated, "block size beyond payload"};
    if (seen_padding) {
      return bad(type == uint8_t(BlockType::Padding) ? "more than one padding block"
                                                     : "padding not last");
    }
    auto block = parse_block(type, r.take(size));
    if (!block) return block.error();
    if (type == uint8_t(BlockType::Padding)) seen_padding = true;
    out.push_back(std::move(*block));
  }
  return out;
}

// ---- emitting ----

namespace {

void write_ack(Writer& w, uint32_t ack_through, uint8_t acnt, std::span<const AckBlock::Range> ranges) {
  w.u32(ack_through);
  w.u8(acnt);
  for (const auto& r : ranges) { w.u8(r.nack); w.u8(r.ack); }
}

// Writes the data part of a block (no head) and validates what cannot be encoded.
struct DataWriter {
  Writer& w;

  Status operator()(const DateTimeBlock& b) { w.u32(b.timestamp); return {}; }
  Status operator()(const OptionsBlock& b) {
    w.u8(b.tmin); w.u8(b.tmax); w.u8(b.rmin); w.u8(b.rmax);
    w.u16(b.tdmy); w.u16(b.rdmy); w.u16(b.tdelay); w.u16(b.rdelay);
    w.bytes(b.more);
    return {};
  }
  Status operator()(const RouterInfoBlock& b) {
    w.u8(b.flags); w.u8(b.frag); w.bytes(b.data);
    return {};
  }
  Status operator()(const I2npBlock& b) {
    w.u8(b.type); w.u32(b.msg_id); w.u32(b.expiration); w.bytes(b.body);
    return {};
  }
  Status operator()(const FirstFragmentBlock& b) {
    if (b.data.empty()) return bad("first fragment empty");
    w.u8(b.type); w.u32(b.msg_id); w.u32(b.expiration); w.bytes(b.data);
    return {};
  }
  Status operator()(const FollowOnFragmentBlock& b) {
    if (b.fragment_number == 0 || b.fragment_number > 127) return bad("fragment number");
    if (b.data.empty()) return bad("follow-on fragment empty");
    w.u8(uint8_t(b.fragment_number << 1 | (b.is_last ? 1 : 0)));
    w.u32(b.msg_id);
    w.bytes(b.data);
    return {};
  }
  Status operator()(const TerminationBlock& b) {
    w.u64(b.valid_frames_received); w.u8(uint8_t(b.reason)); w.bytes(b.additional);
    return {};
  }
  Status operator()(const RelayRequestBlock& b) {
    if (!valid_ip_len(b.alice.ip_len)) return bad("relay request ip");
    w.u8(b.flag); w.bytes(b.signed_data()); w.bytes(b.signature);
    return {};
  }
  Status operator()(const RelayResponseBlock& b) {
    if (b.code == 0 && (!b.has_details || !b.token)) return bad("relay response accept fields");
    if (b.has_details && b.charlie.ip_len != 0 && !valid_ip_len(b.charlie.ip_len))
      return bad("relay response ip");
    if (!b.has_details && (b.token || !b.signature.empty()))
      return bad("relay response fields without details");
    w.u8(b.flag); w.u8(b.code); w.bytes(b.signed_data()); w.bytes(b.signature);
    if (b.token) w.u64(*b.token);
    return {};
  }
  Status operator()(const RelayIntroBlock& b) {
    if (!valid_ip_len(b.alice.ip_len)) return bad("relay intro ip");
    w.u8(b.flag); w.bytes(b.alice_hash); w.bytes(b.signed_data()); w.bytes(b.signature);
    return {};
  }
  Status operator()(const PeerTestBlock& b) {
    if (b.msg < 1 || b.msg > 7) return bad("peer test message number");
    if (PeerTestBlock::message_has_hash(b.msg) != b.hash.has_value()) return bad("peer test hash");
    if (b.alice().ip_len == 0) return bad("peer test signed data");
    w.u8(b.msg); w.u8(b.code); w.u8(b.flag);
    if (b.hash) w.bytes(*b.hash);
    w.bytes(b.signed_data);
    w.bytes(b.signature);
    return {};
  }
  Status operator()(const NextNonceBlock& b) { w.bytes(b.data); return {}; }
  Status operator()(const AckBlock& b) {
    write_ack(w, b.ack_through, b.acnt, b.ranges);
    return {};
  }
  Status operator()(const AddressBlock& b) {
    if (!valid_ip_len(b.endpoint.ip_len)) return bad("address ip");
    write_endpoint(w, b.endpoint);
    return {};
  }
  Status operator()(const RelayTagRequestBlock&) { return {}; }
  Status operator()(const RelayTagBlock& b) {
    if (b.relay_tag == 0) return bad("relay tag zero");
    w.u32(b.relay_tag);
    return {};
  }
  Status operator()(const NewTokenBlock& b) { w.u32(b.expires); w.u64(b.token); return {}; }
  Status operator()(const PathChallengeBlock& b) { w.bytes(b.data); return {}; }
  Status operator()(const PathResponseBlock& b) { w.bytes(b.data); return {}; }
  Status operator()(const FirstPacketNumberBlock& b) { w.u32(b.first_packet_number); return {}; }
  Status operator()(const CongestionBlock& b) { w.u8(b.flags); w.bytes(b.extension); return {}; }
  Status operator()(const PaddingBlock& b) { w.zeros(b.length); return {}; }
  Status operator()(const UnknownBlock& b) { w.bytes(b.data); return {}; }
};

template <class T>
constexpr uint8_t type_of() {
  if constexpr (std::is_same_v<T, DateTimeBlock>) return uint8_t(BlockType::DateTime);
  else if constexpr (std::is_same_v<T, OptionsBlock>) return uint8_t(BlockType::Options);
  else if constexpr (std::is_same_v<T, RouterInfoBlock>) return uint8_t(BlockType::RouterInfo);
  else if constexpr (std::is_same_v<T, I2npBlock>) return uint8_t(BlockType::I2np);
  else if constexpr (std::is_same_v<T, FirstFragmentBlock>) return uint8_t(BlockType::FirstFragment);
  else if constexpr (std::is_same_v<T, FollowOnFragmentBlock>) return uint8_t(BlockType::FollowOnFragment);
  else if constexpr (std::is_same_v<T, TerminationBlock>) return uint8_t(BlockType::Termination);
  else if constexpr (std::is_same_v<T, RelayRequestBlock>) return uint8_t(BlockType::RelayRequest);
  else if constexpr (std::is_same_v<T, RelayResponseBlock>) return uint8_t(BlockType::RelayResponse);
  else if constexpr (std::is_same_v<T, RelayIntroBlock>) return uint8_t(BlockType::RelayIntro);
  else if constexpr (std::is_same_v<T, PeerTestBlock>) return uint8_t(BlockType::PeerTest);
  else if constexpr (std::is_same_v<T, NextNonceBlock>) return uint8_t(BlockType::NextNonce);
  else if constexpr (std::is_same_v<T, AckBlock>) return uint8_t(BlockType::Ack);
  else if constexpr (std::is_same_v<T, AddressBlock>) return uint8_t(BlockType::Address);
  else if constexpr (std::is_same_v<T, RelayTagRequestBlock>) return uint8_t(BlockType::RelayTagRequest);
  else if constexpr (std::is_same_v<T, RelayTagBlock>) return uint8_t(BlockType::RelayTag);
  else if constexpr (std::is_same_v<T, NewTokenBlock>) return uint8_t(BlockType::NewToken);
  else if constexpr (std::is_same_v<T, PathChallengeBlock>) return uint8_t(BlockType::PathChallenge);
  else if constexpr (std::is_same_v<T, PathResponseBlock>) return uint8_t(BlockType::PathResponse);
  else if constexpr (std::is_same_v<T, FirstPacketNumberBlock>) return uint8_t(BlockType::FirstPacketNumber);
  else if constexpr (std::is_same_v<T, CongestionBlock>) return uint8_t(BlockType::Congestion);
  else if constexpr (std::is_same_v<T, PaddingBlock>) return uint8_t(BlockType::Padding);
  else return 0;  // UnknownBlock: handled by block_type()
}

}  // namespace

uint8_t block_type(const Block& b) {
  if (auto* u = std::get_if<UnknownBlock>(&b)) return u->type;
  return std::visit([](const auto& x) { return type_of<std::decay_t<decltype(x)>>(); }, b);
}

Status append_block(Bytes& out, const Block& b) {
  const size_t head = out.size();
  Writer w(out);
  w.u8(block_type(b));
  w.u16(0);  // patched below
  Status st = std::visit(DataWriter{w}, b);
  const size_t data_len = out.size() - head - kBlockHeaderLen;
  if (st && data_len > kMaxBlockDataLen) st = Error{Errc::oversized, "block data"};
  if (!st) {
    out.resize(head);
    return st;
  }
  store_be16(out.data() + head + 1, uint16_t(data_len));
  return {};
}

size_t encoded_size(const Block& b) {
  Bytes tmp;
  Writer w(tmp);
  (void)std::visit(DataWriter{w}, b);
  return kBlockHeaderLen + tmp.size();
}

Result<Bytes> emit_blocks(const std::vector<Block>& blocks) {
  for (size_t i = 0; i < blocks.size(); ++i) {
    const uint8_t t = block_type(blocks[i]);
    const bool last = i + 1 == blocks.size();
    if (t == uint8_t(BlockType::Padding) && !last) return bad("padding not last");
    if (t == uint8_t(BlockType::Termination) && !last &&
        !(i + 2 == blocks.size() && block_type(blocks[i + 1]) == uint8_t(BlockType::Padding)))
      return bad("termination not last");
  }
  Bytes out;
  for (const auto& b : blocks)
    if (auto st = append_block(out, b); !st) return st.error();
  return out;
}

namespace {
void append_message_block(Bytes& out, BlockType t, uint8_t type, uint32_t msg_id,
                          uint32_t expiration, ByteSpan body) {
  Writer w(out);
  w.u8(uint8_t(t));
  w.u16(uint16_t(9 + body.size()));  // type, msg id, short expiration
  w.u8(type);
  w.u32(msg_id);
  w.u32(expiration);
  w.bytes(body);
}
}  // namespace

void append_i2np_block(Bytes& out, uint8_t type, uint32_t msg_id, uint32_t expiration, ByteSpan body) {
  append_message_block(out, BlockType::I2np, type, msg_id, expiration, body);
}

void append_first_fragment(Bytes& out, uint8_t type, uint32_t msg_id, uint32_t expiration,
                           ByteSpan data) {
  append_message_block(out, BlockType::FirstFragment, type, msg_id, expiration, data);
}

void append_follow_on_fragment(Bytes& out, uint8_t number, bool last, uint32_t msg_id, ByteSpan data) {
  Writer w(out);
  w.u8(uint8_t(BlockType::FollowOnFragment));
  w.u16(uint16_t(5 + data.size()));
  w.u8(uint8_t(number << 1 | (last ? 1 : 0)));
  w.u32(msg_id);
  w.bytes(data);
}

void append_ack_block(Bytes& out, uint32_t ack_through, uint8_t acnt,
                      std::span<const AckBlock::Range> ranges) {
  Writer w(out);
  w.u8(uint8_t(BlockType::Ack));
  w.u16(uint16_t(5 + 2 * ranges.size()));
  write_ack(w, ack_through, acnt, ranges);
}

std::string block_type_list(const std::vector<Block>& blocks) {
  std::string out;
  for (const auto& b : blocks) out += (out.empty() ? "" : ",") + std::to_string(block_type(b));
  return out;
}

}  // namespace ssu2::wire
