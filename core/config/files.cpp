#include "core/config/files.hpp"

#include <moltbot/sdk/files.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace moltbot::config {

namespace {

std::string describeErrno(int error) { return std::strerror(error); }

// Closes a file descriptor when it goes out of scope.
struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
};

// Writes `content` to a fresh 0600 temp file next to `target` and renames it over `target`.
void replaceFile(const std::filesystem::path &target, std::string_view content) {
    if (std::string error = sdk::writePrivateFile(target, content); !error.empty()) throw ConfigError(error);
}

}  // namespace

std::optional<std::string> readFileIfExists(const std::filesystem::path &path, std::size_t limit) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT) return std::nullopt;
        throw ConfigError("cannot read " + path.string() + ": " + describeErrno(errno));
    }
    if (S_ISDIR(info.st_mode)) throw ConfigError("cannot read " + path.string() + ": it is a folder, not a file");
    if (!S_ISREG(info.st_mode)) throw ConfigError("cannot read " + path.string() + ": not a regular file");
    Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (file.fd < 0) throw ConfigError("cannot read " + path.string() + ": " + describeErrno(errno));
    std::string content;
    char buffer[65536];
    for (;;) {
        ssize_t got = ::read(file.fd, buffer, sizeof buffer);
        if (got < 0) {
            if (errno == EINTR) continue;
            throw ConfigError("cannot read " + path.string() + ": " + describeErrno(errno));
        }
        if (got == 0) break;
        content.append(buffer, static_cast<std::size_t>(got));
        if (content.size() > limit) {
            std::string shown = limit % (1 << 20) == 0 ? std::to_string(limit >> 20) + " MiB"
                                                       : std::to_string(limit) + " bytes";
            throw ConfigError("cannot read " + path.string() + ": larger than the limit of " + shown);
        }
    }
    return content;
}

void ensurePrivateFolder(const std::filesystem::path &folder) {
    if (std::string error = sdk::makePrivateFolder(folder); !error.empty()) throw ConfigError(error);
}

std::filesystem::path backupPath(const std::filesystem::path &path, int age) {
    std::filesystem::path backup = path;
    backup += ".bak";
    if (age > 0) backup += "." + std::to_string(age);
    return backup;
}

namespace {

// Shifts <path>.bak.<i> to <path>.bak.<i+1>, the oldest dropped, so that <path>.bak is free for the newest.
void rotateBackups(const std::filesystem::path &path, int backups) {
    for (int age = backups - 1; age >= 1; --age) {
        std::error_code error;
        std::filesystem::rename(backupPath(path, age - 1), backupPath(path, age), error);
        if (error && error != std::errc::no_such_file_or_directory) {
            throw ConfigError("cannot keep the backup " + backupPath(path, age - 1).string() + ": " + error.message());
        }
    }
}

}  // namespace

void writeFileAtomic(const std::filesystem::path &path, std::string_view content, const WriteOptions &options) {
    std::error_code error;
    std::filesystem::path target = std::filesystem::is_symlink(path, error) ? std::filesystem::canonical(path, error)
                                                                           : path;
    if (target.empty()) throw ConfigError("cannot write " + path.string() + ": broken symlink");
    ensurePrivateFolder(target.parent_path());
    if (options.backup) {
        std::optional<std::string> previous = readFileIfExists(target, std::string::npos);
        // A backup that already holds the file (a write that failed after it) is kept as it is, so that failed
        // writes do not push the older backups out.
        if (previous && readFileIfExists(backupPath(target), std::string::npos) != previous) {
            rotateBackups(target, options.backups);
            replaceFile(backupPath(target), *previous);
        }
    } else if (std::filesystem::is_directory(target, error)) {
        throw ConfigError("cannot write " + target.string() + ": it is a folder, not a file");
    }
    replaceFile(target, content);
}

namespace {

void appendString(std::string &out, const rapidjson::Value &value) {
    out += '"';
    for (unsigned char c : std::string_view(value.GetString(), value.GetStringLength())) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char escape[8];
                std::snprintf(escape, sizeof escape, "\\u%04x", c);
                out += escape;
            } else {
                out += static_cast<char>(c);  // UTF-8 stays as it is
            }
        }
    }
    out += '"';
}

void appendNumber(std::string &out, const rapidjson::Value &value) {
    if (value.IsInt64()) {
        out += std::to_string(value.GetInt64());
    } else if (value.IsUint64()) {
        out += std::to_string(value.GetUint64());
    } else if (double number = value.GetDouble(); std::isnan(number)) {
        out += "NaN";
    } else if (std::isinf(number)) {
        out += number < 0 ? "-Infinity" : "Infinity";
    } else {
        char buffer[32];
        auto result = std::to_chars(buffer, buffer + sizeof buffer, number);  // the shortest text that reads back
        std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
        out += text;
        if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";  // stays a double when read again
    }
}

// indent < 0: compact on one line.
void appendJson(std::string &out, const rapidjson::Value &value, int indent, int depth) {
    auto newline = [&](int level) {
        if (indent < 0) return;
        out += '\n';
        out.append(static_cast<std::size_t>(indent * level), ' ');
    };
    if (value.IsObject()) {
        if (value.MemberCount() == 0) {
            out += "{}";
            return;
        }
        out += '{';
        bool first = true;
        for (const auto &member : value.GetObject()) {
            if (!first) out += ',';
            first = false;
            newline(depth + 1);
            appendString(out, member.name);
            out += indent < 0 ? ":" : ": ";
            appendJson(out, member.value, indent, depth + 1);
        }
        newline(depth);
        out += '}';
    } else if (value.IsArray()) {
        if (value.Empty()) {
            out += "[]";
            return;
        }
        out += '[';
        bool first = true;
        for (const auto &element : value.GetArray()) {
            if (!first) out += ',';
            first = false;
            newline(depth + 1);
            appendJson(out, element, indent, depth + 1);
        }
        newline(depth);
        out += ']';
    } else if (value.IsString()) {
        appendString(out, value);
    } else if (value.IsNumber()) {
        appendNumber(out, value);
    } else if (value.IsBool()) {
        out += value.GetBool() ? "true" : "false";
    } else {
        out += "null";
    }
}

}  // namespace

std::string toPrettyJson(const rapidjson::Value &value) {
    std::string out;
    appendJson(out, value, 2, 0);
    return out + "\n";
}

std::string toCompactJson(const rapidjson::Value &value) {
    std::string out;
    appendJson(out, value, -1, 0);
    return out;
}

}  // namespace moltbot::config
