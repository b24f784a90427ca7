#include "transport/session/fragment.hpp"

#include <algorithm>

namespace ssu2::session {

namespace {
// The short header's fields; `b` holds at least kI2npHeader bytes.
I2npMessage short_header(ByteSpan b) {
  auto be32 = [&](size_t i) {
    return uint32_t(b[i]) << 24 | uint32_t(b[i + 1]) << 16 | uint32_t(b[i + 2]) << 8 | b[i + 3];
  };
  I2npMessage m;
  m.type = b[0];
  m.id = be32(1);
  m.expiration = be32(5);
  return m;
}
}  // namespace

std::optional<I2npMessage> parse_short_i2np(ByteSpan b) {
  if (b.size() < kI2npHeader) return std::nullopt;
  I2npMessage m = short_header(b);
  m.body.assign(b.begin() + kI2npHeader, b.end());
  return m;
}

std::optional<I2npMessage> parse_short_i2np(Bytes&& b) {
  if (b.size() < kI2npHeader) return std::nullopt;
  I2npMessage m = short_header(b);
  b.erase(b.begin(), b.begin() + kI2npHeader);
  m.body = std::move(b);
  return m;
}

Bytes short_i2np_bytes(const I2npMessage& m) {
  Bytes out;
  out.reserve(kI2npHeader + m.body.size());
  out.push_back(m.type);
  for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(m.id >> s));
  for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(m.expiration >> s));
  out.insert(out.end(), m.body.begin(), m.body.end());
  return out;
}

Result<std::vector<FragmentPlan>> plan_fragments(size_t body_len, size_t max_block) {
  std::vector<FragmentPlan> out;
  if (kBlockHeader + kI2npHeader + body_len <= max_block) {
    out.push_back({FragmentPlan::Kind::whole, 0, false, 0, body_len});
    return out;
  }
  // Both fragment kinds must carry at least one byte (the spec forbids empty fragments).
  if (max_block <= kBlockHeader + kI2npHeader) return Error{Errc::malformed, "no room for a fragment"};
  size_t first_len = max_block - kBlockHeader - kI2npHeader;
  size_t follow_len = max_block - kBlockHeader - kFollowOnHeader;
  size_t rest = body_len - first_len;
  size_t follow_count = (rest + follow_len - 1) / follow_len;
  if (1 + follow_count > kMaxFragments) return Error{Errc::oversized, "too many fragments"};
  out.push_back({FragmentPlan::Kind::first, 0, false, 0, first_len});
  size_t offset = first_len;
  for (size_t n = 1; n <= follow_count; ++n) {
    size_t len = std::min(follow_len, body_len - offset);
    out.push_back({FragmentPlan::Kind::follow_on, uint8_t(n), n == follow_count, offset, len});
    offset += len;
  }
  return out;
}

bool Reassembler::has_room(uint32_t id, size_t size) const {
  if (partial_.count(id)) return buffered_ + size <= hard_cap() && share_.fits(size, true);
  return partial_.size() < kMaxPartialMessages && buffered_ + size <= limit_ &&
         share_.fits(size, false);
}

// The rule and why it cannot deadlock: see the header.
bool Reassembler::admits(const std::vector<Piece>& pieces) const {
  size_t bytes = 0;
  bool progress = false;
  std::vector<uint32_t> starts;  // messages this packet would start
  for (size_t i = 0; i < pieces.size(); ++i) {
    const Piece& p = pieces[i];
    // Refused by add() whatever the memory (so they need none): left to it to count.
    if (p.size == 0 || p.number >= kMaxFragments) continue;
    auto it = partial_.find(p.id);
    if (it != partial_.end()) {
      if (it->second.pieces.count(p.number)) continue;  // held already: a resend
      progress = true;
    } else if (std::find(starts.begin(), starts.end(), p.id) == starts.end()) {
      starts.push_back(p.id);
    }
    bytes += p.size;
  }
  if (buffered_ + bytes > hard_cap()) return false;
  if (starts.empty()) return share_.fits(bytes, true);
  if (partial_.size() + starts.size() > kMaxPartialMessages) return false;
  return (progress || buffered_ + bytes <= limit_) && share_.fits(bytes, progress);
}

Reassembler::Outcome Reassembler::add(TimePoint now, uint32_t id, uint8_t number, ByteSpan data,
                                      bool admitted, Partial** out) {
  if (data.empty()) return {std::nullopt, DropReason::empty_fragment};
  if (number >= kMaxFragments) return {std::nullopt, DropReason::fragment_number_too_high};
  auto it = partial_.find(id);
  if (it != partial_.end() && it->second.pieces.count(number))
    return {std::nullopt, DropReason::duplicate_fragment};
  // Admitted packets passed the node-wide check in admits() already.
  bool room = admitted ? buffered_ + data.size() <= hard_cap() &&
                             (it != partial_.end() || partial_.size() < kMaxPartialMessages)
                       : has_room(id, data.size());
  if (!room) return {std::nullopt, DropReason::reassembly_memory_limit};
  if (it == partial_.end()) {
    Partial fresh;
    fresh.started = now;
    it = partial_.emplace(id, std::move(fresh)).first;
  }
  Partial& p = it->second;
  p.pieces.emplace(number, Bytes(data.begin(), data.end()));
  p.bytes += data.size();
  buffered_ += data.size();
  share_.add(data.size());
  *out = &p;
  return {};
}

Reassembler::Outcome Reassembler::on_first(TimePoint now, uint8_t type, uint32_t id,
                                           uint32_t expiration, ByteSpan data, bool admitted) {
  Partial* p = nullptr;
  auto r = add(now, id, 0, data, admitted, &p);
  if (!p) return r;
  p->have_first = true;
  p->type = type;
  p->expiration = expiration;
  return {try_complete(id), std::nullopt};
}

Reassembler::Outcome Reassembler::on_follow_on(TimePoint now, uint32_t id, uint8_t number,
                                               bool last, ByteSpan data, bool admitted) {
  if (number == 0) return {std::nullopt, DropReason::follow_on_fragment_number_0};
  auto existing = partial_.find(id);
  if (existing != partial_.end()) {
    // A fragment beyond the known last one, or a second different "last", is inconsistent:
    // the whole message is unusable.
    const Partial& q = existing->second;
    bool beyond = q.last && number > *q.last;
    bool other_last = last && ((q.last && *q.last != number) ||
                               (!q.pieces.empty() && q.pieces.rbegin()->first > number));
    if (beyond || other_last) {
      erase(id);
      return {std::nullopt, DropReason::inconsistent_fragments};
    }
  }
  Partial* p = nullptr;
  auto r = add(now, id, number, data, admitted, &p);
  if (!p) return r;
  if (last) p->last = number;
  return {try_complete(id), std::nullopt};
}

std::optional<I2npMessage> Reassembler::try_complete(uint32_t id) {
  auto it = partial_.find(id);
  if (it == partial_.end()) return std::nullopt;
  const Partial& p = it->second;
  if (!p.have_first || !p.last || p.pieces.size() != size_t(*p.last) + 1) return std::nullopt;
  I2npMessage m;
  m.type = p.type;
  m.id = id;
  m.expiration = p.expiration;
  m.body.reserve(p.bytes);
  for (const auto& [n, piece] : p.pieces) m.body.insert(m.body.end(), piece.begin(), piece.end());
  erase(id);
  return m;
}

void Reassembler::erase(uint32_t id) {
  auto it = partial_.find(id);
  if (it == partial_.end()) return;
  buffered_ -= it->second.bytes;
  share_.sub(it->second.bytes);
  partial_.erase(it);
}

size_t Reassembler::expire(TimePoint now) {
  size_t n = 0;
  for (auto it = partial_.begin(); it != partial_.end();) {
    if (now - it->second.started >= kTimeout) {
      buffered_ -= it->second.bytes;
      share_.sub(it->second.bytes);
      it = partial_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

std::optional<TimePoint> Reassembler::next_deadline() const {
  std::optional<TimePoint> best;
  for (const auto& [id, p] : partial_)
    if (!best || p.started + kTimeout < *best) best = p.started + kTimeout;
  return best;
}

}  // namespace ssu2::session
