// Test traffic: an I2NP Data message with a short header (type 20, message id, expiration in
// seconds) and a body of `size` random bytes, expiring two minutes after `now_s`.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace test_support {

inline std::vector<uint8_t> i2np_data_message(uint32_t id, size_t size, uint32_t now_s,
                                              std::mt19937& rng) {
  const uint32_t exp = now_s + 120;
  std::vector<uint8_t> m{20};
  for (int s = 24; s >= 0; s -= 8) m.push_back(uint8_t(id >> s));
  for (int s = 24; s >= 0; s -= 8) m.push_back(uint8_t(exp >> s));
  for (size_t i = 0; i < size; ++i) m.push_back(uint8_t(rng()));
  return m;
}

}  // namespace test_support
