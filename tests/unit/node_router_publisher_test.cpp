// The RouterPublisher of a dual-stack node (actors/support/router_publisher): one SSU2
// address per bound socket, IPv4 first; each family's reachability and introducers go into
// that family's address. Checked on current() and on DATA_DIR/router.info, both parsed back;
// the published date is the caller's time, never older than or equal to the previous one.
#define BOOST_TEST_MODULE node_router_publisher
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>

#include "actors/support/key_store.hpp"
#include "actors/support/router_publisher.hpp"
#include "transport/i2p/base64.hpp"

namespace fs = std::filesystem;
using namespace ssu2d;

namespace {

constexpr uint64_t kT0 = 1'700'000'000'000;  // a wall-clock time (Unix ms), not now

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ssu2-publisher-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

ssu2::i2p::Introducer introducer(uint8_t b, uint32_t tag) {
  ssu2::i2p::Introducer i;
  i.router_hash.fill(b);
  i.tag = tag;
  i.expiration_s = 1'800'000'000 + tag;
  return i;
}

void check(const ssu2::i2p::RouterAddress& a, const std::vector<ssu2::i2p::Introducer>& want) {
  for (size_t i = 0; i < want.size(); ++i) {
    const std::string k = std::to_string(i);
    BOOST_REQUIRE(a.option("ih" + k));
    BOOST_CHECK_EQUAL(*a.option("ih" + k), ssu2::i2p::base64_encode(want[i].router_hash));
    BOOST_CHECK_EQUAL(*a.option("itag" + k), std::to_string(want[i].tag));
    BOOST_CHECK_EQUAL(*a.option("iexp" + k), std::to_string(want[i].expiration_s));
  }
  BOOST_CHECK(!a.option("ih" + std::to_string(want.size())));
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_family_publishes_its_own_introducers) {
  TempDir dir;
  auto keys = load_or_create_router_keys(dir.path);
  BOOST_REQUIRE_MESSAGE(keys.ok(), keys.error);
  auto cfg = load_default_config();
  BOOST_REQUIRE_MESSAGE(cfg.ok(), cfg.error);
  const std::vector<ssu2::Address> bound{*ssu2::Address::parse("127.0.0.1", 9100),
                                         *ssu2::Address::parse("::1", 9100)};
  RouterPublisher pub(*keys.keys, base_router_info_params(*cfg.config, bound), false,
                      dir.path.string(), nullptr);

  ssu2::nat::PublishedAddress fw4, fw6;
  fw4.publish_host = fw6.publish_host = false;
  fw4.address_caps = "4";
  fw6.address_caps = "6";
  const std::vector<ssu2::i2p::Introducer> in4{introducer(1, 11), introducer(2, 12), introducer(3, 13)};
  const std::vector<ssu2::i2p::Introducer> in6{introducer(4, 21), introducer(5, 22)};
  BOOST_REQUIRE_EQUAL(pub.publish(kT0, {{fw4, in4}, {fw6, in6}}, 'U'), "");

  auto current = pub.current();
  BOOST_REQUIRE(current);
  auto on_disk = read_file(dir.path / "router.info", 1 << 16, nullptr);
  BOOST_REQUIRE(on_disk);
  for (const auto& bytes : {current->bytes(), *on_disk}) {
    auto ri = ssu2::i2p::RouterInfo::parse(bytes);
    BOOST_REQUIRE(ri.ok());
    BOOST_CHECK(ri->verify());
    auto addrs = ri->ssu2_addresses();
    BOOST_REQUIRE_EQUAL(addrs.size(), 2u);
    BOOST_CHECK(!addrs[0]->host() && !addrs[1]->host());
    BOOST_CHECK(addrs[0]->caps() == std::string("4"));
    BOOST_CHECK(addrs[1]->caps() == std::string("6"));
    check(*addrs[0], in4);
    check(*addrs[1], in6);
  }

  // IPv4 reachable (its introducers are not published even if passed), IPv6 still firewalled.
  ssu2::nat::PublishedAddress reach4;
  BOOST_REQUIRE_EQUAL(pub.publish(kT0 + 1000, {{reach4, in4}, {fw6, in6}}, 'U'), "");
  auto ri = ssu2::i2p::RouterInfo::parse(pub.current()->bytes());
  BOOST_REQUIRE(ri.ok());
  auto addrs = ri->ssu2_addresses();
  BOOST_REQUIRE_EQUAL(addrs.size(), 2u);
  BOOST_CHECK(addrs[0]->host() == std::string("127.0.0.1"));
  BOOST_CHECK(!addrs[0]->option("ih0"));
  BOOST_CHECK(!addrs[1]->host());
  check(*addrs[1], in6);
}

// publish() dates the RouterInfo with the time it is given (the nat actor's clock, virtual
// under CAF's test coordinator), not the real clock; an older or equal time gives the
// previous date + 1 ms (peers compare dates).
BOOST_AUTO_TEST_CASE(publish_dates_with_the_given_time_and_never_goes_back) {
  TempDir dir;
  auto keys = load_or_create_router_keys(dir.path);
  BOOST_REQUIRE_MESSAGE(keys.ok(), keys.error);
  auto cfg = load_default_config();
  BOOST_REQUIRE_MESSAGE(cfg.ok(), cfg.error);
  const std::vector<ssu2::Address> bound{*ssu2::Address::parse("127.0.0.1", 9100)};
  RouterPublisher pub(*keys.keys, base_router_info_params(*cfg.config, bound), false,
                      dir.path.string(), nullptr);
  ssu2::nat::PublishedAddress reach4;
  auto published = [&] {
    auto ri = ssu2::i2p::RouterInfo::parse(pub.current()->bytes());
    BOOST_REQUIRE(ri.ok());
    BOOST_CHECK(ri->verify());
    return ri->published;
  };

  BOOST_REQUIRE_EQUAL(pub.publish(kT0, {{reach4, {}}}, 'R'), "");
  BOOST_CHECK_EQUAL(published(), kT0);
  BOOST_REQUIRE_EQUAL(pub.publish(kT0 + 60'000, {{reach4, {}}}, 'R'), "");
  BOOST_CHECK_EQUAL(published(), kT0 + 60'000);
  BOOST_REQUIRE_EQUAL(pub.publish(kT0 + 60'000, {{reach4, {}}}, 'R'), "");  // equal
  BOOST_CHECK_EQUAL(published(), kT0 + 60'001);
  BOOST_REQUIRE_EQUAL(pub.publish(kT0, {{reach4, {}}}, 'R'), "");  // older
  BOOST_CHECK_EQUAL(published(), kT0 + 60'002);
  BOOST_CHECK_EQUAL(pub.published_count(), 4u);
}
