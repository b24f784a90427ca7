// The filters are header-only templates; this unit instantiates them once so that the
// library carries the code and template errors show up when the library builds.
#include "transport/session/duplicate.hpp"

namespace ssu2::session::detail {
template class RotatingSet<uint32_t>;
template class RotatingSet<uint64_t>;
}  // namespace ssu2::session::detail

namespace ssu2::session {
uint32_t MessageIdAllocator::next(TimePoint now, const RandomFn& random) {
  uint32_t v = 0;
  for (int i = 0; i < kMaxDraws; ++i) {
    uint8_t b[4];
    random(MutByteSpan(b, sizeof b));
    v = load_be32(b);
    if (issued_.insert(now, v)) return v;
  }
  // At most size() + 1 steps: the set holds fewer values than 2^32.
  while (!issued_.insert(now, ++v)) {
  }
  return v;
}
}  // namespace ssu2::session
