#include "actors/support/datagram_path.hpp"

#include "actors/support/send_as.hpp"


namespace ssu2d {

std::vector<SendBatchResult::Failure> send_datagrams(caf::local_actor* self,
                                                     const DatagramPath& path,
                                                     const datagram_out_actor& socket,
                                                     std::span<ssu2::session::OutDatagram> out) {
  SendBatchResult r;
  r.blocked_from = 0;
  if (path.sender && !path.sender->backlogged()) r = path.sender->send(out);
  size_t rest = out.size() - r.blocked_from;
  if (rest && path.sender) path.sender->count_deferred(rest);
  for (size_t i = r.blocked_from; i < out.size(); ++i)
    send_as_self(self, socket, send_atom::value,
                 send_request{out[i].to, std::move(out[i].bytes)});
  return std::move(r.failed);
}

}  // namespace ssu2d
