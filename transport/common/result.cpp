#include "transport/common/result.hpp"

namespace ssu2 {
std::string_view to_string(Errc e) noexcept {
  switch (e) {
    case Errc::ok: return "ok";
    case Errc::truncated: return "truncated";
    case Errc::oversized: return "oversized";
    case Errc::malformed: return "malformed";
    case Errc::unsupported: return "unsupported";
    case Errc::auth_failed: return "auth_failed";
    case Errc::crypto_error: return "crypto_error";
    case Errc::replay: return "replay";
    case Errc::wrong_state: return "wrong_state";
    case Errc::io_error: return "io_error";
    case Errc::not_found: return "not_found";
  }
  return "unknown";
}
}  // namespace ssu2
