#include "transport/i2p/lookup.hpp"

#include "transport/common/bytes.hpp"
#include "transport/i2p/i2np.hpp"

namespace ssu2::i2p {

std::optional<Bytes> answer_lookup_for_us(ByteSpan message, const crypto::Hash32& asker,
                                          const crypto::Hash32& local, const RouterInfo* our_ri,
                                          uint32_t reply_id, uint64_t now_unix_ms) {
  if (!our_ri) return std::nullopt;  // no RouterInfo yet (key store missing): nothing to send
  auto msg = decode_short(message);
  if (!msg || msg->type != MessageType::DatabaseLookup) return std::nullopt;
  // DatabaseLookup (i2np.rst): key(32) from(32) flags(1) [reply tunnel(4)] ...
  Reader r(ByteSpan(msg->payload.data(), msg->payload.size()));
  auto key = r.array<32>();
  auto from = r.array<32>();
  uint8_t flags = r.u8();
  if (!r.ok() || key != local) return std::nullopt;
  if ((flags & 0x01) != 0 || from != asker) return std::nullopt;
  auto store = make_database_store(*our_ri, reply_id, now_unix_ms + 60'000);
  if (!store) return std::nullopt;
  auto bytes = encode_short(*store);
  if (!bytes) return std::nullopt;
  return Bytes(bytes->begin(), bytes->end());
}

}  // namespace ssu2::i2p
