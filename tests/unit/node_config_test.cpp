#define BOOST_TEST_MODULE node_config
#include <boost/test/unit_test.hpp>

#include "actors/node.hpp"
#include "actors/support/config.hpp"
#include "actors/support/router_publisher.hpp"

using namespace ssu2d;

BOOST_AUTO_TEST_CASE(default_parses_with_documented_values) {
  auto r = load_default_config();
  BOOST_REQUIRE_MESSAGE(r.ok(), r.error);
  const auto& c = *r.config;
  BOOST_TEST(c.net_id == 2);
  BOOST_TEST(c.ssu2.host == "127.0.0.1");
  BOOST_TEST(c.ssu2.port == 12345);
  BOOST_TEST(c.ssu2.mtu == 1500);
  BOOST_TEST(c.ssu2.ipv6_host.empty());
  BOOST_TEST(c.ssu2.published_host.empty());
  BOOST_TEST(c.ssu2.published_port == 0);
  BOOST_TEST(c.peers.router_infos.empty());
  BOOST_TEST(c.limits.max_sessions == 512);
  BOOST_TEST(c.limits.max_pending_handshakes == 128);
  BOOST_TEST(c.log.level == "info");
  BOOST_TEST(c.control.port == 12346);
  BOOST_TEST(!c.control.tls);
  BOOST_TEST(c.metrics.host == "127.0.0.1");
  BOOST_TEST(c.metrics.port == 0);
  BOOST_TEST(c.metrics.auth_user.empty());
  BOOST_TEST(c.metrics.auth_password_file.empty());
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_rejected_with_their_path) {
  BOOST_TEST(load_config_text(R"({"ssu2":{"prot":1}})").error ==
             "config: unknown key \"ssu2.prot\"");
  BOOST_TEST(load_config_text(R"({"datadir":"x"})").error == "config: unknown key \"datadir\"");
  BOOST_TEST(load_config_text(R"({"control":{"tls":false,"extra":{"a":1}}})").error ==
             "config: unknown key \"control.extra\"");
}

BOOST_AUTO_TEST_CASE(wrong_types_and_ranges_name_the_key) {
  const std::string port_msg = "config: \"ssu2.port\" must be an integer 1..65535";
  BOOST_TEST(load_config_text(R"({"ssu2":{"port":"12345"}})").error == port_msg);
  BOOST_TEST(load_config_text(R"({"ssu2":{"port":70000}})").error == port_msg);
  BOOST_TEST(load_config_text(R"({"ssu2":{"port":0}})").error == port_msg);
  BOOST_TEST(load_config_text(R"({"ssu2":{"port":1.5}})").error == port_msg);
  BOOST_TEST(load_config_text(R"({"ssu2":{"mtu":1000}})").error ==
             "config: \"ssu2.mtu\" must be an integer 1280..1500");
  BOOST_TEST(load_config_text(R"({"log":{"level":5}})").error ==
             "config: \"log.level\" must be a string, not a number");
  BOOST_TEST(load_config_text(R"({"ssu2":5})").error ==
             "config: \"ssu2\" must be an object, not a number");
  BOOST_TEST(load_config_text(R"({"peers":{"router_infos":["a",3]}})").error ==
             "config: \"peers.router_infos[1]\" must be a string");
  BOOST_TEST(load_config_text(R"({"log":{"level":"loud"}})").error.rfind(
                 "config: \"log.level\" must be one of", 0) == 0);
  BOOST_TEST(load_config_text(R"({"control":{"tls":true}})").error ==
             "config: \"control.cert\" is required when \"control.tls\" is true");
}

BOOST_AUTO_TEST_CASE(published_address_keys) {
  auto r = load_config_text(R"({"ssu2":{"published_host":"203.0.113.7","published_port":4444}})");
  BOOST_REQUIRE_MESSAGE(r.ok(), r.error);
  BOOST_TEST(r.config->ssu2.published_host == "203.0.113.7");
  BOOST_TEST(r.config->ssu2.published_port == 4444);
  BOOST_TEST(r.config->ssu2.port == 12345);  // the bound port is unchanged
  BOOST_TEST(load_config_text(R"({"ssu2":{"published_port":70000}})").error ==
             "config: \"ssu2.published_port\" must be an integer 0..65535");
  BOOST_TEST(load_config_text(R"({"ssu2":{"published_host":1}})").error ==
             "config: \"ssu2.published_host\" must be a string, not a number");
}

BOOST_AUTO_TEST_CASE(metrics_http_keys) {
  auto r = load_config_text(
      R"({"metrics":{"host":"::1","port":9100,"auth_user":"ops","auth_password_file":"/p"}})");
  BOOST_REQUIRE_MESSAGE(r.ok(), r.error);
  BOOST_TEST(r.config->metrics.host == "::1");
  BOOST_TEST(r.config->metrics.port == 9100);
  BOOST_TEST(r.config->metrics.auth_user == "ops");
  BOOST_TEST(r.config->metrics.auth_password_file == "/p");
  BOOST_TEST(load_config_text(R"({"metrics":{"port":70000}})").error ==
             "config: \"metrics.port\" must be an integer 0..65535");
  BOOST_TEST(load_config_text(R"({"metrics":{"host":"localhost"}})").error ==
             "config: \"metrics.host\" must be a numeric IPv4 or IPv6 address, not \"localhost\"");
  BOOST_TEST(load_config_text(R"({"metrics":{"auth_user":"ops"}})").error ==
             "config: \"metrics.auth_password_file\" is required when \"metrics.auth_user\" is set");
  BOOST_TEST(load_config_text(R"({"metrics":{"auth_password_file":"/p"}})").error ==
             "config: \"metrics.auth_user\" is required when \"metrics.auth_password_file\" is set");
  BOOST_TEST(load_config_text(R"({"metrics":{"auth_user":"a:b","auth_password_file":"/p"}})")
                 .error == "config: \"metrics.auth_user\" cannot contain ':'");
  // The key of earlier versions is gone, and says so by name.
  BOOST_TEST(load_config_text(R"({"metrics":{"http_port":9100}})").error ==
             "config: unknown key \"metrics.http_port\"");
}

BOOST_AUTO_TEST_CASE(errors_are_one_line) {
  for (const char* bad : {R"({"ssu2":{"prot":1}})", R"({"ssu2":{"port":"x"}})", "{not json",
                          "[1,2]"}) {
    auto r = load_config_text(bad);
    BOOST_TEST(!r.ok());
    BOOST_TEST(!r.error.empty());
    BOOST_TEST(r.error.find('\n') == std::string::npos);
    BOOST_TEST(r.error.rfind("config: ", 0) == 0);
  }
  BOOST_TEST(load_config_text("[1,2]").error == "config: file must be a JSON object");
  BOOST_TEST(load_config_file("/nonexistent/ssu2d.json").error ==
             "config: cannot read file \"/nonexistent/ssu2d.json\"");
}

BOOST_AUTO_TEST_CASE(user_values_merge_over_the_default) {
  auto r = load_config_text(R"({
    "ssu2": {"port": 23456, "ipv6_host": "::1"},
    "peers": {"router_infos": ["a.dat", "b.dat"]},
    "log": {"level": "debug"},
    "control": {"tls": true, "cert": "c.pem", "key": "k.pem"}
  })");
  BOOST_REQUIRE_MESSAGE(r.ok(), r.error);
  const auto& c = *r.config;
  BOOST_TEST(c.ssu2.port == 23456);
  BOOST_TEST(c.ssu2.host == "127.0.0.1");  // untouched sibling keeps the default
  BOOST_TEST(c.ssu2.ipv6_host == "::1");
  BOOST_TEST(c.ssu2.mtu == 1500);
  BOOST_TEST((c.peers.router_infos == std::vector<std::string>{"a.dat", "b.dat"}));
  BOOST_TEST(c.log.level == "debug");
  BOOST_TEST(c.control.tls);
  BOOST_TEST(c.control.cert == "c.pem");
  BOOST_TEST(c.control.port == 12346);
  BOOST_TEST(r.merged["ssu2"]["port"] == 23456);
}

BOOST_AUTO_TEST_CASE(merge_json_recurses_into_objects_only) {
  auto base = nlohmann::json::parse(R"({"a":{"x":1,"y":2},"l":[1,2],"s":"v"})");
  merge_json(base, nlohmann::json::parse(R"({"a":{"y":3},"l":[9],"n":true})"));
  BOOST_TEST(base == nlohmann::json::parse(R"({"a":{"x":1,"y":3},"l":[9],"s":"v","n":true})"));
}

BOOST_AUTO_TEST_CASE(duplicate_keys_are_rejected_with_their_path) {
  BOOST_TEST(load_config_text(R"({"data_dir":"a","data_dir":"b"})").error ==
             "config: duplicate key \"data_dir\" in file");
  BOOST_TEST(load_config_text(R"({"ssu2":{"port":1000,"host":"127.0.0.1","port":2000}})").error ==
             "config: duplicate key \"ssu2.port\" in file");
  // Two objects at the same level are merged by nobody: the second "ssu2" is a duplicate.
  BOOST_TEST(load_config_text(R"({"ssu2":{"port":1000},"log":{},"ssu2":{"mtu":1400}})").error ==
             "config: duplicate key \"ssu2\" in file");
  // The same name in different objects is fine.
  auto ok = load_config_text(R"({"control":{"port":2001},"ssu2":{"port":2000}})");
  BOOST_REQUIRE_MESSAGE(ok.ok(), ok.error);
  BOOST_TEST(ok.config->ssu2.port == 2000);
  BOOST_TEST(ok.config->control.port == 2001);
  // Comments are still allowed (the packaged /etc file has them).
  auto commented = load_config_text("// operator notes\n{\"log\": {\"level\": \"warn\"} /* x */}");
  BOOST_REQUIRE_MESSAGE(commented.ok(), commented.error);
  BOOST_TEST(commented.config->log.level == "warn");
}

BOOST_AUTO_TEST_CASE(log_file_key) {
  auto def = load_default_config();
  BOOST_REQUIRE(def.ok());
  BOOST_TEST(def.config->log.file.empty());
  auto r = load_config_text(R"({"log":{"file":"/var/log/ssu2d.log"}})");
  BOOST_REQUIRE_MESSAGE(r.ok(), r.error);
  BOOST_TEST(r.config->log.file == "/var/log/ssu2d.log");
  BOOST_TEST(load_config_text(R"({"log":{"file":1}})").error ==
             "config: \"log.file\" must be a string, not a number");
}

BOOST_AUTO_TEST_CASE(reload_names_the_keys_that_need_a_restart) {
  auto a = load_config_text(R"({"log":{"level":"info"},"ssu2":{"port":2000}})");
  auto b = load_config_text(
      R"({"log":{"level":"debug","file":"x.log"},"peers":{"router_infos":["p"]},)"
      R"("ssu2":{"port":2001},"limits":{"max_sessions":7}})");
  BOOST_REQUIRE(a.ok());
  BOOST_REQUIRE(b.ok());
  auto later = changed_keys_needing_restart(a.merged, b.merged);
  BOOST_TEST((later == std::vector<std::string>{"limits.max_sessions", "ssu2.port"}));
  BOOST_TEST(changed_keys_needing_restart(a.merged, a.merged).empty());
  BOOST_TEST(reloadable_key("log.level"));
  BOOST_TEST(reloadable_key("peers.netdb_dir"));
  BOOST_TEST(!reloadable_key("ssu2.port"));
  BOOST_TEST(!reloadable_key("peersx"));
}

BOOST_AUTO_TEST_CASE(bandwidth_limits_default_to_unlimited_and_bad_values_name_the_key) {
  auto d = load_default_config();
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(d.config->bandwidth.in_kbytes_s == 0u);
  BOOST_TEST(d.config->bandwidth.out_kbytes_s == 0u);
  auto r = load_config_text(R"({"bandwidth":{"in_kbytes_s":2000,"out_kbytes_s":48}})");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.config->bandwidth.in_bytes_s() == 2000u * 1024);
  BOOST_TEST(r.config->bandwidth.out_bytes_s() == 48u * 1024);
  const std::string in_msg = "config: \"bandwidth.in_kbytes_s\" must be an integer 0..4000000";
  BOOST_TEST(load_config_text(R"({"bandwidth":{"in_kbytes_s":-1}})").error == in_msg);
  BOOST_TEST(load_config_text(R"({"bandwidth":{"in_kbytes_s":2.5}})").error == in_msg);
  BOOST_TEST(load_config_text(R"({"bandwidth":{"in_kbytes_s":"fast"}})").error == in_msg);
  BOOST_TEST(load_config_text(R"({"bandwidth":{"out_kbytes_s":4000001}})").error ==
             "config: \"bandwidth.out_kbytes_s\" must be an integer 0..4000000");
  BOOST_TEST(load_config_text(R"({"bandwidth":{"out_kbps":10}})").error ==
             "config: unknown key \"bandwidth.out_kbps\"");
}

BOOST_AUTO_TEST_CASE(router_caps_letter_follows_the_bandwidth_limits) {
  auto caps = [](const std::string& user) {
    auto r = load_config_text(user);
    BOOST_REQUIRE_MESSAGE(r.ok(), r.error);
    return base_router_info_params(*r.config, {ssu2::Address::v4(127, 0, 0, 1, 12345)}).router_caps;
  };
  BOOST_TEST(caps("{}") == "L");  // unlimited: L, as i2pd without a bandwidth setting
  BOOST_TEST(caps(R"({"bandwidth":{"in_kbytes_s":12}})") == "K");
  BOOST_TEST(caps(R"({"bandwidth":{"out_kbytes_s":2000}})") == "P");
  BOOST_TEST(caps(R"({"bandwidth":{"in_kbytes_s":2001,"out_kbytes_s":10000}})") == "X");
  BOOST_TEST(caps(R"({"bandwidth":{"in_kbytes_s":100,"out_kbytes_s":10000}})") == "N");
}

BOOST_AUTO_TEST_CASE(workers_key_sets_the_scheduler_threads) {
  auto d = load_default_config();
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(d.config->workers == 0);  // derived from the cores
  auto r = load_config_text(R"({"workers":3})");
  BOOST_REQUIRE_MESSAGE(r.ok(), r.error);
  BOOST_TEST(r.config->workers == 3);
  BOOST_TEST(load_config_text(R"({"workers":-1})").error.find("\"workers\"") != std::string::npos);
  BOOST_TEST(load_config_text(R"({"workers":"2"})").error.find("\"workers\"") != std::string::npos);
  BOOST_TEST(!reloadable_key("workers"));
  // 0: one per core but one (the socket reader's), at least one; a set value is taken as is.
  BOOST_TEST(worker_threads(0, 1) == 1u);
  BOOST_TEST(worker_threads(0, 2) == 1u);
  BOOST_TEST(worker_threads(0, 8) == 7u);
  BOOST_TEST(worker_threads(0, 0) == 1u);  // hardware_concurrency() may not know
  BOOST_TEST(worker_threads(4, 2) == 4u);
}
