// Connection migration: when an authenticated, non-replayed packet arrives from an address
// other than the session's current one, we send a Path Challenge with fresh random data to
// the new address and switch to it only when the matching Path Response comes back. No
// answer within the response timer (2 x RTT, doubled on every retry) re-sends the challenge;
// after 5 s in total, or on a response with the wrong data, the validation is abandoned and
// the session keeps its old address.
//
// Answering the peer's challenges is stateless (echo the data back to where it came from)
// and lives in the session.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "transport/common/bytes.hpp"
#include "transport/common/random.hpp"
#include "transport/common/time.hpp"
#include "transport/common/address.hpp"

namespace ssu2::session {

class PathValidator {
 public:
  static constexpr size_t kMinChallenge = 8;
  static constexpr size_t kMaxChallenge = 23;
  static constexpr Millis kMaxDuration{5000};
  // Used when the RTT estimate is tiny (LAN, tests): a retry every few ms helps nobody.
  static constexpr Millis kMinResponseTimer{50};

  // Without `random`, crypto::random_bytes is used.
  explicit PathValidator(RandomFn random = {});

  struct Challenge {
    Address to;
    Bytes data;
  };

  bool active() const { return pending_.has_value(); }
  std::optional<Address> candidate() const {
    return pending_ ? std::optional<Address>(pending_->address) : std::nullopt;
  }

  // A valid packet came from `from`, which differs from the current address. Starts a
  // validation (returns the challenge to send) unless one for that address is running.
  std::optional<Challenge> on_new_address(TimePoint now, const Address& from, Micros rtt);

  enum class Outcome { none, validated, failed };
  struct Response {
    Outcome outcome = Outcome::none;
    Address address;  // the validated (or rejected) candidate
  };
  // A Path Response arrived. validated: switch to `address`. failed: wrong data while
  // validating. none: nothing was pending (a reply to a ping).
  Response on_response(ByteSpan data);

  // A valid packet from the old address cancels the validation (spec: spoof protection).
  void cancel() { pending_.reset(); }

  struct TimerResult {
    std::optional<Challenge> retry;
    bool failed = false;
    Address failed_address;  // the abandoned candidate when failed
  };
  TimerResult on_timer(TimePoint now);
  std::optional<TimePoint> next_deadline() const;

 private:
  struct Pending {
    Address address;
    Bytes data;
    TimePoint started{};
    TimePoint retry_at{};
    Micros timer{};
  };
  Bytes fresh_data();

  RandomFn random_;
  std::optional<Pending> pending_;
};

}  // namespace ssu2::session
