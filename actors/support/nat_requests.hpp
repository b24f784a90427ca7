// The nat actor's waiting control requests: peer tests by nonce and relay-tag requests by
// introducer, each with an id that names its timeout message. Every promise is answered
// once: by the result, by its timeout, or when the node stops.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "messages/messages.hpp"

namespace ssu2d {

class NatRequests {
 public:
  // Returns the id for the timeout message.
  uint32_t add_test(uint32_t nonce, caf::response_promise rp);
  uint32_t add_tag(const router_hash& introducer, caf::response_promise rp);
  void answer_test(uint32_t nonce, peer_test_result r);
  void answer_tags(const router_hash& introducer, uint32_t tag);
  void fail_tags(const router_hash& introducer, const caf::error& err);
  // The request with this id gets node_errc::timeout (no-op when answered already).
  void expire(uint32_t id);
  void fail_all(const std::string& why);

 private:
  struct Waiting {
    uint32_t id = 0;
    caf::response_promise rp;
  };
  std::map<uint32_t, Waiting> tests_;                  // nonce -> requester
  std::map<router_hash, std::vector<Waiting>> tags_;   // introducer -> requesters
  uint32_t next_ = 1;
};

}  // namespace ssu2d
