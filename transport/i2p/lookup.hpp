// Answering a DatabaseLookup for our own RouterInfo (i2np.rst "DatabaseLookup"): a peer that
// has a session with us may ask for our RouterInfo directly; the answer is a DatabaseStore
// sent straight back in the session. Only direct replies are answered: with the delivery
// flag (bit 0) the reply belongs in a tunnel, which a transport cannot build, and the reply
// must go to the router that asked, not a third one.
#pragma once
#include <cstdint>
#include <optional>

#include "transport/common/bytes.hpp"
#include "transport/i2p/router_info.hpp"

namespace ssu2::i2p {

// `message` is a short-header I2NP message from `asker`. Returns the DatabaseStore (short
// header, id `reply_id`, expiring a minute after `now_unix_ms`) when it is a DatabaseLookup
// for `local` wanting a direct reply to `asker`; nullopt otherwise, or without `our_ri`.
std::optional<Bytes> answer_lookup_for_us(ByteSpan message, const crypto::Hash32& asker,
                                          const crypto::Hash32& local, const RouterInfo* our_ri,
                                          uint32_t reply_id, uint64_t now_unix_ms);

}  // namespace ssu2::i2p
