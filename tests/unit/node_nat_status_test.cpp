// The reachability part of ssu2ctl status (actors/support/reachability_status, status_json):
// a dual-stack router publishes one SSU2 address per family, and the status lists each
// family's introducers under that family's name, whichever address comes first.
#define BOOST_TEST_MODULE node_nat_status
#include <boost/test/unit_test.hpp>

#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "actors/apps/ctl_output.hpp"

#include "actors/support/reachability_status.hpp"
#include "actors/support/status_json.hpp"
#include "transport/i2p/base64.hpp"
#include "transport/i2p/router_keys.hpp"

using namespace ssu2d;
namespace i2p = ssu2::i2p;

namespace {

const uint32_t kWall = 1'800'000'000;

i2p::Introducer introducer(uint8_t b, uint32_t tag) {
  i2p::Introducer i;
  i.router_hash.fill(b);
  i.tag = tag;
  i.expiration_s = kWall + tag;
  return i;
}

std::string entry(const i2p::Introducer& i) {
  return i2p::base64_encode(i.router_hash) + " itag=" + std::to_string(i.tag) +
         " iexp=" + std::to_string(i.expiration_s);
}

// Our RouterInfo with `first` as its first SSU2 address and `second` after it.
i2p::RouterInfo router_info(const i2p::OwnAddress& first, const i2p::OwnAddress& second) {
  static const auto keys = i2p::RouterKeys::generate();
  i2p::OwnRouterInfoParams p;
  static_cast<i2p::OwnAddress&>(p) = first;
  p.more_addresses.push_back(second);
  p.published_ms = uint64_t(kWall) * 1000;
  auto ri = i2p::make_own_router_info(keys, p);
  BOOST_REQUIRE(ri.ok());
  return *ri;
}

i2p::OwnAddress firewalled(const char* caps, std::vector<i2p::Introducer> in) {
  i2p::OwnAddress a;
  a.address_caps = caps;
  a.introducers = std::move(in);
  return a;
}

i2p::OwnAddress reachable(const char* host) {
  i2p::OwnAddress a;
  a.host = host;
  a.port = 9100;
  a.address_caps = "BC";
  return a;
}

nat_status status_of(const i2p::RouterInfo& ri) {
  ssu2::nat::ReachabilitySet reach({}, ssu2::TimePoint{}, ssu2::Address::parse("10.0.0.1", 9100),
                                   ssu2::Address::parse("fd00::1", 9100));
  return make_nat_status(reach, &ri, ssu2::TimePoint{}, 0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_familys_introducers_are_listed_under_its_name) {
  const auto a = introducer(1, 11), b = introducer(2, 22), c = introducer(3, 33);
  // Firewalled on both: IPv4's address first with a and b, IPv6's with c.
  auto s = status_of(router_info(firewalled("4", {a, b}), firewalled("6", {c})));
  BOOST_TEST(s.introducers_v4 == (std::vector<std::string>{entry(a), entry(b)}));
  BOOST_TEST(s.introducers_v6 == std::vector<std::string>{entry(c)});

  node_status ns;
  ns.nat = s;
  auto j = status_json(ns);
  BOOST_REQUIRE(j["introducers"].is_object());
  BOOST_TEST(j["introducers"]["ipv4"] == nlohmann::json::array({entry(a), entry(b)}));
  BOOST_TEST(j["introducers"]["ipv6"] == nlohmann::json::array({entry(c)}));

  // ssu2ctl status names the family on each row.
  std::ostringstream out;
  auto* old = std::cout.rdbuf(out.rdbuf());
  ctl::print_status(ns);
  std::cout.rdbuf(old);
  const std::string text = out.str();
  BOOST_TEST(text.find("introducer ipv4     " + entry(a) + "\n") != std::string::npos, text);
  BOOST_TEST(text.find("introducer ipv4     " + entry(b) + "\n") != std::string::npos, text);
  BOOST_TEST(text.find("introducer ipv6     " + entry(c) + "\n") != std::string::npos, text);

  // The order of the addresses does not move them: IPv6's first.
  s = status_of(router_info(firewalled("6", {c}), firewalled("4", {a})));
  BOOST_TEST(s.introducers_v4 == std::vector<std::string>{entry(a)});
  BOOST_TEST(s.introducers_v6 == std::vector<std::string>{entry(c)});
}

BOOST_AUTO_TEST_CASE(a_reachable_family_lists_none_the_firewalled_one_its_own) {
  const auto c = introducer(3, 33);
  // IPv4 reachable (host, no introducers) comes first; before, the IPv6 ones were shown as
  // if they were the router's only introducers.
  auto s = status_of(router_info(reachable("10.0.0.1"), firewalled("6", {c})));
  BOOST_TEST(s.introducers_v4.empty());
  BOOST_TEST(s.introducers_v6 == std::vector<std::string>{entry(c)});
  BOOST_TEST(s.published == std::vector<std::string>{"10.0.0.1:9100"});

  s = status_of(router_info(reachable("10.0.0.1"), reachable("fd00::1")));
  BOOST_TEST(s.introducers_v4.empty());
  BOOST_TEST(s.introducers_v6.empty());
  node_status ns;
  ns.nat = s;
  auto j = status_json(ns);
  BOOST_TEST(j["introducers"] == (nlohmann::json{{"ipv4", nlohmann::json::array()},
                                                 {"ipv6", nlohmann::json::array()}}));
}
