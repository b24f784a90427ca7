// The introspection actor's state, shared by its two files: introspection_actor.cpp (status,
// queries, the behaviour) and introspection_send_test.cpp (`ssu2ctl send`). Not an interface:
// only those include them.
#pragma once
#include <memory>
#include <string>

#include "actors/introspection_actor.hpp"
#include "actors/support/bandwidth.hpp"
#include "actors/support/clock.hpp"
#include "actors/support/deadline_timer.hpp"
#include "transport/session/duplicate.hpp"

namespace ssu2d::introspection_detail {

struct introspection_state {
  static inline const char* name = "ssu2d.introspection";
  IntrospectionOptions opts;
  std::unique_ptr<BandwidthRates> bandwidth;  // sampled by a 1 s tick
  // The tick is part of the published interface: a stray (tick_atom, x) from a control
  // client neither samples early nor starts a second chain.
  DeadlineTimer tick;
  ssu2::TimePoint next_sample{0};
  // IDs of the test messages: random, none repeated within the receivers' duplicate filter.
  ssu2::session::MessageIdAllocator message_ids{ssu2::TimePoint{0}};  // rotates at first use
};
using introspection_t = introspection_actor::stateful_base<introspection_state>;

// At most this many messages of a send test are outstanding (1 for the sequential form).
constexpr uint32_t kSendWindow = 256;
// Checks the arguments of a send test to the peer named by `text` and starts it with
// `window` messages outstanding; answered with the result once every message is.
caf::result<send_test_result> start_send_test(introspection_t* self, const std::string& text,
                                              uint32_t count, uint32_t min_size,
                                              uint32_t max_size, uint32_t window);

}  // namespace ssu2d::introspection_detail
