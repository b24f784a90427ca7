// ssu2flood: a hostile SSU2 sender for the stress tests (loopback only). Built on the sans-IO
// core: it frames its datagrams with transport/handshake's packet and payload codecs and, for
// Session Requests, drives real OutboundHandshakes that never finish.
//
//   ssu2flood MODE --router-info FILE --seconds S [--rate R] [--sources N] [--slots N]
//   MODE garbage           random datagrams of random size from one socket
//   MODE token-requests    valid Token Requests from N source addresses 127.77-88.x.y
//   MODE session-requests  N handshakes that stop after Session Request (valid tokens):
//                          each takes a pending slot until the node's inbound timeout
//   MODE fragments         N routers (--slots) complete real handshakes, then send first
//                          fragments of I2NP messages whose other fragments never come
// Prints one JSON line of what it sent and received.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "transport/handshake/outbound.hpp"
#include "transport/handshake/packet.hpp"
#include "transport/handshake/payload.hpp"
#include "transport/i2p/router_info.hpp"
#include "transport/i2p/router_keys.hpp"
#include "transport/ssu2/blocks.hpp"
#include "transport/ssu2/header.hpp"

using namespace ssu2;
namespace hs = ssu2::handshake;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void die(const std::string& why) {
  std::cerr << "ssu2flood: " << why << "\n";
  std::exit(2);
}

uint32_t wall_s() {
  return uint32_t(std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count());
}
TimePoint mono() {
  return std::chrono::duration_cast<Millis>(Clock::now().time_since_epoch());
}
Now now() { return Now{mono(), wall_s()}; }

sockaddr_in to_sockaddr(const Address& a) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(a.port);
  std::memcpy(&sa.sin_addr, a.ip.data(), 4);
  return sa;
}

int bound_socket(const Address& local) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket: " + std::string(std::strerror(errno)));
  auto sa = to_sockaddr(local);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    die("bind " + local.to_string() + ": " + std::strerror(errno));
  return fd;
}

Address local_of(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  Address a;
  std::memcpy(a.ip.data(), &sa.sin_addr, 4);
  a.port = ntohs(sa.sin_port);
  return a;
}

// The i-th source address: 127.77.0.1 .. spread over /24s of 250 hosts.
Address source(uint32_t i) {
  return Address::v4(127, uint8_t(77 + i / (250 * 250)), uint8_t((i / 250) % 250), uint8_t(1 + i % 250), 0);
}

struct Target {
  hs::RemoteRouter remote;
  sockaddr_in sa{};
};

Target load_target(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) die("cannot read " + path);
  Bytes raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto ri = i2p::RouterInfo::parse(ByteSpan{raw});
  if (!ri) die("RouterInfo does not parse: " + path);
  const auto* a = ri->ssu2_address();
  if (!a) die("no SSU2 address");
  auto host = a->host();
  auto port = a->port();
  auto intro = a->intro_key();
  auto s = a->static_key();
  if (!host || !port || !intro || !s) die("SSU2 address without host, port, i or s");
  auto addr = Address::parse(*host, *port);
  if (!addr || addr->is_v6() || addr->ip[0] != 127) die("target must be an IPv4 loopback address");
  Target t;
  t.remote.address = *addr;
  t.remote.static_key = *s;
  std::copy(intro->begin(), intro->end(), t.remote.intro_key.bytes.begin());
  t.remote.router_hash = ri->hash();
  t.remote.mtu = a->mtu().value_or(0);
  t.sa = to_sockaddr(*addr);
  return t;
}

// Paces a loop to `rate` per second (0: as fast as possible).
struct Pacer {
  double rate;
  Clock::time_point start = Clock::now();
  uint64_t n = 0;
  void tick() {
    ++n;
    if (rate <= 0) return;
    auto due = start + std::chrono::duration<double>(double(n) / rate);
    if (due > Clock::now()) std::this_thread::sleep_until(due);
  }
};

size_t drain(int fd) {
  size_t n = 0;
  uint8_t buf[2048];
  while (::recv(fd, buf, sizeof buf, 0) > 0) ++n;
  return n;
}

void garbage(const Target& t, double seconds, double rate) {
  int fd = bound_socket(Address::v4(127, 77, 255, 1, 0));
  std::mt19937_64 gen(42);
  Pacer pace{rate};
  uint64_t sent = 0, received = 0;
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  uint8_t buf[1500];
  while (Clock::now() < end) {
    size_t len = 1 + gen() % sizeof buf;
    for (size_t i = 0; i < len; i += 8) {
      uint64_t r = gen();
      std::memcpy(buf + i, &r, std::min<size_t>(8, len - i));
    }
    if (::sendto(fd, buf, len, 0, reinterpret_cast<const sockaddr*>(&t.sa), sizeof t.sa) > 0) ++sent;
    if (sent % 256 == 0) received += drain(fd);
    pace.tick();
  }
  received += drain(fd);
  std::printf("{\"mode\":\"garbage\",\"sent\":%llu,\"received\":%llu}\n",
              (unsigned long long)sent, (unsigned long long)received);
}

void token_requests(const Target& t, double seconds, double rate, uint32_t sources) {
  // A pool of sockets, each rebound to the next source address in turn.
  constexpr size_t kPool = 512;
  std::vector<int> pool(kPool, -1);
  std::mt19937_64 gen(7);
  Pacer pace{rate};
  uint64_t sent = 0, received = 0;
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  for (uint64_t i = 0; Clock::now() < end; ++i) {
    uint32_t src = uint32_t(i % sources);
    int& fd = pool[i % kPool];  // rebound to the next source for every datagram
    if (fd >= 0) {
      received += drain(fd);
      ::close(fd);
    }
    fd = bound_socket(source(src));
    hs::packet::LongHeader h;
    h.dest_conn_id = gen();
    h.packet_number = uint32_t(gen());
    h.type = hs::packet::type_byte(hs::packet::MessageType::TokenRequest);
    h.net_id = 2;
    h.src_conn_id = gen();
    h.token = 0;
    Bytes body;
    hs::payload::date_time(body, wall_s());
    hs::payload::padding(body, 8);
    auto pkt = hs::packet::seal_symmetric(h, t.remote.intro_key, body);
    if (!pkt) die("seal");
    if (::sendto(fd, pkt->data(), pkt->size(), 0, reinterpret_cast<const sockaddr*>(&t.sa),
                 sizeof t.sa) > 0)
      ++sent;
    pace.tick();
  }
  for (int fd : pool)
    if (fd >= 0) {
      received += drain(fd);
      ::close(fd);
    }
  std::printf("{\"mode\":\"token-requests\",\"sent\":%llu,\"sources\":%u,\"retries_received\":%llu}\n",
              (unsigned long long)sent, sources, (unsigned long long)received);
}

std::shared_ptr<hs::LocalIdentity> make_identity(const std::string& host) {
  auto keys = i2p::RouterKeys::generate();
  i2p::OwnRouterInfoParams p;
  p.host = host;
  p.port = 1;
  p.mtu = 1500;
  p.net_id = 2;
  p.published_ms = uint64_t(wall_s()) * 1000;
  auto ri = i2p::make_own_router_info(keys, p);
  if (!ri) die("router info");
  auto local = std::make_shared<hs::LocalIdentity>();
  local->static_priv = keys.x25519_priv;
  local->static_pub = keys.x25519_pub;
  local->intro_key = keys.intro_key;
  local->router_hash = ri->hash();
  local->router_info = *ri->serialize();
  return local;
}

// N routers (each its own identity and address) complete the handshake, then send, paced
// over the run, Data packets each holding the first fragment of a new I2NP message (~1 KB)
// whose follow-on fragments never come. The node must bound what it holds.
void fragments(const Target& t, double seconds, uint32_t peers, double rate) {
  struct Peer {
    int fd;
    std::unique_ptr<hs::OutboundHandshake> m;
    std::optional<hs::SessionContext> ctx;
    uint32_t pn = 0;
  };
  std::vector<Peer> ps;
  for (uint32_t i = 0; i < peers; ++i) {
    Address src = Address::v4(127, 79, uint8_t(i / 250), uint8_t(1 + i % 250), 0);
    int fd = bound_socket(src);
    auto local = make_identity(src.host());
    ps.push_back({fd, std::make_unique<hs::OutboundHandshake>(hs::Config{}, local, t.remote, std::nullopt)});
  }
  auto flush = [&](Peer& p) {
    for (auto& d : p.m->take_outgoing())
      ::sendto(p.fd, d.bytes.data(), d.bytes.size(), 0, reinterpret_cast<const sockaddr*>(&t.sa), sizeof t.sa);
  };
  for (auto& p : ps) {
    p.m->start(now());
    flush(p);
  }
  uint8_t buf[2048];
  auto hs_end = Clock::now() + std::chrono::seconds(25);
  size_t up = 0;
  while (up < ps.size() && Clock::now() < hs_end) {
    for (auto& p : ps) {
      if (p.ctx) continue;
      ssize_t n;
      while ((n = ::recv(p.fd, buf, sizeof buf, 0)) > 0)
        p.m->on_datagram(now(), t.remote.address, ByteSpan{buf, size_t(n)});
      if (auto d = p.m->next_deadline(); d && *d <= mono()) p.m->on_timer(now());
      flush(p);
      if (auto c = p.m->take_session()) {
        p.ctx = std::move(c);
        p.pn = p.ctx->next_send_packet_number;
        ++up;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::mt19937_64 gen(99);
  Pacer pace{rate};
  uint64_t sent = 0;
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  for (uint64_t i = 0; Clock::now() < end && up > 0; ++i) {
    Peer& p = ps[i % ps.size()];
    if (!p.ctx) continue;
    drain(p.fd);
    wire::FirstFragmentBlock f;
    f.type = 20;
    f.msg_id = uint32_t(gen());
    f.expiration = wall_s() + 60;
    f.data.assign(1000, uint8_t(i));
    auto body = wire::emit_blocks({f});
    if (!body) die("emit");
    wire::ShortHeader h;
    h.dest_conn_id = p.ctx->their_conn_id;
    h.packet_number = p.pn++;
    h.type = uint8_t(wire::MessageType::Data);
    auto clear = wire::encode(h);
    auto ct = crypto::aead_encrypt(p.ctx->send.data, h.packet_number, ByteSpan{clear}, *body);
    if (!ct) die("aead");
    Bytes pkt(clear.begin(), clear.end());
    pkt.insert(pkt.end(), ct->begin(), ct->end());
    if (!wire::protect_short(MutByteSpan{pkt}, p.ctx->peer_intro_key, p.ctx->send.header2)) die("protect");
    if (::sendto(p.fd, pkt.data(), pkt.size(), 0, reinterpret_cast<const sockaddr*>(&t.sa), sizeof t.sa) > 0) ++sent;
    pace.tick();
  }
  for (auto& p : ps) ::close(p.fd);
  std::printf("{\"mode\":\"fragments\",\"peers\":%u,\"established\":%zu,\"first_fragments_sent\":%llu}\n",
              peers, up, (unsigned long long)sent);
}

// N handshakes from one /24 that answer Retries but ignore Session Created: each holds a
// pending slot on the node until its inbound timeout; they keep retransmitting.
void session_requests(const Target& t, double seconds, uint32_t slots) {
  auto local = make_identity("127.78.0.1");
  struct Conn {
    int fd;
    std::unique_ptr<hs::OutboundHandshake> m;
    bool past_retry = false;
  };
  std::vector<Conn> conns;
  for (uint32_t i = 0; i < slots; ++i) {
    // Spread over 16 /24s, so that the flood fills the node-wide slots, not one prefix's.
    int fd = bound_socket(Address::v4(127, 78, uint8_t(i % 16), uint8_t(1 + i / 16), 0));
    hs::RemoteRouter r = t.remote;
    conns.push_back({fd, std::make_unique<hs::OutboundHandshake>(hs::Config{}, local, r, std::nullopt)});
  }
  auto send_out = [&](Conn& c) {
    for (auto& d : c.m->take_outgoing())
      ::sendto(c.fd, d.bytes.data(), d.bytes.size(), 0, reinterpret_cast<const sockaddr*>(&t.sa), sizeof t.sa);
  };
  for (auto& c : conns) {
    c.m->start(now());
    send_out(c);
  }
  uint64_t created = 0;
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  uint8_t buf[2048];
  while (Clock::now() < end) {
    for (auto& c : conns) {
      ssize_t n;
      while ((n = ::recv(c.fd, buf, sizeof buf, 0)) > 0) {
        if (c.m->state() == hs::OutboundHandshake::State::token_request_sent) {
          c.m->on_datagram(now(), t.remote.address, ByteSpan{buf, size_t(n)});
          c.past_retry |= c.m->state() == hs::OutboundHandshake::State::session_request_sent;
        } else {
          ++created;  // Session Created: ignored, so Session Confirmed is never sent
        }
      }
      if (auto d = c.m->next_deadline(); d && *d <= mono()) c.m->on_timer(now());
      send_out(c);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  size_t requested = 0;
  for (auto& c : conns) {
    requested += c.past_retry;
    ::close(c.fd);
  }
  std::printf("{\"mode\":\"session-requests\",\"slots\":%u,\"past_retry\":%zu,\"created_received\":%llu}\n",
              slots, requested, (unsigned long long)created);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: ssu2flood garbage|token-requests|session-requests --router-info FILE --seconds S [--rate R] [--sources N] [--slots N]");
  std::string mode = argv[1], ri;
  double seconds = 10, rate = 0;
  uint32_t sources = 20000, slots = 200;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--router-info") ri = v;
    else if (k == "--seconds") seconds = std::stod(v);
    else if (k == "--rate") rate = std::stod(v);
    else if (k == "--sources") sources = uint32_t(std::stoul(v));
    else if (k == "--slots") slots = uint32_t(std::stoul(v));
    else die("unknown option " + k);
  }
  if (ri.empty()) die("--router-info is required");
  rlimit rl{65536, 65536};
  ::setrlimit(RLIMIT_NOFILE, &rl);
  auto t = load_target(ri);
  if (mode == "garbage") garbage(t, seconds, rate);
  else if (mode == "token-requests") token_requests(t, seconds, rate, std::max<uint32_t>(sources, 1));
  else if (mode == "session-requests") session_requests(t, seconds, slots);
  else if (mode == "fragments") fragments(t, seconds, slots, rate > 0 ? rate : 2000);
  else die("unknown mode " + mode);
  return 0;
}
