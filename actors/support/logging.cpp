#include "actors/support/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace ssu2d {

namespace {

std::shared_ptr<spdlog::logger> make_logger() {
  if (auto existing = spdlog::get("ssu2d")) return existing;
  auto logger = spdlog::stderr_color_mt("ssu2d");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
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

bool init_logging(const std::string& level) {
  make_logger();
  return set_log_level(level);
}

bool set_log_level(const std::string& level) {
  auto& logger = log();
  spdlog::level::level_enum lvl = spdlog::level::info;
  bool ok = parse_level(level, lvl);
  logger.set_level(lvl);
  logger.flush_on(spdlog::level::warn);
  return ok;
}

spdlog::logger& log() {
  static std::shared_ptr<spdlog::logger> logger = make_logger();
  return *logger;
}

}  // namespace ssu2d
