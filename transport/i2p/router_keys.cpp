#include "transport/i2p/router_keys.hpp"

#include <algorithm>

#include "transport/i2p/base64.hpp"

namespace ssu2::i2p {
namespace {

constexpr std::string_view kMagic = "SSU2KEYS";
constexpr uint8_t kVersion = 1;

template <size_t N>
void read_into(Reader& r, ByteArray<N>& out) { out = r.array<N>(); }

}  // namespace

RouterKeys RouterKeys::generate() {
  RouterKeys k;
  auto x = crypto::x25519_generate();
  k.x25519_priv = x.priv;
  k.x25519_pub = x.pub;
  auto e = crypto::ed25519_generate();
  k.ed25519_seed = e.priv;
  k.ed25519_pub = e.pub;
  crypto::random_bytes(k.intro_key.bytes);
  crypto::random_bytes(k.identity_padding);
  return k;
}

RouterIdentity RouterKeys::identity() const {
  return RouterIdentity::create(x25519_pub, ed25519_pub, identity_padding);
}

Bytes serialize_router_keys(const RouterKeys& k) {
  Bytes out;
  out.reserve(kRouterKeysFileLen);
  Writer w(out);
  w.bytes(as_bytes(kMagic));
  w.u8(kVersion);
  w.bytes(k.x25519_priv.span());
  w.bytes(k.x25519_pub);
  w.bytes(k.ed25519_seed.span());
  w.bytes(k.ed25519_pub);
  w.bytes(k.intro_key.span());
  w.bytes(k.identity_padding);
  w.bytes(crypto::sha256(out));
  return out;
}

Result<RouterKeys> parse_router_keys(ByteSpan in) {
  Reader r(in);
  ByteSpan magic = r.take(kMagic.size());
  const uint8_t version = r.u8();
  if (!r.ok() || !std::equal(magic.begin(), magic.end(), kMagic.begin()))
    return Error{Errc::malformed, "router keys magic"};
  if (version != kVersion) return Error{Errc::unsupported, "router keys version"};
  if (in.size() != kRouterKeysFileLen) return Error{Errc::malformed, "router keys length"};
  const auto sum = crypto::sha256(in.first(in.size() - 32));
  if (!std::equal(sum.begin(), sum.end(), in.end() - 32)) return Error{Errc::malformed, "router keys checksum"};

  RouterKeys k;
  read_into(r, k.x25519_priv.bytes);
  read_into(r, k.x25519_pub);
  read_into(r, k.ed25519_seed.bytes);
  read_into(r, k.ed25519_pub);
  read_into(r, k.intro_key.bytes);
  read_into(r, k.identity_padding);
  // The checksum catches accidents; this catches a file whose public halves were swapped
  // or edited, which would otherwise publish keys we cannot use.
  auto xp = crypto::x25519_public(k.x25519_priv);
  auto ep = crypto::ed25519_public(k.ed25519_seed);
  if (!xp || *xp != k.x25519_pub) return Error{Errc::malformed, "router keys x25519 mismatch"};
  if (!ep || *ep != k.ed25519_pub) return Error{Errc::malformed, "router keys ed25519 mismatch"};
  return k;
}

namespace {

RouterAddress ssu2_address(const RouterKeys& keys, const OwnAddress& p, uint8_t cost) {
  RouterAddress a;
  a.cost = cost;
  a.expiration = 0;
  a.transport = std::string(kTransportSSU2);
  if (!p.host.empty()) {
    a.options.set("host", p.host);
    a.options.set("port", std::to_string(p.port));
  }
  if (p.mtu != 0) a.options.set("mtu", std::to_string(p.mtu));
  if (!p.address_caps.empty()) a.options.set("caps", p.address_caps);
  a.options.set("s", base64_encode(keys.x25519_pub));
  a.options.set("i", base64_encode(keys.intro_key.span()));
  a.options.set("v", "2");
  for (size_t n = 0; n < p.introducers.size() && n < kMaxIntroducers; ++n) {
    const auto& in = p.introducers[n];
    const std::string idx = std::to_string(n);
    a.options.set("ih" + idx, base64_encode(in.router_hash));
    a.options.set("itag" + idx, std::to_string(in.tag));
    if (in.expiration_s != 0) a.options.set("iexp" + idx, std::to_string(in.expiration_s));
  }
  return a;
}

}  // namespace

Result<RouterInfo> make_own_router_info(const RouterKeys& keys, const OwnRouterInfoParams& p) {
  RouterInfo ri;
  ri.identity = keys.identity();
  ri.published = p.published_ms;
  ri.addresses.push_back(ssu2_address(keys, p, p.cost));
  for (const auto& more : p.more_addresses) ri.addresses.push_back(ssu2_address(keys, more, p.cost));
  ri.options.set("netId", std::to_string(p.net_id));
  if (!p.router_caps.empty()) ri.options.set("caps", p.router_caps);
  ri.options.set("router.version", std::string(kRouterVersion));
  if (auto st = ri.sign(keys.ed25519_seed); !st) return st.error();
  return ri;
}

}  // namespace ssu2::i2p
