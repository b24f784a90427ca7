#include "transport/handshake/router_check.hpp"

#include <algorithm>
#include <optional>

#include "transport/i2p/gzip.hpp"

namespace ssu2::handshake {

namespace {

// An address Alice can be reached (or identified) by over SSU2: style SSU2, or an SSU
// address carrying SSU2 options, with version 2 and both keys.
bool is_ssu2_candidate(const i2p::RouterAddress& a) {
  if (!a.is_ssu2() && a.transport != "SSU") return false;
  return a.supports_version("2");
}

}  // namespace

std::variant<CheckedRouter, Failure> check_router_info(const wire::RouterInfoBlock& block,
                                                       const crypto::PublicKey32& static_key,
                                                       const Config& cfg,
                                                       const LocalIdentity& local,
                                                       uint32_t wall_s) {
  Bytes inflated;
  ByteSpan data{block.data};
  if (block.gzip()) {
    auto z = i2p::gzip_decompress(data, i2p::kMaxRouterInfoSize);
    if (!z) return Failure::bad_router_info;
    inflated = std::move(*z);
    data = ByteSpan{inflated};
  }
  auto parsed = i2p::RouterInfo::parse(data);
  if (!parsed) return Failure::bad_router_info;
  auto ri = std::make_shared<i2p::RouterInfo>(std::move(*parsed));
  if (!ri->verify()) return Failure::bad_router_info;

  // A missing netId means the main network (2), as I2P routers assume.
  uint32_t net = ri->net_id().value_or(2);
  if (net != cfg.net_id) return Failure::wrong_net_id;

  // A RouterInfo published further in the future than the allowed skew: Alice's clock (or
  // the RouterInfo) is wrong.
  if (ri->published / 1000 > uint64_t(wall_s) + cfg.max_clock_skew_s) return Failure::clock_skew;

  const i2p::RouterAddress* match = nullptr;
  for (const auto& a : ri->addresses) {
    if (!is_ssu2_candidate(a)) continue;
    auto s = a.static_key();
    if (s && *s == static_key) {
      match = &a;
      break;
    }
  }
  if (!match) return Failure::static_key_mismatch;
  auto ik = match->intro_key();
  if (!ik) return Failure::bad_router_info;

  if (ri->hash() == local.router_hash) return Failure::router_not_accepted;
  if (cfg.accept_router && !cfg.accept_router(*ri)) return Failure::router_not_accepted;

  CheckedRouter out;
  out.intro_key = crypto::Key32(*ik);
  out.mtu = match->mtu().value_or(0);
  out.router_info = std::move(ri);
  return out;
}

namespace {

RemoteRouterCheck fail(RemoteRouterError e, std::string what) { return {e, std::move(what)}; }

std::optional<Address> numeric_address(const i2p::RouterAddress& a) {
  auto host = a.host();
  auto port = a.port();
  if (!host || !port) return std::nullopt;
  return Address::parse(*host, *port);
}

}  // namespace

RemoteRouterCheck remote_router_from_bytes(ByteSpan bytes, uint32_t net_id, RemoteRouter& out,
                                           const Address* via, Families families) {
  using E = RemoteRouterError;
  auto ri = i2p::RouterInfo::parse(bytes);
  if (!ri) return fail(E::unparsable, "RouterInfo does not parse");
  if (!ri->verify()) return fail(E::bad_signature, "RouterInfo signature is invalid");
  if (ri->net_id().value_or(2) != net_id) return fail(E::other_network, "RouterInfo is for another network");
  const auto all = ri->ssu2_addresses();
  if (all.empty()) return fail(E::no_ssu2_address, "RouterInfo has no usable SSU2 address");

  const i2p::RouterAddress* chosen = nullptr;
  Address target;
  if (via) {
    target = *via;
    // The keys and MTU come from the address of via's family: its host's, or for a
    // firewalled address the family in its caps; else the first with introducers.
    const uint8_t fam = via->ip_len;
    for (const auto* a : all) {
      auto ep = numeric_address(*a);
      auto f = a->ip_families();
      if (ep ? ep->ip_len == fam : std::find(f.begin(), f.end(), fam) != f.end()) {
        chosen = a;
        break;
      }
    }
    for (const auto* a : all)
      if (!chosen && !a->introducers().empty()) chosen = a;
    if (!chosen) chosen = all.front();
  } else {
    bool introducers = false, unusable_family = false;
    std::string bad_host;
    for (const auto* a : all) {
      auto ep = numeric_address(*a);
      if (!ep) {
        if (a->host() && a->port()) bad_host = *a->host();
        introducers = introducers || !a->introducers().empty() || !a->host() || !a->port();
        continue;
      }
      if (!families.allows(*ep)) {
        unusable_family = true;
        continue;
      }
      if (!chosen || (ep->is_v6() == families.prefer_v6 && target.is_v6() != families.prefer_v6)) {
        chosen = a;
        target = *ep;
      }
    }
    if (!chosen) {
      if (introducers) return fail(E::firewalled, "SSU2 address has no host/port (firewalled peer)");
      if (unusable_family)
        return fail(E::no_common_family, "SSU2 addresses only in an IP family we have no socket for");
      return fail(E::bad_host, "SSU2 host is not a numeric address: " + bad_host);
    }
  }
  out.address = target;
  out.static_key = *chosen->static_key();
  auto i = chosen->intro_key();
  std::copy(i->begin(), i->end(), out.intro_key.bytes.begin());
  out.router_hash = ri->hash();
  out.mtu = chosen->mtu().value_or(0);
  out.router_info = std::make_shared<i2p::RouterInfo>(std::move(*ri));
  return {};
}

}  // namespace ssu2::handshake
