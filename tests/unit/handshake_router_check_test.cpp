#define BOOST_TEST_MODULE handshake_router_check
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>

#include "transport/handshake/router_check.hpp"
#include "transport/i2p/gzip.hpp"

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
  BOOST_TEST(remote_router_from_bytes(real.bytes, 2, r) == "");
  BOOST_TEST((r.static_key == real.s));
  BOOST_TEST((r.intro_key.bytes == real.i));
  BOOST_TEST((r.router_hash == real.ri.hash()));
  BOOST_TEST(r.address.port == *real.ri.ssu2_address()->port());
  BOOST_TEST(r.router_info != nullptr);
  RemoteRouter other;
  BOOST_TEST(remote_router_from_bytes(real.bytes, 7, other) == "RouterInfo is for another network");
  Bytes damaged = real.bytes;
  damaged[damaged.size() - 5] ^= 0x40;  // inside the signature
  BOOST_TEST(remote_router_from_bytes(damaged, 2, other) == "RouterInfo signature is invalid");
  BOOST_TEST(remote_router_from_bytes(Bytes(10, 1), 2, other) == "RouterInfo does not parse");
  // Through an introduction: Charlie's address from the relay replaces the published one.
  auto via = Address::parse("198.18.7.9", 40123);
  BOOST_REQUIRE(via);
  RemoteRouter relayed;
  BOOST_TEST(remote_router_from_bytes(real.bytes, 2, relayed, &*via) == "");
  BOOST_TEST((relayed.address == *via));
  BOOST_TEST((relayed.router_hash == real.ri.hash()));
}
