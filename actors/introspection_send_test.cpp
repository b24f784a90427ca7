// `ssu2ctl send`: test messages through the manager with delivery feedback, as a router's
// own traffic would go, and their latencies.
#include <algorithm>

#include "actors/introspection_state.hpp"
#include "transport/crypto/crypto.hpp"
#include "transport/handshake/types.hpp"
#include "transport/session/fragment.hpp"

namespace ssu2d {

std::vector<uint8_t> make_test_data_message(uint32_t id, uint32_t size, uint32_t now_s,
                                            const ssu2::RandomFn& random) {
  // I2NP Data (type 20), expiring in 60 s; body = 4-byte length + random data.
  // The body is written behind the encoded header in the one buffer (no second copy).
  ssu2::session::I2npMessage m;
  m.type = 20;
  m.id = id;
  m.expiration = now_s + 60;
  auto out = ssu2::session::short_i2np_bytes(m);
  const size_t at = out.size();
  out.resize(at + 4 + size);
  for (int i = 0; i < 4; ++i) out[at + size_t(i)] = uint8_t(size >> (24 - 8 * i));
  if (size) random(ssu2::MutByteSpan(out.data() + at + 4, size));
  return out;
}

namespace introspection_detail {

namespace {

// "send HASH N SIZE" / "send HASH N MIN-MAX": N Data messages through the manager with
// delivery feedback, at most kSendWindow outstanding so a large N does not overflow the
// session's bounded queue. With a range, each size is drawn uniformly from [MIN, MAX].
// The sequential form keeps one message outstanding: the next is handed to the manager when
// the previous one's report (or error) arrives, so each latency is that of an idle session.
constexpr uint32_t kMaxTestMessage = 60 * 1024;

struct SendTest {
  router_hash peer;
  uint32_t count = 0, min_size = 0, max_size = 0, issued = 0, answered = 0, outstanding = 0;
  uint32_t window = kSendWindow;
  send_test_result result;
  std::vector<uint64_t> latencies_us;  // of delivered messages, in report order
  caf::actor_clock::time_point started;  // the actor's clock
  caf::typed_response_promise<send_test_result> rp;
};

// Nearest-rank percentiles, mean, min and max of the delivered messages' latencies.
void summarize_latencies(std::vector<uint64_t>& v, send_test_result& r) {
  if (v.empty()) return;
  std::sort(v.begin(), v.end());
  auto rank = [&](unsigned pct) {
    size_t k = (v.size() * pct + 99) / 100;  // ceil(n * pct / 100), at least 1
    return v[std::max<size_t>(k, 1) - 1];
  };
  r.latency_min_us = v.front();
  r.latency_p50_us = rank(50);
  r.latency_p99_us = rank(99);
  r.latency_max_us = v.back();
  uint64_t sum = 0;
  for (auto x : v) sum += x;
  r.latency_mean_us = sum / v.size();
}

void pump_send_test(introspection_t* self, std::shared_ptr<SendTest> run) {
  if (run->answered == run->count) {
    run->result.elapsed_ms = uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          self->clock().now() - run->started)
                                          .count());
    summarize_latencies(run->latencies_us, run->result);
    run->rp.deliver(run->result);
    return;
  }
  while (run->issued < run->count && run->outstanding < run->window) {
    run->issued++;
    run->outstanding++;
    uint32_t size = run->min_size;
    if (run->max_size > run->min_size)
      size += ssu2::handshake::random_u32(self->state.opts.random) % (run->max_size - run->min_size + 1);
    auto bytes = make_test_data_message(
        self->state.message_ids.next(steady_now(self), self->state.opts.random), size,
        unix_now_s(self), self->state.opts.random);
    auto issued_at = self->clock().now();
    const uint32_t index = run->issued;
    // No per-message timeout: each would be a timer in CAF's clock thread (a wake-up of
    // that thread and a timeout message later), a fifth of the sender's CPU at 8 KiB. Every
    // routed message is answered anyway, by the session (delivered, or failed when it
    // ends) or by the manager (no route); the client's own call has its timeout.
    self->request(self->state.opts.manager, caf::infinite, route_atom::value,
                  i2np_message{run->peer, std::move(bytes)}, confirm_atom::value)
        .then(
            [self, run, issued_at](const delivery_report&) {
              run->latencies_us.push_back(uint64_t(
                  std::chrono::duration_cast<std::chrono::microseconds>(self->clock().now() - issued_at)
                      .count()));
              run->outstanding--;
              run->answered++;
              run->result.sent++;
              run->result.delivered++;
              pump_send_test(self, run);
            },
            [self, run, index](caf::error& e) {
              run->outstanding--;
              run->answered++;
              run->result.failed++;
              if (run->result.failures.size() < kMaxSendFailureLines)
                run->result.failures.push_back("message " + std::to_string(index) + ": " +
                                               render_node_error(e));
              // Only refusals before queueing mean "not sent".
              if (e.category() != caf::atom("ssu2d") ||
                  e.code() == uint8_t(node_errc::not_delivered))
                run->result.sent++;
              pump_send_test(self, run);
            });
  }
}

}  // namespace

// Checks the arguments of a send test and starts it with `window` messages outstanding.
caf::result<send_test_result> start_send_test(introspection_t* self, const std::string& text,
                                              uint32_t count, uint32_t min_size,
                                              uint32_t max_size, uint32_t window) {
  router_hash h;
  if (!parse_router_hash(text, h))
    return make_error(node_errc::bad_request, "not a router hash: " + text);
  if (!self->state.opts.manager) return make_error(node_errc::not_available, "no manager");
  if (max_size > kMaxTestMessage || min_size > max_size)
    return make_error(node_errc::bad_request,
                      "sizes must satisfy MIN <= MAX <= " + std::to_string(kMaxTestMessage));
  auto rp = self->make_response_promise<send_test_result>();
  auto run = std::make_shared<SendTest>();
  run->peer = h;
  run->started = self->clock().now();
  run->count = count;
  run->min_size = min_size;
  run->max_size = max_size;
  run->window = window;
  run->latencies_us.reserve(std::min<uint32_t>(count, 1u << 20));
  run->rp = rp;
  pump_send_test(self, run);
  return rp;
}

}  // namespace introspection_detail
}  // namespace ssu2d
