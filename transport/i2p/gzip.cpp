#include "transport/i2p/gzip.hpp"

#include <zlib.h>

namespace ssu2::i2p {

Result<Bytes> gzip_compress(ByteSpan data) {
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper.
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return Error{Errc::crypto_error, "deflateInit2"};
  gz_header header{};
  header.os = 0xff;  // "unknown", time stays 0
  if (deflateSetHeader(&zs, &header) != Z_OK) {
    deflateEnd(&zs);
    return Error{Errc::crypto_error, "deflateSetHeader"};
  }
  Bytes out(deflateBound(&zs, uLong(data.size())) + 32);
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = uInt(data.size());
  zs.next_out = out.data();
  zs.avail_out = uInt(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Error{Errc::crypto_error, "deflate"};
  out.resize(produced);
  return out;
}

Result<Bytes> gzip_decompress(ByteSpan data, size_t max_out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return Error{Errc::crypto_error, "inflateInit2"};
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = uInt(data.size());
  Bytes out;
  uint8_t chunk[4096];
  int rc = Z_OK;
  // Inflate chunk by chunk so the bound is checked before memory is committed.
  while (rc != Z_STREAM_END) {
    zs.next_out = chunk;
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      if (rc == Z_BUF_ERROR) return Error{Errc::truncated, "gzip stream"};
      return Error{Errc::malformed, "gzip stream"};
    }
    const size_t got = sizeof(chunk) - zs.avail_out;
    if (out.size() + got > max_out) {
      inflateEnd(&zs);
      return Error{Errc::oversized, "gzip output"};
    }
    out.insert(out.end(), chunk, chunk + got);
    if (rc == Z_OK && got == 0 && zs.avail_in == 0) {
      inflateEnd(&zs);
      return Error{Errc::truncated, "gzip stream"};
    }
  }
  const bool trailing = zs.avail_in != 0;
  inflateEnd(&zs);
  if (trailing) return Error{Errc::malformed, "gzip trailing bytes"};
  return out;
}

}  // namespace ssu2::i2p
