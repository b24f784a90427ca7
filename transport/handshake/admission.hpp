// Admission of unauthenticated handshake traffic, decided before any work is spent on it
// (issue "Hostile load"): per source prefix (IPv4 /24, IPv6 /64) token buckets for
// Token Requests (each costs us a Retry) and Session Requests (each costs a DH), and a cap on
// the handshakes one prefix may hold pending. A prefix is the unit because one host, or one
// attacker, controls a whole /24 or /64 more easily than many of them.
//
// The table of buckets is bounded: when full, the least recently used prefix is forgotten
// (it starts again with a full bucket), so memory stays fixed under a flood of new sources
// and every operation is O(log n).
#pragma once
#include <cstdint>
#include <list>
#include <map>

#include "transport/common/address.hpp"
#include "transport/common/time.hpp"

namespace ssu2::handshake {

// The /24 (IPv4) or /64 (IPv6) an address belongs to.
struct Prefix {
  uint8_t family = 4;
  uint64_t bits = 0;
  static Prefix of(const Address& a);
  auto operator<=>(const Prefix&) const = default;
};

class AdmissionControl {
 public:
  struct Limits {
    double token_requests_per_s = 50;  // per prefix, sustained
    double token_request_burst = 100;
    double session_requests_per_s = 25;  // per prefix: DH operations we agree to spend
    double session_request_burst = 50;
    uint32_t max_pending_per_prefix = 32;
    size_t max_prefixes = 65536;
  };
  enum class Kind : uint8_t { token_request, session_request };

  AdmissionControl() : AdmissionControl(Limits{}) {}
  explicit AdmissionControl(Limits limits) : limits_(limits) {}

  // Takes one unit of the prefix's bucket for `kind`; false (and nothing taken) when empty.
  bool admit(Kind kind, const Address& from, TimePoint now);
  // Pending handshakes per prefix: room_for_pending() before accepting, then the endpoint
  // reports each start / end.
  bool room_for_pending(const Address& from) const;
  void pending_started(const Address& from);
  void pending_ended(const Address& from);

  size_t prefixes() const { return buckets_.size(); }
  size_t pending_prefixes() const { return pending_.size(); }
  uint64_t forgotten() const { return forgotten_; }  // LRU evictions of the bucket table
  const Limits& limits() const { return limits_; }

 private:
  struct Bucket {
    double tokens[2];
    TimePoint last;
    std::list<Prefix>::iterator lru;
  };
  Bucket& bucket(const Prefix& p, TimePoint now);

  Limits limits_;
  std::map<Prefix, Bucket> buckets_;
  std::list<Prefix> lru_;  // front: least recently used
  std::map<Prefix, uint32_t> pending_;  // bounded by the endpoint's pending limit
  uint64_t forgotten_ = 0;
};

}  // namespace ssu2::handshake
