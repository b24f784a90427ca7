// ssu2::Address, the core's one address type: parsing rejects anything but numeric IPv4 /
// IPv6 text, formatting round-trips, comparisons look only at the significant bytes.
#define BOOST_TEST_MODULE crypto_address
#include <boost/test/unit_test.hpp>

#include <set>

#include "transport/common/address.hpp"

using ssu2::Address;

BOOST_AUTO_TEST_CASE(parse_and_format_round_trip) {
  auto a = Address::parse("127.0.1.2", 12345);
  BOOST_REQUIRE(a);
  BOOST_TEST(!a->is_v6());
  BOOST_TEST(a->to_string() == "127.0.1.2:12345");
  BOOST_TEST((*a == Address::v4(127, 0, 1, 2, 12345)));
  auto b = Address::parse("::1", 9);
  BOOST_REQUIRE(b);
  BOOST_TEST(b->is_v6());
  BOOST_TEST(b->to_string() == "[::1]:9");
  BOOST_TEST((Address::parse(b->host(), 9) == b));
}

BOOST_AUTO_TEST_CASE(host_port_brackets_ipv6_text_only) {
  BOOST_TEST(ssu2::host_port("127.0.0.1", 12346) == "127.0.0.1:12346");
  BOOST_TEST(ssu2::host_port("::1", 80) == "[::1]:80");
  BOOST_TEST(ssu2::host_port("localhost", 0) == "localhost:0");  // configured names stay text
  BOOST_TEST(Address::v4(1, 2, 3, 4, 5).to_string() == ssu2::host_port("1.2.3.4", 5));
}

BOOST_AUTO_TEST_CASE(malformed_text_is_refused) {
  for (const char* bad : {"", "localhost", "1.2.3", "1.2.3.256", "1.2.3.4.5", "[::1]", "::g",
                          " 1.2.3.4", "1.2.3.4 ", "1.2.3.4:5", "\x01\x02"})
    BOOST_TEST(!Address::parse(bad, 1), "accepted \"" << bad << "\"");
  Address absent;
  absent.ip_len = 0;  // a RelayResponse without Charlie's address
  BOOST_TEST(absent.host().empty());
  BOOST_TEST(!absent.has_ip());
  BOOST_TEST(Address::v4(1, 2, 3, 4, 5).has_ip());
  BOOST_TEST(Address::parse("::1", 5)->has_ip());
  Address bogus;
  bogus.ip_len = 200;  // never produced by a parser; must not read past the array
  BOOST_TEST(bogus.ip_bytes().size() == 16u);
  BOOST_TEST(bogus.host().empty());
  BOOST_TEST(!bogus.has_ip());
}

BOOST_AUTO_TEST_CASE(only_significant_bytes_compare) {
  Address a = Address::v4(10, 0, 0, 1, 7), b = a;
  b.ip[10] = 0xff;  // garbage beyond the 4 IPv4 bytes
  BOOST_TEST((a == b));
  BOOST_TEST(((a <=> b) == std::strong_ordering::equal));
  BOOST_TEST(ssu2::AddressHash{}(a) == ssu2::AddressHash{}(b));
  std::set<Address> s{Address::v4(1, 1, 1, 1, 2), Address::v4(1, 1, 1, 1, 1), a};
  BOOST_TEST(s.size() == 3u);
  BOOST_TEST((Address::v4(1, 2, 3, 4, 5) != Address::v4(1, 2, 3, 4, 6)));
}
