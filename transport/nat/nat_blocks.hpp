// The NAT blocks of one session as they cross between a session and the NAT engine's owner:
// RouterInfo / PeerTest / Relay* / RelayTag* blocks a session received (to the engine), or
// the blocks the engine (or a republished RouterInfo) sends in a session. Parsed values in
// arrival / send order; nobody encodes them to parse them again on the way.
#pragma once
#include <vector>

#include "transport/ssu2/blocks.hpp"

namespace ssu2::nat {

struct NatBlocks {
  std::vector<wire::Block> blocks;
};

}  // namespace ssu2::nat
