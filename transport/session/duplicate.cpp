// The filters are header-only templates; this unit instantiates them once so that the
// library carries the code and template errors show up when the library builds.
#include "transport/session/duplicate.hpp"

namespace ssu2::session::detail {
template class RotatingSet<uint32_t>;
template class RotatingSet<uint64_t>;
}  // namespace ssu2::session::detail
