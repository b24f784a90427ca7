// RouterInfo parse / verify / gzip (transport/i2p) on arbitrary bytes. The first input byte
// picks the path: even = the rest is a RouterInfo, odd = the rest is gzip data inflated with
// the decompression bound first (as a RouterInfo block with the gzip flag is). Checks:
// accessors never fail, serialize() gives the parsed bytes, a parsed RouterInfo parses again
// from them, gzip round trips, the inflate bound holds.
#include "fuzz_common.hpp"
#include "transport/i2p/gzip.hpp"
#include "transport/i2p/identity.hpp"
#include "transport/i2p/router_info.hpp"
#include "transport/nat/types.hpp"

using namespace ssu2;
using namespace ssu2::i2p;

namespace {

void check_router_info(ByteSpan bytes) {
  (void)RouterIdentity::parse(bytes);
  auto ri = RouterInfo::parse(bytes);
  if (!ri) return;
  (void)ri->verify();
  (void)ri->hash();
  (void)ri->net_id();
  (void)ri->caps();
  (void)ri->router_version();
  auto ser = ri->serialize();
  FUZZ_CHECK(ser.ok());
  FUZZ_CHECK(std::equal(ser->begin(), ser->end(), bytes.begin(), bytes.end()));
  for (const auto& a : ri->addresses) {
    (void)a.static_key();
    (void)a.intro_key();
    (void)a.versions();
    (void)a.supports_version("2");
    (void)a.host();
    (void)a.port();
    (void)a.caps();
    (void)a.mtu();
    (void)a.introducers();
  }
  (void)ri->ssu2_address();
  (void)nat::peer_info_from(*ri);
  (void)ri->encode_unsigned();
  auto again = RouterInfo::parse(*ser);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->hash() == ri->hash());
  FUZZ_CHECK(again->published == ri->published);
  FUZZ_CHECK(again->options == ri->options);
  FUZZ_CHECK(again->addresses.size() == ri->addresses.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ByteSpan in(data + 1, size - 1);
  if ((data[0] & 1) == 0) {
    check_router_info(in);
    if (in.size() <= 8192) {
      auto z = gzip_compress(in);
      FUZZ_CHECK(z.ok());
      auto back = gzip_decompress(*z);
      FUZZ_CHECK(back.ok());
      FUZZ_CHECK(std::equal(back->begin(), back->end(), in.begin(), in.end()));
    }
  } else {
    auto plain = gzip_decompress(in);
    if (plain) {
      FUZZ_CHECK(plain->size() <= kMaxRouterInfoSize);
      check_router_info(*plain);
    }
    auto small = gzip_decompress(in, 100);
    if (small) FUZZ_CHECK(small->size() <= 100);
  }
  return 0;
}
