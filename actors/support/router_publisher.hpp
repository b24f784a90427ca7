// Our RouterInfo, built at start and rebuilt (new published time, signed, written to
// DATA_DIR/router.info) when reachability changes what it must say. Thread-safe: the nat
// actor republishes, the node and others read current().
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/support/config.hpp"
#include "transport/common/address.hpp"
#include "transport/i2p/router_info.hpp"
#include "transport/i2p/router_keys.hpp"
#include "transport/nat/publish.hpp"

namespace ssu2d {

// The configured parameters: one SSU2 address per bound socket, IPv4 first (the first one
// takes ssu2.published_host/port when set); caps "BC" (we take part in peer tests as Bob and
// Charlie and hand out relay tags); the router caps' bandwidth class from bandwidth.* (K .. X,
// L when unlimited). `bound` is not empty.
ssu2::i2p::OwnRouterInfoParams base_router_info_params(const NodeConfig& cfg,
                                                        const std::vector<ssu2::Address>& bound);
// Our signed RouterInfo with those parameters and the current time: at start-up, before any
// actor runs, so it reads the real wall clock (later ones come from publish(), actor time).
ssu2::Result<ssu2::i2p::RouterInfo> make_published_router_info(const NodeConfig& cfg,
                                                               const ssu2::i2p::RouterKeys& keys,
                                                               const std::vector<ssu2::Address>& bound);

class RouterPublisher {
 public:
  RouterPublisher(ssu2::i2p::RouterKeys keys, ssu2::i2p::OwnRouterInfoParams base,
                  bool host_configured, std::string data_dir,
                  std::shared_ptr<const ssu2::i2p::RouterInfo> initial);
  // Rebuilds, signs and writes the RouterInfo for what each address's family says (its
  // reachability and its introducers, published only on an address without host), in the
  // order of base's addresses (transport/nat/publish; missing ones are published as
  // configured); "" or a one-line error (the previous RouterInfo stays current on error).
  // `now_ms`: the wall clock (Unix ms) of the caller's actor clock, the published date;
  // never older than or equal to the current RouterInfo's (then its date + 1 ms).
  std::string publish(uint64_t now_ms, const std::vector<ssu2::nat::AddressPublication>& addresses,
                      char router_cap);
  std::shared_ptr<const ssu2::i2p::RouterInfo> current() const;
  uint64_t published_count() const;

 private:
  ssu2::i2p::RouterKeys keys_;
  ssu2::i2p::OwnRouterInfoParams base_;
  bool host_configured_;
  std::string data_dir_;
  mutable std::mutex mu_;
  std::shared_ptr<const ssu2::i2p::RouterInfo> current_;
  uint64_t published_ = 0;
};

}  // namespace ssu2d
