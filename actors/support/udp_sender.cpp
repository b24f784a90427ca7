#include "actors/support/udp_sender.hpp"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "actors/support/udp.hpp"
#include "actors/support/udp_reader.hpp"

namespace ssu2d {

UdpSender::UdpSender(std::vector<UdpSocket> sockets, std::shared_ptr<MetricsRegistry> metrics)
    : sockets_(std::move(sockets)),
      metrics_(metrics ? std::move(metrics) : std::make_shared<MetricsRegistry>()) {
  auto& m = *metrics_;
  tx_ = &m.counter("ssu2_datagrams_sent_total", "UDP datagrams sent");
  tx_bytes_ = &m.counter("ssu2_bytes_sent_total", "UDP payload bytes sent");
  eagain_ = &m.counter("ssu2_send_eagain_total", "sendto() calls that hit a full socket buffer");
  errors_ = &m.counter("ssu2_send_errors_total", "Datagrams that could not be sent",
                       {{"reason", "os_error"}});
  deferred_ = &m.counter("ssu2_send_deferred_total",
                         "Datagrams of a session's batch handed to the socket's retry queue");
  gso_messages_ = &m.counter("ssu2_send_gso_messages_total",
                             "UDP GSO messages sent (each several datagrams)");
}

UdpSender::~UdpSender() {
  for (auto& s : sockets_)
    if (s.fd >= 0) ::close(s.fd);
}

std::vector<ssu2::Address> UdpSender::local_addresses() const {
  std::vector<ssu2::Address> out;
  for (auto& s : sockets_) out.push_back(s.local);
  return out;
}

std::unique_ptr<DatagramReceiver> UdpSender::receive(std::shared_ptr<InboundRouter> router,
                                                     std::string& error) {
  ReaderConfig rc;
  for (auto& s : sockets_) rc.fds.push_back(s.fd);
  rc.router = std::move(router);
  rc.keep_fds = shared_from_this();
  return UdpReader::start(std::move(rc), error);
}

SendOneResult UdpSender::send_one(const ssu2::Address& to, std::span<const uint8_t> bytes) {
  using O = SendOneResult::Outcome;
  int fd = fd_for(to.is_v6());
  sockaddr_storage ss;
  socklen_t sl = 0;
  if (fd < 0 || !udp::to_sockaddr(to, ss, sl))
    return {O::failed, EAFNOSUPPORT,
            fd < 0 ? "no socket for this address family" : "invalid address"};
  for (;;) {
    ssize_t n = ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&ss), sl);
    if (n >= 0) {
      tx_->inc();
      tx_bytes_->inc(uint64_t(n));
      return {O::sent, 0, {}};
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      eagain_->inc();
      return {O::would_block, errno, {}};
    }
    int err = errno;
    return {O::failed, err, std::strerror(err)};
  }
}

int UdpSender::fd_for(bool v6) const {
  for (auto& s : sockets_)
    if (s.local.is_v6() == v6) return s.fd;
  return -1;
}

namespace {
// Per calling thread: sessions run on several scheduler threads at once.
struct Scratch {
  std::array<mmsghdr, kSendBatch> msgs;  // one per message (a GSO message holds several)
  std::array<iovec, kSendBatch> iov;     // one per datagram
  std::array<sockaddr_storage, kSendBatch> addr;
  std::array<std::array<char, CMSG_SPACE(sizeof(uint16_t))>, kSendBatch> ctrl;
  std::array<size_t, kSendBatch> count;  // datagrams in each message
};
thread_local Scratch scratch;

// How many datagrams from `first` can share one GSO message with it: same address, same
// size, except that the last one may be shorter.
size_t gso_run(std::span<const ssu2::session::OutDatagram> batch, size_t first, size_t room) {
  const auto& d0 = batch[first];
  size_t seg = d0.bytes.size(), total = seg, n = 1;
  while (first + n < batch.size() && n < std::min(room, kMaxSegments)) {
    const auto& d = batch[first + n];
    if (!(d.to == d0.to) || d.bytes.size() > seg || d.bytes.empty() ||
        total + d.bytes.size() > kMaxGsoBytes)
      break;
    total += d.bytes.size();
    ++n;
    if (d.bytes.size() < seg) break;  // a shorter datagram ends the message
  }
  return n;
}
}  // namespace

SendBatchResult UdpSender::send(std::span<const ssu2::session::OutDatagram> batch) {
  SendBatchResult r;
  r.blocked_from = batch.size();
  auto& s = scratch;
  size_t i = 0;
  while (i < batch.size()) {
    bool v6 = batch[i].to.is_v6();
    int fd = fd_for(v6);
    bool gso = gso_.load(std::memory_order_relaxed);
    // Build one run: same family, valid addresses, at most kSendBatch datagrams.
    size_t nd = 0, nm = 0;
    bool used_gso = false;
    while (fd >= 0 && i + nd < batch.size() && nd < kSendBatch && batch[i + nd].to.is_v6() == v6) {
      const auto& d = batch[i + nd];
      socklen_t len = 0;
      if (!udp::to_sockaddr(d.to, s.addr[nm], len)) break;
      size_t cnt = gso ? gso_run(batch, i + nd, kSendBatch - nd) : 1;
      for (size_t k = 0; k < cnt; ++k) {
        s.iov[nd + k].iov_base = const_cast<uint8_t*>(batch[i + nd + k].bytes.data());
        s.iov[nd + k].iov_len = batch[i + nd + k].bytes.size();
      }
      auto& h = s.msgs[nm].msg_hdr;
      std::memset(&s.msgs[nm], 0, sizeof s.msgs[nm]);
      h.msg_name = &s.addr[nm];
      h.msg_namelen = len;
      h.msg_iov = &s.iov[nd];
      h.msg_iovlen = cnt;
      if (cnt > 1) {
        h.msg_control = s.ctrl[nm].data();
        h.msg_controllen = s.ctrl[nm].size();
        cmsghdr* c = CMSG_FIRSTHDR(&h);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t seg = uint16_t(d.bytes.size());
        std::memcpy(CMSG_DATA(c), &seg, sizeof seg);
        used_gso = true;
      }
      s.count[nm] = cnt;
      nd += cnt;
      nm++;
    }
    if (nm == 0) {  // no socket for the family, or an address that is neither v4 nor v6
      errors_->inc();
      r.failed.push_back({i, EAFNOSUPPORT,
                          fd < 0 ? "no socket for this address family" : "invalid address"});
      i++;
      continue;
    }
    int n = ::sendmmsg(fd, s.msgs.data(), unsigned(nm), 0);
    if (n < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
        eagain_->inc();
        r.blocked_from = i;
        return r;
      }
      if (used_gso && (err == EIO || err == EINVAL || err == EOPNOTSUPP)) {
        // The kernel or the device cannot segment: one message per datagram from now on.
        disable_gso();
        continue;
      }
      errors_->inc();
      r.failed.push_back({i, err, std::strerror(err)});
      i++;
      continue;
    }
    // A short count means the next message hit an error: the next call reports it.
    size_t sent = 0;
    for (int k = 0; k < n; ++k) {
      sent += s.count[size_t(k)];
      if (s.count[size_t(k)] > 1) gso_messages_->inc();
    }
    tx_->inc(uint64_t(sent));
    uint64_t bytes = 0;
    for (size_t k = i; k < i + sent; ++k) bytes += batch[k].bytes.size();
    tx_bytes_->inc(bytes);
    r.sent += sent;
    i += sent;
  }
  return r;
}

}  // namespace ssu2d
