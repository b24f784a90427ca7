// Randomness in the core is a value passed in by the caller, like time: one function that
// fills a buffer (crypto::random_bytes in the node, a seeded generator in tests).
#pragma once
#include <functional>

#include "transport/common/bytes.hpp"

namespace ssu2 {
using RandomFn = std::function<void(MutByteSpan)>;
}  // namespace ssu2
