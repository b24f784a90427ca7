// Node logging through spdlog: one named logger ("ssu2d"), level from config. Lines go to
// stderr, or to log.file when one is configured (appended; reopened on SIGHUP so that
// logrotate can move it away). When stderr is connected to the systemd journal
// ($JOURNAL_STREAM names it), each stderr line starts with its sd-daemon priority prefix
// ("<3>" for error ... "<7>" for debug) and carries no timestamp: journald adds both.
#pragma once
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace ssu2d {

// Creates (or reconfigures) the "ssu2d" logger. Unknown level names fall back to info and
// return false.
bool init_logging(const std::string& level);
// Changes the level of the node logger; false (and no change) for an unknown name.
bool set_log_level(const std::string& level);
// The current level's name ("info", ...).
std::string log_level_name();
// Sends the log to `path` (opened for append, created 0640), or back to stderr for "".
// Returns "" or a one-line error naming the file; on error the previous target stays.
std::string set_log_file(const std::string& path);
// Closes and reopens the current log file by name (after logrotate moved it). "" on
// success or when logging to stderr; else an error naming the file (the old handle stays).
std::string reopen_log_file();
// True when stderr is the journal stream systemd gave us (see $JOURNAL_STREAM).
bool stderr_is_journal();
// The node logger (created with level info on first use if init_logging was not called).
spdlog::logger& log();

}  // namespace ssu2d
