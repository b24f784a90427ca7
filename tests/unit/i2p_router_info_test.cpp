#define BOOST_TEST_MODULE i2p_router_info
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <random>

#include "transport/i2p/base64.hpp"
#include "transport/i2p/gzip.hpp"
#include "transport/i2p/router_info.hpp"
#include "transport/i2p/router_keys.hpp"

using namespace ssu2;
using namespace ssu2::i2p;

namespace {

Bytes load_fixture() {
  std::ifstream in(std::string(SSU2_TEST_FIXTURES) + "/i2pd-2.45.1-router.info", std::ios::binary);
  BOOST_REQUIRE(in.good());
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// Deterministic keys: fixed private halves, public halves derived.
RouterKeys fixed_keys() {
  RouterKeys k;
  for (size_t i = 0; i < 32; ++i) {
    k.x25519_priv.bytes[i] = uint8_t(1 + i);
    k.ed25519_seed.bytes[i] = uint8_t(0x51 + i);
    k.intro_key.bytes[i] = uint8_t(0x91 + i);
    k.identity_padding[i] = uint8_t(0xc1 + i);
  }
  k.x25519_pub = *crypto::x25519_public(k.x25519_priv);
  k.ed25519_pub = *crypto::ed25519_public(k.ed25519_seed);
  return k;
}

OwnRouterInfoParams params() {
  OwnRouterInfoParams p;
  p.host = "127.0.0.1";
  p.port = 12345;
  p.mtu = 1500;
  p.address_caps = "BC";
  p.router_caps = "LR";
  p.published_ms = 1700000000000ull;
  return p;
}

}  // namespace

// ---- the i2pd 2.45.1 fixture: a RouterInfo signed by a real implementation ----

BOOST_AUTO_TEST_CASE(i2pd_fixture_parses_and_verifies) {
  const Bytes raw = load_fixture();
  auto ri = RouterInfo::parse(raw);
  BOOST_REQUIRE(ri.ok());
  BOOST_TEST(ri->verify());
  // Hash and Base32 computed independently (Python hashlib/base64) from the file.
  BOOST_TEST(base64_encode(ri->hash()) == "eRh3x9ldZaR7jbzRDJZplUPvA1Q0yoitgVDGV20KABg=");
  BOOST_TEST(b32_address(ri->hash()) == "pemhpr6zlvs2i64nxtiqzftjsvb66a2ugtfirlmbkddfo3ikaama.b32.i2p");
  BOOST_TEST(ri->published == 0x1a21407ef2dull);
  BOOST_TEST(ri->net_id().value_or(0) == 2u);
  BOOST_TEST(ri->caps() == "L");
  BOOST_TEST(ri->router_version() == "0.9.57");
  BOOST_REQUIRE_EQUAL(ri->addresses.size(), 1u);
  const RouterAddress& a = ri->addresses[0];
  BOOST_TEST(a.transport == "SSU2");
  BOOST_TEST(a.cost == 8);
  BOOST_TEST(a.expiration == 0u);
  BOOST_TEST(a.host().value_or("") == "127.0.0.1");
  BOOST_TEST(a.port().value_or(0) == 23456);
  BOOST_TEST(a.caps().value_or("") == "BC");
  BOOST_TEST(a.supports_version("2"));
  BOOST_TEST(!a.supports_version("3"));
  BOOST_REQUIRE(a.static_key().has_value());
  BOOST_TEST(base64_encode(*a.static_key()) == "XQP-T5eU9DhNE0y-o-8frFlvxCmBZHLGtmCTiZddbVw=");
  BOOST_REQUIRE(a.intro_key().has_value());
  BOOST_TEST(base64_encode(*a.intro_key()) == "DDzdu16dw6v4bV04EdNda-ke0Uq0iJzzjhIL-TNTwSA=");
  BOOST_TEST(!a.mtu().has_value());
  BOOST_TEST(a.introducers().empty());
  BOOST_TEST(ri->ssu2_address() == &a);
  // i2pd uses the compressible padding: 32 bytes repeated.
  const Bytes id = ri->identity.serialize();
  BOOST_TEST(to_hex(ByteSpan(id).subspan(32, 32)) == to_hex(ByteSpan(id).subspan(64, 32)));
}

BOOST_AUTO_TEST_CASE(i2pd_fixture_reencodes_identically) {
  // Our encoder (sorted mappings) reproduces what i2pd signed, byte for byte.
  const Bytes raw = load_fixture();
  auto ri = RouterInfo::parse(raw);
  BOOST_REQUIRE(ri.ok());
  auto body = ri->encode_unsigned();
  BOOST_REQUIRE(body.ok());
  BOOST_TEST(to_hex(*body) == to_hex(ByteSpan(raw).first(raw.size() - 64)));
  BOOST_TEST(*ri->serialize() == raw);
}

BOOST_AUTO_TEST_CASE(i2pd_fixture_every_flipped_byte_fails) {
  const Bytes raw = load_fixture();
  for (size_t i = 0; i < raw.size(); ++i) {
    Bytes bad = raw;
    bad[i] ^= 0x01;
    auto ri = RouterInfo::parse(bad);
    // Either the structure no longer parses or the signature fails; never both fine.
    BOOST_TEST(!(ri.ok() && ri->verify()), "flipped byte " << i);
  }
}

BOOST_AUTO_TEST_CASE(i2pd_fixture_truncated_at_every_length) {
  const Bytes raw = load_fixture();
  for (size_t n = 0; n < raw.size(); ++n) {
    auto ri = RouterInfo::parse(ByteSpan(raw).first(n));
    BOOST_TEST(!ri.ok(), "length " << n);
  }
  Bytes longer = raw;
  longer.push_back(0);
  auto ri = RouterInfo::parse(longer);
  BOOST_REQUIRE(!ri.ok());
  BOOST_TEST(ri.error().code == Errc::malformed);
}

BOOST_AUTO_TEST_CASE(i2pd_fixture_random_mutations_never_verify) {
  // Seeded random edits (several bytes changed, optionally cut short): the parser must
  // return cleanly and a mutated RouterInfo must never pass verification.
  const Bytes raw = load_fixture();
  std::mt19937 rng(20261125);
  for (int iter = 0; iter < 3000; ++iter) {
    Bytes bad = raw;
    const int edits = 1 + int(rng() % 8);
    for (int e = 0; e < edits; ++e) bad[rng() % bad.size()] ^= uint8_t(1 + rng() % 255);
    if (rng() % 4 == 0) bad.resize(rng() % bad.size());
    if (bad == raw) continue;
    auto ri = RouterInfo::parse(bad);
    BOOST_TEST(!(ri.ok() && ri->verify()), "iteration " << iter);
  }
}

BOOST_AUTO_TEST_CASE(address_count_larger_than_data) {
  Bytes raw = load_fixture();
  raw[391 + 8] = 2;  // claims two addresses, only one follows
  BOOST_TEST(!RouterInfo::parse(raw).ok());
}

// ---- our own RouterInfo ----

BOOST_AUTO_TEST_CASE(own_router_info_round_trip) {
  const RouterKeys keys = fixed_keys();
  auto ri = make_own_router_info(keys, params());
  BOOST_REQUIRE(ri.ok());
  BOOST_TEST(ri->verify());
  auto raw = ri->serialize();
  BOOST_REQUIRE(raw.ok());

  auto back = RouterInfo::parse(*raw);
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(back->verify());
  BOOST_TEST(back->hash() == ri->hash());
  BOOST_TEST(back->hash() == keys.identity().hash());
  BOOST_TEST(back->identity.encryption_key() == keys.x25519_pub);
  BOOST_TEST(back->identity.signing_key() == keys.ed25519_pub);
  BOOST_TEST(back->published == 1700000000000ull);
  BOOST_TEST(back->net_id().value_or(0) == 2u);
  BOOST_TEST(back->caps() == "LR");
  BOOST_TEST(back->router_version() == "0.9.57");
  const RouterAddress* a = back->ssu2_address();
  BOOST_REQUIRE(a != nullptr);
  BOOST_TEST(a->host().value_or("") == "127.0.0.1");
  BOOST_TEST(a->port().value_or(0) == 12345);
  BOOST_TEST(a->mtu().value_or(0) == 1500);
  BOOST_TEST(a->caps().value_or("") == "BC");
  BOOST_TEST(*a->versions() == "2");
  BOOST_TEST(*a->static_key() == keys.x25519_pub);
  BOOST_TEST(*a->intro_key() == keys.intro_key.bytes);
  BOOST_TEST(a->cost == 8);
  // Ed25519 is deterministic, so the same keys and parameters give the same bytes.
  BOOST_TEST(*make_own_router_info(keys, params())->serialize() == *raw);
}

// A dual-stack node publishes one SSU2 address per family, each with our keys.
BOOST_AUTO_TEST_CASE(own_router_info_lists_every_family) {
  const RouterKeys keys = fixed_keys();
  auto p = params();
  OwnAddress v6;
  v6.host = "::1";
  v6.port = 12346;
  v6.mtu = 1280;
  v6.address_caps = "BC";
  p.more_addresses.push_back(v6);
  auto ri = make_own_router_info(keys, p);
  BOOST_REQUIRE(ri.ok());
  auto back = RouterInfo::parse(*ri->serialize());
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(back->verify());
  auto all = back->ssu2_addresses();
  BOOST_REQUIRE_EQUAL(all.size(), 2u);
  BOOST_TEST(all[0]->host().value_or("") == "127.0.0.1");
  BOOST_TEST(all[1]->host().value_or("") == "::1");
  BOOST_TEST(all[1]->port().value_or(0) == 12346);
  BOOST_TEST(all[1]->mtu().value_or(0) == 1280);
  for (const auto* a : all) {
    BOOST_TEST(*a->static_key() == keys.x25519_pub);
    BOOST_TEST(*a->intro_key() == keys.intro_key.bytes);
    BOOST_TEST(*a->versions() == "2");
  }
}

BOOST_AUTO_TEST_CASE(own_router_info_every_flipped_byte_fails) {
  const Bytes raw = *make_own_router_info(fixed_keys(), params())->serialize();
  for (size_t i = 0; i < raw.size(); ++i) {
    Bytes bad = raw;
    bad[i] ^= 0x80;
    auto ri = RouterInfo::parse(bad);
    BOOST_TEST(!(ri.ok() && ri->verify()), "flipped byte " << i);
  }
}

BOOST_AUTO_TEST_CASE(own_router_info_truncated_at_every_length) {
  const Bytes raw = *make_own_router_info(fixed_keys(), params())->serialize();
  for (size_t n = 0; n < raw.size(); ++n) BOOST_TEST(!RouterInfo::parse(ByteSpan(raw).first(n)).ok(), n);
}

BOOST_AUTO_TEST_CASE(firewalled_router_info_has_no_host) {
  OwnRouterInfoParams p = params();
  p.host.clear();
  p.mtu = 0;
  p.address_caps.clear();
  auto ri = make_own_router_info(fixed_keys(), p);
  BOOST_REQUIRE(ri.ok());
  const RouterAddress& a = ri->addresses.at(0);
  BOOST_TEST(!a.host());
  BOOST_TEST(!a.port());
  BOOST_TEST(!a.mtu());
  BOOST_TEST(!a.caps());
  BOOST_TEST(ri->ssu2_address() == &a);
}

BOOST_AUTO_TEST_CASE(sign_rejects_foreign_seed_and_unsigned_serialize) {
  const RouterKeys keys = fixed_keys();
  RouterInfo ri;
  ri.identity = keys.identity();
  BOOST_TEST(ri.serialize().error().code == Errc::wrong_state);
  BOOST_TEST(!ri.verify());
  crypto::Key32 other;
  other.bytes.fill(0x33);
  BOOST_TEST(!ri.sign(other).ok());
  BOOST_TEST(ri.sign(keys.ed25519_seed).ok());
  BOOST_TEST(ri.verify());
}

BOOST_AUTO_TEST_CASE(signature_from_other_key_fails) {
  // Same content, signed by a different router's key, then the identity swapped back.
  RouterKeys a = fixed_keys();
  RouterKeys b = fixed_keys();
  b.ed25519_seed.bytes[0] ^= 1;
  b.ed25519_pub = *crypto::ed25519_public(b.ed25519_seed);
  Bytes raw_b = *make_own_router_info(b, params())->serialize();
  const Bytes id_a = a.identity().serialize();
  std::copy(id_a.begin(), id_a.end(), raw_b.begin());
  auto ri = RouterInfo::parse(raw_b);
  BOOST_REQUIRE(ri.ok());
  BOOST_TEST(!ri->verify());
}

BOOST_AUTO_TEST_CASE(introducer_options) {
  RouterAddress a;
  a.transport = "SSU2";
  Bytes h0(32, 0x11), h2(32, 0x22);
  a.options.set("ih0", base64_encode(h0));
  a.options.set("itag0", "1234");
  a.options.set("iexp0", "1700000000");
  a.options.set("ih1", "not-base64!");  // malformed: skipped
  a.options.set("itag1", "5");
  a.options.set("ih2", base64_encode(h2));
  a.options.set("itag2", "4294967295");
  auto in = a.introducers();
  BOOST_REQUIRE_EQUAL(in.size(), 2u);
  BOOST_TEST(in[0].router_hash[0] == 0x11);
  BOOST_TEST(in[0].tag == 1234u);
  BOOST_TEST(in[0].expiration_s == 1700000000u);
  BOOST_TEST(in[1].router_hash[0] == 0x22);
  BOOST_TEST(in[1].tag == 4294967295u);
  BOOST_TEST(in[1].expiration_s == 0u);
  a.options.set("itag2", "0");  // tag 0 is not a valid relay tag
  BOOST_TEST(a.introducers().size() == 1u);
}

BOOST_AUTO_TEST_CASE(bad_option_values) {
  RouterAddress a;
  a.transport = "SSU2";
  a.options.set("s", base64_encode(Bytes(31, 1)));  // 31 bytes: wrong length
  a.options.set("port", "70000");
  a.options.set("mtu", "12x");
  a.options.set("v", "1,3");
  BOOST_TEST(!a.static_key());
  BOOST_TEST(!a.port());
  BOOST_TEST(!a.mtu());
  BOOST_TEST(!a.supports_version("2"));
  a.options.set("v", "2,3");
  BOOST_TEST(a.supports_version("2"));
  BOOST_TEST(a.supports_version("3"));
}

// ---- gzip ----

BOOST_AUTO_TEST_CASE(gzip_round_trip_and_header) {
  const Bytes raw = load_fixture();
  auto gz = gzip_compress(raw);
  BOOST_REQUIRE(gz.ok());
  // Header as i2np.rst asks: mtime 0, XFL 2, OS 0xFF.
  BOOST_TEST(to_hex(ByteSpan(*gz).first(10)) == "1f8b08000000000002ff");
  BOOST_TEST(gz->size() < raw.size());  // the repeated padding compresses
  auto back = gzip_decompress(*gz);
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(*back == raw);
  auto empty = gzip_compress(Bytes{});
  BOOST_REQUIRE(empty.ok());
  BOOST_TEST(gzip_decompress(*empty)->empty());
}

BOOST_AUTO_TEST_CASE(gzip_bomb_is_bounded) {
  const Bytes zeros(1 << 20, 0);  // 1 MiB of zeros compresses to about 1 KiB
  auto gz = gzip_compress(zeros);
  BOOST_REQUIRE(gz.ok());
  BOOST_TEST(gz->size() < 4096u);
  auto out = gzip_decompress(*gz, kMaxRouterInfoSize);
  BOOST_REQUIRE(!out.ok());
  BOOST_TEST(out.error().code == Errc::oversized);
  // Exactly at the bound is fine, one byte under it is not.
  auto exact = gzip_decompress(*gz, zeros.size());
  BOOST_REQUIRE(exact.ok());
  BOOST_TEST(exact->size() == zeros.size());
  BOOST_TEST(gzip_decompress(*gz, zeros.size() - 1).error().code == Errc::oversized);
}

BOOST_AUTO_TEST_CASE(gzip_malformed_input) {
  const Bytes raw = load_fixture();
  const Bytes gz = *gzip_compress(raw);
  for (size_t n = 0; n < gz.size(); ++n)
    BOOST_TEST(!gzip_decompress(ByteSpan(gz).first(n)).ok(), "length " << n);
  Bytes trailing = gz;
  trailing.push_back(0);
  BOOST_TEST(gzip_decompress(trailing).error().code == Errc::malformed);
  Bytes bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 1;  // inside the CRC32 trailer
  BOOST_TEST(!gzip_decompress(bad_crc).ok());
  BOOST_TEST(!gzip_decompress(as_bytes("not gzip at all")).ok());
}
