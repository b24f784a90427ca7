#include "actors/support/nat_requests.hpp"

#include <algorithm>

namespace ssu2d {

uint32_t NatRequests::add_test(uint32_t nonce, caf::response_promise rp) {
  uint32_t id = next_++;
  tests_[nonce] = Waiting{id, std::move(rp)};
  return id;
}

uint32_t NatRequests::add_tag(const router_hash& introducer, caf::response_promise rp) {
  uint32_t id = next_++;
  tags_[introducer].push_back(Waiting{id, std::move(rp)});
  return id;
}

void NatRequests::answer_test(uint32_t nonce, peer_test_result r) {
  auto it = tests_.find(nonce);
  if (it == tests_.end()) return;
  it->second.rp.deliver(std::move(r));
  tests_.erase(it);
}

void NatRequests::answer_tags(const router_hash& introducer, uint32_t tag) {
  auto it = tags_.find(introducer);
  if (it == tags_.end()) return;
  for (auto& w : it->second) w.rp.deliver(tag);
  tags_.erase(it);
}

void NatRequests::fail_tags(const router_hash& introducer, const caf::error& err) {
  auto it = tags_.find(introducer);
  if (it == tags_.end()) return;
  for (auto& w : it->second) w.rp.deliver(err);
  tags_.erase(it);
}

void NatRequests::expire(uint32_t id) {
  for (auto it = tests_.begin(); it != tests_.end(); ++it)
    if (it->second.id == id) {
      it->second.rp.deliver(make_error(node_errc::timeout, "peer test got no result"));
      tests_.erase(it);
      return;
    }
  for (auto it = tags_.begin(); it != tags_.end(); ++it) {
    auto& v = it->second;
    auto w = std::find_if(v.begin(), v.end(), [&](const Waiting& x) { return x.id == id; });
    if (w == v.end()) continue;
    w->rp.deliver(make_error(node_errc::timeout, "no relay tag from " + to_string(it->first)));
    v.erase(w);
    if (v.empty()) tags_.erase(it);
    return;
  }
}

void NatRequests::fail_all(const std::string& why) {
  for (auto& [n, w] : tests_) w.rp.deliver(make_error(node_errc::timeout, why));
  for (auto& [h, v] : tags_)
    for (auto& w : v) w.rp.deliver(make_error(node_errc::timeout, why));
  tests_.clear();
  tags_.clear();
}

}  // namespace ssu2d
