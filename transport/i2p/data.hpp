// I2P common data types: Integer, Date, String and Mapping (common-structures.rst).
// Readers take an ssu2::Reader positioned at the field and return a Result; a short read
// is Errc::truncated, a bad length or content Errc::malformed / Errc::oversized.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"

namespace ssu2::i2p {

inline constexpr size_t kMaxStringLen = 255;
inline constexpr size_t kMaxMappingSize = 65535;  // bytes after the 2-byte size field

// Integer: 1..8 bytes, unsigned big-endian.
Result<uint64_t> read_integer(Reader& r, size_t len);
// Writes the low `len` bytes of v; returns oversized if v does not fit or len is not 1..8.
Status write_integer(Writer& w, uint64_t v, size_t len);

// Date: 8-byte Integer, milliseconds since the Unix epoch; 0 means "undefined/null".
using Date = uint64_t;
inline Result<Date> read_date(Reader& r) { return read_integer(r, 8); }
inline void write_date(Writer& w, Date d) { w.u64(d); }

// String: 1-byte length then that many bytes (UTF-8 by convention, not checked).
Result<std::string> read_string(Reader& r);
Status write_string(Writer& w, std::string_view s);  // oversized if longer than 255

// Mapping: 2-byte size then "key=value;" entries, key and value each a String.
// Entries are kept in a std::map, so they are always written sorted by key in byte order
// (the same as Java's String.compareTo for the ASCII keys I2P uses), which is what a
// signed structure needs. Parsing rejects duplicate keys.
struct Mapping {
  std::map<std::string, std::string, std::less<>> entries;

  const std::string* get(std::string_view key) const;
  void set(std::string key, std::string value) { entries[std::move(key)] = std::move(value); }
  bool erase(std::string_view key);
  bool empty() const { return entries.empty(); }
  size_t size() const { return entries.size(); }
  bool operator==(const Mapping&) const = default;
};

Result<Mapping> read_mapping(Reader& r);
// oversized if a key/value exceeds 255 bytes or the whole mapping exceeds 65535 bytes.
Status write_mapping(Writer& w, const Mapping& m);
Result<Bytes> encode_mapping(const Mapping& m);
// Parses exactly one Mapping occupying all of `in`.
Result<Mapping> decode_mapping(ByteSpan in);

// Parses an unsigned decimal of at most `max` (ASCII digits only, no sign, no spaces).
std::optional<uint64_t> parse_decimal(std::string_view s, uint64_t max);

}  // namespace ssu2::i2p
