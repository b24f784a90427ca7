#include "transport/i2p/bandwidth_class.hpp"

#include <algorithm>

namespace ssu2::i2p {

char bandwidth_class(uint64_t k) {
  if (k == 0) return 'L';  // no limit: what i2pd publishes when it has no bandwidth setting
  if (k <= 12) return 'K';
  if (k <= 48) return 'L';
  if (k <= 64) return 'M';
  if (k <= 128) return 'N';
  if (k <= 256) return 'O';
  if (k <= 2000) return 'P';
  return 'X';
}

char bandwidth_class(uint64_t in, uint64_t out) {
  if (in == 0 || out == 0) return bandwidth_class(std::max(in, out));
  return bandwidth_class(std::min(in, out));
}

}  // namespace ssu2::i2p
