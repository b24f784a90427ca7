// Why the data phase dropped something: remote input it would not take, output it could not
// build or queue. One value per reason; name() is the label shown to operators (the `drops`
// of `ssu2ctl session` and the JSON API), so the names must not change.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ssu2::session {

enum class DropReason : uint8_t {
  // a datagram refused before its blocks are used (DataSession::on_packet)
  session_closed,
  too_short,
  bad_header,
  wrong_connection_id,
  unexpected_message_type,
  replayed_packet_number,
  aead_failure,
  malformed_payload,
  reassembly_backpressure,
  // blocks and I2NP messages of an accepted packet
  path_responses_queue_full,
  bad_router_info_block,
  expired_message,
  expiration_too_far,
  // fragments the Reassembler refused, and messages it gave up incomplete
  empty_fragment,
  fragment_number_too_high,
  duplicate_fragment,
  reassembly_memory_limit,
  follow_on_fragment_number_0,
  inconsistent_fragments,
  incomplete_message_timeout,
  // send_blocks() refusals
  control_not_active,
  control_no_blocks,
  control_not_a_control_block,
  control_queue_full,
  control_unencodable_block,
  control_blocks_too_large,
  // our own output
  new_token_not_queued,
  encrypt_failure,
  expired_before_sending,
  // counted by the session actor around the core
  socket_send_failure,
  unhandled_control_block,
  kCount  // not a reason: the number of them
};

inline constexpr size_t kDropReasons = size_t(DropReason::kCount);

constexpr std::string_view name(DropReason r) {
  switch (r) {
    case DropReason::session_closed: return "session closed";
    case DropReason::too_short: return "too short";
    case DropReason::bad_header: return "bad header";
    case DropReason::wrong_connection_id: return "wrong connection id";
    case DropReason::unexpected_message_type: return "unexpected message type";
    case DropReason::replayed_packet_number: return "replayed packet number";
    case DropReason::aead_failure: return "aead failure";
    case DropReason::malformed_payload: return "malformed payload";
    case DropReason::reassembly_backpressure: return "reassembly backpressure";
    case DropReason::path_responses_queue_full: return "path responses queue full";
    case DropReason::bad_router_info_block: return "bad RouterInfo block";
    case DropReason::expired_message: return "expired message";
    case DropReason::expiration_too_far: return "expiration too far in future";
    case DropReason::empty_fragment: return "empty fragment";
    case DropReason::fragment_number_too_high: return "fragment number too high";
    case DropReason::duplicate_fragment: return "duplicate fragment";
    case DropReason::reassembly_memory_limit: return "reassembly memory limit";
    case DropReason::follow_on_fragment_number_0: return "follow-on fragment number 0";
    case DropReason::inconsistent_fragments: return "inconsistent fragments";
    case DropReason::incomplete_message_timeout: return "incomplete message timeout";
    case DropReason::control_not_active: return "control blocks refused: session not active";
    case DropReason::control_no_blocks: return "control blocks refused: no blocks";
    case DropReason::control_not_a_control_block: return "control blocks refused: not a control block";
    case DropReason::control_queue_full: return "control blocks refused: control queue full";
    case DropReason::control_unencodable_block: return "control blocks refused: unencodable block";
    case DropReason::control_blocks_too_large: return "control blocks refused: blocks too large";
    case DropReason::new_token_not_queued: return "new token not queued";
    case DropReason::encrypt_failure: return "encrypt failure";
    case DropReason::expired_before_sending: return "expired before sending";
    case DropReason::socket_send_failure: return "socket send failure";
    case DropReason::unhandled_control_block: return "unhandled control block";
    case DropReason::kCount: break;
  }
  return "";
}

// The name without the "control blocks refused: " of the send_blocks() refusals (the whole
// name for other reasons), for Error::what. It is the tail of the literal above, so it is a
// static NUL-terminated string as Error::what must be.
constexpr const char* refusal_text(DropReason r) {
  constexpr std::string_view prefix = "control blocks refused: ";
  std::string_view n = name(r);
  return n.substr(n.starts_with(prefix) ? prefix.size() : 0).data();
}

template <class Os>
Os& operator<<(Os& os, DropReason r) {
  os << name(r);
  return os;
}

}  // namespace ssu2::session
