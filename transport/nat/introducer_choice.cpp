#include "transport/nat/introducer_choice.hpp"

#include <algorithm>

namespace ssu2::nat {

IntroducerChoice::IntroducerChoice(std::vector<i2p::Introducer> published, uint32_t wall_s) {
  for (auto& i : published)
    if (i.expiration_s == 0 || i.expiration_s > wall_s + kExpiryMarginS) left_.push_back(i);
}

std::optional<i2p::Introducer> IntroducerChoice::next(
    const std::function<bool(const crypto::Hash32&)>& connected) {
  if (left_.empty()) return std::nullopt;
  auto it = std::find_if(left_.begin(), left_.end(),
                         [&](const i2p::Introducer& i) { return connected(i.router_hash); });
  if (it == left_.end()) it = left_.begin();
  auto out = *it;
  left_.erase(it);
  return out;
}

}  // namespace ssu2::nat
