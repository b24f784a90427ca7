#define BOOST_TEST_MODULE session_fragment
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>

#include "transport/session/fragment.hpp"

using namespace ssu2;
using namespace ssu2::session;

static Bytes pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(i * 131 + 7);
  return b;
}

// Feeds the plan into a reassembler in the given order and returns the result.
static std::optional<I2npMessage> reassemble(Reassembler& r, const Bytes& body,
                                             const std::vector<FragmentPlan>& plan,
                                             const std::vector<size_t>& order) {
  std::optional<I2npMessage> done;
  for (size_t k : order) {
    const auto& p = plan[k];
    ByteSpan piece(body.data() + p.offset, p.length);
    Reassembler::Outcome o;
    if (p.kind == FragmentPlan::Kind::follow_on)
      o = r.on_follow_on(TimePoint{Millis{0}}, 99, p.number, p.last, piece);
    else
      o = r.on_first(TimePoint{Millis{0}}, 20, 99, 1234, piece);
    BOOST_TEST(!o.dropped);
    if (o.complete) done = std::move(o.complete);
  }
  return done;
}

BOOST_AUTO_TEST_CASE(sizes_1_byte_to_62_kib_round_trip_with_ipv6_minimum) {
  // IPv6 with MTU 1280: max payload 1200; leave room for an ACK block.
  const size_t max_block = 1200 - 40;
  std::mt19937 rng(7);
  for (size_t size : {size_t(1), size_t(100), size_t(1147), size_t(1148), size_t(1149),
                      size_t(5000), size_t(62 * 1024)}) {
    Bytes body = pattern(size);
    auto plan = plan_fragments(size, max_block);
    BOOST_REQUIRE(plan.ok());
    size_t total = 0;
    for (auto& p : *plan) {
      BOOST_TEST(p.block_size() <= max_block);
      BOOST_TEST(p.length > 0u);
      total += p.length;
    }
    BOOST_TEST(total == size);
    BOOST_TEST(plan->size() <= kMaxFragments);
    if (plan->size() == 1) {
      BOOST_TEST((plan->front().kind == FragmentPlan::Kind::whole));
      continue;
    }
    std::vector<size_t> order(plan->size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    Reassembler r;
    auto m = reassemble(r, body, *plan, order);
    BOOST_REQUIRE(m.has_value());
    BOOST_TEST((m->body == body));
    BOOST_TEST(m->type == 20);
    BOOST_TEST(m->expiration == 1234u);
    BOOST_TEST(r.buffered_bytes() == 0u);
    BOOST_TEST(r.pending_messages() == 0u);
  }
}

BOOST_AUTO_TEST_CASE(whole_boundary_and_errors) {
  auto p = plan_fragments(100, 112);
  BOOST_TEST((p->front().kind == FragmentPlan::Kind::whole));
  auto q = plan_fragments(101, 112);
  BOOST_TEST(q->size() == 2u);
  BOOST_TEST(!plan_fragments(100, 12).ok());
  auto big = plan_fragments(200'000, 1160);
  BOOST_TEST(!big.ok());
  BOOST_TEST((big.error().code == Errc::oversized));
}

BOOST_AUTO_TEST_CASE(duplicates_bad_numbers_and_inconsistency_are_refused) {
  Reassembler r;
  Bytes d{1, 2, 3};
  BOOST_TEST(!r.on_follow_on(TimePoint{Millis{0}}, 1, 2, true, d).dropped);
  auto refused = [&](uint32_t id, uint8_t number, bool last, const Bytes& data) {
    return r.on_follow_on(TimePoint{Millis{0}}, id, number, last, data).dropped;
  };
  BOOST_TEST((refused(1, 2, true, d) == DropReason::duplicate_fragment));
  BOOST_TEST((refused(1, 0, false, d) == DropReason::follow_on_fragment_number_0));
  BOOST_TEST((refused(2, 64, true, d) == DropReason::fragment_number_too_high));
  BOOST_TEST((refused(2, 1, false, Bytes{}) == DropReason::empty_fragment));
  BOOST_TEST((refused(1, 3, false, d) == DropReason::inconsistent_fragments));  // beyond the last
  BOOST_TEST(r.pending_messages() == 0u);  // message 1 discarded as inconsistent
  BOOST_TEST(r.buffered_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(incomplete_messages_expire_after_30_s) {
  Reassembler r;
  BOOST_TEST(!r.on_first(TimePoint{Millis{1000}}, 1, 5, 0, Bytes{1}).dropped);
  BOOST_TEST(to_ms(*r.next_deadline()) == 31'000);
  BOOST_TEST(r.expire(TimePoint{Millis{30'999}}) == 0u);
  BOOST_TEST(r.expire(TimePoint{Millis{31'000}}) == 1u);
  BOOST_TEST(r.pending_messages() == 0u);
  BOOST_TEST(r.buffered_bytes() == 0u);
}

// docs/DEFECTS.md defect 12. Guards: reassembly memory is bounded and fragments fit the IPv6 minimum payload.
BOOST_AUTO_TEST_CASE(defect_12_memory_bound_and_ipv6_minimum_payload) {
  // Memory bound: a peer sending only first fragments cannot grow the buffer past the limit.
  Reassembler r(10'000);
  Bytes piece(1000, 0xaa);
  size_t refused = 0;
  for (uint32_t id = 0; id < 100; ++id)
    if (r.on_first(TimePoint{Millis{0}}, 1, id, 0, piece).dropped) ++refused;
  BOOST_TEST(r.buffered_bytes() <= 10'000u);
  BOOST_TEST(refused == 90u);
  // Every block for a 1200-byte IPv6 payload fits, while a fixed 1200-byte fragment would not.
  auto plan = plan_fragments(4000, 1200);
  BOOST_REQUIRE(plan.ok());
  for (auto& p : *plan) BOOST_TEST(p.block_size() <= 1200u);
}

// When the buffer is full, new messages are refused but a message already started can still
// grow and complete: the memory it holds is then freed, so a full buffer cannot deadlock.
BOOST_AUTO_TEST_CASE(started_messages_complete_when_the_buffer_is_full) {
  Reassembler r(10'000);
  Bytes piece(1000, 0x5a);
  // Message 1 starts with its last fragment (number 2); then nine other messages fill the rest.
  BOOST_TEST(!r.on_follow_on(TimePoint{Millis{0}}, 1, 2, true, piece).dropped);
  for (uint32_t id = 100; id < 109; ++id) BOOST_TEST(!r.on_first(TimePoint{Millis{0}}, 20, id, 0, piece).dropped);
  BOOST_TEST(r.buffered_bytes() == 10'000u);
  BOOST_TEST(!r.has_room(200, 1));              // a new message: no room
  BOOST_TEST(r.has_room(1, 1000));              // a started one: room up to twice the limit
  BOOST_TEST((r.on_first(TimePoint{Millis{0}}, 20, 200, 0, piece).dropped ==
              DropReason::reassembly_memory_limit));
  BOOST_TEST(!r.on_follow_on(TimePoint{Millis{0}}, 1, 1, false, piece).dropped);
  auto done = r.on_first(TimePoint{Millis{0}}, 20, 1, 0, piece);
  BOOST_REQUIRE(done.complete.has_value());
  BOOST_TEST(done.complete->body.size() == 3000u);
  BOOST_TEST(r.buffered_bytes() == 9'000u);
  BOOST_TEST(r.has_room(200, 1000));
}

// Issue "hostile load", point 3: a node-wide reassembly budget shared by the sessions. Peers
// that start many messages and never finish them fill the budget's soft share; then no
// session starts a new message, but a message already started can complete, and a session
// that ends gives back what it held.
BOOST_AUTO_TEST_CASE(node_budget_is_shared_by_sessions_and_given_back) {
  auto budget = std::make_shared<SharedBudget>(40'000);  // soft share 30,000
  Bytes piece(1'000, 0xab);
  auto a = std::make_unique<Reassembler>(1'000'000, budget);
  Reassembler b(1'000'000, budget);
  // B starts one message (fragment 0 of 2) while there is room.
  BOOST_TEST(!b.on_follow_on(TimePoint{Millis{0}}, 7, 1, true, piece).dropped);
  // A peer opens 29 unfinished messages on session A: the node is at its soft share.
  for (uint32_t id = 0; id < 29; ++id) BOOST_TEST(!a->on_first(TimePoint{Millis{0}}, 20, id, 0, piece).dropped);
  BOOST_TEST(budget->used() == 30'000u);
  // New messages are refused on every session, although each is far below its own bound.
  BOOST_TEST((a->on_first(TimePoint{Millis{0}}, 20, 100, 0, piece).dropped ==
              DropReason::reassembly_memory_limit));
  BOOST_TEST((b.on_first(TimePoint{Millis{0}}, 20, 200, 0, piece).dropped ==
              DropReason::reassembly_memory_limit));
  BOOST_TEST(!b.admits({Reassembler::Piece{201, 0, 1'000}}));
  // B's started message still completes (progress may use the rest of the budget).
  BOOST_TEST(b.admits({Reassembler::Piece{7, 0, 1'000}}));
  auto done = b.on_first(TimePoint{Millis{0}}, 20, 7, 0, piece, true);
  BOOST_TEST(done.complete.has_value());
  BOOST_TEST(budget->used() == 29'000u);
  BOOST_TEST(budget->refusals() >= 3u);
  // Session A ends: its partial messages go back to the node.
  a.reset();
  BOOST_TEST(budget->used() == 0u);
  BOOST_TEST(!b.on_first(TimePoint{Millis{0}}, 20, 300, 0, piece).dropped);
  // Expiry gives back too.
  b.expire(TimePoint{Millis{Reassembler::kTimeout}});
  BOOST_TEST(budget->used() == 0u);
}

// The node's I2NP byte form (9-byte short header + body): round trip, and a string shorter
// than the header is refused, not read past.
BOOST_AUTO_TEST_CASE(short_i2np_bytes_round_trip_and_short_input_is_refused) {
  I2npMessage m{20, 0x01020304, 0xA0B0C0D0, Bytes{1, 2, 3}};
  auto b = short_i2np_bytes(m);
  BOOST_TEST(b.size() == 12u);
  BOOST_TEST(b[0] == 20);
  BOOST_TEST(b[1] == 0x01);
  BOOST_TEST(b[5] == 0xA0);
  auto back = parse_short_i2np(b);
  BOOST_REQUIRE(back);
  BOOST_TEST((*back == m));
  for (size_t n = 0; n < 9; ++n) BOOST_TEST(!parse_short_i2np(ByteSpan(b.data(), n)));
  auto empty_body = parse_short_i2np(ByteSpan(b.data(), 9));
  BOOST_REQUIRE(empty_body);
  BOOST_TEST(empty_body->body.empty());
  // Taking the buffer over gives the same message, and refuses the same short inputs.
  auto moved = parse_short_i2np(Bytes(b));
  BOOST_REQUIRE(moved);
  BOOST_TEST((*moved == m));
  for (size_t n = 0; n < 9; ++n) BOOST_TEST(!parse_short_i2np(Bytes(b.begin(), b.begin() + long(n))));
  auto moved_empty = parse_short_i2np(Bytes(b.begin(), b.begin() + 9));
  BOOST_REQUIRE(moved_empty);
  BOOST_TEST(moved_empty->body.empty());
}
