// Private files in the state folder, for plugins and the host alike (header-only, POSIX): folders are created with
// mode 0700 and files replaced atomically with mode 0600, as docs/configuration.md promises for everything moltbot
// keeps there (a plugin's cacheDir included). Each returns "" on success, else the whole message for the user.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>

namespace moltbot::sdk {

// Creates `folder` and its missing parents with mode 0700; an existing folder is left as it is.
inline std::string makePrivateFolder(const std::filesystem::path &folder) {
    if (folder.empty()) return {};
    struct stat info {};
    if (::stat(folder.c_str(), &info) == 0) {
        return S_ISDIR(info.st_mode) ? "" : "cannot use folder " + folder.string() + ": it is not a folder";
    }
    if (folder.parent_path() != folder) {
        if (std::string error = makePrivateFolder(folder.parent_path()); !error.empty()) return error;
    }
    if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) {
        return "cannot create folder " + folder.string() + ": " + std::strerror(errno);
    }
    return {};
}

// Replaces `path` with `content`: a fresh 0600 file next to it, fsync, rename over `path`, fsync of the folder.
// Readers see the old file or the new one, never part of one; on failure `path` is untouched. The folder must exist.
inline std::string writePrivateFile(const std::filesystem::path &path, std::string_view content) {
    std::filesystem::path folder = path.parent_path().empty() ? "." : path.parent_path();
    std::string suffix;
    std::random_device device;
    for (int i = 0; i < 8; ++i) suffix += "0123456789abcdef"[device() % 16];
    std::filesystem::path temp =
        folder / ("." + path.filename().string() + "." + std::to_string(::getpid()) + "." + suffix + ".tmp");
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return "cannot write " + path.string() + ": cannot create a file in " + folder.string() + ": " +
               std::strerror(errno);
    }
    bool written = ::fchmod(fd, 0600) == 0;  // exactly 0600, whatever the umask
    for (std::string_view rest = content; written && !rest.empty();) {
        ssize_t count = ::write(fd, rest.data(), rest.size());
        if (count < 0 && errno == EINTR) continue;
        if (count < 0) written = false;
        if (count > 0) rest.remove_prefix(static_cast<std::size_t>(count));
    }
    written = written && ::fsync(fd) == 0;
    int error = errno;
    ::close(fd);
    if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
        if (written) error = errno;
        ::unlink(temp.c_str());
        return "cannot write " + path.string() + ": " + std::strerror(error);
    }
    // The rename is durable only once the folder is on disk; failing here loses nothing, so it is ignored.
    if (int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return {};
}

}  // namespace moltbot::sdk
