// transport/i2p/bandwidth_class: the RouterInfo caps letter from the bandwidth limit, at
// every boundary (i2pd RouterContext::SetBandwidth thresholds, KBps).
#define BOOST_TEST_MODULE bandwidth_class
#include <boost/test/unit_test.hpp>

#include "transport/i2p/bandwidth_class.hpp"

using ssu2::i2p::bandwidth_class;

BOOST_AUTO_TEST_CASE(letters_at_the_boundaries) {
  BOOST_TEST(bandwidth_class(1) == 'K');
  BOOST_TEST(bandwidth_class(12) == 'K');
  BOOST_TEST(bandwidth_class(13) == 'L');
  BOOST_TEST(bandwidth_class(48) == 'L');
  BOOST_TEST(bandwidth_class(49) == 'M');
  BOOST_TEST(bandwidth_class(64) == 'M');
  BOOST_TEST(bandwidth_class(65) == 'N');
  BOOST_TEST(bandwidth_class(128) == 'N');
  BOOST_TEST(bandwidth_class(129) == 'O');
  BOOST_TEST(bandwidth_class(256) == 'O');
  BOOST_TEST(bandwidth_class(257) == 'P');
  BOOST_TEST(bandwidth_class(2000) == 'P');
  BOOST_TEST(bandwidth_class(2001) == 'X');
  BOOST_TEST(bandwidth_class(4'000'000) == 'X');
}

BOOST_AUTO_TEST_CASE(unlimited_is_L_as_i2pd_without_a_bandwidth_setting) {
  BOOST_TEST(bandwidth_class(0) == 'L');
  BOOST_TEST(bandwidth_class(0, 0) == 'L');
}

BOOST_AUTO_TEST_CASE(the_smaller_configured_direction_counts) {
  BOOST_TEST(bandwidth_class(10, 5000) == 'K');
  BOOST_TEST(bandwidth_class(5000, 100) == 'N');
  BOOST_TEST(bandwidth_class(0, 100) == 'N');  // unlimited in: the out limit decides
  BOOST_TEST(bandwidth_class(3000, 0) == 'X');
}
