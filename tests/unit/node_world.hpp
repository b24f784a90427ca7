// Whole nodes in virtual time: every node of a World is the real composition (manager, NAT,
// handshake, socket and session actors: actors/node_compose.hpp) with real keys and
// cryptography, in one actor system under CAF's test coordinator, on an in-memory network
// (memory_network.hpp) instead of UDP sockets. Nothing runs unless the test runs it: run()
// executes every pending message; run_until() alternates that with firing the next timer,
// which moves the virtual clock to its deadline. A minute of protocol time passes in
// milliseconds, and the same test takes the same steps every time.
#pragma once
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/node.hpp"
#include "actors/node_compose.hpp"
#include "actors/support/logging.hpp"
#include "actors/support/router_publisher.hpp"
#include "messages/messages.hpp"
#include "tests/support/i2np_data.hpp"
#include "tests/unit/memory_network.hpp"

namespace node_world {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct WorldNode {
  ssu2d::NodeConfig cfg;
  ssu2d::router_hash hash;
  std::shared_ptr<MemoryNetwork::Port> port;
  std::shared_ptr<ssu2d::MetricsRegistry> metrics;
  std::shared_ptr<ssu2d::RouterPublisher> publisher;
  ssu2d::NodeActors actors;
  std::shared_ptr<std::vector<ssu2d::i2np_message>> received;  // I2NP its manager heard

  std::vector<uint8_t> router_info() const {
    auto ri = publisher->current();
    return {ri->bytes().begin(), ri->bytes().end()};
  }
  ssu2::Address address() const { return port->local_addresses().front(); }
  // A series' value in the node's metrics ("name" or "name{labels}"), 0 when absent.
  uint64_t metric(const std::string& series) const {
    std::istringstream in(metrics->render());
    for (std::string line; std::getline(in, line);)
      if (line.rfind(series + " ", 0) == 0) return std::stoull(line.substr(series.size() + 1));
    return 0;
  }
};

class World {
 public:
  World() {
    dir_ = fs::temp_directory_path() / ("ssu2d-world-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(++instances()));
    fs::create_directories(dir_);
    ssu2d::set_log_level(std::getenv("SSU2D_WORLD_LOG") ? std::getenv("SSU2D_WORLD_LOG") : "warn");
    ssu2d::register_messages(cfg_);
    cfg_.set("scheduler.policy", caf::atom("testing"));
    cfg_.set("logger.console", caf::atom("none"));
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
    net_ = std::make_shared<MemoryNetwork>(sched_->clock());
  }
  ~World() {
    for (auto& n : nodes_) {
      auto& a = n->actors;
      for (auto h : {caf::actor_cast<caf::actor>(a.introspection), caf::actor_cast<caf::actor>(a.handshake),
                     caf::actor_cast<caf::actor>(a.nat), caf::actor_cast<caf::actor>(a.manager),
                     caf::actor_cast<caf::actor>(a.socket)})
        if (h) caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    }
    run();
    nodes_.clear();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  caf::actor_system& sys() { return *sys_; }
  caf::scheduler::test_coordinator& sched() { return *sched_; }
  MemoryNetwork& net() { return *net_; }

  // A node at `host`:`port` (numeric, IPv4 or IPv6), its config adjusted by `tweak`.
  template <class Tweak = void (*)(ssu2d::NodeConfig&)>
  WorldNode& add_node(const std::string& host, uint16_t port, Tweak tweak = [](ssu2d::NodeConfig&) {}) {
    auto n = std::make_unique<WorldNode>();
    n->cfg.data_dir = (dir_ / ("n" + std::to_string(nodes_.size()))).string();
    fs::create_directories(n->cfg.data_dir);
    if (host.find(':') != std::string::npos) {
      n->cfg.ssu2.host.clear();
      n->cfg.ssu2.ipv6_host = host;
    } else {
      n->cfg.ssu2.host = host;
    }
    n->cfg.ssu2.port = port;
    n->cfg.log.level = "warn";
    tweak(n->cfg);
    auto addr = ssu2::Address::parse(host, port);
    BOOST_REQUIRE(addr);
    n->port = net_->open(*addr);
    auto keys = ssu2::i2p::RouterKeys::generate();
    auto h = keys.identity().hash();
    std::copy(h.begin(), h.end(), n->hash.bytes.begin());
    std::vector<ssu2::Address> bound{*addr};
    auto ri = ssu2d::make_published_router_info(n->cfg, keys, bound);
    BOOST_REQUIRE(ri);
    auto shared = std::make_shared<const ssu2::i2p::RouterInfo>(std::move(*ri));
    n->publisher = std::make_shared<ssu2d::RouterPublisher>(
        keys, ssu2d::base_router_info_params(n->cfg, bound), !n->cfg.ssu2.published_host.empty(),
        n->cfg.data_dir, shared);
    n->metrics = std::make_shared<ssu2d::MetricsRegistry>();
    ssu2d::NodeParts parts;
    parts.keys = keys;
    parts.hash = n->hash;
    parts.router_info = shared;
    parts.publisher = n->publisher;
    parts.transport = n->port;
    parts.metrics = n->metrics;
    parts.detached_socket = false;
    // Seeded: nonces, tokens, relay tags and ids repeat from run to run (keys still come
    // from OpenSSL's generator).
    auto gen = std::make_shared<std::mt19937_64>(0x55d2 + nodes_.size());
    parts.random = [gen](ssu2::MutByteSpan out) {
      for (auto& b : out) b = uint8_t((*gen)() >> 24);
    };
    n->actors = ssu2d::spawn_node_actors(*sys_, n->cfg, std::move(parts));
    // Everything its manager hears.
    n->received = std::make_shared<std::vector<ssu2d::i2np_message>>();
    auto sink = n->received;
    auto listener = sys_->spawn([sink]() -> ssu2d::i2np_listener_actor::behavior_type {
      return {[sink](ssu2d::i2np_atom, ssu2d::i2np_message& m) { sink->push_back(std::move(m)); }};
    });
    caf::anon_send(n->actors.manager, ssu2d::listen_atom::value, listener);
    run();
    nodes_.push_back(std::move(n));
    return *nodes_.back();
  }

  // Runs every message that is due now (the clock does not move).
  size_t run() { return sched_->run(); }

  // Runs until `done()` holds, firing timers (and so moving the virtual clock) whenever
  // nothing else is left to run; false when `limit` of virtual time passed first or nothing
  // is left to happen at all.
  template <class Pred>
  bool run_until(Pred done, caf::timespan limit = 60s) {
    const auto end = sched_->clock().now() + limit;
    for (size_t steps = 0; steps < 1'000'000; ++steps) {
      run();
      if (done()) return true;
      if (!sched_->clock().has_pending_timeout()) return false;
      if (next_timeout() > end) return false;
      sched_->trigger_timeout();
    }
    return false;
  }
  // Lets `d` of virtual time pass with everything it brings.
  void run_for(caf::timespan d) {
    const auto end = sched_->clock().now() + d;
    run_until([] { return false; }, d);
    if (sched_->clock().now() < end) sched_->clock().current_time = end;
    run();
  }

  // One request, answered in virtual time: the answer, or nullopt with `error` set.
  template <class R, class Handle, class... Ts>
  std::optional<R> ask(const Handle& to, std::string* error, Ts... xs) {
    auto res = std::make_shared<std::optional<R>>();
    auto err = std::make_shared<std::optional<std::string>>();
    sys_->spawn([=](caf::event_based_actor* self) {
      self->request(to, caf::infinite, xs...)
          .then([res](const R& r) { *res = r; },
                [err](caf::error& e) { *err = ssu2d::render_node_error(e); });
    });
    run_until([&] { return res->has_value() || err->has_value(); }, 120s);
    if (error) *error = err->value_or(res->has_value() ? "" : "no answer");
    return *res;
  }

  caf::timespan elapsed() const {
    return sched_->clock().now() - caf::actor_clock::time_point{};
  }

 private:
  caf::actor_clock::time_point next_timeout() const {
    return sched_->clock().schedule().begin()->first;
  }
  static int& instances() {
    static int n = 0;
    return n;
  }

  fs::path dir_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  std::shared_ptr<MemoryNetwork> net_;
  std::vector<std::unique_ptr<WorldNode>> nodes_;
};

// ---- I2NP through the nodes' managers ------------------------------------------------

struct Sent {
  std::map<uint32_t, std::vector<uint8_t>> by_id;
  size_t delivered = 0, failed = 0;
};

// Routes `n` messages from `from` to `to` with delivery feedback, all at once; the counts
// fill in as the world runs.
inline std::shared_ptr<Sent> route_all(World& w, WorldNode& from, const WorldNode& to, uint32_t first_id,
                                       size_t n, uint32_t seed, size_t max_size = 12'000) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> size(1, max_size);
  auto out = std::make_shared<Sent>();
  for (size_t i = 0; i < n; ++i) {
    const uint32_t id = first_id + uint32_t(i);
    out->by_id[id] = test_support::i2np_data_message(id, size(rng), ssu2d::unix_now_s(w.sched().clock()), rng);
  }
  auto manager = from.actors.manager;
  const auto peer = to.hash;
  for (auto& [id, bytes] : out->by_id)
    w.sys().spawn([=, bytes = bytes](caf::event_based_actor* self) {
      self->request(manager, caf::infinite, ssu2d::route_atom::value, ssu2d::i2np_message{peer, bytes},
                    ssu2d::confirm_atom::value)
          .then([=](const ssu2d::delivery_report&) { out->delivered++; },
                [=](caf::error&) { out->failed++; });
    });
  return out;
}

// route_all, then runs the world until every message is answered (delivered: the peer ACKed
// all of it).
inline Sent send_all(World& w, WorldNode& from, const WorldNode& to, uint32_t first_id, size_t n,
              uint32_t seed, size_t max_size = 12'000) {
  auto out = route_all(w, from, to, first_id, n, seed, max_size);
  w.run_until([&] { return out->delivered + out->failed == n; }, 10min);
  return *out;
}

// What `at` received from `from`, by message id; every id at most once.
inline std::map<uint32_t, std::vector<uint8_t>> received_from(const WorldNode& at, const WorldNode& from) {
  std::map<uint32_t, std::vector<uint8_t>> got;
  for (auto& m : *at.received) {
    if (!(m.peer == from.hash) || m.bytes.size() < 9 || m.bytes[0] != 20) continue;
    uint32_t id = 0;
    for (int i = 1; i <= 4; ++i) id = (id << 8) | m.bytes[size_t(i)];
    BOOST_CHECK_MESSAGE(!got.count(id), "message " << id << " delivered twice");
    got[id] = m.bytes;
  }
  return got;
}

inline std::optional<ssu2d::router_hash> connect(World& w, WorldNode& from, const WorldNode& to,
                                   std::string* error = nullptr) {
  return w.ask<ssu2d::router_hash>(from.actors.manager, error, ssu2d::connect_atom::value, to.router_info());
}

inline size_t sessions(World& w, WorldNode& n) {
  auto l = w.ask<ssu2d::session_list>(n.actors.manager, nullptr, ssu2d::sessions_atom::value);
  return l ? l->sessions.size() : 0;
}

inline std::optional<ssu2d::session_info> session_with(World& w, WorldNode& at, const WorldNode& peer) {
  return w.ask<ssu2d::session_info>(at.actors.manager, nullptr, ssu2d::session_atom::value, peer.hash);
}


// Sends `n` messages each way between `a` and `b` and checks that every one was delivered
// exactly once, byte for byte, and that every sender heard so.
inline void exchange_both_ways(World& w, WorldNode& a, WorldNode& b, size_t n, uint32_t seed) {
  auto ab = send_all(w, a, b, 1'000'000 + seed * 10'000, n, seed);
  auto ba = send_all(w, b, a, 2'000'000 + seed * 10'000, n, seed + 1);
  BOOST_TEST(ab.delivered == n);
  BOOST_TEST(ba.delivered == n);
  BOOST_TEST(ab.failed == 0u);
  BOOST_TEST(ba.failed == 0u);
  auto got_b = received_from(b, a), got_a = received_from(a, b);
  for (auto& [id, bytes] : ab.by_id) BOOST_TEST((got_b.count(id) && got_b[id] == bytes));
  for (auto& [id, bytes] : ba.by_id) BOOST_TEST((got_a.count(id) && got_a[id] == bytes));
}

}  // namespace node_world
