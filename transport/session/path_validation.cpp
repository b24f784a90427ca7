#include "transport/session/path_validation.hpp"

#include <algorithm>

#include "transport/crypto/crypto.hpp"

namespace ssu2::session {

PathValidator::PathValidator(RandomFn random) : random_(std::move(random)) {
  if (!random_) random_ = [](MutByteSpan out) { crypto::random_bytes(out); };
}

Bytes PathValidator::fresh_data() {
  uint8_t len_byte = 0;
  random_(MutByteSpan(&len_byte, 1));
  size_t len = kMinChallenge + len_byte % (kMaxChallenge - kMinChallenge + 1);
  Bytes data(len);
  random_(data);
  return data;
}

std::optional<PathValidator::Challenge> PathValidator::on_new_address(TimePoint now,
                                                                      const Address& from,
                                                                      Micros rtt) {
  if (pending_ && pending_->address == from) return std::nullopt;  // already validating it
  Pending p;
  p.address = from;
  p.data = fresh_data();
  p.started = now;
  p.timer = std::max<Micros>(2 * rtt, kMinResponseTimer);
  p.retry_at = now + p.timer;
  pending_ = std::move(p);
  return Challenge{pending_->address, pending_->data};
}

PathValidator::Response PathValidator::on_response(ByteSpan data) {
  if (!pending_) return {};
  bool match = data.size() == pending_->data.size() &&
               std::equal(data.begin(), data.end(), pending_->data.begin());
  Response r{match ? Outcome::validated : Outcome::failed, pending_->address};
  pending_.reset();
  return r;
}

PathValidator::TimerResult PathValidator::on_timer(TimePoint now) {
  TimerResult r;
  if (!pending_) return r;
  if (now - pending_->started >= kMaxDuration) {
    r.failed = true;
    r.failed_address = pending_->address;
    pending_.reset();
    return r;
  }
  if (now >= pending_->retry_at) {
    pending_->timer *= 2;
    pending_->retry_at = std::min(now + pending_->timer, pending_->started + kMaxDuration);
    r.retry = Challenge{pending_->address, pending_->data};
  }
  return r;
}

std::optional<TimePoint> PathValidator::next_deadline() const {
  if (!pending_) return std::nullopt;
  return std::min(pending_->retry_at, pending_->started + kMaxDuration);
}

}  // namespace ssu2::session

