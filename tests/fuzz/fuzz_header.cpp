// SSU2 packet headers and header protection (transport/ssu2/header.hpp) on arbitrary bytes.
// Checks: decode/encode round trip; unprotect then protect gives back the packet; protect
// then unprotect gives back the header; the peek functions agree with a full unprotect; the
// packet is unchanged on every error.
#include "fuzz_common.hpp"
#include "transport/ssu2/header.hpp"

using namespace ssu2;
using namespace ssu2::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crypto::Key32 k1 = fuzz::key_of(1), k2 = fuzz::key_of(2);
  ByteSpan in(data, size);

  if (auto s = decode_short(in)) {
    auto e = encode(*s);
    FUZZ_CHECK(std::equal(e.begin(), e.end(), data));
  } else {
    FUZZ_CHECK(size < kShortHeaderLen);
  }
  if (auto l = decode_long(in)) {
    auto e = encode(*l);
    FUZZ_CHECK(std::equal(e.begin(), e.end(), data));
    (void)validate_long(*l);
    (void)validate_long(*l, data[0]);
  }
  if (size > 0) {
    (void)uses_long_header(data[0]);
    (void)is_known_type(data[0]);
    (void)has_ephemeral_key(data[0]);
  }

  // Received packet: unprotect; on success protecting again restores the received bytes.
  {
    Bytes pkt(in.begin(), in.end());
    auto h = unprotect_short(pkt, k1, k2);
    if (h) {
      auto d = decode_short(pkt);
      FUZZ_CHECK(d.ok() && *d == *h);
      auto peeked = peek_short(in, k1, k2);
      FUZZ_CHECK(peeked.ok() && std::equal(peeked->first16.begin(), peeked->first16.end(), pkt.begin()));
      FUZZ_CHECK(peeked->header == *h);
      Bytes applied(in.begin(), in.end());
      peeked->apply(applied);  // = unprotect_short without computing the masks again
      FUZZ_CHECK(applied == pkt);
      auto id = peek_dest_conn_id(in, k1);
      FUZZ_CHECK(id.ok() && *id == h->dest_conn_id);
      auto ph = peek_header(in, k1, k2);
      FUZZ_CHECK(ph.ok() && *ph == *h);
      FUZZ_CHECK(protect_short(pkt, k1, k2).ok());
      FUZZ_CHECK(std::equal(pkt.begin(), pkt.end(), data));
    } else {
      FUZZ_CHECK(std::equal(pkt.begin(), pkt.end(), data));
    }
  }
  {
    Bytes pkt(in.begin(), in.end());
    auto h = unprotect_long(pkt, k1, k2);
    if (h) {
      auto d = decode_long(pkt);
      FUZZ_CHECK(d.ok() && *d == *h);
      FUZZ_CHECK(protect_long(pkt, k1, k2).ok());
      FUZZ_CHECK(std::equal(pkt.begin(), pkt.end(), data));
    } else {
      FUZZ_CHECK(std::equal(pkt.begin(), pkt.end(), data));
    }
  }
  // Packet to send: the input as plaintext; protect then unprotect gives it back.
  {
    Bytes pkt(in.begin(), in.end());
    if (protect_short(pkt, k1, k2).ok()) {
      auto h = unprotect_short(pkt, k1, k2);
      FUZZ_CHECK(h.ok());
      FUZZ_CHECK(std::equal(pkt.begin(), pkt.end(), data));
    }
  }
  {
    Bytes pkt(in.begin(), in.end());
    if (protect_long(pkt, k1, k2).ok()) {
      auto h = unprotect_long(pkt, k1, k2);
      FUZZ_CHECK(h.ok());
      FUZZ_CHECK(std::equal(pkt.begin(), pkt.end(), data));
    }
  }
  return 0;
}
