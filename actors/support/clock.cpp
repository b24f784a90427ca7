#include "actors/support/clock.hpp"

#include <mutex>

#include <caf/detail/test_actor_clock.hpp>

namespace ssu2d {

uint64_t unix_now_ms(const caf::actor_clock& clock) {
  auto* virt = dynamic_cast<const caf::detail::test_actor_clock*>(&clock);
  if (!virt) return unix_now_ms();
  // Virtual time: anchored once, at the first question, to the real wall clock.
  static std::once_flag once;
  static uint64_t wall0 = 0;
  static caf::actor_clock::time_point virt0;
  std::call_once(once, [&] {
    wall0 = unix_now_ms();
    virt0 = virt->now();
  });
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(virt->now() - virt0);
  return wall0 + uint64_t(std::max<int64_t>(0, elapsed.count()));
}

}  // namespace ssu2d
