#include "actors/support/inbound_router.hpp"

#include "actors/support/logging.hpp"
#include "messages/messages.hpp"
#include "transport/ssu2/header.hpp"

namespace ssu2d {

// ---- SessionDemux -----------------------------------------------------------------

void SessionDemux::put(uint64_t conn_id, inbox_wake_actor owner, std::shared_ptr<DatagramInbox> inbox) {
  std::unique_lock lk(mu_);
  map_[conn_id] = Entry{std::move(owner), std::move(inbox)};
}

bool SessionDemux::erase(uint64_t conn_id) {
  std::unique_lock lk(mu_);
  return map_.erase(conn_id) > 0;
}

size_t SessionDemux::erase_owner(const caf::actor_addr& owner) {
  std::unique_lock lk(mu_);
  size_t n = 0;
  for (auto it = map_.begin(); it != map_.end();)
    if (it->second.owner.address() == owner) {
      it = map_.erase(it);
      n++;
    } else {
      ++it;
    }
  return n;
}

size_t SessionDemux::size() const {
  std::shared_lock lk(mu_);
  return map_.size();
}

bool SessionDemux::contains(uint64_t conn_id) const {
  std::shared_lock lk(mu_);
  return map_.count(conn_id) != 0;
}

SessionDemux::Route SessionDemux::route(uint64_t conn_id, const ssu2::Address& from,
                                        std::span<const uint8_t> bytes, inbox_wake_actor& wake) {
  std::shared_lock lk(mu_);
  auto it = map_.find(conn_id);
  if (it == map_.end()) return Route::none;
  switch (it->second.inbox->push(from, conn_id, bytes)) {
    case DatagramInbox::Push::queued_wake: wake = it->second.owner; return Route::queued;
    case DatagramInbox::Push::queued: return Route::queued;
    case DatagramInbox::Push::dropped: break;
  }
  return Route::dropped;
}

// ---- InboundRouter ----------------------------------------------------------------

InboundRouter::InboundRouter(InboundRouterConfig cfg) : cfg_(std::move(cfg)) {
  if (!cfg_.metrics) cfg_.metrics = std::make_shared<MetricsRegistry>();
  drop_short_ = &cfg_.metrics->counter("ssu2_datagrams_dropped_total",
                                       "Inbound datagrams dropped before reaching a session",
                                       {{"reason", "too_short"}});
  socket_ = caf::actor_cast<caf::weak_actor_ptr>(cfg_.socket);
  cfg_.socket = nullptr;  // weak only: the receiving side must not keep the socket alive
}

void InboundRouter::route(ssu2::TimePoint now, const ssu2::Address& from,
                          std::span<const uint8_t> bytes) {
  auto id = ssu2::wire::peek_dest_conn_id(bytes, cfg_.intro_key);
  if (!id) {
    drop_short_->inc();
    return;
  }
  if (auto& lim = cfg_.in_limit; lim && !lim->unlimited()) {
    if (!cfg_.demux->contains(*id)) lim->charge(now, bytes.size());  // never dropped
    else if (!lim->admit(now, bytes.size())) {
      log().debug("socket: inbound bandwidth limit, datagram for {:016x} dropped", *id);
      return;
    }
  }
  inbox_wake_actor wake;
  switch (cfg_.demux->route(*id, from, bytes, wake)) {
    case SessionDemux::Route::queued:
      if (wake) wakes_.push_back(std::move(wake));
      return;
    case SessionDemux::Route::dropped:
      log().debug("socket: session inbox full, datagram for {:016x} dropped", *id);
      return;
    case SessionDemux::Route::none: break;
  }
  switch (cfg_.socket_inbox->push(from, *id, bytes)) {
    case DatagramInbox::Push::queued_wake: wake_socket_ = true; break;
    case DatagramInbox::Push::queued: break;
    case DatagramInbox::Push::dropped:
      log().debug("socket: socket inbox full, datagram dropped");
      break;
  }
}

bool InboundRouter::flush() {
  for (auto& w : wakes_) caf::anon_send(w, inbox_atom::value);
  wakes_.clear();
  if (!wake_socket_) return true;
  wake_socket_ = false;
  auto strong = socket_.lock();
  if (!strong) return false;
  // The weak pointer erased the type; it was cfg.socket, an inbox_wake_actor.
  caf::anon_send(caf::actor_cast<inbox_wake_actor>(strong), inbox_atom::value);
  return true;
}

}  // namespace ssu2d
