// udp_blast: the raw-UDP baseline for the session benchmark. One thread sends COUNT datagrams
// of SIZE bytes over loopback as fast as sendto allows; another receives them. Prints one JSON
// line: datagrams sent and received, and the received goodput in MB/s (10^6 bytes per second,
// from the first to the last datagram received).
//   udp_blast [--size 1400] [--count 200000] [--host 127.0.0.1]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  size_t size = 1400, count = 200000;
  std::string host = "127.0.0.1";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--size") size = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--count") count = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--host") host = argv[i + 1];
  }
  if (size == 0 || size > 65507) { std::fprintf(stderr, "bad --size\n"); return 2; }

  int rx = ::socket(AF_INET, SOCK_DGRAM, 0), tx = ::socket(AF_INET, SOCK_DGRAM, 0);
  int buf = 8 << 20;
  setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::bind(rx, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) { std::perror("bind"); return 1; }
  socklen_t len = sizeof addr;
  getsockname(rx, reinterpret_cast<sockaddr*>(&addr), &len);
  timeval tv{0, 300000};  // the receiver stops 300 ms after the last datagram
  setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  using Clock = std::chrono::steady_clock;
  std::atomic<size_t> received{0};
  Clock::time_point first{}, last{};
  std::thread receiver([&] {
    std::vector<char> b(65536);
    for (;;) {
      ssize_t n = ::recv(rx, b.data(), b.size(), 0);
      if (n < 0) break;
      auto now = Clock::now();
      if (received.fetch_add(1) == 0) first = now;
      last = now;
    }
  });
  std::vector<char> payload(size, 'x');
  size_t sent = 0;
  for (size_t i = 0; i < count; ++i)
    if (::sendto(tx, payload.data(), size, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) ==
        ssize_t(size))
      ++sent;
  receiver.join();
  double secs = std::chrono::duration<double>(last - first).count();
  double mbps = secs > 0 ? double(received.load()) * double(size) / secs / 1e6 : 0;
  std::printf("{\"size\":%zu,\"sent\":%zu,\"received\":%zu,\"seconds\":%.4f,\"mb_per_s\":%.1f}\n",
              size, sent, received.load(), secs, mbps);
  close(rx);
  close(tx);
  return 0;
}
