// Our router as the core's pieces see it (handshake, NAT engine) and the RouterInfo files a
// configuration names. Declared in actors/node.hpp.
#include <algorithm>
#include <filesystem>

#include "actors/node.hpp"
#include "actors/support/key_store.hpp"
#include "actors/support/logging.hpp"

namespace ssu2d {

ssu2::nat::LocalIdentity nat_local_identity(const ssu2::i2p::RouterKeys& keys,
                                            const ssu2::i2p::RouterInfo& ri, uint8_t net_id) {
  ssu2::nat::LocalIdentity l;
  l.hash = ri.hash();
  l.signing_priv = keys.ed25519_seed;
  l.intro_key = keys.intro_key.bytes;
  l.router_info = ri.bytes();
  l.net_id = net_id;
  // Our published address is the one peers test and Charlie answers from.
  if (auto p = ssu2::nat::peer_info_from(ri); p.ok()) {
    l.v4 = p->v4;
    l.v6 = p->v6;
  }
  return l;
}

std::shared_ptr<const ssu2::handshake::LocalIdentity> local_identity(
    const ssu2::i2p::RouterKeys& keys, const ssu2::i2p::RouterInfo& ri) {
  auto l = std::make_shared<ssu2::handshake::LocalIdentity>();
  l->static_priv = keys.x25519_priv;
  l->static_pub = keys.x25519_pub;
  l->intro_key = keys.intro_key;
  l->router_hash = ri.hash();
  l->router_info = ri.bytes();
  return l;
}

std::vector<std::vector<uint8_t>> configured_peer_router_infos(const NodeConfig& cfg) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files(cfg.peers.router_infos.begin(), cfg.peers.router_infos.end());
  if (!cfg.peers.netdb_dir.empty()) {
    std::error_code ec;
    std::vector<fs::path> found;
    // i2pd's netDb keeps the files in r?/ subfolders; a flat folder works too.
    for (auto it = fs::recursive_directory_iterator(cfg.peers.netdb_dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      auto name = it->path().filename().string();
      if (it->is_regular_file() && name.rfind("routerInfo-", 0) == 0 &&
          it->path().extension() == ".dat")
        found.push_back(it->path());
    }
    if (ec) log().warn("node: cannot read peers.netdb_dir {}: {}", cfg.peers.netdb_dir, ec.message());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  std::vector<std::vector<uint8_t>> out;
  for (auto& f : files) {
    std::string err;
    auto bytes = read_file(f, 64 * 1024, &err);
    if (!bytes) {
      log().warn("node: {}", err);
      continue;
    }
    out.emplace_back(bytes->begin(), bytes->end());
  }
  return out;
}

}  // namespace ssu2d
