#define BOOST_TEST_MODULE node_key_store
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "actors/support/key_store.hpp"
#include "actors/support/router_info_json.hpp"
#include "transport/i2p/base64.hpp"

namespace fs = std::filesystem;
using namespace ssu2;

namespace {

// A fresh directory under the system temp dir, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ssu2-keystore-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

Bytes read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void write_all(const fs::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

}  // namespace

BOOST_AUTO_TEST_CASE(create_then_load_same_identity) {
  TempDir tmp;
  const fs::path dir = tmp.path / "data";  // does not exist yet
  auto first = ssu2d::load_or_create_router_keys(dir);
  BOOST_REQUIRE_MESSAGE(first.ok(), first.error);
  BOOST_TEST(first.created);
  const fs::path file = dir / "router.keys";
  BOOST_REQUIRE(fs::exists(file));
  BOOST_TEST(fs::file_size(file) == i2p::kRouterKeysFileLen);
  struct stat st{};
  BOOST_REQUIRE(::stat(file.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  BOOST_TEST(!fs::exists(dir / "router.keys.tmp"));

  auto second = ssu2d::load_or_create_router_keys(dir);
  BOOST_REQUIRE_MESSAGE(second.ok(), second.error);
  BOOST_TEST(!second.created);
  BOOST_TEST((*second.keys == *first.keys));
  BOOST_TEST(second.keys->identity().hash() == first.keys->identity().hash());
}

BOOST_AUTO_TEST_CASE(corrupt_file_is_an_error_naming_it) {
  TempDir tmp;
  auto created = ssu2d::load_or_create_router_keys(tmp.path);
  BOOST_REQUIRE(created.ok());
  const fs::path file = tmp.path / "router.keys";
  Bytes b = read_all(file);
  b[20] ^= 0xff;
  write_all(file, b);

  auto res = ssu2d::load_or_create_router_keys(tmp.path);
  BOOST_TEST(!res.ok());
  BOOST_TEST(res.code == Errc::malformed);
  BOOST_TEST(res.error.find(file.string()) != std::string::npos, res.error);
  // The corrupt file is left alone: no new identity was written over it.
  BOOST_TEST(read_all(file) == b);

  write_all(file, Bytes{});
  auto empty = ssu2d::load_or_create_router_keys(tmp.path);
  BOOST_TEST(!empty.ok());
  BOOST_TEST(empty.error.find("router.keys") != std::string::npos);

  write_all(file, Bytes(10000, 'x'));
  BOOST_TEST(!ssu2d::load_or_create_router_keys(tmp.path).ok());
}

BOOST_AUTO_TEST_CASE(unreadable_path_is_an_error) {
  TempDir tmp;
  // router.keys is a directory: it exists but cannot be read as a file.
  fs::create_directories(tmp.path / "router.keys");
  auto res = ssu2d::load_or_create_router_keys(tmp.path);
  BOOST_TEST(!res.ok());
  BOOST_TEST(res.error.find("router.keys") != std::string::npos, res.error);
}

BOOST_AUTO_TEST_CASE(router_info_written_and_described) {
  TempDir tmp;
  auto keys = ssu2d::load_or_create_router_keys(tmp.path);
  BOOST_REQUIRE(keys.ok());
  i2p::OwnRouterInfoParams p;
  p.host = "127.0.0.1";
  p.port = 23456;
  p.mtu = 1500;
  p.address_caps = "BC";
  p.published_ms = 1700000000000ull;
  auto ri = i2p::make_own_router_info(*keys.keys, p);
  BOOST_REQUIRE(ri.ok());
  auto st = ssu2d::write_router_info(tmp.path, *ri);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.error);

  auto back = i2p::RouterInfo::parse(read_all(tmp.path / "router.info"));
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(back->verify());
  BOOST_TEST(back->hash() == keys.keys->identity().hash());

  const auto j = ssu2d::router_info_to_json(*back);
  BOOST_TEST(j["signature_valid"].get<bool>());
  BOOST_TEST(j["router_hash"].get<std::string>() == i2p::base64_encode(back->hash()));
  BOOST_TEST(j["identity"]["signing_type"].get<int>() == 7);
  BOOST_TEST(j["identity"]["crypto_type"].get<int>() == 4);
  BOOST_TEST(j["published_ms"].get<uint64_t>() == 1700000000000ull);
  BOOST_TEST(j["published"].get<std::string>() == "2023-11-14T22:13:20Z");
  BOOST_TEST(j["net_id"].get<int>() == 2);
  BOOST_TEST(j["router_version"].get<std::string>() == "0.9.57");
  BOOST_REQUIRE(j["addresses"].size() == 1u);
  const auto& a = j["addresses"][0];
  BOOST_TEST(a["transport"].get<std::string>() == "SSU2");
  BOOST_TEST(a["options"]["port"].get<std::string>() == "23456");
  BOOST_TEST(a["options"]["v"].get<std::string>() == "2");
  BOOST_TEST(a["options"]["s"].get<std::string>() == i2p::base64_encode(keys.keys->x25519_pub));
  BOOST_TEST(a["ssu2"]["static_key_valid"].get<bool>());
  BOOST_TEST(a["ssu2"]["mtu"].get<int>() == 1500);

  // A tampered copy reports an invalid signature instead of failing.
  Bytes raw = *back->serialize();
  raw[400] ^= 1;  // inside the published date
  auto tampered = i2p::RouterInfo::parse(raw);
  BOOST_REQUIRE(tampered.ok());
  BOOST_TEST(!ssu2d::router_info_to_json(*tampered)["signature_valid"].get<bool>());
}

BOOST_AUTO_TEST_CASE(i2pd_fixture_to_json) {
  std::ifstream in(std::string(SSU2_TEST_FIXTURES) + "/i2pd-2.45.1-router.info", std::ios::binary);
  const Bytes raw(std::istreambuf_iterator<char>(in), {});
  auto ri = i2p::RouterInfo::parse(raw);
  BOOST_REQUIRE(ri.ok());
  const auto j = ssu2d::router_info_to_json(*ri);
  BOOST_TEST(j["signature_valid"].get<bool>());
  BOOST_TEST(j["router_hash"].get<std::string>() == "eRh3x9ldZaR7jbzRDJZplUPvA1Q0yoitgVDGV20KABg=");
  BOOST_TEST(j["caps"].get<std::string>() == "L");
  BOOST_TEST(j["addresses"][0]["options"]["host"].get<std::string>() == "127.0.0.1");
}

BOOST_AUTO_TEST_CASE(loose_permissions_are_tightened_with_a_warning) {
  TempDir tmp;
  auto created = ssu2d::load_or_create_router_keys(tmp.path);
  BOOST_REQUIRE(created.ok());
  BOOST_TEST(created.warnings.empty());
  const fs::path file = tmp.path / "router.keys";
  BOOST_REQUIRE(::chmod(file.c_str(), 0644) == 0);

  auto res = ssu2d::load_or_create_router_keys(tmp.path);
  BOOST_REQUIRE_MESSAGE(res.ok(), res.error);
  BOOST_TEST((*res.keys == *created.keys));
  struct stat st{};
  BOOST_REQUIRE(::stat(file.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  BOOST_REQUIRE(res.warnings.size() == 1u);
  BOOST_TEST(res.warnings[0].find(file.string()) != std::string::npos, res.warnings[0]);
  BOOST_TEST(res.warnings[0].find("0644") != std::string::npos, res.warnings[0]);
  BOOST_TEST(res.warnings[0].find("0600") != std::string::npos, res.warnings[0]);

  // Already tight: nothing to say.
  BOOST_TEST(ssu2d::load_or_create_router_keys(tmp.path).warnings.empty());
}

BOOST_AUTO_TEST_CASE(stale_temporary_files_are_removed) {
  TempDir tmp;
  auto created = ssu2d::load_or_create_router_keys(tmp.path);
  BOOST_REQUIRE(created.ok());
  // What a kill between create and rename leaves behind.
  write_all(tmp.path / "router.keys.tmp", Bytes(100, 0x42));
  write_all(tmp.path / "router.info.tmp", Bytes(10, 0x43));

  auto res = ssu2d::load_or_create_router_keys(tmp.path);
  BOOST_REQUIRE_MESSAGE(res.ok(), res.error);
  BOOST_TEST((*res.keys == *created.keys));  // the real file is untouched
  BOOST_TEST(!fs::exists(tmp.path / "router.keys.tmp"));
  BOOST_TEST(!fs::exists(tmp.path / "router.info.tmp"));
  BOOST_REQUIRE(res.warnings.size() == 2u);
  BOOST_TEST(res.warnings[0].find("router.keys.tmp") != std::string::npos, res.warnings[0]);

  // A stale .tmp next to no router.keys at all: removed, then a new identity is made.
  TempDir fresh;
  write_all(fresh.path / "router.keys.tmp", Bytes(5, 1));
  auto made = ssu2d::load_or_create_router_keys(fresh.path);
  BOOST_REQUIRE_MESSAGE(made.ok(), made.error);
  BOOST_TEST(made.created);
  BOOST_TEST(!fs::exists(fresh.path / "router.keys.tmp"));
}

BOOST_AUTO_TEST_CASE(data_dir_lock_is_exclusive_and_names_the_holder) {
  TempDir tmp;
  const fs::path dir = tmp.path / "data";  // created by the lock
  ssu2d::DataDirLock first;
  BOOST_REQUIRE_EQUAL(first.acquire(dir), "");
  BOOST_TEST(first.held());
  BOOST_TEST(fs::is_directory(dir));
  std::ifstream pidfile(dir / "lock");
  long pid = 0;
  pidfile >> pid;
  BOOST_TEST(pid == long(::getpid()));

  // flock is per open file: a second lock in the same process conflicts like another one.
  ssu2d::DataDirLock second;
  auto err = second.acquire(dir);
  BOOST_TEST(!second.held());
  BOOST_TEST(err.find("in use by another ssu2d") != std::string::npos, err);
  BOOST_TEST(err.find("pid " + std::to_string(::getpid())) != std::string::npos, err);
  BOOST_TEST(err.find(dir.string()) != std::string::npos, err);

  first.release();
  BOOST_TEST(second.acquire(dir) == "");
  BOOST_TEST(second.held());
}
