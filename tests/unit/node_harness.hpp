// Shared by the in-process node tests: a complete ssu2d node (its own actor system) on
// 127.0.0.1 with ephemeral ports and a temporary data directory, and a connect helper.
#pragma once
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/node.hpp"
#include "messages/messages.hpp"

namespace node_test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

inline constexpr auto kWait = 20s;

struct TestNode {
  fs::path dir;
  std::unique_ptr<caf::actor_system_config> cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<ssu2d::Node> node;

  // `prefix` keeps the data directories of different test programs apart.
  TestNode(const std::string& prefix, const std::string& name) {
    dir = fs::temp_directory_path() / (prefix + "-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    ssu2d::NodeConfig nc;
    nc.data_dir = dir.string();
    nc.ssu2.host = "127.0.0.1";
    nc.ssu2.port = 0;  // ephemeral (the config file format insists on 1..65535)
    nc.control.host = "127.0.0.1";
    nc.control.port = 0;
    nc.log.level = "warn";
    cfg = std::make_unique<caf::actor_system_config>();
    ssu2d::configure_actor_system(*cfg, nc);
    cfg->set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(*cfg);
    node = std::make_unique<ssu2d::Node>(*sys, nc);
    auto err = node->start();
    BOOST_REQUIRE_MESSAGE(err.empty(), err);
  }
  ~TestNode() {
    node.reset();  // graceful stop first, then the actor system
    sys.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// Asks `from`'s subsystem manager to connect to `to` with `to`'s RouterInfo.
inline ssu2d::router_hash connect(TestNode& from, const TestNode& to) {
  caf::scoped_actor self{*from.sys};
  ssu2d::router_hash got;
  self->request(from.node->manager(), kWait + 5s, ssu2d::connect_atom::value,
                to.node->router_info_bytes())
      .receive([&](const ssu2d::router_hash& h) { got = h; },
               [&](caf::error& e) { BOOST_FAIL("connect: " << ssu2d::render_node_error(e)); });
  return got;
}

}  // namespace node_test
