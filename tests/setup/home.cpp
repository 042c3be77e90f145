#include "tests/setup/home.hpp"

#include <sys/stat.h>

namespace moltbot::test {

RunResult Home::run(const std::vector<std::string> &args, const std::map<std::string, std::optional<std::string>> &env,
                    const std::string &input) const {
    std::vector<std::string> argv{moltbotBinary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.env = env;
    options.env.emplace("HOME", path().string());
    // Nothing here may reach the real OpenRouter (models status --check reads the catalog): a closed local port.
    options.env.emplace("OPENROUTER_BASE_URL", "http://127.0.0.1:9/api/v1");
    options.input = input;
    return moltbot::test::run(argv, options);
}

std::map<std::string, std::string> Home::snapshot() const {
    std::map<std::string, std::string> files;
    for (const auto &entry : std::filesystem::recursive_directory_iterator(path())) {
        std::string relative = std::filesystem::relative(entry.path(), path()).string();
        std::string mode = std::to_string(modeOf(entry.path()));
        files[relative] = mode + ":" + (entry.is_regular_file() ? readFile(entry.path()) : std::string("(folder)"));
    }
    return files;
}

bool leaksKey(const std::string &text, const std::string &key) {
    // Any 12 characters in a row from past the shown head of a masked key.
    for (std::size_t start = 8; start + 12 <= key.size(); ++start) {
        if (text.find(key.substr(start, 12)) != std::string::npos) return true;
    }
    return false;
}

unsigned modeOf(const std::filesystem::path &path) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) return 0;
    return info.st_mode & 07777;
}

}  // namespace moltbot::test
