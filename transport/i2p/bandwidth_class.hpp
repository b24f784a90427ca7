// The bandwidth class letter of our RouterInfo's "caps" (I2P common structures spec, "caps"
// option; i2pd RouterContext::SetBandwidth(int)): from the bandwidth limit in KBps (1 KB =
// 1024 bytes, as i2pd's "bandwidth" option), K up to 12, L up to 48, M up to 64, N up to
// 128, O up to 256, P up to 2000, X above 2000 (each bound inclusive: 12 KBps is K, 13 L).
// Without a limit i2pd publishes L (a non-floodfill router that was not told its speed);
// so do we. With limits in both directions the smaller one counts: it bounds what we can
// relay. Reachability adds R or U after the letter (transport/nat/publish).
#pragma once
#include <cstdint>

namespace ssu2::i2p {

// kbytes_per_s 0 = unlimited.
char bandwidth_class(uint64_t kbytes_per_s);
// The class for separate limits in and out (0 = unlimited in that direction).
char bandwidth_class(uint64_t in_kbytes_per_s, uint64_t out_kbytes_per_s);

}  // namespace ssu2::i2p
