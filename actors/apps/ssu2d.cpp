// ssu2d: runs one SSU2 node until SIGINT/SIGTERM.
#include <iostream>

#include <boost/program_options.hpp>

#include "actors/node.hpp"
#include "actors/support/config.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  po::options_description desc("ssu2d options");
  desc.add_options()
      ("help,h", "show this help")
      ("config,c", po::value<std::string>(), "JSON config file merged over the default")
      ("print-default-config", "print the embedded default config and exit")
      ("print-config", "print the effective config (default + file + overrides) and exit")
      ("init", "create keys and router.info in the data dir, print the router hash, exit")
      ("data-dir", po::value<std::string>(), "override data_dir")
      ("log-level", po::value<std::string>(), "override log.level (trace..critical, off)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "ssu2d: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  if (vm.count("print-default-config")) {
    std::cout << ssu2d::default_config_text();
    return 0;
  }

  // Command-line overrides are applied as JSON so they go through the same checks.
  nlohmann::json overrides = nlohmann::json::object();
  if (vm.count("data-dir")) overrides["data_dir"] = vm["data-dir"].as<std::string>();
  if (vm.count("log-level")) overrides["log"]["level"] = vm["log-level"].as<std::string>();

  nlohmann::json user = nlohmann::json::object();
  if (vm.count("config")) {
    auto file = ssu2d::load_config_file(vm["config"].as<std::string>());
    if (!file.ok()) {
      std::cerr << file.error << "\n";
      return 2;
    }
    user = file.merged;
  }
  ssu2d::merge_json(user, overrides);
  auto loaded = ssu2d::load_config_text(user.dump());
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
  return ssu2d::run_node(*loaded.config);
}
