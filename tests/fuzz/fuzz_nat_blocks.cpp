// In-session NAT blocks (PeerTest, RelayRequest / RelayIntro / RelayResponse, RelayTag*,
// RouterInfo) into the NatEngine (transport/nat/engine.hpp), with commands and time. See
// nat_fuzz.hpp for the harness and the checks.
#include "nat_fuzz.hpp"

using namespace fuzz;
using namespace fuzz::nat_harness;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  Harness h;
  for (int i = 0; i < 64 && !in.empty(); ++i) h.step(in.u8(), in);
  h.finish();
  return 0;
}
