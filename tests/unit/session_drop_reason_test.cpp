#define BOOST_TEST_MODULE session_drop_reason
#include <boost/test/unit_test.hpp>

#include <set>
#include <string_view>
#include <vector>

#include "session_harness.hpp"

using namespace harness;

namespace {
std::vector<DropReason> counted(const Metrics& m) {
  std::vector<DropReason> out;
  m.for_each_drop([&](DropReason r, uint64_t) { out.push_back(r); });
  return out;
}
}  // namespace

// The names are metric labels: each reason needs one of its own.
BOOST_AUTO_TEST_CASE(every_reason_has_a_distinct_non_empty_name) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < kDropReasons; ++i) {
    std::string_view n = name(DropReason(i));
    BOOST_TEST(!n.empty(), "reason " << i << " has no name");
    BOOST_TEST(seen.insert(n).second, "name \"" << n << "\" used twice");
  }
  BOOST_TEST(seen.size() == kDropReasons);
  BOOST_TEST(name(DropReason::kCount).empty());
}

BOOST_AUTO_TEST_CASE(a_drop_is_counted_under_its_reason_only) {
  Metrics m;
  BOOST_TEST(counted(m).empty());
  m.drop(DropReason::aead_failure);
  m.drop(DropReason::incomplete_message_timeout, 3);
  BOOST_TEST(m.dropped(DropReason::aead_failure) == 1u);
  BOOST_TEST(m.dropped(DropReason::incomplete_message_timeout) == 3u);
  BOOST_TEST(m.dropped(DropReason::bad_header) == 0u);
  // Export sees the counted reasons only, in enum order.
  std::vector<DropReason> want{DropReason::aead_failure, DropReason::incomplete_message_timeout};
  BOOST_TEST((counted(m) == want));

  // Through a session: a datagram shorter than any packet counts as "too short" and nothing else.
  Pair p;
  p.b.on_datagram(p.now, Bytes(10, 1), kAddrA);
  BOOST_TEST(p.b.metrics().dropped(DropReason::too_short) == 1u);
  BOOST_TEST((counted(p.b.metrics()) == std::vector<DropReason>{DropReason::too_short}));
}

// send_blocks() refusals keep their short text in Error::what; the label names the cause.
BOOST_AUTO_TEST_CASE(control_refusals_name_the_cause) {
  BOOST_TEST(name(DropReason::control_blocks_too_large) == "control blocks refused: blocks too large");
  BOOST_TEST(std::string_view(refusal_text(DropReason::control_blocks_too_large)) == "blocks too large");
  BOOST_TEST(std::string_view(refusal_text(DropReason::aead_failure)) == "aead failure");
  Pair p;
  auto s = p.a.send_blocks(p.now, {});
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(std::string_view(s.error().what) == "no blocks");
  BOOST_TEST(p.a.metrics().dropped(DropReason::control_no_blocks) == 1u);
}
