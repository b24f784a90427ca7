#define BOOST_TEST_MODULE node_logging
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "actors/support/logging.hpp"

namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ssu2-logging-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    ssu2d::set_log_file("");  // back to stderr before the files go
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

BOOST_AUTO_TEST_CASE(log_file_is_appended_and_reopened_after_a_move) {
  TempDir tmp;
  const fs::path file = tmp.path / "node.log";
  ssu2d::init_logging("info");
  BOOST_REQUIRE_EQUAL(ssu2d::set_log_file(file.string()), "");
  ssu2d::log().info("first line");
  ssu2d::log().debug("hidden at info");
  BOOST_TEST(slurp(file).find("info [ssu2d] first line") != std::string::npos, slurp(file));
  BOOST_TEST(slurp(file).find("hidden") == std::string::npos);

  // logrotate: move, then reopen (what SIGHUP does). Old lines stay in the moved file.
  fs::rename(file, tmp.path / "node.log.1");
  ssu2d::log().info("still to the moved file");
  BOOST_REQUIRE_EQUAL(ssu2d::reopen_log_file(), "");
  BOOST_TEST(ssu2d::set_log_level("debug"));
  ssu2d::log().debug("after reopen");
  BOOST_TEST(slurp(tmp.path / "node.log.1").find("still to the moved file") != std::string::npos);
  const std::string fresh = slurp(file);
  BOOST_TEST(fresh.find("debug [ssu2d] after reopen") != std::string::npos, fresh);
  BOOST_TEST(fresh.find("first line") == std::string::npos);
  BOOST_TEST(ssu2d::log_level_name() == "debug");
}

BOOST_AUTO_TEST_CASE(unwritable_log_file_is_an_error_naming_it_and_keeps_the_old_target) {
  TempDir tmp;
  const fs::path good = tmp.path / "good.log";
  ssu2d::init_logging("info");
  BOOST_REQUIRE_EQUAL(ssu2d::set_log_file(good.string()), "");
  const fs::path bad = tmp.path / "no-such-dir" / "x.log";
  auto err = ssu2d::set_log_file(bad.string());
  BOOST_TEST(err.find(bad.string()) != std::string::npos, err);
  BOOST_TEST(err.find("No such file") != std::string::npos, err);
  ssu2d::log().info("kept");
  BOOST_TEST(slurp(good).find("kept") != std::string::npos);
  // The directory of the file disappears (a reopen that fails keeps the old handle).
  fs::rename(good, tmp.path / "good.log.1");
  fs::create_directory(good);  // a directory where the file was: cannot be opened
  BOOST_TEST(ssu2d::reopen_log_file().find(good.string()) != std::string::npos);
  ssu2d::log().info("still kept");
  BOOST_TEST(slurp(tmp.path / "good.log.1").find("still kept") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(journal_stream_is_recognised_only_for_our_stderr) {
  struct stat st{};
  BOOST_REQUIRE(::fstat(STDERR_FILENO, &st) == 0);
  const std::string mine = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  ::setenv("JOURNAL_STREAM", mine.c_str(), 1);
  BOOST_TEST(ssu2d::stderr_is_journal());
  const std::string other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
  ::setenv("JOURNAL_STREAM", other.c_str(), 1);
  BOOST_TEST(!ssu2d::stderr_is_journal());
  ::setenv("JOURNAL_STREAM", "garbage", 1);
  BOOST_TEST(!ssu2d::stderr_is_journal());
  ::unsetenv("JOURNAL_STREAM");
  BOOST_TEST(!ssu2d::stderr_is_journal());
}
