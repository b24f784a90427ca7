// I2P's Base64 and Base32 text encodings.
//
// I2P Base64 is RFC 4648 Base64 with '-' instead of '+' and '~' instead of '/', padded
// with '='. Base32 (used for ".b32.i2p" names) is RFC 4648 lowercase without padding.
#pragma once
#include <string>
#include <string_view>

#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"

namespace ssu2::i2p {

std::string base64_encode(ByteSpan data);
// Accepts padded input (length a multiple of 4) and unpadded input; rejects characters
// outside the I2P alphabet, misplaced '=', impossible lengths and non-zero trailing bits
// (so every byte string has exactly one accepted encoding).
Result<Bytes> base64_decode(std::string_view text);

std::string base32_encode(ByteSpan data);
// Case-insensitive; no padding expected (trailing '=' is rejected).
Result<Bytes> base32_decode(std::string_view text);

// "<52 base32 chars>.b32.i2p" for a 32-byte hash.
std::string b32_address(ByteSpan hash32);

}  // namespace ssu2::i2p
