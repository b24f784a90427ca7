// A message type through CAF's binary serializer and back (what a remote send does):
// nullopt when either direction reports an error. `ctx` is the actor system (types whose
// inspect needs it) or nullptr.
#pragma once
#include <optional>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

namespace test_support {

template <class T, class Ctx>
std::optional<T> caf_round_trip(Ctx&& ctx, T in) {
  std::vector<char> buf;
  caf::binary_serializer sink{ctx, buf};
  if (sink(in)) return std::nullopt;
  T out;
  caf::binary_deserializer source{ctx, buf};
  if (source(out)) return std::nullopt;
  return out;
}

}  // namespace test_support
