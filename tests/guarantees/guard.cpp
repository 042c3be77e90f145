#include "tests/guarantees/guard.hpp"

namespace moltbot::guard {

namespace {
sim::Options canaryOptions() {
    sim::Options options;
    options.keys = {kCanary};
    return options;
}
}  // namespace

Guard::Guard() : sim(canaryOptions()), baseUrl(sim.simulator.baseUrl()) {}

test::RunResult Guard::moltbot(std::vector<std::string> args, test::RunOptions options) const {
    args.insert(args.begin(), test::moltbotBinary().string());
    options.env.try_emplace("HOME", home.path().string());
    options.env.try_emplace("OPENROUTER_BASE_URL", baseUrl);
    return test::run(args, options);
}

std::vector<std::filesystem::path> filesUnder(const std::filesystem::path &root) {
    std::vector<std::filesystem::path> files;
    for (const auto &entry : std::filesystem::recursive_directory_iterator(root)) {
        if (entry.is_regular_file() && !entry.is_symlink()) files.push_back(entry.path());
    }
    return files;
}

}  // namespace moltbot::guard
