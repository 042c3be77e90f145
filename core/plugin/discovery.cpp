#include "core/plugin/discovery.hpp"

#include "core/config/paths.hpp"
#include "core/plugin/build_paths.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <system_error>

namespace fs = std::filesystem;

namespace moltbot::plugin {

namespace {

fs::path executablePath() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe;
}

bool isInside(const fs::path &path, const fs::path &folder) {
    auto [folderEnd, pathIt] = std::mismatch(folder.begin(), folder.end(), path.begin(), path.end());
    return folderEnd == folder.end();
}

std::vector<fs::path> buildTreeFolders(const fs::path &exe) {
    std::error_code ec;
    fs::path root = fs::weakly_canonical(kBuildRoot, ec);
    if (ec || exe.empty() || !isInside(exe, root)) return {};
    std::vector<fs::path> folders;
    for (const auto &entry : fs::directory_iterator(root / kBuildPluginSubdir, ec)) {
        if (entry.is_directory(ec)) folders.push_back(entry.path());
    }
    std::sort(folders.begin(), folders.end());
    return folders;
}

}  // namespace

std::string_view originName(FolderOrigin origin) {
    switch (origin) {
    case FolderOrigin::Environment: return "MOLTBOT_PLUGIN_PATH";
    case FolderOrigin::StateDir: return "state dir";
    case FolderOrigin::Install: return "install";
    case FolderOrigin::BuildTree: return "build tree";
    }
    return "";
}

std::vector<SearchFolder> searchFolders() {
    std::vector<SearchFolder> candidates;
    if (const char *env = std::getenv("MOLTBOT_PLUGIN_PATH")) {
        std::istringstream entries(env);
        std::string entry;
        while (std::getline(entries, entry, ':')) {
            if (!entry.empty()) candidates.push_back({fs::absolute(config::expandHome(entry)), FolderOrigin::Environment});
        }
    }
    candidates.push_back({config::stateDir() / "plugins", FolderOrigin::StateDir});
    fs::path exe = executablePath();
    if (!exe.empty()) {
        fs::path libdir = kLibDir;
        fs::path install = libdir.is_absolute() ? libdir : exe.parent_path().parent_path() / libdir;
        candidates.push_back({install / "moltbot" / "plugins", FolderOrigin::Install});
    }
    for (auto &folder : buildTreeFolders(exe)) candidates.push_back({folder, FolderOrigin::BuildTree});

    std::vector<SearchFolder> folders;
    std::vector<fs::path> seen;
    for (auto &candidate : candidates) {
        std::error_code ec;
        fs::path key = fs::weakly_canonical(candidate.path, ec);
        if (ec) key = candidate.path.lexically_normal();
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
        seen.push_back(key);
        candidate.path = candidate.path.lexically_normal();
        folders.push_back(std::move(candidate));
    }
    return folders;
}

std::string untrustedReason(const fs::path &path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || (info.st_mode & (S_IWGRP | S_IWOTH)) == 0) return {};
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    return std::string("it is writable by ") + ((info.st_mode & S_IWOTH) ? "every user" : "its group") + " (mode " +
           mode + "), so someone else could change the code moltbot runs; fix it with: chmod go-w " + path.string();
}

std::vector<fs::path> pluginFiles(const fs::path &folder) {
    std::vector<fs::path> files;
    for (const auto &entry : fs::directory_iterator(folder)) {
        std::error_code ec;
        // is_regular_file follows symlinks: a link to a plugin counts, a folder named x.so does not.
        if (entry.path().extension() == ".so" && entry.is_regular_file(ec)) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end(),
              [](const fs::path &a, const fs::path &b) { return a.filename() < b.filename(); });
    return files;
}

}  // namespace moltbot::plugin
