// I2NP headers (transport/i2p/i2np.hpp): the 9-byte short header of SSU2 I2NP blocks and the
// 16-byte standard header (one message, and a sequence read with read_standard), with
// decode-encode round trips; DatabaseStore and DeliveryStatus payload parsers.
#include "fuzz_common.hpp"
#include "transport/i2p/i2np.hpp"

using namespace ssu2;
using namespace ssu2::i2p;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);

  if (auto m = decode_short(in)) {
    auto e = encode_short(*m);
    FUZZ_CHECK(e.ok());
    FUZZ_CHECK(std::equal(e->begin(), e->end(), data, data + size));
    (void)is_known_type(uint8_t(m->type));
    (void)to_string(m->type);
  }
  if (auto m = decode_standard(in)) {
    auto e = encode_standard(*m);
    FUZZ_CHECK(e.ok());
    FUZZ_CHECK(std::equal(e->begin(), e->end(), data, data + size));
  }
  {
    Reader r(in);
    size_t consumed = 0;
    for (int i = 0; i < 64 && !r.empty(); ++i) {
      auto m = read_standard(r);
      if (!m) break;
      auto e = encode_standard(*m);
      FUZZ_CHECK(e.ok());
      FUZZ_CHECK(consumed + e->size() <= size);
      FUZZ_CHECK(std::equal(e->begin(), e->end(), data + consumed));
      consumed += e->size();
    }
  }
  if (auto ds = parse_database_store(in)) {
    FUZZ_CHECK(ds->key == ds->router_info.hash());
    (void)ds->router_info.verify();
  }
  (void)parse_delivery_status(in);
  return 0;
}
