#include "transport/i2p/router_info.hpp"

#include <algorithm>

#include "transport/common/address.hpp"
#include "transport/i2p/base64.hpp"

namespace ssu2::i2p {
namespace {

std::optional<ByteArray<32>> decode_key32(const std::string* text) {
  if (!text) return std::nullopt;
  auto b = base64_decode(*text);
  if (!b || b->size() != 32) return std::nullopt;
  ByteArray<32> k;
  std::copy(b->begin(), b->end(), k.begin());
  return k;
}

std::optional<std::string> copy_opt(const std::string* s) {
  if (!s) return std::nullopt;
  return *s;
}

}  // namespace

Result<RouterAddress> RouterAddress::read(Reader& r) {
  RouterAddress a;
  a.cost = r.u8();
  auto exp = read_date(r);
  if (!exp) return exp.error();
  a.expiration = *exp;
  auto style = read_string(r);
  if (!style) return style.error();
  if (style->empty()) return Error{Errc::malformed, "empty transport style"};
  a.transport = std::move(*style);
  auto opts = read_mapping(r);
  if (!opts) return opts.error();
  a.options = std::move(*opts);
  return a;
}

Status RouterAddress::write(Writer& w) const {
  w.u8(cost);
  write_date(w, expiration);
  if (auto st = write_string(w, transport); !st) return st;
  return write_mapping(w, options);
}

std::optional<crypto::PublicKey32> RouterAddress::static_key() const { return decode_key32(option("s")); }
std::optional<ByteArray<32>> RouterAddress::intro_key() const { return decode_key32(option("i")); }
std::optional<std::string> RouterAddress::versions() const { return copy_opt(option("v")); }

bool RouterAddress::supports_version(std::string_view v) const {
  const std::string* s = option("v");
  if (!s) return false;
  std::string_view rest = *s;
  while (true) {
    const size_t comma = rest.find(',');
    if (rest.substr(0, comma) == v) return true;
    if (comma == std::string_view::npos) return false;
    rest.remove_prefix(comma + 1);
  }
}

std::optional<std::string> RouterAddress::host() const { return copy_opt(option("host")); }
std::optional<std::string> RouterAddress::caps() const { return copy_opt(option("caps")); }

std::vector<uint8_t> RouterAddress::ip_families() const {
  if (auto h = host())
    if (auto ep = Address::parse(*h, 1)) return {ep->ip_len};
  std::vector<uint8_t> out;
  if (auto c = caps()) {
    if (c->find('4') != std::string::npos) out.push_back(4);
    if (c->find('6') != std::string::npos) out.push_back(16);
  }
  if (out.empty()) out.push_back(4);
  return out;
}

std::optional<uint16_t> RouterAddress::port() const {
  const std::string* s = option("port");
  if (!s) return std::nullopt;
  auto v = parse_decimal(*s, 65535);
  if (!v || *v == 0) return std::nullopt;
  return uint16_t(*v);
}

std::optional<uint16_t> RouterAddress::mtu() const {
  const std::string* s = option("mtu");
  if (!s) return std::nullopt;
  auto v = parse_decimal(*s, 65535);
  if (!v) return std::nullopt;
  return uint16_t(*v);
}

std::vector<Introducer> RouterAddress::introducers() const {
  std::vector<Introducer> out;
  for (size_t n = 0; n < kMaxIntroducers; ++n) {
    const std::string idx = std::to_string(n);
    auto hash = decode_key32(option("ih" + idx));
    const std::string* tag_s = option("itag" + idx);
    if (!hash || !tag_s) continue;
    auto tag = parse_decimal(*tag_s, 0xffffffffu);
    if (!tag || *tag == 0) continue;
    Introducer in;
    in.router_hash = *hash;
    in.tag = uint32_t(*tag);
    if (const std::string* exp_s = option("iexp" + idx)) {
      auto exp = parse_decimal(*exp_s, 0xffffffffu);
      if (!exp) continue;
      in.expiration_s = uint32_t(*exp);
    }
    out.push_back(in);
  }
  return out;
}

Result<RouterInfo> RouterInfo::parse(ByteSpan in) {
  Reader r(in);
  RouterInfo ri;
  auto id = RouterIdentity::read(r);
  if (!id) return id.error();
  ri.identity = std::move(*id);
  auto published = read_date(r);
  if (!published) return published.error();
  ri.published = *published;
  const uint8_t n_addr = r.u8();
  if (!r.ok()) return Error{Errc::truncated, "address count"};
  for (unsigned i = 0; i < n_addr; ++i) {
    auto a = RouterAddress::read(r);
    if (!a) return a.error();
    ri.addresses.push_back(std::move(*a));
  }
  // peer_size is "unused, always zero"; a non-zero count is followed by that many hashes,
  // which we skip (they are covered by the signature through raw_).
  const uint8_t peer_size = r.u8();
  r.skip(size_t(peer_size) * 32);
  if (!r.ok()) return Error{Errc::truncated, "peers"};
  auto opts = read_mapping(r);
  if (!opts) return opts.error();
  ri.options = std::move(*opts);
  const size_t sig_len = ri.identity.signature_len();
  if (r.remaining() < sig_len) return Error{Errc::truncated, "signature"};
  if (r.remaining() > sig_len) return Error{Errc::malformed, "signature length / trailing bytes"};
  ri.signature_ = r.array<kEd25519SignatureLen>();
  ri.raw_.assign(in.begin(), in.end());
  return ri;
}

Result<Bytes> RouterInfo::encode_unsigned() const {
  if (addresses.size() > 255) return Error{Errc::oversized, "too many addresses"};
  Bytes out;
  Writer w(out);
  identity.write(w);
  write_date(w, published);
  w.u8(uint8_t(addresses.size()));
  for (const auto& a : addresses)
    if (auto st = a.write(w); !st) return st.error();
  w.u8(0);  // peer_size
  if (auto st = write_mapping(w, options); !st) return st.error();
  return out;
}

Status RouterInfo::sign(const crypto::Key32& ed25519_seed) {
  auto pub = crypto::ed25519_public(ed25519_seed);
  if (!pub) return pub.error();
  if (*pub != identity.signing_key()) return Error{Errc::crypto_error, "seed does not match identity"};
  auto body = encode_unsigned();
  if (!body) return body.error();
  auto sig = crypto::ed25519_sign(ed25519_seed, *body);
  if (!sig) return sig.error();
  signature_ = *sig;
  raw_ = std::move(*body);
  raw_.insert(raw_.end(), signature_.begin(), signature_.end());
  return {};
}

bool RouterInfo::verify() const {
  const size_t sig_len = identity.signature_len();
  if (raw_.size() <= sig_len) return false;
  ByteSpan all(raw_);
  return crypto::ed25519_verify(identity.signing_key(), all.first(all.size() - sig_len),
                                all.last(sig_len));
}

Result<Bytes> RouterInfo::serialize() const {
  if (raw_.empty()) return Error{Errc::wrong_state, "router info not signed"};
  return raw_;
}

std::optional<uint32_t> RouterInfo::net_id() const {
  const std::string* s = options.get("netId");
  if (!s) return std::nullopt;
  auto v = parse_decimal(*s, 0xffffffffu);
  if (!v) return std::nullopt;
  return uint32_t(*v);
}

std::string RouterInfo::caps() const {
  const std::string* s = options.get("caps");
  return s ? *s : std::string();
}

std::string RouterInfo::router_version() const {
  const std::string* s = options.get("router.version");
  return s ? *s : std::string();
}

namespace {
bool usable_ssu2(const RouterAddress& a) {
  return (a.is_ssu2() || a.transport == "SSU") && a.static_key() && a.intro_key() && a.supports_version("2");
}
}  // namespace

const RouterAddress* RouterInfo::ssu2_address() const {
  for (const auto& a : addresses)
    if (usable_ssu2(a)) return &a;
  return nullptr;
}

std::vector<const RouterAddress*> RouterInfo::ssu2_addresses() const {
  std::vector<const RouterAddress*> out;
  for (const auto& a : addresses)
    if (usable_ssu2(a)) out.push_back(&a);
  return out;
}

}  // namespace ssu2::i2p
