#include "transport/nat/introducer_choice.hpp"

#include <algorithm>

#include "transport/common/address.hpp"

namespace ssu2::nat {

IntroducerChoice::IntroducerChoice(const i2p::RouterInfo& charlie, bool have_v4, bool have_v6,
                                   uint32_t wall_s) {
  const auto self = charlie.hash();
  for (const auto* a : charlie.ssu2_addresses()) {
    auto list = a->introducers();
    if (list.empty()) continue;
    std::optional<uint8_t> fam;
    for (uint8_t f : a->ip_families())
      if ((f == 4 && have_v4) || (f == 16 && have_v6)) {
        fam = f;
        break;  // IPv4 is listed first
      }
    for (const auto& in : list) {
      if (in.router_hash == self) continue;  // Charlie cannot introduce himself
      ++published_;
      if (!fam) {
        ++other_family_;
        continue;
      }
      add(in, *fam, wall_s);
    }
  }
}

IntroducerChoice::IntroducerChoice(std::vector<i2p::Introducer> published, uint32_t wall_s,
                                   uint8_t ip_len) {
  for (const auto& in : published) {
    ++published_;
    add(in, ip_len, wall_s);
  }
}

void IntroducerChoice::add(const i2p::Introducer& in, uint8_t ip_len, uint32_t wall_s) {
  if (in.expiration_s != 0 && uint64_t(in.expiration_s) <= uint64_t(wall_s) + kExpiryMarginS) {
    ++expired_;
    return;
  }
  if (left_.size() >= kMaxOptions) return;
  for (const auto& o : left_)
    if (o.ip_len == ip_len && o.introducer.router_hash == in.router_hash && o.introducer.tag == in.tag)
      return;
  left_.push_back({in, ip_len});
}

std::optional<IntroducerOption> IntroducerChoice::next(
    const std::function<bool(const crypto::Hash32&)>& connected) {
  if (left_.empty()) return std::nullopt;
  // Rank: connected before not, then IPv4 before IPv6; ties keep the published order.
  auto rank = [&](const IntroducerOption& o) {
    return (connected(o.introducer.router_hash) ? 0 : 2) + (o.ip_len == 16 ? 1 : 0);
  };
  auto best = left_.begin();
  int best_rank = rank(*best);
  for (auto it = std::next(left_.begin()); it != left_.end() && best_rank > 0; ++it)
    if (int r = rank(*it); r < best_rank) {
      best = it;
      best_rank = r;
    }
  auto out = *best;
  left_.erase(best);
  return out;
}

std::string IntroducerChoice::why_none() const {
  if (published_ == 0) return "no introducers published";
  if (other_family_ == published_) return "introducers only in IP families we have no address for";
  if (expired_ + other_family_ >= published_) return "every usable introducer has expired";
  return "no usable introducer";
}

}  // namespace ssu2::nat
