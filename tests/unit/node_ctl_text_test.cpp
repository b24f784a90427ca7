#define BOOST_TEST_MODULE node_ctl_text
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "actors/support/bind_error.hpp"
#include "actors/support/session_summary.hpp"
#include "messages/messages.hpp"

using namespace ssu2d;

namespace {
router_hash counting() {
  router_hash h;
  for (size_t i = 0; i < h.bytes.size(); ++i) h.bytes[i] = uint8_t(0xf0 + i % 16);
  return h;
}
}  // namespace

// Output is I2P base64 (as I2P tools show hashes); input may be hex or base64.
BOOST_AUTO_TEST_CASE(router_hashes_print_in_i2p_base64_and_parse_hex_or_base64) {
  const router_hash h = counting();
  const std::string b64 = "8PHy8~T19vf4-fr7~P3-~~Dx8vP09fb3-Pn6-~z9~v8=";
  BOOST_TEST(to_string(h) == b64);
  BOOST_TEST(short_hash(h) == b64.substr(0, 8));
  BOOST_TEST(to_hex(h).substr(0, 8) == "f0f1f2f3");
  router_hash a, b, c;
  BOOST_REQUIRE(parse_router_hash(b64, a));
  BOOST_REQUIRE(parse_router_hash(to_hex(h), b));
  BOOST_REQUIRE(parse_router_hash(b64.substr(0, 43), c));  // unpadded
  BOOST_TEST((a == h && b == h && c == h));
  router_hash untouched = h;
  for (std::string bad : {std::string(""), std::string("xyz"), std::string(63, 'a'),
                          std::string(64, 'g'), b64.substr(0, 42) + "+=",  // RFC alphabet
                          b64.substr(0, 42) + "9=",  // non-zero trailing bits
                          std::string(44, '=')})
    BOOST_TEST(!parse_router_hash(bad, untouched), bad);
  BOOST_TEST((untouched == h));
}

BOOST_AUTO_TEST_CASE(session_end_summary_names_peer_direction_duration_and_counters) {
  session_info s;
  s.peer = counting();
  s.remote = "127.0.0.1:4567";
  s.outbound = true;
  s.established_ms_ago = 12345;
  s.bytes_in = 1000;
  s.bytes_out = 2000;
  s.packets_in = 10;
  s.packets_out = 20;
  s.retransmissions = 3;
  BOOST_TEST(session_end_summary(s, "idle timeout") ==
             "session 8PHy8~T1: ended (idle timeout): outbound 127.0.0.1:4567, 12.3 s, "
             "bytes in/out 1000/2000, packets in/out 10/20, retransmissions 3");
  s.outbound = false;
  s.remote.clear();
  BOOST_TEST(session_end_summary(s, "peer: NormalClose").find("ended (peer: NormalClose): inbound -,") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_taken_port_is_reported_as_address_in_use) {
  BOOST_TEST(bind_error_text(EADDRINUSE) == "address in use");
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  BOOST_REQUIRE(fd >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  BOOST_REQUIRE(::listen(fd, 1) == 0);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  const uint16_t port = ntohs(sa.sin_port);
  BOOST_TEST(tcp_listen_probe("127.0.0.1", port) == "address in use");
  ::close(fd);
  BOOST_TEST(tcp_listen_probe("127.0.0.1", port) == "");
  BOOST_TEST(tcp_listen_probe("192.0.2.1", port) == "address not available on this host");
}
