// Test harness for the NAT tests: three (or more) routers with deterministic keys, each with a
// NatEngine, wired together in memory. Blocks between routers go through the real block codec
// (emit + parse), out-of-session packets are delivered by destination endpoint. Time is
// virtual: run() delivers until quiet, then jumps to the next deadline.
#pragma once
#include <boost/test/unit_test.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "tests/support/seeded_random.hpp"
#include "transport/i2p/router_keys.hpp"
#include "transport/nat/engine.hpp"

namespace nattest {

using namespace ssu2;
using namespace ssu2::nat;

inline constexpr uint32_t kUnixBase = 1'700'000'000;

inline Now at(int64_t ms) { return Now{TimePoint{Millis{ms}}, uint32_t(kUnixBase + ms / 1000)}; }

using ssu2::testing::seeded_random;  // deterministic randomness for the code under test

inline crypto::Key32 key_from(uint8_t tag, uint8_t which) {
  crypto::Key32 k;
  for (size_t i = 0; i < 32; ++i) k.bytes[i] = uint8_t(tag * 31 + which * 7 + i);
  return k;
}

inline i2p::RouterKeys keys_for(uint8_t tag) {
  i2p::RouterKeys k;
  k.x25519_priv = key_from(tag, 1);
  k.x25519_pub = *crypto::x25519_public(k.x25519_priv);
  k.ed25519_seed = key_from(tag, 2);
  k.ed25519_pub = *crypto::ed25519_public(k.ed25519_seed);
  k.intro_key = key_from(tag, 3);
  for (size_t i = 0; i < 32; ++i) k.identity_padding[i] = uint8_t(tag + i);
  return k;
}

struct Party {
  std::string name;
  i2p::RouterKeys keys;
  i2p::RouterInfo ri;
  ssu2::Address ep;                         // where it is reachable (and what it publishes)
  std::optional<ssu2::Address> ep6;         // a dual-stack party's IPv6 address (add_dual)
  std::unique_ptr<NatEngine> engine;
  std::vector<Action> results;         // non-send actions it produced
  RouterHash hash() const { return ri.hash(); }
  PeerInfo info() const { return *peer_info_from(ri); }

  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& a : results)
      if (auto* v = std::get_if<T>(&a)) out.push_back(*v);
    return out;
  }
};

// What the network does with one send: deliver, drop, or deliver a modified copy.
struct Wire {
  std::string from, to;
  Action* action;  // SendBlocks or SendPacket; may be modified in place
};
using Filter = std::function<bool(Wire&)>;  // false = drop

class World {
 public:
  explicit World(uint64_t seed = 1) : seed_(seed) {}

  Party& add(const std::string& name, uint8_t tag, ssu2::Address ep, std::string caps = "BC") {
    return add_party(name, tag, ep, std::move(caps), std::nullopt, "");
  }
  // A dual-stack party: an SSU2 address per family (IPv4 first), each with its own caps.
  Party& add_dual(const std::string& name, uint8_t tag, ssu2::Address ep, ssu2::Address ep6,
                  std::string caps = "BC", std::string caps6 = "BC") {
    return add_party(name, tag, ep, std::move(caps), ep6, std::move(caps6));
  }

  Party& add_party(const std::string& name, uint8_t tag, ssu2::Address ep, std::string caps,
                   std::optional<ssu2::Address> ep6, std::string caps6) {
    auto p = std::make_unique<Party>();
    p->name = name;
    p->keys = keys_for(tag);
    i2p::OwnRouterInfoParams params;
    char host[32];
    std::snprintf(host, sizeof host, "%u.%u.%u.%u", ep.ip[0], ep.ip[1], ep.ip[2], ep.ip[3]);
    params.host = host;
    params.port = ep.port;
    params.address_caps = caps;
    if (ep6) {
      i2p::OwnAddress a6;
      a6.host = ep6->host();
      a6.port = ep6->port;
      a6.address_caps = caps6;
      params.more_addresses.push_back(a6);
    }
    params.published_ms = uint64_t(kUnixBase) * 1000;
    p->ri = *i2p::make_own_router_info(p->keys, params);
    p->ep = ep;
    p->ep6 = ep6;
    LocalIdentity local;
    local.hash = p->ri.hash();
    local.signing_priv = p->keys.ed25519_seed;
    local.intro_key = p->keys.intro_key.bytes;
    local.v4 = ep;
    local.v6 = ep6;
    local.router_info = p->ri.bytes();
    p->engine = std::make_unique<NatEngine>(std::move(local), Config{}, seeded_random(seed_ + tag));
    auto& ref = *p;
    parties_[name] = std::move(p);
    return ref;
  }

  Party& operator[](const std::string& n) { return *parties_.at(n); }

  // An established session both ways; each side knows the other's RouterInfo (handshake).
  // `ip_len` 16: over both parties' IPv6 addresses (add_dual).
  void connect(const std::string& a, const std::string& b, int64_t now_ms = 0, uint8_t ip_len = 4) {
    Party& x = (*this)[a];
    Party& y = (*this)[b];
    x.engine->learn_peer(y.info());
    y.engine->learn_peer(x.info());
    x.engine->session_established(at(now_ms), y.hash(), ip_len == 16 ? y.ep6.value() : y.ep);
    y.engine->session_established(at(now_ms), x.hash(), ip_len == 16 ? x.ep6.value() : x.ep);
  }

  // Delivers everything that is queued, repeatedly, until nothing moves.
  void flush(int64_t now_ms) {
    for (int round = 0; round < 100; ++round) {
      bool moved = false;
      for (auto& [name, p] : parties_) {
        auto actions = p->engine->take_actions();
        for (auto& a : actions) {
          moved = true;
          deliver(*p, a, now_ms);
        }
      }
      if (!moved) return;
    }
  }

  // Runs virtual time from now_ms until end_ms, firing timers at their deadlines.
  int64_t run(int64_t now_ms, int64_t end_ms) {
    flush(now_ms);
    while (true) {
      std::optional<TimePoint> next;
      for (auto& [n, p] : parties_) {
        auto d = p->engine->next_deadline();
        if (d && (!next || *d < *next)) next = d;
      }
      if (!next || to_ms(*next) > end_ms) return end_ms;
      now_ms = std::max(now_ms, int64_t(to_ms(*next)));
      for (auto& [n, p] : parties_) p->engine->on_timer(at(now_ms));
      flush(now_ms);
    }
  }

  Filter filter;
  // Rewrites the source address a packet appears to come from (NAT simulation).
  std::function<ssu2::Address(const std::string& from, const ssu2::Address& real)> nat;
  int packets_sent = 0;
  int packets_dropped = 0;

 private:
  Party* by_endpoint(const ssu2::Address& e) {
    for (auto& [n, p] : parties_)
      if (p->ep == e || p->ep6 == e) return p.get();
    for (auto& [mapped, p] : nat_mappings_)
      if (mapped == e) return p;
    return nullptr;
  }
  Party* by_hash(const RouterHash& h) {
    for (auto& [n, p] : parties_)
      if (p->hash() == h) return p.get();
    return nullptr;
  }

  void deliver(Party& from, Action& a, int64_t now_ms) {
    if (auto* sb = std::get_if<SendBlocks>(&a)) {
      Party* to = by_hash(sb->to);
      if (!to) return;
      Wire w{from.name, to->name, &a};
      if (filter && !filter(w)) { ++packets_dropped; return; }
      // Through the real codec, as the session would.
      auto bytes = wire::emit_blocks(sb->blocks);
      if (!bytes) throw std::runtime_error("emit_blocks failed");
      auto parsed = wire::parse_blocks(*bytes);
      if (!parsed) throw std::runtime_error("parse_blocks failed");
      to->engine->on_blocks(at(now_ms), from.hash(), *parsed);
    } else if (auto* sp = std::get_if<SendPacket>(&a)) {
      Party* to = by_endpoint(sp->to);
      ++packets_sent;
      if (!to) return;
      Wire w{from.name, to->name, &a};
      if (filter && !filter(w)) { ++packets_dropped; return; }
      // Sent from the sender's address of the destination's family (a dual-stack party's
      // IPv6 one to an IPv6 address).
      const ssu2::Address& real = sp->to.is_v6() && from.ep6 ? *from.ep6 : from.ep;
      ssu2::Address src = nat ? nat(from.name, real) : real;
      if (!(src == real)) nat_mappings_.emplace_back(src, &from);  // replies find their way back
      (void)to->engine->on_packet(at(now_ms), src, sp->bytes);
    } else {
      from.results.push_back(a);
    }
  }

  uint64_t seed_;
  std::vector<std::pair<ssu2::Address, Party*>> nat_mappings_;
  std::map<std::string, std::unique_ptr<Party>> parties_;
};

inline ssu2::Address ep4(uint8_t last, uint16_t port) { return ssu2::Address::v4(10, 0, 0, last, port); }
inline ssu2::Address ep6(uint8_t last, uint16_t port) {
  return ssu2::Address::v6({0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last}, port);
}

// Helpers for filters.
inline bool has_peer_test(const Wire& w, uint8_t msg) {
  auto* sb = std::get_if<SendBlocks>(w.action);
  if (!sb) return false;
  for (auto& b : sb->blocks)
    if (auto* pt = std::get_if<wire::PeerTestBlock>(&b); pt && pt->msg == msg) return true;
  return false;
}
inline bool is_packet(const Wire& w) { return std::holds_alternative<SendPacket>(*w.action); }

// Our RouterInfo as `params` build it at kUnixBase, signed, encoded and parsed back.
inline i2p::RouterInfo signed_and_parsed(const i2p::RouterKeys& keys, i2p::OwnRouterInfoParams params) {
  params.published_ms = uint64_t(kUnixBase) * 1000;
  auto ri = i2p::make_own_router_info(keys, params);
  BOOST_REQUIRE(ri.ok());
  auto back = i2p::RouterInfo::parse(ri->bytes());
  BOOST_REQUIRE(back.ok());
  BOOST_CHECK(back->verify());
  return std::move(*back);
}

}  // namespace nattest
