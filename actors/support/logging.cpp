#include "actors/support/logging.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

namespace ssu2d {

namespace {

constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%e %l [%n] %v";
constexpr const char* kJournalPattern = "%l [%n] %v";  // journald timestamps itself

// sd-daemon(3) priority prefixes, understood by journald on a stream.
const char* journal_prefix(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
    case spdlog::level::debug: return "<7>";
    case spdlog::level::info: return "<6>";
    case spdlog::level::warn: return "<4>";
    case spdlog::level::err: return "<3>";
    case spdlog::level::critical: return "<2>";
    default: return "<6>";
  }
}

// One sink for the node: stderr or a named file that can be reopened at run time. Switching
// and reopening take the sink's mutex, so they are safe against concurrent logging.
class NodeSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  NodeSink() : journal_(stderr_is_journal()) {
    set_formatter_locked(journal_ ? kJournalPattern : kPattern);
  }
  ~NodeSink() override {
    if (file_) std::fclose(file_);
  }

  std::string open(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (path.empty()) {
      if (file_) std::fclose(file_);
      file_ = nullptr;
      path_.clear();
      set_formatter_locked(journal_ ? kJournalPattern : kPattern);
      return {};
    }
    std::string err;
    std::FILE* f = open_file(path, err);
    if (!f) return err;
    if (file_) std::fclose(file_);
    file_ = f;
    path_ = path;
    set_formatter_locked(kPattern);
    return {};
  }

  std::string reopen() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!file_) return {};
    std::string err;
    std::FILE* f = open_file(path_, err);
    if (!f) return err;
    std::fclose(file_);
    file_ = f;
    return {};
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::FILE* out = file_ ? file_ : stderr;
    if (!file_ && journal_) std::fputs(journal_prefix(msg.level), out);
    std::fwrite(buf.data(), 1, buf.size(), out);
    // Lines must be visible at once (a crash or a kill must not eat the last ones).
    std::fflush(out);
  }
  void flush_() override { std::fflush(file_ ? file_ : stderr); }

 private:
  void set_formatter_locked(const char* pattern) {
    formatter_ = std::make_unique<spdlog::pattern_formatter>(pattern);
  }
  static std::FILE* open_file(const std::string& path, std::string& err) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
      err = "log: cannot open log file \"" + path + "\": " + std::strerror(errno);
      return nullptr;
    }
    std::FILE* f = ::fdopen(fd, "a");
    if (!f) {
      err = "log: cannot open log file \"" + path + "\": " + std::strerror(errno);
      ::close(fd);
    }
    return f;
  }

  bool journal_;
  std::FILE* file_ = nullptr;
  std::string path_;
};

std::shared_ptr<NodeSink>& node_sink() {
  static auto sink = std::make_shared<NodeSink>();
  return sink;
}

std::shared_ptr<spdlog::logger> make_logger() {
  if (auto existing = spdlog::get("ssu2d")) return existing;
  auto logger = std::make_shared<spdlog::logger>("ssu2d", node_sink());
  spdlog::register_logger(logger);
  return logger;
}

bool parse_level(const std::string& name, spdlog::level::level_enum& out) {
  auto lvl = spdlog::level::from_str(name);
  // from_str returns off for unknown names, so "off" itself must be matched by name.
  if (lvl == spdlog::level::off && name != "off") return false;
  out = lvl;
  return true;
}

}  // namespace

bool stderr_is_journal() {
  // $JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected; compare with fd 2 so a
  // child whose stderr was redirected elsewhere does not use journal prefixes.
  const char* js = std::getenv("JOURNAL_STREAM");
  if (!js) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st{};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

bool init_logging(const std::string& level) {
  make_logger();
  if (set_log_level(level)) return true;
  set_log_level("info");
  return false;
}

bool set_log_level(const std::string& level) {
  auto& logger = log();
  spdlog::level::level_enum lvl = spdlog::level::info;
  if (!parse_level(level, lvl)) return false;  // an unknown name changes nothing
  logger.set_level(lvl);
  logger.flush_on(spdlog::level::warn);
  return true;
}

std::string log_level_name() {
  auto sv = spdlog::level::to_string_view(log().level());
  return std::string(sv.data(), sv.size());
}

std::string set_log_file(const std::string& path) {
  make_logger();
  return node_sink()->open(path);
}

std::string reopen_log_file() { return node_sink()->reopen(); }

spdlog::logger& log() {
  static std::shared_ptr<spdlog::logger> logger = make_logger();
  return *logger;
}

}  // namespace ssu2d
