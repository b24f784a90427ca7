// transport/common/token_bucket.hpp, in virtual time (transport/common is built into
// ssu2_crypto, hence the prefix).
#define BOOST_TEST_MODULE token_bucket
#include <boost/test/unit_test.hpp>

#include "transport/common/token_bucket.hpp"

using namespace ssu2;

BOOST_AUTO_TEST_CASE(unlimited_grants_everything) {
  TokenBucket b(0, 0, 0);
  BOOST_TEST(b.unlimited());
  BOOST_TEST(b.take(TimePoint{0}, 1'000'000) == 1'000'000u);
  BOOST_TEST(b.admit(TimePoint{0}, 1'000'000));
  BOOST_TEST((b.reserve(TimePoint{Millis{5}}, 1'000'000) == TimePoint{Millis{5}}));
  BucketShare<TokenBucket> s(&b);
  BOOST_TEST(s.open(TimePoint{0}) == SIZE_MAX);
  BOOST_TEST(!s.close(TimePoint{0}, 5000, true));
}

BOOST_AUTO_TEST_CASE(starts_full_takes_at_most_the_cap_and_refills_at_the_rate) {
  TokenBucket b(100'000, 10'000, 4'000);  // 100 KB/s, burst 10 KB, cap 4 KB
  TimePoint t{Millis{1000}};
  BOOST_TEST(b.take(t, 100'000) == 4'000u);  // the cap
  BOOST_TEST(b.take(t, 100'000) == 4'000u);
  BOOST_TEST(b.take(t, 100'000) == 2'000u);  // what is left of the burst
  BOOST_TEST(b.take(t, 100'000) == 0u);
  BOOST_TEST(b.take(t + Millis{10}, 100'000) == 1'000u);  // 10 ms at 100 KB/s
  // Never more than the burst however long it was idle.
  BOOST_TEST(b.balance(t + Millis{60'000}) == 10'000);
}

BOOST_AUTO_TEST_CASE(settle_gives_back_and_overdraws) {
  TokenBucket b(1000, 5000, 5000);
  TimePoint t{0};
  BOOST_TEST(b.take(t, 5000) == 5000u);
  b.settle(5000, 3000);  // 2000 unused come back
  BOOST_TEST(b.balance(t) == 2000);
  BOOST_TEST(b.take(t, 2000) == 2000u);
  b.settle(2000, 3500);  // one packet beyond the grant: debt
  BOOST_TEST(b.balance(t) == -1500);
  BOOST_TEST(b.take(t + Millis{1000}, 100) == 0u);  // 1000 back: still in debt
  BOOST_TEST(b.take(t + Millis{1600}, 100) == 100u);
}

BOOST_AUTO_TEST_CASE(long_run_rate_is_exact_at_any_time_resolution) {
  // A sender that takes whatever is there every 3 ms for 10 s (the grab cap is big).
  TokenBucket b(1'234'567, 20'000, 1'000'000);
  uint64_t total = 0;
  for (int ms = 0; ms <= 10'000; ms += 3) total += b.take(TimePoint{Millis{ms}}, 1'000'000);
  // 10 s (9,999 ms: the last step) at the rate, plus the initial burst.
  double expect = 1'234'567.0 * 9.999 + 20'000;
  BOOST_TEST(double(total) <= expect + 1);
  BOOST_TEST(double(total) >= expect - 3 * 1'234.567);  // within what accrued since the last take
}

BOOST_AUTO_TEST_CASE(reservations_are_served_in_the_order_they_were_booked) {
  TokenBucket b(1'000'000, 3000, 3000);  // 1 MB/s: 1 byte per µs, 1000 per ms
  TimePoint t{0};
  BOOST_TEST(b.take(t, 3000) == 3000u);
  auto a = b.reserve(t, 3000);  // covered after 3 ms
  auto c = b.reserve(t, 9000);  // at most the cap: covered after 6 ms
  BOOST_TEST((a == TimePoint{Millis{3}}));
  BOOST_TEST((c == TimePoint{Millis{6}}));
  // Nobody may take while the bookings are not covered.
  BOOST_TEST(b.take(TimePoint{Millis{5}}, 100) == 0u);
  BOOST_TEST(b.take(TimePoint{Millis{7}}, 5000) == 1000u);
}

BOOST_AUTO_TEST_CASE(admit_polices_without_charging_refusals) {
  TokenBucket b(10'000, 3000, 3000);
  TimePoint t{0};
  BOOST_TEST(b.admit(t, 1500));
  BOOST_TEST(b.admit(t, 1500));
  BOOST_TEST(!b.admit(t, 1500));  // empty: dropped, not charged
  BOOST_TEST(b.balance(t) == 0);
  BOOST_TEST(b.admit(t + Millis{1}, 1500));  // 10 bytes came: positive, admitted into debt
  BOOST_TEST(b.balance(t + Millis{1}) == -1490);
  b.charge(t + Millis{1}, 10);
  BOOST_TEST(b.balance(t + Millis{1}) == -1500);
}

// Two senders that always have more to send share a bucket through BucketShare: they take
// turns of one cap each, so both get half of the rate.
BOOST_AUTO_TEST_CASE(shares_alternate_between_busy_senders) {
  TokenBucket b(1'000'000, 4000, 2000);
  BucketShare<TokenBucket> s1(&b), s2(&b);
  struct Sender {
    BucketShare<TokenBucket>* share;
    TimePoint wake{0};
    uint64_t sent = 0;
  };
  Sender x{&s1}, y{&s2};
  // Each round a sender builds 1500-byte packets while its budget lasts (overdrawing by at
  // most one) and is always held at the end; the busier one (x) also comes back every ms.
  auto round = [](Sender& s, TimePoint now) {
    size_t budget = s.share->open(now), used = 0;
    while (used < budget) used += 1500;
    s.sent += used;
    auto next = s.share->close(now, used, true);
    BOOST_REQUIRE(next);
    s.wake = *next;
  };
  for (int ms = 0; ms < 2000; ++ms) {
    TimePoint now{Millis{ms}};
    round(x, now);  // polls every ms, due or not
    if (y.wake <= now) round(y, now);
  }
  BOOST_TEST(x.sent + y.sent <= 1'000'000 * 2 + 4000 + 4 * 1500);
  BOOST_TEST(x.sent + y.sent >= 1'000'000 * 2 * 95 / 100);
  double ratio = double(x.sent) / double(y.sent);
  BOOST_TEST(ratio > 0.9);
  BOOST_TEST(ratio < 1.1);
  BOOST_TEST(s1.holds() > 100u);
}
