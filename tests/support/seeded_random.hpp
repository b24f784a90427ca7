// Deterministic randomness for the code under test (same seed, same run): the one seeded
// ssu2::RandomFn of the unit tests, the fuzz targets and the test tools.
#pragma once
#include <cstdint>
#include <memory>
#include <random>

#include "transport/common/random.hpp"

namespace ssu2::testing {
inline RandomFn seeded_random(uint64_t seed) {
  auto gen = std::make_shared<std::mt19937_64>(seed);
  return [gen](MutByteSpan out) {
    for (auto& b : out) b = uint8_t((*gen)() >> 24);
  };
}
}  // namespace ssu2::testing
