#include "actors/support/delivery_promises.hpp"

namespace ssu2d {

void DeliveryPromises::answer(const ssu2::session::DeliveryResult& r, const router_hash& peer) {
  auto it = open_.find(r.feedback_id);
  if (it == open_.end()) return;
  if (r.delivered) it->second.rp.deliver(delivery_report{peer, it->second.msg_id});
  else it->second.rp.deliver(make_error(node_errc::not_delivered, ssu2::session::to_string(r.failure)));
  open_.erase(it);
}

std::optional<caf::response_promise> DeliveryPromises::take(uint64_t id) {
  auto it = open_.find(id);
  if (it == open_.end()) return std::nullopt;
  auto rp = std::move(it->second.rp);
  open_.erase(it);
  return rp;
}

void DeliveryPromises::fail_all(const std::string& why) {
  for (auto& [id, e] : open_) e.rp.deliver(make_error(node_errc::not_delivered, why));
  open_.clear();
}

}  // namespace ssu2d
