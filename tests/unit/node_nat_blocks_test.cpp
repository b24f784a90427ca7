// NAT blocks between actors (messages/messages.hpp, ssu2::nat::NatBlocks): a typed value in
// the nat_session_actor / session_nat_actor signatures, received as the blocks that were sent;
// printed by their type numbers; should CAF serialize one, it goes as the SSU2 wire encoding
// and comes back equal (a malformed encoding is refused, not half-parsed).
#define BOOST_TEST_MODULE node_nat_blocks
#include <boost/test/unit_test.hpp>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <optional>

#include "messages/interfaces.hpp"
#include "messages/messages.hpp"
#include "tests/support/caf_round_trip.hpp"

using namespace ssu2d;
namespace wire = ssu2::wire;
using ssu2::nat::NatBlocks;

namespace {

NatBlocks sample() {
  wire::PeerTestBlock pt;
  pt.msg = 1;
  pt.code = 0;
  pt.flag = 0;
  pt.signed_data = wire::PeerTestBlock::make_signed_data(2, 77, 1'700'000'000,
                                                        *ssu2::Address::parse("192.0.2.1", 9000));
  pt.signature = ssu2::Bytes(64, 9);
  wire::RouterInfoBlock ri;
  ri.data = ssu2::Bytes(100, 3);
  return NatBlocks{{ri, pt, wire::RelayTagRequestBlock{}}};
}

struct config : caf::actor_system_config {
  config() { register_messages(*this); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_session_receives_the_blocks_the_nat_actor_sent) {
  config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  // A stand-in session: tells whether what it got is the value sent, block for block.
  const NatBlocks sent = sample();
  caf::actor reply_to = caf::actor_cast<caf::actor>(self);
  auto session = sys.spawn([sent, reply_to]() -> nat_session_actor::behavior_type {
    return {
        [=](send_blocks_atom, NatBlocks& got) {
          caf::anon_send(reply_to, caf::ok_atom::value, got.blocks == sent.blocks);
        },
        [](keepalive_atom) {},
    };
  });
  self->send(session, send_blocks_atom::value, sample());
  std::optional<bool> equal;
  self->receive([&](caf::ok_atom, bool e) { equal = e; },
                caf::after(std::chrono::seconds(10)) >> [] {});
  BOOST_REQUIRE(equal);
  BOOST_TEST(*equal);
  self->send_exit(session, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(printed_by_block_types) {
  auto msg = caf::make_message(nat_blocks_atom::value, sample());
  BOOST_TEST(to_string(sample()) == "nat_blocks(2,10,15)");
  BOOST_TEST(caf::to_string(msg).find("nat_blocks(2,10,15)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(serialized_as_the_wire_encoding_and_back) {
  NatBlocks in = sample();
  auto out = test_support::caf_round_trip(nullptr, in);
  BOOST_REQUIRE(out);
  BOOST_TEST((out->blocks == in.blocks));

  // Bytes that are no valid block list (a DateTime block of 2 bytes) are an error, and leave
  // no blocks.
  std::vector<char> bad;
  caf::binary_serializer bad_sink{nullptr, bad};
  std::vector<uint8_t> malformed{0x00, 0x00, 0x02, 1, 2};
  BOOST_REQUIRE(!bad_sink(malformed));
  NatBlocks broken;
  caf::binary_deserializer bad_source{nullptr, bad};
  BOOST_TEST(bool(bad_source(broken)));
  BOOST_TEST(broken.blocks.empty());
}
