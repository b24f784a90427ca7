// ssu2d: runs one SSU2 node until SIGINT/SIGTERM; SIGHUP reloads the configuration file.
// Exit codes: 0 clean stop (or a successful --init / --print-*), 1 the node could not start
// (data_dir locked, socket in use, bad keys, ...), 2 bad command line or configuration.
#include <iostream>

#include <boost/program_options.hpp>

#include "actors/node.hpp"
#include "actors/support/config.hpp"

#ifndef SSU2D_VERSION
#define SSU2D_VERSION "unknown"
#endif

namespace po = boost::program_options;

namespace {

// The effective configuration: the default, the file (if any), then command-line overrides,
// all through the same checks. Called at start and again on SIGHUP.
ssu2d::ConfigResult load(const std::optional<std::string>& file, const nlohmann::json& overrides) {
  nlohmann::json user = nlohmann::json::object();
  if (file) {
    auto f = ssu2d::load_config_file(*file);
    if (!f.ok()) return f;
    user = f.merged;
  }
  ssu2d::merge_json(user, overrides);
  return ssu2d::load_config_text(user.dump());
}

// A value that is really the next option ("--data-dir --init") is refused: boost takes any
// token as the value of an option that needs one.
std::string check_values(const po::parsed_options& parsed) {
  for (auto& o : parsed.options) {
    if (o.position_key >= 0 || o.value.empty()) continue;
    for (auto& v : o.value)
      if (v.size() > 1 && v[0] == '-')
        return "--" + o.string_key + " needs a value, got the option \"" + v +
               "\" (write ./" + v + " for a path that starts with '-')";
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description desc("usage: ssu2d [options]\noptions");
  desc.add_options()
      ("help,h", "show this help")
      ("version,V", "print the version and exit")
      ("config,c", po::value<std::string>(), "JSON config file merged over the default "
                                             "(re-read on SIGHUP)")
      ("print-default-config", "print the embedded default config and exit")
      ("print-config", "print the effective config (default + file + overrides) and exit")
      ("init", "create keys and router.info in the data dir, print the router hash, exit")
      ("data-dir", po::value<std::string>(), "override data_dir")
      ("log-level", po::value<std::string>(), "override log.level (trace..critical, off)");
  po::options_description hidden;
  hidden.add_options()("stray", po::value<std::vector<std::string>>(), "");
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("stray", -1);
  po::variables_map vm;
  try {
    auto parsed = po::command_line_parser(argc, argv).options(all).positional(pos).run();
    if (auto err = check_values(parsed); !err.empty()) {
      std::cerr << "ssu2d: " << err << "\n";
      return 2;
    }
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "ssu2d: " << e.what() << " (see ssu2d --help)\n";
    return 2;
  }
  if (vm.count("stray")) {
    auto stray = vm["stray"].as<std::vector<std::string>>();
    std::cerr << "ssu2d: unexpected argument \"" << stray.front() << "\"";
    if (stray.front().size() > 5 && stray.front().rfind(".json") == stray.front().size() - 5)
      std::cerr << "; to use a config file, write: ssu2d --config " << stray.front();
    std::cerr << " (ssu2d takes no positional arguments; see ssu2d --help)\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n"
              << "signals: SIGTERM/SIGINT stop the node cleanly (sessions are terminated);\n"
              << "         SIGHUP re-reads --config (log.level, log.file, peers) and reopens "
                 "log.file\n"
              << "exit codes: 0 clean stop, 1 could not start, 2 bad arguments or config\n";
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "ssu2d " << SSU2D_VERSION << "\n";
    return 0;
  }
  if (vm.count("print-default-config")) {
    std::cout << ssu2d::default_config_text();
    return 0;
  }

  // Command-line overrides are applied as JSON so they go through the same checks; they
  // also win over the file on every reload.
  nlohmann::json overrides = nlohmann::json::object();
  if (vm.count("data-dir")) overrides["data_dir"] = vm["data-dir"].as<std::string>();
  if (vm.count("log-level")) overrides["log"]["level"] = vm["log-level"].as<std::string>();
  std::optional<std::string> file;
  if (vm.count("config")) file = vm["config"].as<std::string>();

  auto loaded = load(file, overrides);
  if (!loaded.ok()) {
    std::cerr << loaded.error << "\n";
    return 2;
  }
  if (vm.count("print-config")) {
    std::cout << loaded.merged.dump(2) << "\n";
    return 0;
  }
  if (vm.count("init")) {
    std::string hash;
    if (auto err = ssu2d::init_data_dir(*loaded.config, hash); !err.empty()) {
      std::cerr << err << "\n";
      return 1;
    }
    std::cout << hash << "\n";
    return 0;
  }
  return ssu2d::run_node(loaded, [file, overrides] { return load(file, overrides); });
}
