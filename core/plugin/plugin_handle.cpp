#include "core/plugin/plugin_handle.hpp"

#include <set>

namespace moltbot::plugin {

namespace {

std::mutex gClaimsMutex;
std::set<FileId> gClaims;

}  // namespace

bool claimFile(const FileId &id) {
    std::lock_guard lock(gClaimsMutex);
    return gClaims.insert(id).second;
}

void releaseFile(const FileId &id) {
    std::lock_guard lock(gClaimsMutex);
    gClaims.erase(id);
}

void ErrorBuffer::reset() {
    text_.fill('\0');
    error_ = mb_error{};
    error_.struct_size = sizeof(mb_error);
    error_.message_capacity = static_cast<uint32_t>(text_.size());
    error_.retry_after_ms = -1;
    error_.message = text_.data();
}

std::string ErrorBuffer::message() {
    text_.back() = '\0';
    return std::string(text_.data());
}

CrashSubject crashSubject(const std::filesystem::path &file, const std::string &providerId) {
    if (providerId.empty()) return {"plugin " + file.string(), "moltbot plugins disable " + file.string()};
    return {"plugin " + file.string() + " (" + providerId + ")", "moltbot plugins disable " + providerId};
}

PluginHandle::PluginHandle(std::filesystem::path filePath, std::shared_ptr<HostServices> hostServices)
    : path(std::move(filePath)),
      label(path.filename().string()),
      crash(crashSubject(path)),
      services(std::move(hostServices)) {}

PluginHandle::~PluginHandle() {
    if (initialized && entry.deinit != nullptr) {
        PluginCallMark mark(crash, "deinit");
        try {
            entry.deinit();
        } catch (...) {  // nothing can be done about a plugin that throws on the way out; it is unloaded anyway
        }
    }
    if (claimed) releaseFile(*claimed);
    PluginCallMark mark(crash, "unloading (its static destructors)");
    library.unload();
}

}  // namespace moltbot::plugin
