// An in-memory datagram network for whole-node tests: each node's DatagramTransport is a
// Port bound to one address; a datagram sent to an address with a receiving Port is handed
// to that node's InboundRouter at once (zero latency), exactly as the reader thread hands it
// over from recvmmsg, so the node above the transport is the real one. Under CAF's test
// coordinator everything runs on the test's thread, in order, in virtual time.
//
// Impairments, all deterministic:
//   drop      - a predicate over (from, to, bytes): true loses the datagram (counted);
//   rebind    - a port's address changes (a NAT rebinding: the peer sees a new source);
//   firewall  - a port behind a restricted-cone NAT: inbound only from addresses it sent to
//               within the NAT's mapping timeout (home NATs: 30 s and more).
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <vector>

#include <caf/actor_clock.hpp>

#include "actors/support/clock.hpp"
#include "actors/support/datagram_transport.hpp"

namespace node_world {

class MemoryNetwork : public std::enable_shared_from_this<MemoryNetwork> {
 public:
  using DropFn = std::function<bool(const ssu2::Address& from, const ssu2::Address& to,
                                    std::span<const uint8_t> bytes)>;
  struct Counters {
    uint64_t delivered = 0, dropped = 0, unreachable = 0, filtered = 0;
  };

  class Port;

  explicit MemoryNetwork(caf::actor_clock& clock) : clock_(clock) {}

  std::shared_ptr<Port> open(const ssu2::Address& local) {
    return std::make_shared<Port>(shared_from_this(), local);
  }

  void set_drop(DropFn f) {
    std::lock_guard lk(mu_);
    drop_ = std::move(f);
  }
  // The port at `from` is from now on at `to` (its sessions keep running).
  void rebind(const ssu2::Address& from, const ssu2::Address& to) {
    std::lock_guard lk(mu_);
    auto it = ports_.find(from);
    if (it == ports_.end()) return;
    auto e = it->second;
    ports_.erase(it);
    e.port->local_ = to;
    ports_[to] = e;
  }
  // Restricted-cone NAT in front of the port at `at`: inbound only from addresses it sent to
  // less than `mapping_timeout` ago.
  void set_firewalled(const ssu2::Address& at, bool on, caf::timespan mapping_timeout = std::chrono::seconds(30)) {
    std::lock_guard lk(mu_);
    if (auto it = ports_.find(at); it != ports_.end()) {
      it->second.port->firewalled_ = on;
      it->second.port->mapping_timeout_ = mapping_timeout;
    }
  }
  Counters counters() const {
    std::lock_guard lk(mu_);
    return n_;
  }

  class Port : public ssu2d::DatagramTransport {
   public:
    Port(std::shared_ptr<MemoryNetwork> net, ssu2::Address local)
        : net_(std::move(net)), local_(local) {}
    ~Port() override = default;

    ssu2d::SendBatchResult send(std::span<const ssu2::session::OutDatagram> batch) override {
      for (const auto& d : batch) net_->deliver(*this, d.to, d.bytes);
      net_->flush();
      ssu2d::SendBatchResult r;
      r.sent = batch.size();
      r.blocked_from = batch.size();
      return r;
    }
    ssu2d::SendOneResult send_one(const ssu2::Address& to,
                                  std::span<const uint8_t> bytes) override {
      net_->deliver(*this, to, bytes);
      net_->flush();
      return {};
    }
    std::vector<ssu2::Address> local_addresses() const override {
      std::lock_guard lk(net_->mu_);
      return {local_};
    }
    std::unique_ptr<ssu2d::DatagramReceiver> receive(std::shared_ptr<ssu2d::InboundRouter> router,
                                                     std::string&) override {
      std::lock_guard lk(net_->mu_);
      net_->ports_[local_] = Entry{this, std::move(router)};
      return std::make_unique<Receiving>(net_, this);
    }

   private:
    friend class MemoryNetwork;
    std::shared_ptr<MemoryNetwork> net_;
    ssu2::Address local_;
    bool firewalled_ = false;
    caf::timespan mapping_timeout_{0};
    std::map<ssu2::Address, caf::actor_clock::time_point> sent_to_;  // the NAT's mappings
  };

 private:
  struct Entry {
    Port* port = nullptr;
    std::shared_ptr<ssu2d::InboundRouter> router;
  };
  // Unregisters the port when the socket actor stops receiving.
  struct Receiving : ssu2d::DatagramReceiver {
    Receiving(std::shared_ptr<MemoryNetwork> n, Port* p) : net(std::move(n)), port(p) {}
    ~Receiving() override {
      std::lock_guard lk(net->mu_);
      for (auto it = net->ports_.begin(); it != net->ports_.end(); ++it)
        if (it->second.port == port) {
          net->ports_.erase(it);
          break;
        }
    }
    std::shared_ptr<MemoryNetwork> net;
    Port* port;
  };

  void deliver(Port& from, const ssu2::Address& to, std::span<const uint8_t> bytes) {
    std::shared_ptr<ssu2d::InboundRouter> router;
    ssu2::Address src;
    {
      std::lock_guard lk(mu_);
      src = from.local_;
      const auto now = clock_.now();
      from.sent_to_[to] = now;
      if (drop_ && drop_(src, to, bytes)) {
        n_.dropped++;
        return;
      }
      auto it = ports_.find(to);
      if (it == ports_.end()) {
        n_.unreachable++;
        return;
      }
      if (auto* p = it->second.port; p->firewalled_) {
        auto m = p->sent_to_.find(src);
        if (m == p->sent_to_.end() || now - m->second >= p->mapping_timeout_) {
          n_.filtered++;
          return;
        }
      }
      n_.delivered++;
      router = it->second.router;
      keep_.push_back(router);
    }
    router->route(ssu2d::steady_now(clock_), src, bytes);
  }
  void flush() {
    std::vector<std::shared_ptr<ssu2d::InboundRouter>> routers;
    {
      std::lock_guard lk(mu_);
      routers.swap(keep_);
    }
    std::set<ssu2d::InboundRouter*> done;
    for (auto& r : routers)
      if (done.insert(r.get()).second) r->flush();
  }

  caf::actor_clock& clock_;
  mutable std::mutex mu_;
  std::map<ssu2::Address, Entry> ports_;
  DropFn drop_;
  Counters n_;
  std::vector<std::shared_ptr<ssu2d::InboundRouter>> keep_;
};

}  // namespace node_world
