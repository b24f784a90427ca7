// The promises of a session's (deliver_atom, bytes, confirm_atom) requests, by the feedback
// id the core reports back in DeliveryResult. Every promise is answered exactly once:
// delivered, not delivered with the core's reason, handed to a successor session, or failed
// when the session goes away. Bounded by the core's queue (kMaxQueuedMessages + in flight).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include <caf/all.hpp>

#include "messages/messages.hpp"
#include "transport/session/transmission.hpp"

namespace ssu2d {

class DeliveryPromises {
 public:
  // A new feedback id for a message with this I2NP id, and its promise.
  uint64_t add(caf::response_promise rp, uint32_t msg_id) {
    uint64_t id = next_++;
    open_.emplace(id, Entry{std::move(rp), msg_id});
    return id;
  }
  // The core's verdict: answers and forgets the promise (unknown ids are ignored).
  void answer(const ssu2::session::DeliveryResult& r, const router_hash& peer);
  // Takes the promise out unanswered (it moves to another session with its message).
  std::optional<caf::response_promise> take(uint64_t id);
  // Fails every open promise with not_delivered(why).
  void fail_all(const std::string& why);
  size_t size() const { return open_.size(); }

 private:
  struct Entry {
    caf::response_promise rp;
    uint32_t msg_id = 0;
  };
  std::unordered_map<uint64_t, Entry> open_;
  uint64_t next_ = 1;
};

}  // namespace ssu2d
