#include "transport/session/ack.hpp"

#include <algorithm>

namespace ssu2::session {

RemoteAckManager::Check RemoteAckManager::check(uint32_t pn) const {
  if (runs_.empty()) return Check::fresh;
  if (pn < floor_) return Check::too_old;
  if (pn > runs_.front().hi) return Check::fresh;
  // First run (highest first) whose lo is <= pn: pn is in it or in the gap above it.
  auto it = std::partition_point(runs_.begin(), runs_.end(), [&](const Run& r) { return r.lo > pn; });
  return it != runs_.end() && pn <= it->hi ? Check::duplicate : Check::fresh;
}

void RemoteAckManager::raise_floor(uint32_t floor) {
  if (floor <= floor_) return;
  floor_ = floor;
  while (!runs_.empty() && runs_.back().hi < floor_) runs_.pop_back();
  if (!runs_.empty() && runs_.back().lo < floor_) runs_.back().lo = floor_;
}

void RemoteAckManager::insert(uint32_t pn) {
  if (runs_.empty() || pn > runs_.front().hi) {
    if (!runs_.empty() && runs_.front().hi + 1 == pn) runs_.front().hi = pn;  // in order
    else runs_.insert(runs_.begin(), Run{pn, pn});
    return;
  }
  // Below the highest: pn lies in the gap above the first run `it` whose lo is <= pn.
  auto it = std::partition_point(runs_.begin(), runs_.end(), [&](const Run& r) { return r.lo > pn; });
  bool joins_below = it != runs_.end() && it->hi + 1 == pn;
  bool joins_above = it != runs_.begin() && std::prev(it)->lo == pn + 1;
  if (joins_below && joins_above) {
    std::prev(it)->lo = it->lo;
    runs_.erase(it);
  } else if (joins_above) {
    std::prev(it)->lo = pn;
  } else if (joins_below) {
    it->hi = pn;
  } else {
    runs_.insert(it, Run{pn, pn});
  }
}

void RemoteAckManager::schedule(TimePoint now, Micros delay, bool immediate) {
  TimePoint at = now + delay;
  if (immediate) {
    if (!deadline_ || at < *deadline_) deadline_ = at;
  } else if (!deadline_) {
    deadline_ = at;  // an earlier pending deadline (normal or immediate) stays
  }
}

bool RemoteAckManager::record(TimePoint now, uint32_t pn, bool ack_eliciting,
                              bool immediate_requested, Micros rtt) {
  if (check(pn) != Check::fresh) return false;
  bool first = runs_.empty();
  uint32_t previous_highest = highest();
  insert(pn);
  uint32_t top = highest();
  if (top >= kReplayWindow) raise_floor(top - kReplayWindow + 1);
  if (runs_.size() > kMaxRuns) raise_floor(runs_[kMaxRuns - 1].lo);
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
  AckInfo info;
  if (!build_into(info, max_ranges)) return std::nullopt;
  return info;
}

bool RemoteAckManager::build_into(AckInfo& info, size_t max_ranges) const {
  if (runs_.empty()) return false;
  info.ack_through = runs_[0].hi;
  uint64_t below = uint64_t(runs_[0].hi) - runs_[0].lo;  // acks directly below ack_through
  info.acnt = uint8_t(std::min<uint64_t>(below, 255));
  auto& ranges = info.ranges;
  ranges.clear();
  if (below > 255) emit_run(ranges, 0, below - 255);
  for (size_t i = 1; i < runs_.size() && ranges.size() < max_ranges; ++i) {
    uint64_t nack = uint64_t(runs_[i - 1].lo) - runs_[i].hi - 1;
    uint64_t ack = uint64_t(runs_[i].hi) - runs_[i].lo + 1;
    emit_run(ranges, nack, ack);
  }
  if (ranges.size() > max_ranges) ranges.resize(max_ranges);  // the oldest are dropped
  return true;
}

}  // namespace ssu2::session
