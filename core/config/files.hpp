// Reading and writing the user's files safely: bounded reads, atomic 0600 writes with a backup, 0700 folders.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace moltbot::config {

// A configuration or file problem; what() is the complete message for the user (it names the file or path).
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr std::size_t kMaxFileSize = std::size_t{16} << 20;  // 16 MiB: far above any real config

// The whole file, or std::nullopt when nothing exists at `path`. Throws ConfigError naming the path when it is a
// folder, cannot be read, or is larger than `limit`.
std::optional<std::string> readFileIfExists(const std::filesystem::path &path, std::size_t limit = kMaxFileSize);

// Creates `folder` and its missing parents with mode 0700. Throws ConfigError naming the folder.
void ensurePrivateFolder(const std::filesystem::path &folder);

struct WriteOptions {
    bool backup = true;  // copy the previous content to "<path>.bak" first
    // How many previous contents to keep: "<path>.bak" (the latest), then "<path>.bak.1" ... "<path>.bak.<N-1>",
    // each write shifting them by one and dropping the oldest.
    int backups = 1;
};

// Replaces `path` atomically: a 0600 temp file in the same folder, fsync, rename over `path`, fsync of the folder.
// A symlink is followed, so the link stays. On failure `path` is untouched and ConfigError names the problem.
void writeFileAtomic(const std::filesystem::path &path, std::string_view content, const WriteOptions &options = {});

// The file that writeFileAtomic keeps the previous content in; with `age` > 0, the older one "<path>.bak.<age>".
std::filesystem::path backupPath(const std::filesystem::path &path, int age = 0);

// `value` as JSON with a 2-space indent and a final newline. Infinity and NaN are written as the JSON5 literals
// (rapidjson's writers stop at them), so the result is JSON5 that parseJson5 reads back.
std::string toPrettyJson(const rapidjson::Value &value);
// The same on one line, without the newline.
std::string toCompactJson(const rapidjson::Value &value);

}  // namespace moltbot::config
