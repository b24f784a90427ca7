// The node's key store: our RouterKeys in <data_dir>/router.keys and our published
// RouterInfo in <data_dir>/router.info. Files are written atomically (temp file, fsync,
// rename, fsync of the directory), router.keys with mode 0600.
//
// A router.keys file that exists but cannot be read or parsed is an error naming the file:
// we never silently replace an identity, since that would change our router hash. A
// router.keys readable by group or others is tightened to 0600 (with a warning), and a
// router.keys.tmp / router.info.tmp left by a killed write is removed at load.
//
// DataDirLock: one node per data_dir. An exclusive flock(2) on <data_dir>/lock, which holds
// the owner's pid; the lock goes with the process (also on SIGKILL), the file stays.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "transport/common/bytes.hpp"
#include "transport/common/result.hpp"
#include "transport/i2p/router_info.hpp"
#include "transport/i2p/router_keys.hpp"

namespace ssu2d {

inline constexpr const char* kRouterKeysFile = "router.keys";
inline constexpr const char* kRouterInfoFile = "router.info";
inline constexpr const char* kLockFile = "lock";

struct KeyStoreResult {
  std::optional<ssu2::i2p::RouterKeys> keys;
  bool created = false;                 // true if a new identity was generated and saved
  ssu2::Errc code = ssu2::Errc::ok;
  std::string error;                    // one line naming the file, empty on success
  std::vector<std::string> warnings;    // things fixed on the way (permissions, stale files)
  bool ok() const { return keys.has_value(); }
};

class DataDirLock {
 public:
  DataDirLock() = default;
  DataDirLock(DataDirLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&& o) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock() { release(); }

  // Creates data_dir (0700) if needed and takes the lock without waiting. Returns "" or
  // one line: "data_dir "X" is in use by another ssu2d (pid N, lock X/lock)".
  std::string acquire(const std::filesystem::path& data_dir);
  void release();
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Loads <data_dir>/router.keys, or, if it does not exist, creates data_dir (0700), generates
// new keys and writes them.
KeyStoreResult load_or_create_router_keys(const std::filesystem::path& data_dir);

struct FileStatus {
  ssu2::Errc code = ssu2::Errc::ok;
  std::string error;  // names the file
  bool ok() const { return code == ssu2::Errc::ok; }
};

// Writes bytes to path atomically with the given permission bits.
FileStatus write_file_atomic(const std::filesystem::path& path, ssu2::ByteSpan data, unsigned mode);
// Writes the signed RouterInfo to <data_dir>/router.info (mode 0644).
FileStatus write_router_info(const std::filesystem::path& data_dir, const ssu2::i2p::RouterInfo& ri);
// Reads a whole file (bounded by max_size); nullopt and an error naming the file on failure.
std::optional<ssu2::Bytes> read_file(const std::filesystem::path& path, size_t max_size,
                                     std::string* error);

}  // namespace ssu2d
