#include "transport/i2p/data.hpp"

namespace ssu2::i2p {

Result<uint64_t> read_integer(Reader& r, size_t len) {
  if (len < 1 || len > 8) return Error{Errc::malformed, "integer length"};
  ByteSpan s = r.take(len);
  if (!r.ok()) return Error{Errc::truncated, "integer"};
  uint64_t v = 0;
  for (uint8_t b : s) v = v << 8 | b;
  return v;
}

Status write_integer(Writer& w, uint64_t v, size_t len) {
  if (len < 1 || len > 8) return Error{Errc::malformed, "integer length"};
  if (len < 8 && (v >> (8 * len)) != 0) return Error{Errc::oversized, "integer value"};
  for (size_t i = len; i-- > 0;) w.u8(uint8_t(v >> (8 * i)));
  return {};
}

Result<std::string> read_string(Reader& r) {
  const uint8_t len = r.u8();
  ByteSpan s = r.take(len);
  if (!r.ok()) return Error{Errc::truncated, "string"};
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

Status write_string(Writer& w, std::string_view s) {
  if (s.size() > kMaxStringLen) return Error{Errc::oversized, "string length"};
  w.u8(uint8_t(s.size()));
  w.bytes(as_bytes(s));
  return {};
}

const std::string* Mapping::get(std::string_view key) const {
  auto it = entries.find(key);
  return it == entries.end() ? nullptr : &it->second;
}

bool Mapping::erase(std::string_view key) {
  auto it = entries.find(key);
  if (it == entries.end()) return false;
  entries.erase(it);
  return true;
}

Result<Mapping> read_mapping(Reader& r) {
  const uint16_t size = r.u16();
  ByteSpan body = r.take(size);
  if (!r.ok()) return Error{Errc::truncated, "mapping"};
  // Entries are parsed from a sub-reader so that an entry can never run past `size`.
  Reader er(body);
  Mapping m;
  while (er.remaining() > 0) {
    auto key = read_string(er);
    if (!key) return Error{Errc::malformed, "mapping key overruns size"};
    if (er.u8() != '=' || !er.ok()) return Error{Errc::malformed, "mapping '='"};
    auto value = read_string(er);
    if (!value) return Error{Errc::malformed, "mapping value overruns size"};
    if (er.u8() != ';' || !er.ok()) return Error{Errc::malformed, "mapping ';'"};
    auto [it, inserted] = m.entries.emplace(std::move(*key), std::move(*value));
    if (!inserted) return Error{Errc::malformed, "mapping duplicate key"};
  }
  return m;
}

Status write_mapping(Writer& w, const Mapping& m) {
  size_t size = 0;
  for (const auto& [k, v] : m.entries) {
    if (k.size() > kMaxStringLen || v.size() > kMaxStringLen)
      return Error{Errc::oversized, "mapping string length"};
    size += k.size() + v.size() + 4;
  }
  if (size > kMaxMappingSize) return Error{Errc::oversized, "mapping size"};
  w.u16(uint16_t(size));
  for (const auto& [k, v] : m.entries) {
    (void)write_string(w, k);  // lengths checked above
    w.u8('=');
    (void)write_string(w, v);
    w.u8(';');
  }
  return {};
}

Result<Bytes> encode_mapping(const Mapping& m) {
  Bytes out;
  Writer w(out);
  if (auto st = write_mapping(w, m); !st) return st.error();
  return out;
}

Result<Mapping> decode_mapping(ByteSpan in) {
  Reader r(in);
  auto m = read_mapping(r);
  if (!m) return m;
  if (r.remaining() != 0) return Error{Errc::malformed, "mapping trailing bytes"};
  return m;
}

std::optional<uint64_t> parse_decimal(std::string_view s, uint64_t max) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = uint64_t(c - '0');
    if (d > max || v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

}  // namespace ssu2::i2p
