// NAT out-of-session packets (Peer Test messages 5-7, Hole Punch) into the NatEngine: sealed
// with our intro key (fuzzed header fields and payload) or raw; in-session blocks and commands
// in between set up the tests and introductions the packets answer. Every other op is a
// packet. See nat_fuzz.hpp for the harness and the checks.
#include "nat_fuzz.hpp"

using namespace fuzz;
using namespace fuzz::nat_harness;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  Harness h;
  for (int i = 0; i < 64 && !in.empty(); ++i) {
    uint8_t op = in.u8();
    h.step(i % 2 ? uint8_t(op & 1 ? kPacket : kRawPacket) : op, in);
  }
  h.finish();
  return 0;
}
