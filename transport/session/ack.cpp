#include "transport/session/ack.hpp"

#include <algorithm>

namespace ssu2::session {

void for_each_acked(const AckInfo& ack, const std::function<void(uint32_t)>& fn) {
  // `next` is the highest number not yet classified; int64 so that it can reach -1.
  int64_t next = ack.ack_through;
  auto take = [&](uint32_t n, bool acked) {
    for (uint32_t i = 0; i < n && next >= 0; ++i, --next)
      if (acked) fn(uint32_t(next));
  };
  take(uint32_t(ack.acnt) + 1, true);
  for (const auto& r : ack.ranges) {
    if (next < 0) break;
    take(r.nack, false);
    take(r.ack, true);
  }
}

RemoteAckManager::Check RemoteAckManager::check(uint32_t pn) const {
  if (received_.empty()) return Check::fresh;
  if (pn < floor_) return Check::too_old;
  return received_.count(pn) ? Check::duplicate : Check::fresh;
}

void RemoteAckManager::schedule(TimePoint now, Millis delay, bool immediate) {
  TimePoint at = now + delay;
  if (immediate) {
    if (!deadline_ || at < *deadline_) deadline_ = at;
  } else if (!deadline_) {
    deadline_ = at;  // an earlier pending deadline (normal or immediate) stays
  }
}

bool RemoteAckManager::record(TimePoint now, uint32_t pn, bool ack_eliciting,
                              bool immediate_requested, Millis rtt) {
  if (check(pn) != Check::fresh) return false;
  bool first = received_.empty();
  uint32_t previous_highest = highest_;
  received_.insert(pn);
  if (first || pn > highest_) highest_ = pn;
  if (highest_ >= kReplayWindow && highest_ - kReplayWindow + 1 > floor_) {
    floor_ = highest_ - kReplayWindow + 1;
    received_.erase(received_.begin(), received_.lower_bound(floor_));
  }
  if (ack_eliciting) {
    owed_ = true;
    // The spec asks for an ACK without delay when packets arrive out of order or after a
    // gap (it helps the sender's loss detection), and when the peer asks for one.
    bool reordered = highest_eliciting_ && pn < *highest_eliciting_;
    bool gap = !first && pn > previous_highest + 1;
    bool immediate = immediate_requested || reordered || gap;
    if (++unacked_eliciting_ >= kAckEveryEliciting)
      schedule(now, Millis{0}, true);
    else
      schedule(now, immediate ? immediate_delay(rtt) : normal_delay(rtt), immediate);
    if (!highest_eliciting_ || pn > *highest_eliciting_) highest_eliciting_ = pn;
  }
  return true;
}

namespace {
// Appends (nack, ack) with arbitrary counts as wire ranges of at most 255 each.
void emit_run(std::vector<AckRange>& out, uint64_t nack, uint64_t ack) {
  while (nack > 255) {
    out.push_back({255, 0});
    nack -= 255;
  }
  uint8_t a = uint8_t(std::min<uint64_t>(ack, 255));
  out.push_back({uint8_t(nack), a});
  ack -= a;
  while (ack > 0) {
    a = uint8_t(std::min<uint64_t>(ack, 255));
    out.push_back({0, a});
    ack -= a;
  }
}
}  // namespace

std::optional<AckInfo> RemoteAckManager::build(size_t max_ranges) const {
  if (received_.empty()) return std::nullopt;
  // Collect maximal runs of received numbers, highest first.
  struct Run { uint32_t hi, lo; };
  std::vector<Run> runs;
  for (auto it = received_.rbegin(); it != received_.rend(); ++it) {
    if (!runs.empty() && runs.back().lo == *it + 1)
      runs.back().lo = *it;
    else
      runs.push_back({*it, *it});
  }
  AckInfo info;
  info.ack_through = runs[0].hi;
  uint64_t below = uint64_t(runs[0].hi) - runs[0].lo;  // acks directly below ack_through
  info.acnt = uint8_t(std::min<uint64_t>(below, 255));
  std::vector<AckRange> ranges;
  if (below > 255) emit_run(ranges, 0, below - 255);
  for (size_t i = 1; i < runs.size(); ++i) {
    uint64_t nack = uint64_t(runs[i - 1].lo) - runs[i].hi - 1;
    uint64_t ack = uint64_t(runs[i].hi) - runs[i].lo + 1;
    emit_run(ranges, nack, ack);
    if (ranges.size() >= max_ranges) break;
  }
  if (ranges.size() > max_ranges) ranges.resize(max_ranges);  // the oldest are dropped
  info.ranges = std::move(ranges);
  return info;
}

}  // namespace ssu2::session
