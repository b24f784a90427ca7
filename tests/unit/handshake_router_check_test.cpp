#define BOOST_TEST_MODULE handshake_router_check
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>

#include "transport/handshake/router_check.hpp"
#include "transport/i2p/gzip.hpp"
#include "tests/unit/handshake_fixture.hpp"

using namespace ssu2;
using namespace ssu2::handshake;

namespace {
Bytes fixture(const char* name) {
  std::ifstream f(std::string(SSU2_TEST_FIXTURES) + "/" + name, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), {});
}

struct Real {
  Bytes bytes = fixture("i2pd-2.45.1-router.info");
  i2p::RouterInfo ri;
  crypto::PublicKey32 s{};
  ByteArray<32> i{};
  uint32_t wall = 0;
  Real() {
    BOOST_REQUIRE(!bytes.empty());
    auto p = i2p::RouterInfo::parse(bytes);
    BOOST_REQUIRE(p.ok());
    ri = std::move(*p);
    auto* a = ri.ssu2_address();
    BOOST_REQUIRE(a);
    s = *a->static_key();
    i = *a->intro_key();
    wall = uint32_t(ri.published / 1000);
  }
  wire::RouterInfoBlock block(bool gzip = false) const {
    wire::RouterInfoBlock b;
    if (gzip) {
      b.flags = wire::kRouterInfoFlagGzip;
      b.data = *i2p::gzip_compress(bytes);
    } else {
      b.data = bytes;
    }
    return b;
  }
};
}  // namespace

// A RouterInfo written by i2pd 2.45.1 passes Bob's Session Confirmed checks when the static
// key proven in the handshake is the one its SSU2 address publishes.
BOOST_AUTO_TEST_CASE(real_i2pd_router_info_is_accepted) {
  Real real;
  LocalIdentity local;
  for (bool gz : {false, true}) {
    auto r = check_router_info(real.block(gz), real.s, Config{}, local, real.wall);
    auto* ok = std::get_if<CheckedRouter>(&r);
    BOOST_REQUIRE(ok);
    BOOST_TEST((ok->intro_key.bytes == real.i));
    BOOST_TEST((ok->router_info->hash() == real.ri.hash()));
  }
}

BOOST_AUTO_TEST_CASE(other_static_key_is_a_mismatch) {
  Real real;
  auto other = real.s;
  other[0] ^= 1;
  auto r = check_router_info(real.block(), other, Config{}, LocalIdentity{}, real.wall);
  BOOST_REQUIRE(std::holds_alternative<Failure>(r));
  BOOST_TEST(std::get<Failure>(r) == Failure::static_key_mismatch);
}

BOOST_AUTO_TEST_CASE(other_network_is_rejected) {
  Real real;
  Config cfg;
  cfg.net_id = 3;
  auto r = check_router_info(real.block(), real.s, cfg, LocalIdentity{}, real.wall);
  BOOST_REQUIRE(std::holds_alternative<Failure>(r));
  BOOST_TEST(std::get<Failure>(r) == Failure::wrong_net_id);
}

BOOST_AUTO_TEST_CASE(our_own_router_is_rejected) {
  Real real;
  LocalIdentity local;
  local.router_hash = real.ri.hash();
  auto r = check_router_info(real.block(), real.s, Config{}, local, real.wall);
  BOOST_REQUIRE(std::holds_alternative<Failure>(r));
  BOOST_TEST(std::get<Failure>(r) == Failure::router_not_accepted);
}

BOOST_AUTO_TEST_CASE(published_in_the_future_is_clock_skew) {
  Real real;
  auto r = check_router_info(real.block(), real.s, Config{}, LocalIdentity{}, real.wall - 3600);
  BOOST_REQUIRE(std::holds_alternative<Failure>(r));
  BOOST_TEST(std::get<Failure>(r) == Failure::clock_skew);
}

BOOST_AUTO_TEST_CASE(damaged_router_info_is_bad) {
  Real real;
  // Every truncation, a flipped signature byte, a flipped body byte, and broken gzip.
  for (size_t n = 0; n < real.bytes.size(); n += 7) {
    auto b = real.block();
    b.data.resize(n);
    auto r = check_router_info(b, real.s, Config{}, LocalIdentity{}, real.wall);
    BOOST_TEST(std::holds_alternative<Failure>(r));
  }
  for (size_t pos : {size_t(10), real.bytes.size() / 2, real.bytes.size() - 1}) {
    auto b = real.block();
    b.data[pos] ^= 0x40;
    auto r = check_router_info(b, real.s, Config{}, LocalIdentity{}, real.wall);
    BOOST_TEST(std::holds_alternative<Failure>(r));
  }
  auto gz = real.block(true);
  gz.data[gz.data.size() / 2] ^= 0xff;
  auto r = check_router_info(gz, real.s, Config{}, LocalIdentity{}, real.wall);
  BOOST_REQUIRE(std::holds_alternative<Failure>(r));
  BOOST_TEST(std::get<Failure>(r) == Failure::bad_router_info);
}

// Alice's side: the RouterInfo of a router to connect to (was in the handshake actor).
BOOST_AUTO_TEST_CASE(remote_router_from_an_i2pd_router_info_file) {
  Real real;
  RemoteRouter r;
  BOOST_TEST(bool(remote_router_from_bytes(real.bytes, 2, r)));
  BOOST_TEST((r.static_key == real.s));
  BOOST_TEST((r.intro_key.bytes == real.i));
  BOOST_TEST((r.router_hash == real.ri.hash()));
  BOOST_TEST(r.address.port == *real.ri.ssu2_address()->port());
  BOOST_TEST(r.router_info != nullptr);
  RemoteRouter other;
  BOOST_TEST((remote_router_from_bytes(real.bytes, 7, other).error == RemoteRouterError::other_network));
  Bytes damaged = real.bytes;
  damaged[damaged.size() - 5] ^= 0x40;  // inside the signature
  BOOST_TEST((remote_router_from_bytes(damaged, 2, other).error == RemoteRouterError::bad_signature));
  auto junk = remote_router_from_bytes(Bytes(10, 1), 2, other);
  BOOST_TEST((junk.error == RemoteRouterError::unparsable));
  BOOST_TEST(junk.what == "RouterInfo does not parse");
  // Through an introduction: Charlie's address from the relay replaces the published one.
  auto via = Address::parse("198.18.7.9", 40123);
  BOOST_REQUIRE(via);
  RemoteRouter relayed;
  BOOST_TEST(bool(remote_router_from_bytes(real.bytes, 2, relayed, &*via)));
  BOOST_TEST((relayed.address == *via));
  BOOST_TEST((relayed.router_hash == real.ri.hash()));
}

namespace {
// A signed RouterInfo whose SSU2 addresses are `hosts` in that order ("" = no host, with an
// introducer), each with the same keys and its own port; `caps`, when given, per address
// (and an mtu of 1400 + its index).
Bytes router_with_hosts(const std::vector<std::string>& hosts,
                        const std::vector<std::string>& caps = {}) {
  auto n = hs_test::make_node(*Address::parse("127.0.0.1", 9000));
  auto* first = n.ri.ssu2_address();
  BOOST_REQUIRE(first);
  const i2p::RouterAddress base = *first;
  std::vector<i2p::RouterAddress> out;
  for (size_t k = 0; k < hosts.size(); ++k) {
    i2p::RouterAddress a = base;
    if (hosts[k].empty()) {
      a.options.erase("host");
      a.options.erase("port");
      a.options.set("ih0", i2p::base64_encode(ByteSpan(n.ri.hash().data(), 32)));
      a.options.set("itag0", "77");
    } else {
      a.options.set("host", hosts[k]);
      a.options.set("port", std::to_string(9000 + k));
    }
    if (k < caps.size()) {
      a.options.set("caps", caps[k]);
      a.options.set("mtu", std::to_string(1400 + k));
    }
    out.push_back(a);
  }
  n.ri.addresses = out;
  BOOST_REQUIRE(n.ri.sign(n.keys.ed25519_seed).ok());
  return *n.ri.serialize();
}
}  // namespace

// A dual-stack peer publishes one address per family: Alice dials one of a family she has a
// socket for, the preferred family first, whatever the published order.
BOOST_AUTO_TEST_CASE(remote_router_picks_an_address_of_a_family_we_have) {
  auto both = router_with_hosts({"2001:db8::5", "198.18.0.5"});
  RemoteRouter r;
  BOOST_REQUIRE(bool(remote_router_from_bytes(both, 2, r)));
  BOOST_TEST(r.address.to_string() == "198.18.0.5:9001");
  BOOST_REQUIRE(bool(remote_router_from_bytes(both, 2, r, nullptr, Families{true, true, true})));
  BOOST_TEST(r.address.to_string() == "[2001:db8::5]:9000");
  BOOST_REQUIRE(bool(remote_router_from_bytes(both, 2, r, nullptr, Families{false, true, false})));
  BOOST_TEST(r.address.to_string() == "[2001:db8::5]:9000");

  auto v6_only = router_with_hosts({"2001:db8::5"});
  auto no = remote_router_from_bytes(v6_only, 2, r, nullptr, Families{true, false, false});
  BOOST_TEST((no.error == RemoteRouterError::no_common_family));
  BOOST_TEST(!no.what.empty());

  auto named = router_with_hosts({"router.example"});
  auto bad = remote_router_from_bytes(named, 2, r);
  BOOST_TEST((bad.error == RemoteRouterError::bad_host));
  BOOST_TEST(bad.what.find("router.example") != std::string::npos);
}

// A firewalled peer (introducers, no host) is reported as such, also beside an address of a
// family we cannot use; after an introduction, `via` is dialled with that address's keys.
BOOST_AUTO_TEST_CASE(remote_router_firewalled_and_through_an_introduction) {
  RemoteRouter r;
  auto fw = router_with_hosts({"2001:db8::5", ""});
  auto chk = remote_router_from_bytes(fw, 2, r, nullptr, Families{true, false, false});
  BOOST_TEST((chk.error == RemoteRouterError::firewalled));
  auto via = Address::parse("198.18.7.9", 40123);
  BOOST_REQUIRE(bool(remote_router_from_bytes(fw, 2, r, &*via, Families{true, false, false})));
  BOOST_TEST((r.address == *via));
  // A public v4 address beside the introducer one is dialled directly.
  auto mixed = router_with_hosts({"", "198.18.0.5"});
  BOOST_REQUIRE(bool(remote_router_from_bytes(mixed, 2, r)));
  BOOST_TEST(r.address.to_string() == "198.18.0.5:9001");
}

// A dual-stack firewalled peer publishes two host-less addresses, "4" and "6" in their caps:
// after an introduction the keys and MTU come from the address of the family we reach it in.
BOOST_AUTO_TEST_CASE(introduction_uses_the_address_of_via_family) {
  auto fw = router_with_hosts({"", ""}, {"4", "6"});
  RemoteRouter r;
  auto v6 = Address::parse("2001:db8::9", 40123);
  auto v4 = Address::parse("198.18.7.9", 40123);
  BOOST_REQUIRE(bool(remote_router_from_bytes(fw, 2, r, &*v6, Families{true, true, false})));
  BOOST_TEST((r.address == *v6));
  BOOST_TEST(r.mtu == 1401u);
  BOOST_REQUIRE(bool(remote_router_from_bytes(fw, 2, r, &*v4, Families{true, true, false})));
  BOOST_TEST(r.mtu == 1400u);
  // Published the other way round: still by family, not by position.
  auto swapped = router_with_hosts({"", ""}, {"6", "4"});
  BOOST_REQUIRE(bool(remote_router_from_bytes(swapped, 2, r, &*v4, Families{true, true, false})));
  BOOST_TEST(r.mtu == 1401u);
}
