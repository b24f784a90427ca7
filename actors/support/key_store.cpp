#include "actors/support/key_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace ssu2d {
namespace fs = std::filesystem;
namespace {

std::string describe(const fs::path& p, std::string_view what) {
  return p.string() + ": " + std::string(what);
}

std::string errno_text(int err) { return std::strerror(err); }

// Best effort: makes the rename itself durable.
void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

std::optional<ssu2::Bytes> read_file(const fs::path& path, size_t max_size, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = describe(path, "cannot open: " + errno_text(errno));
    return std::nullopt;
  }
  ssu2::Bytes data;
  char buf[4096];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    data.insert(data.end(), buf, buf + in.gcount());
    if (data.size() > max_size) {
      if (error) *error = describe(path, "file too large");
      return std::nullopt;
    }
  }
  if (in.bad()) {
    if (error) *error = describe(path, "read error");
    return std::nullopt;
  }
  return data;
}

FileStatus write_file_atomic(const fs::path& path, ssu2::ByteSpan data, unsigned mode) {
  const fs::path tmp = path.string() + ".tmp";
  ::unlink(tmp.c_str());  // a leftover from an interrupted write
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return {ssu2::Errc::io_error, describe(tmp, "cannot create: " + errno_text(errno))};
  // open() applies the umask; set the mode explicitly so 0600 is exactly 0600.
  ::fchmod(fd, mode);
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return {ssu2::Errc::io_error, describe(tmp, "write failed: " + errno_text(err))};
    }
    off += size_t(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return {ssu2::Errc::io_error, describe(tmp, "fsync/close failed: " + errno_text(err))};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return {ssu2::Errc::io_error, describe(path, "rename failed: " + errno_text(err))};
  }
  fsync_dir(path.parent_path());
  return {};
}

KeyStoreResult load_or_create_router_keys(const fs::path& data_dir) {
  KeyStoreResult res;
  const fs::path file = data_dir / kRouterKeysFile;
  std::error_code ec;
  // A write killed between create and rename leaves its temp file; nobody else writes here
  // (the caller holds the data_dir lock), so it is stale.
  for (const char* name : {kRouterKeysFile, kRouterInfoFile}) {
    const fs::path tmp = data_dir / (std::string(name) + ".tmp");
    if (::unlink(tmp.c_str()) == 0)
      res.warnings.push_back(tmp.string() + ": removed a stale temporary file (an interrupted write)");
  }
  const bool exists = fs::exists(file, ec);
  if (ec) {
    res.code = ssu2::Errc::io_error;
    res.error = describe(file, "cannot stat: " + ec.message());
    return res;
  }
  if (exists) {
    struct stat st{};
    if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      char old_mode[8];
      std::snprintf(old_mode, sizeof(old_mode), "%04o", unsigned(st.st_mode & 07777));
      if (::chmod(file.c_str(), 0600) == 0)
        res.warnings.push_back(file.string() + ": was mode " + old_mode +
                               " (readable by others); tightened to 0600");
      else
        res.warnings.push_back(file.string() + ": is mode " + old_mode +
                               " (readable by others) and cannot be tightened: " +
                               errno_text(errno));
    }
    std::string err;
    // Read a little more than the format's size so an oversized file is reported as such.
    auto bytes = read_file(file, ssu2::i2p::kRouterKeysFileLen + 1, &err);
    if (!bytes) {
      res.code = ssu2::Errc::io_error;
      res.error = err;
      return res;
    }
    auto keys = ssu2::i2p::parse_router_keys(*bytes);
    if (!keys) {
      res.code = keys.error().code;
      res.error = describe(file, std::string("corrupt router keys (") +
                                     std::string(ssu2::to_string(keys.error().code)) + ": " +
                                     keys.error().what + "); refusing to create a new identity");
      return res;
    }
    res.keys = std::move(*keys);
    return res;
  }

  const bool made_dir = fs::create_directories(data_dir, ec);
  if (!ec && made_dir) fs::permissions(data_dir, fs::perms::owner_all, ec);
  if (ec) {
    res.code = ssu2::Errc::io_error;
    res.error = describe(data_dir, "cannot create directory: " + ec.message());
    return res;
  }
  auto keys = ssu2::i2p::RouterKeys::generate();
  ssu2::Bytes encoded = ssu2::i2p::serialize_router_keys(keys);
  auto st = write_file_atomic(file, encoded, 0600);
  ssu2::secure_wipe(encoded.data(), encoded.size());  // it holds private keys
  if (!st.ok()) {
    res.code = st.code;
    res.error = st.error;
    return res;
  }
  res.keys = std::move(keys);
  res.created = true;
  return res;
}

DataDirLock& DataDirLock::operator=(DataDirLock&& o) noexcept {
  if (this != &o) {
    release();
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

void DataDirLock::release() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor drops the flock
  fd_ = -1;
}

std::string DataDirLock::acquire(const fs::path& data_dir) {
  release();
  std::error_code ec;
  const bool made_dir = fs::create_directories(data_dir, ec);
  if (!ec && made_dir) fs::permissions(data_dir, fs::perms::owner_all, ec);
  if (ec) return describe(data_dir, "cannot create directory: " + ec.message());
  const fs::path file = data_dir / kLockFile;
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return describe(file, "cannot open lock file: " + errno_text(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string who = "unknown pid";
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK)
      return describe(file, "cannot lock: " + errno_text(err));
    if (n > 0) {
      std::string pid(buf, size_t(n));
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      if (!pid.empty() && pid.find_first_not_of("0123456789") == std::string::npos) who = "pid " + pid;
    }
    return "data_dir \"" + data_dir.string() + "\" is in use by another ssu2d (" + who +
           ", lock " + file.string() + ")";
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != ssize_t(pid.size())) {
    const int err = errno;
    ::close(fd);
    return describe(file, "cannot write our pid: " + errno_text(err));
  }
  fd_ = fd;
  return {};
}

FileStatus write_router_info(const fs::path& data_dir, const ssu2::i2p::RouterInfo& ri) {
  const fs::path file = data_dir / kRouterInfoFile;
  auto bytes = ri.serialize();
  if (!bytes) return {bytes.error().code, describe(file, "router info is not signed")};
  return write_file_atomic(file, *bytes, 0644);
}

}  // namespace ssu2d
