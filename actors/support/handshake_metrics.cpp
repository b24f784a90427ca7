#include "actors/support/handshake_metrics.hpp"

#include <utility>

namespace ssu2d {

namespace hs = ssu2::handshake;

HandshakeMetrics::HandshakeMetrics(MetricsRegistry& m) : m_(m) {
  pending_ = &m.gauge("ssu2_pending_handshakes", "Handshakes in progress");
  retry_tokens_ = &m.gauge("ssu2_retry_tokens", "Retry tokens held");
  new_tokens_ = &m.gauge("ssu2_new_tokens", "New Tokens held for peers");
  replay_ = &m.gauge("ssu2_replay_cache_entries", "Ephemeral keys remembered against replays");
  prefixes_ = &m.gauge("ssu2_admission_prefixes", "Source prefixes with a rate bucket");
}

void HandshakeMetrics::on_failure(const char* direction, const std::string& reason) {
  failures_[reason]++;
  m_.counter("ssu2_handshake_failures_total", "Handshakes that did not complete",
             {{"direction", direction}, {"reason", reason}}).inc();
}

void HandshakeMetrics::on_done(const hs::HandshakeDone& d) {
  const char* direction = d.outbound ? "outbound" : "inbound";
  if (d.session)
    m_.counter("ssu2_handshakes_established_total", "Handshakes completed",
               {{"direction", direction}}).inc();
  else if (d.failure)
    on_failure(direction, std::string(hs::to_string(d.failure->reason)));
}

void HandshakeMetrics::export_from(const hs::HandshakeEndpoint& ep) {
  const auto& now = ep.listener().stats();
  static constexpr std::pair<const char*, uint64_t hs::ListenerStats::*> kDrops[] = {
      {"malformed", &hs::ListenerStats::dropped_malformed},
      {"wrong_net", &hs::ListenerStats::dropped_wrong_net},
      {"unexpected_type", &hs::ListenerStats::dropped_unexpected},
      {"auth", &hs::ListenerStats::dropped_auth},
      {"replay", &hs::ListenerStats::dropped_replay},
      {"clock_skew", &hs::ListenerStats::clock_skew},
      {"bad_token", &hs::ListenerStats::bad_tokens},
      {"rate_limited_token_request", &hs::ListenerStats::rate_limited_token},
      {"rate_limited_session_request", &hs::ListenerStats::rate_limited_session},
      {"pending_full", &hs::ListenerStats::refused_pending},
      {"sessions_full", &hs::ListenerStats::refused_sessions},
  };
  for (auto [reason, field] : kDrops)
    if (uint64_t d = now.*field - exported_.*field)
      m_.counter("ssu2_listener_refused_total",
                 "Unsolicited handshake datagrams the listener refused, by reason",
                 {{"reason", reason}}).inc(d);
  if (uint64_t d = now.token_requests - exported_.token_requests)
    m_.counter("ssu2_listener_token_requests_total", "Token Requests received").inc(d);
  if (uint64_t d = now.retries_sent - exported_.retries_sent)
    m_.counter("ssu2_listener_retries_sent_total", "Retry messages sent").inc(d);
  if (uint64_t d = now.accepted - exported_.accepted)
    m_.counter("ssu2_listener_accepted_total", "Session Requests accepted (DH done)").inc(d);
  exported_ = now;
  const auto& l = ep.listener();
  retry_tokens_->set(int64_t(l.tokens().retry_tokens().size()));
  new_tokens_->set(int64_t(l.tokens().new_tokens().size()));
  replay_->set(int64_t(l.replay_cache().size()));
  prefixes_->set(int64_t(l.admission().prefixes()));
  pending_->set(int64_t(ep.pending()));
}

}  // namespace ssu2d
