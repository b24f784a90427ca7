// Reachability of one address family (spec "Peer Test", "Published Router Info"): a sans-IO
// state machine fed with our finished peer tests (PeerTestDone, we were Alice) and with the
// addresses peers report in their Address blocks (how they see us). It decides
//   - the state: unknown / reachable / firewalled / symmetric NAT, changed only after
//     `confirmations` consecutive results agreeing on the new state (hysteresis); results
//     that carry no information (rejected, no answer) never change it;
//   - our external address: the IP (and port) that `address_quorum` distinct peers agree on;
//     peers that agree on the IP but see different ports are evidence of a symmetric NAT;
//   - what to publish: the host/port or none, the SSU2 address caps ("BC" when reachable or
//     still unknown, the family digit "4"/"6" when not reachable: the spec wants it on an
//     address without host) and the router caps letter (R reachable, U not, none unknown);
//   - when the next automatic peer test is due (poll_timeout): soon after start, then every
//     `test_interval`, sooner (`retest_soon`) while the state is unknown, after an
//     uninformative result and when the external address changed.
// republish() is set whenever anything published changes, until take_republish().
#pragma once
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "transport/nat/types.hpp"

namespace ssu2::nat {

struct ReachabilityConfig {
  Millis first_test{Millis{10'000}};     // after start: time for the first sessions
  Millis test_interval{Millis{20 * 60'000}};
  Millis retest_soon{Millis{60'000}};    // unknown state, uninformative result, new address
  // One automatic test at a time: a second one through the same Charlie would find the
  // hole the first one's message 6 opened. A test without a result ends after this.
  Millis test_timeout{Millis{25'000}};
  int confirmations = 2;                 // consecutive agreeing results to change state
  size_t address_quorum = 2;             // distinct peers agreeing on our external address
  Millis report_ttl{Millis{30 * 60'000}};  // address reports older than this are forgotten
  size_t max_reports = 32;               // bounded table of reports (oldest evicted)
  size_t history = 8;                    // last results kept for status
};

// What the address of this family should say in our RouterInfo.
struct PublishedAddress {
  bool publish_host = true;        // host and port (false: firewalled, introducers later)
  std::optional<Address> host;    // learned external address, if any (else the caller's)
  std::string address_caps = "BC";
  char router_cap = 0;             // 'R', 'U' or 0 (unknown)
  bool operator==(const PublishedAddress&) const = default;
};

struct TestRecord {
  TimePoint at{0};
  Reachability result = Reachability::Unknown;
  std::optional<Address> observed;
  uint8_t reject_code = 0;
};

class ReachabilityMachine {
 public:
  // `ip_len` 4 or 16 picks the family; `local` is our bound address (a start value for the
  // address we ask peers to test).
  ReachabilityMachine(ReachabilityConfig cfg, uint8_t ip_len, TimePoint start,
                      std::optional<Address> local = std::nullopt);

  // A peer test we ran as Alice finished (results of the other family are ignored).
  void on_peer_test(TimePoint now, const PeerTestDone& d);
  // `peer` reports seeing us at `seen` (Address block of a handshake or the data phase).
  void on_address_report(TimePoint now, const RouterHash& peer, const Address& seen);
  // The caller started an automatic test now (or found nobody to test with): the next one is
  // due after retest_soon unless a result comes first.
  void on_test_started(TimePoint now);

  std::optional<TimePoint> poll_timeout() const;
  bool test_due(TimePoint now) const;

  Reachability state() const { return state_; }
  uint8_t ip_len() const { return ip_len_; }
  // Our external address as the quorum of peers sees it (port only when they agree on it).
  std::optional<Address> external() const { return external_; }
  bool symmetric_evidence() const { return symmetric_evidence_; }
  // The address to put in message 1: the external one when known, else the bound one with
  // the external IP when only that is known.
  std::optional<Address> test_address() const;
  // The address to test through `bob`: the one he reported (his session's view of us, which
  // is what he checks message 1 against), else test_address().
  std::optional<Address> test_address_for(const RouterHash& bob) const;
  PublishedAddress published() const;
  bool republish() const { return republish_; }
  bool take_republish() { bool r = republish_; republish_ = false; return r; }
  const std::deque<TestRecord>& history() const { return history_; }
  size_t reports() const { return reports_.size(); }

 private:
  struct Report {
    Address seen;
    TimePoint at{0};
  };
  void vote(TimePoint now, Reachability r);
  void test_now(TimePoint now);
  void recompute_external(TimePoint now);
  void changed(const PublishedAddress& before);

  ReachabilityConfig cfg_;
  uint8_t ip_len_;
  std::optional<Address> local_;
  Reachability state_ = Reachability::Unknown;
  Reachability candidate_ = Reachability::Unknown;
  int candidate_votes_ = 0;
  std::map<RouterHash, Report> reports_;
  std::optional<Address> external_;
  std::optional<Address> external_ip_;  // IP agreed, port from the latest report
  bool symmetric_evidence_ = false;
  std::optional<TimePoint> next_test_;
  std::optional<TimePoint> in_flight_until_;  // an automatic test is running
  bool retest_after_flight_ = false;          // the address changed while it ran
  bool republish_ = false;
  std::deque<TestRecord> history_;
};

// Router caps letter for the RouterInfo from each family's machine (either may be null):
// R if any family is reachable, U if every known family is firewalled or behind a symmetric
// NAT, 0 otherwise.
char combined_router_cap(const ReachabilityMachine* v4, const ReachabilityMachine* v6);

}  // namespace ssu2::nat
