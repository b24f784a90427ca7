#include "actors/support/udp_sender.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "actors/support/udp.hpp"

namespace ssu2d {

UdpSender::UdpSender(std::vector<UdpSocket> sockets, std::shared_ptr<MetricsRegistry> metrics)
    : sockets_(std::move(sockets)),
      metrics_(metrics ? std::move(metrics) : std::make_shared<MetricsRegistry>()) {
  auto& m = *metrics_;
  tx_ = &m.counter("ssu2_datagrams_sent_total", "UDP datagrams sent");
  eagain_ = &m.counter("ssu2_send_eagain_total", "sendto() calls that hit a full socket buffer");
  errors_ = &m.counter("ssu2_send_errors_total", "Datagrams that could not be sent",
                       {{"reason", "os_error"}});
  deferred_ = &m.counter("ssu2_send_deferred_total",
                         "Datagrams of a session's batch handed to the socket's retry queue");
}

UdpSender::~UdpSender() {
  for (auto& s : sockets_)
    if (s.fd >= 0) ::close(s.fd);
}

int UdpSender::fd_for(bool v6) const {
  for (auto& s : sockets_)
    if ((s.local.host.find(':') != std::string::npos) == v6) return s.fd;
  return -1;
}

namespace {
// Per calling thread: sessions run on several scheduler threads at once.
struct Scratch {
  std::array<mmsghdr, kSendBatch> msgs;
  std::array<iovec, kSendBatch> iov;
  std::array<sockaddr_storage, kSendBatch> addr;
};
thread_local Scratch scratch;
}  // namespace

SendBatchResult UdpSender::send(std::span<const ssu2::session::OutDatagram> batch) {
  SendBatchResult r;
  r.blocked_from = batch.size();
  auto& s = scratch;
  size_t i = 0;
  while (i < batch.size()) {
    bool v6 = batch[i].to.is_v6();
    int fd = fd_for(v6);
    // Build one run: same family, valid addresses, at most kSendBatch.
    size_t cnt = 0;
    while (fd >= 0 && i + cnt < batch.size() && cnt < kSendBatch &&
           batch[i + cnt].to.is_v6() == v6) {
      const auto& d = batch[i + cnt];
      socklen_t len = 0;
      if (!udp::to_sockaddr(d.to, s.addr[cnt], len)) break;
      s.iov[cnt].iov_base = const_cast<uint8_t*>(d.bytes.data());
      s.iov[cnt].iov_len = d.bytes.size();
      auto& h = s.msgs[cnt].msg_hdr;
      std::memset(&s.msgs[cnt], 0, sizeof s.msgs[cnt]);
      h.msg_name = &s.addr[cnt];
      h.msg_namelen = len;
      h.msg_iov = &s.iov[cnt];
      h.msg_iovlen = 1;
      cnt++;
    }
    if (cnt == 0) {  // no socket for the family, or an address that is neither v4 nor v6
      errors_->inc();
      r.failed.push_back({i, EAFNOSUPPORT,
                          fd < 0 ? "no socket for this address family" : "invalid address"});
      i++;
      continue;
    }
    int n = ::sendmmsg(fd, s.msgs.data(), unsigned(cnt), 0);
    if (n < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
        eagain_->inc();
        r.blocked_from = i;
        return r;
      }
      errors_->inc();
      r.failed.push_back({i, err, std::strerror(err)});
      i++;
      continue;
    }
    // A short count means the next datagram hit an error: the next call reports it.
    tx_->inc(uint64_t(n));
    r.sent += size_t(n);
    i += size_t(n);
  }
  return r;
}

}  // namespace ssu2d
