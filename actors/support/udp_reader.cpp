#include "actors/support/udp_reader.hpp"

#include <netinet/in.h>
#include <netinet/udp.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "actors/support/clock.hpp"
#include "actors/support/logging.hpp"
#include "actors/support/udp.hpp"

namespace ssu2d {

// ---- the reader thread --------------------------------------------------------------

struct UdpReader::Shared {
  ReaderConfig cfg;
  int wake[2] = {-1, -1};
  std::atomic<bool> stop{false};
  Counter* rx = nullptr;
  Counter* rx_bytes = nullptr;
  Counter* drop_truncated = nullptr;
  Counter* drop_address = nullptr;
  bool gro = false;  // UDP_GRO accepted on every socket
  ~Shared() {
    for (int fd : wake)
      if (fd >= 0) ::close(fd);
  }
};

namespace {

using Shared = UdpReader::Shared;

// Receive buffers, allocated once per thread and reused for every call. With UDP GRO a slot
// receives up to 64 KiB: several datagrams of one sender coalesced by the kernel, split
// again here by the segment size it reports.
inline constexpr size_t kGroSlot = 65536;
struct RecvBatch {
  explicit RecvBatch(bool gro) : slot(gro ? kGroSlot : kMaxDatagram), data(kRecvBatch * slot) {}
  size_t slot;
  std::vector<uint8_t> data;
  std::array<mmsghdr, kRecvBatch> msgs{};
  std::array<iovec, kRecvBatch> iov{};
  std::array<sockaddr_storage, kRecvBatch> addr{};
  std::array<std::array<char, CMSG_SPACE(sizeof(int))>, kRecvBatch> ctrl{};
  void reset() {
    for (size_t k = 0; k < kRecvBatch; ++k) {
      iov[k] = iovec{data.data() + k * slot, slot};
      auto& h = msgs[k].msg_hdr;
      h = msghdr{};
      h.msg_name = &addr[k];
      h.msg_namelen = sizeof addr[k];
      h.msg_iov = &iov[k];
      h.msg_iovlen = 1;
      h.msg_control = ctrl[k].data();
      h.msg_controllen = ctrl[k].size();
      msgs[k].msg_len = 0;
    }
  }
};

// One received datagram, from the kernel's address.
void route_one(Shared& sh, const sockaddr_storage& ss, std::span<const uint8_t> bytes,
               ssu2::TimePoint now) {
  auto from = udp::to_address(ss);
  if (!from) {
    sh.drop_address->inc();
    return;
  }
  sh.cfg.router->route(now, *from, bytes);
}

// Drains one socket until it would block (or a full batch came: poll again, fairly).
void drain(Shared& sh, int fd, RecvBatch& b) {
  for (int round = 0; round < 8 && !sh.stop; ++round) {
    b.reset();
    int n = ::recvmmsg(fd, b.msgs.data(), unsigned(kRecvBatch), MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN or a transient error (e.g. ICMP-reported ECONNREFUSED): poll again
    }
    sh.rx->inc(uint64_t(n));
    const auto now = steady_now();
    for (int k = 0; k < n; ++k) {
      auto& h = b.msgs[k].msg_hdr;
      size_t len = b.msgs[k].msg_len;
      sh.rx_bytes->inc(len);
      size_t seg = len;  // one datagram, or GRO segments of this size (the last may be shorter)
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c))
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
          int v = 0;
          std::memcpy(&v, CMSG_DATA(c), sizeof v);
          if (v > 0) seg = size_t(v);
        }
      if ((h.msg_flags & MSG_TRUNC) || seg > kMaxDatagram) {
        sh.drop_truncated->inc();
        continue;
      }
      const uint8_t* base = b.data.data() + size_t(k) * b.slot;
      if (seg < len) sh.rx->inc(uint64_t((len + seg - 1) / seg - 1));  // counted per datagram
      for (size_t off = 0; off < len; off += seg)
        route_one(sh, b.addr[k], std::span<const uint8_t>(base + off, std::min(seg, len - off)),
                  now);
    }
    if (!sh.cfg.router->flush()) sh.stop = true;  // the socket actor is gone
    if (size_t(n) < kRecvBatch) return;
  }
}

void reader_loop(std::shared_ptr<Shared> sh) {
  RecvBatch batch(sh->gro);
  std::vector<pollfd> pfds;
  for (int fd : sh->cfg.fds) pfds.push_back({fd, POLLIN, 0});
  pfds.push_back({sh->wake[0], POLLIN, 0});
  while (!sh->stop) {
    int r = ::poll(pfds.data(), pfds.size(), -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      log().error("socket: poll failed: {}", std::strerror(errno));
      return;
    }
    if (pfds.back().revents) return;  // woken to stop
    for (size_t i = 0; i + 1 < pfds.size(); ++i)
      if (pfds[i].revents) drain(*sh, pfds[i].fd, batch);
  }
}

}  // namespace

std::unique_ptr<UdpReader> UdpReader::start(ReaderConfig cfg, std::string& error) {
  auto sh = std::make_shared<Shared>();
  if (::pipe2(sh->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
    error = std::string("socket: pipe2 failed: ") + std::strerror(errno);
    return nullptr;
  }
  auto& m = cfg.router->metrics();
  const char* drop = "ssu2_datagrams_dropped_total";
  const char* drop_help = "Inbound datagrams dropped before reaching a session";
  sh->rx = &m.counter("ssu2_datagrams_received_total", "UDP datagrams received");
  sh->rx_bytes = &m.counter("ssu2_bytes_received_total", "UDP payload bytes received");
  sh->drop_truncated = &m.counter(drop, drop_help, {{"reason", "truncated"}});
  sh->drop_address = &m.counter(drop, drop_help, {{"reason", "bad_address"}});
  sh->cfg = std::move(cfg);
  // UDP GRO where the kernel has it (Linux >= 5.0): fewer, larger reads under load.
  sh->gro = !sh->cfg.fds.empty();
  for (int fd : sh->cfg.fds) {
    int one = 1;
    if (::setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) != 0) sh->gro = false;
  }
  if (!sh->gro)
    for (int fd : sh->cfg.fds) {
      int zero = 0;
      ::setsockopt(fd, SOL_UDP, UDP_GRO, &zero, sizeof zero);
    }
  return std::unique_ptr<UdpReader>(new UdpReader(std::move(sh)));
}

UdpReader::UdpReader(std::shared_ptr<Shared> sh) : sh_(std::move(sh)) {
  thread_ = std::thread(reader_loop, sh_);
}

UdpReader::~UdpReader() {
  sh_->stop = true;
  char c = 1;
  [[maybe_unused]] auto w = ::write(sh_->wake[1], &c, 1);
  if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();
  else if (thread_.joinable()) thread_.join();
}

}  // namespace ssu2d
