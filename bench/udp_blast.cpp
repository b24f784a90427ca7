// udp_blast: the raw-UDP baseline for the session benchmark. One thread sends COUNT datagrams
// of SIZE bytes over loopback as fast as the kernel allows; another receives them. Prints one
// JSON line: datagrams sent and received, the received goodput in MB/s (10^6 bytes per second,
// from the first to the last datagram received) and the CPU time of the whole process
// (getrusage, user + system, both threads) per MB received.
//   udp_blast [--size 1400] [--count 200000] [--host 127.0.0.1] [--batch 1]
// --batch 1 (the default) sends with one sendto and receives with one recv per datagram;
// --batch N > 1 sends with sendmmsg and receives with recvmmsg, N datagrams per call.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

double cpu_ms() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto ms = [](const timeval& tv) { return double(tv.tv_sec) * 1e3 + double(tv.tv_usec) / 1e3; };
  return ms(ru.ru_utime) + ms(ru.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  size_t size = 1400, count = 200000, batch = 1;
  std::string host = "127.0.0.1";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--size") size = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--count") count = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--host") host = argv[i + 1];
    else if (a == "--batch") batch = std::strtoul(argv[i + 1], nullptr, 10);
  }
  if (size == 0 || size > 65507) { std::fprintf(stderr, "bad --size\n"); return 2; }
  if (batch == 0 || batch > 1024) { std::fprintf(stderr, "bad --batch (1..1024)\n"); return 2; }

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
  double cpu_before = cpu_ms();
  std::thread receiver([&] {
    if (batch == 1) {
      std::vector<char> b(65536);
      for (;;) {
        ssize_t n = ::recv(rx, b.data(), b.size(), 0);
        if (n < 0) break;
        auto now = Clock::now();
        if (received.fetch_add(1) == 0) first = now;
        last = now;
      }
      return;
    }
    // One buffer per slot; MSG_WAITFORONE returns as soon as at least one datagram is there,
    // so SO_RCVTIMEO still ends the loop after the last one.
    std::vector<std::vector<char>> bufs(batch, std::vector<char>(size));
    std::vector<iovec> iov(batch);
    std::vector<mmsghdr> msgs(batch);
    for (size_t i = 0; i < batch; ++i) {
      iov[i] = {bufs[i].data(), bufs[i].size()};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    for (;;) {
      int n = ::recvmmsg(rx, msgs.data(), unsigned(batch), MSG_WAITFORONE, nullptr);
      if (n <= 0) break;
      auto now = Clock::now();
      if (received.fetch_add(size_t(n)) == 0) first = now;
      last = now;
    }
  });
  std::vector<char> payload(size, 'x');
  size_t sent = 0;
  if (batch == 1) {
    for (size_t i = 0; i < count; ++i)
      if (::sendto(tx, payload.data(), size, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) ==
          ssize_t(size))
        ++sent;
  } else {
    // Every slot points at the same payload and destination; only the count per call varies.
    iovec iov{payload.data(), payload.size()};
    std::vector<mmsghdr> msgs(batch);
    for (auto& m : msgs) {
      m = {};
      m.msg_hdr.msg_name = &addr;
      m.msg_hdr.msg_namelen = sizeof addr;
      m.msg_hdr.msg_iov = &iov;
      m.msg_hdr.msg_iovlen = 1;
    }
    size_t attempted = 0;
    while (attempted < count) {
      size_t want = std::min(batch, count - attempted);
      int n = ::sendmmsg(tx, msgs.data(), unsigned(want), 0);
      if (n <= 0) {  // the first datagram of the batch failed: count it as attempted, go on
        ++attempted;
        continue;
      }
      attempted += size_t(n);
      sent += size_t(n);
    }
  }
  receiver.join();
  double cpu = cpu_ms() - cpu_before;
  double secs = std::chrono::duration<double>(last - first).count();
  double mb = double(received.load()) * double(size) / 1e6;
  double mbps = secs > 0 ? mb / secs : 0;
  // The CPU figure includes the receiver's final 300 ms wait, which sleeps (no CPU).
  std::printf("{\"size\":%zu,\"batch\":%zu,\"sent\":%zu,\"received\":%zu,\"seconds\":%.4f,"
              "\"mb_per_s\":%.1f,\"cpu_ms\":%.1f,\"cpu_ms_per_mb\":%.2f}\n",
              size, batch, sent, received.load(), secs, mbps, cpu, mb > 0 ? cpu / mb : 0.0);
  close(rx);
  close(tx);
  return 0;
}
