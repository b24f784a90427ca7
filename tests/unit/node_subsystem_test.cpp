#define BOOST_TEST_MODULE node_subsystem
#include <boost/test/unit_test.hpp>

#include "actors/subsystem_manager.hpp"
#include "transport/i2p/i2np.hpp"
#include "transport/i2p/lookup.hpp"
#include "transport/i2p/router_keys.hpp"

using namespace ssu2d;
using namespace std::chrono_literals;
namespace i2p = ssu2::i2p;

namespace {

constexpr auto kWait = 5s;
constexpr uint64_t kNow = 1'700'000'000'000ull;

router_hash to_rh(const ssu2::crypto::Hash32& h) {
  router_hash r;
  std::copy(h.begin(), h.end(), r.bytes.begin());
  return r;
}
router_hash hash_of(uint8_t fill) {
  router_hash h;
  h.bytes.fill(fill);
  return h;
}

std::vector<uint8_t> lookup(const router_hash& key, const router_hash& from, uint8_t flags,
                            bool truncate = false) {
  i2p::Message m;
  m.type = i2p::MessageType::DatabaseLookup;
  m.msg_id = 77;
  m.expiration_ms = kNow + 10'000;
  ssu2::Writer w(m.payload);
  w.bytes(ssu2::ByteSpan(key.bytes.data(), 32));
  w.bytes(ssu2::ByteSpan(from.bytes.data(), 32));
  if (!truncate) {
    w.u8(flags);
    w.u16(0);  // no excluded peers
  }
  auto b = i2p::encode_short(m);
  BOOST_REQUIRE(b.ok());
  return {b->begin(), b->end()};
}

struct OurRouter {
  i2p::RouterKeys keys = i2p::RouterKeys::generate();
  std::shared_ptr<i2p::RouterInfo> ri;
  router_hash hash;
  OurRouter() {
    i2p::OwnRouterInfoParams p;
    p.host = "127.0.0.1";
    p.port = 12345;
    p.published_ms = kNow;
    auto r = i2p::make_own_router_info(keys, p);
    BOOST_REQUIRE(r.ok());
    ri = std::make_shared<i2p::RouterInfo>(std::move(*r));
    hash = to_rh(ri->hash());
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(lookup_for_us_is_answered_with_our_router_info) {
  OurRouter us;
  auto peer = hash_of(0x42);
  auto bytes = lookup(us.hash, peer, 0);
  auto reply = i2p::answer_lookup_for_us(ssu2::ByteSpan(bytes.data(), bytes.size()), peer.bytes,
                                         us.hash.bytes, us.ri.get(), 77, kNow);
  BOOST_REQUIRE(reply.has_value());
  auto msg = i2p::decode_short(ssu2::ByteSpan(reply->data(), reply->size()));
  BOOST_REQUIRE(msg.ok());
  BOOST_TEST(uint8_t(msg->type) == uint8_t(i2p::MessageType::DatabaseStore));
  BOOST_TEST(msg->expiration_ms > kNow);
  BOOST_TEST(msg->msg_id == 77u);
  auto store = i2p::parse_database_store(ssu2::ByteSpan(msg->payload.data(), msg->payload.size()));
  BOOST_REQUIRE(store.ok());
  BOOST_TEST(to_rh(store->key) == us.hash);
  BOOST_TEST(to_rh(store->router_info.hash()) == us.hash);
}

BOOST_AUTO_TEST_CASE(other_lookups_are_not_answered) {
  OurRouter us;
  auto peer = hash_of(0x42);
  auto ask = [&](std::vector<uint8_t> bytes, const ssu2::i2p::RouterInfo* ri) {
    return i2p::answer_lookup_for_us(ssu2::ByteSpan(bytes.data(), bytes.size()), peer.bytes,
                                     us.hash.bytes, ri, 77, kNow);
  };
  BOOST_TEST(!ask(lookup(hash_of(1), peer, 0), us.ri.get()));        // someone else's hash
  BOOST_TEST(!ask(lookup(us.hash, peer, 0x01), us.ri.get()));        // reply via tunnel
  BOOST_TEST(!ask(lookup(us.hash, hash_of(9), 0), us.ri.get()));     // reply to a third router
  BOOST_TEST(!ask(lookup(us.hash, peer, 0, true), us.ri.get()));     // truncated
  BOOST_TEST(!ask(lookup(us.hash, peer, 0), nullptr));               // no RouterInfo yet
  BOOST_TEST(!ask({}, us.ri.get()));                                 // empty
  BOOST_TEST(!ask({0x02, 0x00}, us.ri.get()));                       // short header cut
}

BOOST_AUTO_TEST_CASE(manager_routes_answers_and_forgets) {
  caf::actor_system_config cfg;
  register_messages(cfg);
  caf::actor_system sys{cfg};
  OurRouter us;
  SubsystemOptions o;
  o.local_hash = us.hash;
  o.local_router_info = us.ri;
  o.max_sessions = 1;
  auto mgr = spawn_subsystem_manager(sys, o);
  caf::scoped_actor self{sys};
  auto peer = hash_of(0x42);

  auto expect_bool = [&](auto... xs) {
    bool out = false;
    self->request(mgr, kWait, xs...).receive([&](bool b) { out = b; },
                                             [&](caf::error&) { BOOST_FAIL("unexpected error"); });
    return out;
  };
  auto expect_error = [&](auto... xs) {
    caf::error out;
    self->request(mgr, kWait, xs...).receive([&](bool) { BOOST_FAIL("expected an error"); },
                                             [&](caf::error& e) { out = std::move(e); });
    return out;
  };

  // No session yet: outbound I2NP fails loudly.
  auto e = expect_error(route_atom::value, i2np_message{peer, {1, 2, 3}});
  BOOST_TEST(e.code() == uint8_t(node_errc::no_session));

  auto session = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](deliver_atom, const std::vector<uint8_t>&) {}};
  });
  BOOST_TEST(expect_bool(established_atom::value, peer, caf::actor_cast<managed_session_actor>(self),
                         std::string("1.2.3.4:5")));
  // max_sessions = 1: a second router is refused.
  BOOST_TEST(!expect_bool(established_atom::value, hash_of(0x43), caf::actor_cast<managed_session_actor>(session), std::string()));

  // Routing is delegated: the session (here `self`) answers the original requester.
  auto routed = self->request(mgr, kWait, route_atom::value, i2np_message{peer, {9, 8, 7}});
  std::vector<uint8_t> got;
  self->receive([&](deliver_atom, std::vector<uint8_t>& b) { got = b; return true; },
                caf::after(kWait) >> [] {});
  BOOST_TEST((got == std::vector<uint8_t>{9, 8, 7}));
  bool queued = false;
  routed.receive([&](bool b) { queued = b; }, [&](caf::error&) { BOOST_FAIL("route failed"); });
  BOOST_TEST(queued);

  // An inbound lookup for us goes back to the same session as a DatabaseStore.
  self->send(mgr, i2np_atom::value, i2np_message{peer, lookup(us.hash, peer, 0)});
  got.clear();
  self->receive([&](deliver_atom, std::vector<uint8_t>& b) { got = b; }, caf::after(kWait) >> [] {});
  BOOST_REQUIRE(!got.empty());
  BOOST_TEST(got[0] == uint8_t(i2p::MessageType::DatabaseStore));

  // A session that dies without "closed" is forgotten (monitored).
  auto peer2 = hash_of(0x44);
  BOOST_TEST(expect_bool(closed_atom::value, peer, std::string("done")));
  BOOST_TEST(expect_bool(established_atom::value, peer2, caf::actor_cast<managed_session_actor>(session), std::string()));
  caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
  self->wait_for(session);
  size_t left = 1;
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (left != 0 && std::chrono::steady_clock::now() < deadline) {
    self->request(mgr, kWait, sessions_atom::value)
        .receive([&](session_list& l) { left = l.sessions.size(); }, [](caf::error&) {});
    if (left) std::this_thread::sleep_for(1ms);
  }
  BOOST_TEST(left == 0u);
  caf::anon_send_exit(mgr, caf::exit_reason::user_shutdown);
}
