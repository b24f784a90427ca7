#include "actors/support/router_publisher.hpp"

#include <chrono>

#include "actors/support/clock.hpp"
#include "actors/support/key_store.hpp"
#include "transport/i2p/bandwidth_class.hpp"
#include "transport/nat/publish.hpp"

namespace ssu2d {

ssu2::i2p::OwnRouterInfoParams base_router_info_params(const NodeConfig& cfg,
                                                        const std::vector<ssu2::Address>& bound) {
  ssu2::i2p::OwnRouterInfoParams p;
  for (size_t i = 0; i < bound.size(); ++i) {
    ssu2::i2p::OwnAddress a;
    const bool first = i == 0;
    a.host = first && !cfg.ssu2.published_host.empty() ? cfg.ssu2.published_host : bound[i].host();
    a.port = first && cfg.ssu2.published_port ? cfg.ssu2.published_port : bound[i].port;
    a.mtu = uint16_t(cfg.ssu2.mtu);
    // B: we take part in peer tests as Bob and Charlie; C: we hand out relay tags (nat
    // actor). Reachability replaces them when we are not reachable (transport/nat/publish).
    a.address_caps = "BC";
    if (first) static_cast<ssu2::i2p::OwnAddress&>(p) = std::move(a);
    else p.more_addresses.push_back(std::move(a));
  }
  p.net_id = uint32_t(cfg.net_id);
  // The bandwidth class letter follows the configured limits (R/U is added by reachability).
  p.router_caps = std::string(1, ssu2::i2p::bandwidth_class(cfg.bandwidth.in_kbytes_s,
                                                             cfg.bandwidth.out_kbytes_s));
  return p;
}

ssu2::Result<ssu2::i2p::RouterInfo> make_published_router_info(const NodeConfig& cfg,
                                                               const ssu2::i2p::RouterKeys& keys,
                                                               const std::vector<ssu2::Address>& bound) {
  auto p = base_router_info_params(cfg, bound);
  p.published_ms = unix_now_ms();  // start-up, outside any actor: the real wall clock
  return ssu2::i2p::make_own_router_info(keys, p);
}

RouterPublisher::RouterPublisher(ssu2::i2p::RouterKeys keys, ssu2::i2p::OwnRouterInfoParams base,
                                 bool host_configured, std::string data_dir,
                                 std::shared_ptr<const ssu2::i2p::RouterInfo> initial)
    : keys_(std::move(keys)),
      base_(std::move(base)),
      host_configured_(host_configured),
      data_dir_(std::move(data_dir)),
      current_(std::move(initial)) {}

std::string RouterPublisher::publish(uint64_t now_ms,
                                     const std::vector<ssu2::nat::AddressPublication>& addresses,
                                     char router_cap) {
  auto p = ssu2::nat::published_params(base_, host_configured_, addresses, router_cap);
  uint64_t ms = now_ms;
  {
    // RouterInfo dates are compared by peers: never publish an older or equal time.
    std::lock_guard<std::mutex> lk(mu_);
    if (current_ && ms <= current_->published) ms = current_->published + 1;
  }
  p.published_ms = ms;
  auto ri = ssu2::i2p::make_own_router_info(keys_, p);
  if (!ri) return "cannot build our RouterInfo: " + std::string(ssu2::to_string(ri.error().code));
  auto shared = std::make_shared<const ssu2::i2p::RouterInfo>(std::move(*ri));
  std::string err;
  if (auto st = write_router_info(data_dir_, *shared); !st.ok()) err = st.error;
  std::lock_guard<std::mutex> lk(mu_);
  current_ = std::move(shared);
  ++published_;
  return err;
}

std::shared_ptr<const ssu2::i2p::RouterInfo> RouterPublisher::current() const {
  std::lock_guard<std::mutex> lk(mu_);
  return current_;
}

uint64_t RouterPublisher::published_count() const {
  std::lock_guard<std::mutex> lk(mu_);
  return published_;
}

}  // namespace ssu2d
