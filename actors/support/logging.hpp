// Node logging through spdlog: one named logger ("ssu2d") on stderr, level from config.
#pragma once
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace ssu2d {

// Creates (or reconfigures) the "ssu2d" logger. Unknown level names fall back to info and
// return false.
bool init_logging(const std::string& level);
// Changes the level of the node logger; false for an unknown name.
bool set_log_level(const std::string& level);
// The node logger (created with level info on first use if init_logging was not called).
spdlog::logger& log();

}  // namespace ssu2d
