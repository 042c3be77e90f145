// Where plugins are looked for (docs/abi.md §10), in order:
//   1. each folder of $MOLTBOT_PLUGIN_PATH (colon-separated),
//   2. <state dir>/plugins,
//   3. the install's folder, <exe dir>/../<libdir>/moltbot/plugins,
//   4. when the running executable lives inside the build tree, every folder under <build root>/plugins, so that an
//      uninstalled build/host/moltbot finds the plugins built beside it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace moltbot::plugin {

enum class FolderOrigin { Environment, StateDir, Install, BuildTree };

struct SearchFolder {
    std::filesystem::path path;
    FolderOrigin origin;
};

// "MOLTBOT_PLUGIN_PATH", "state dir", "install", "build tree".
std::string_view originName(FolderOrigin origin);

// The folders searched, in order, without duplicates (the first occurrence of a folder counts).
std::vector<SearchFolder> searchFolders();

// Why a plugin folder or file may not be trusted, or "" when it may: it is writable by group or others (its own
// mode bits, following symlinks), so another user could replace the code moltbot runs. The reason says how to fix it.
std::string untrustedReason(const std::filesystem::path &path);

// The *.so files directly in `folder`, sorted by name. Throws std::filesystem::filesystem_error when the folder
// cannot be read.
std::vector<std::filesystem::path> pluginFiles(const std::filesystem::path &folder);

}  // namespace moltbot::plugin
