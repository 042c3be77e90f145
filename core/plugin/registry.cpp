#include "core/plugin/registry.hpp"

#include "core/plugin/loader.hpp"
#include "core/plugin/prefix_table.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

namespace fs = std::filesystem;

namespace moltbot::plugin {

std::string versionString(uint32_t version) {
    return std::to_string(MB_ABI_VERSION_MAJOR(version)) + "." + std::to_string(MB_ABI_VERSION_MINOR(version));
}

Registry Registry::load(const std::vector<SearchFolder> &folders, std::shared_ptr<HostServices> services,
                        const LoadPolicy &policy) {
    installCrashReport();
    Registry registry;
    registry.prefixes_ = std::make_shared<PrefixTable>();
    std::map<FileId, fs::path> loadedFiles;
    for (const SearchFolder &folder : folders) {
        std::error_code ec;
        fs::file_status status = fs::status(folder.path, ec);
        std::string problem;
        std::vector<fs::path> files;
        if (status.type() == fs::file_type::not_found) {
            // The default folders usually do not exist; only a folder the user named is worth a warning.
            if (folder.origin == FolderOrigin::Environment) problem = "it does not exist";
        } else if (ec) {
            problem = ec.message();
        } else if (!fs::is_directory(status)) {
            problem = "it is not a folder";
        } else if (std::string unsafe = untrustedReason(folder.path); !unsafe.empty()) {
            problem = "refusing to load plugins from it: " + unsafe;
        } else {
            try {
                files = pluginFiles(folder.path);
            } catch (const fs::filesystem_error &error) {
                problem = error.code().message();
            }
        }
        if (!problem.empty()) {
            registry.warnings_.push_back("moltbot: cannot read plugin folder " + folder.path.string() + ": " +
                                         problem);
            registry.folderProblems_.push_back({folder.path, problem});
            continue;
        }
        for (const fs::path &file : files) {
            try {
                struct stat info {};
                if (::stat(file.c_str(), &info) != 0) {
                    throw LoadError{std::error_code(errno, std::generic_category()).message()};
                }
                FileId id{info.st_dev, info.st_ino};
                auto [it, fresh] = loadedFiles.emplace(id, file);
                if (!fresh) throw LoadError{"it is the same file as " + it->second.string() + ", already loaded"};
                if (auto disabled = policy.disabledFile(file, id)) throw LoadError{*disabled, true};
                if (std::string unsafe = untrustedReason(file); !unsafe.empty()) throw LoadError{unsafe};
                LoadedPlugin &loaded = registry.plugins_.emplace_back(loadPlugin(file, id, services, policy));
                for (const auto &provider : loaded.providers) registry.prefixes_->claim(provider);
            } catch (const LoadError &error) {
                if (!error.disabled) {
                    registry.warnings_.push_back("moltbot: skipping plugin " + file.string() + ": " + error.reason);
                }
                registry.skipped_.push_back({file, error.reason, error.disabled});
            }
        }
    }
    registry.prefixes_->resolve(policy.pins, registry.warnings_);
    return registry;
}

std::shared_ptr<const Provider> Registry::find(std::string_view prefix) const { return prefixes_->find(prefix); }

std::shared_ptr<const Provider> Registry::findByApi(std::string_view api, std::string_view prefix) const {
    return prefixes_->findByApi(api, prefix);
}

const std::vector<ShadowedPrefix> &Registry::shadowed() const { return prefixes_->shadowed(); }

const std::vector<PinProblem> &Registry::pinProblems() const { return prefixes_->pinProblems(); }

bool Registry::pinned(std::string_view prefix) const { return prefixes_->pinned(prefix); }

}  // namespace moltbot::plugin
