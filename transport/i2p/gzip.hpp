// gzip (RFC 1952) helpers for RouterInfo transport (I2NP DatabaseStore, SSU2 RouterInfo block).
#pragma once
#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"

namespace ssu2::i2p {

// A RouterInfo is a few KB at most; this bounds what a peer can make us inflate.
inline constexpr size_t kMaxRouterInfoSize = 64 * 1024;

// Compresses with a fixed header (mtime 0, OS 0xFF, max compression => XFL 2), as i2np.rst
// asks so the output does not reveal the implementation: starts 1F 8B 08 00 00000000 02 FF.
Result<Bytes> gzip_compress(ByteSpan data);
// Inflates one gzip member. Errc::oversized as soon as the output would exceed max_out
// (decompression-bomb bound), Errc::malformed on a corrupt stream or trailing bytes,
// Errc::truncated if the stream ends early.
Result<Bytes> gzip_decompress(ByteSpan data, size_t max_out = kMaxRouterInfoSize);

}  // namespace ssu2::i2p
