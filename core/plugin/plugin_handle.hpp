// Internal to core/plugin: a loaded plugin file and the host-owned structures handed to its functions.
#pragma once

#include "core/plugin/crash_report.hpp"
#include "core/plugin/host_services.hpp"
#include "core/plugin/plugin_scope.hpp"
#include "core/plugin/provider_instance.hpp"

#include <moltbot/plugin.h>

#include <boost/dll/shared_library.hpp>

#include <sys/types.h>

#include <array>
#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace moltbot::plugin {

// The host-owned mb_error of one plugin function call, with its message buffer.
class ErrorBuffer {
public:
    static constexpr std::size_t kCapacity = 4096;
    ErrorBuffer() { reset(); }
    ErrorBuffer(const ErrorBuffer &) = delete;
    ErrorBuffer &operator=(const ErrorBuffer &) = delete;
    // Zeroes the struct (retry_after_ms -1: "not said") and points it at an empty message buffer.
    void reset();
    mb_error *get() { return &error_; }
    // What the plugin wrote, read safely even if it left no NUL or moved the message pointer.
    std::string message();
    int32_t httpStatus() const { return error_.http_status; }
    int64_t retryAfterMs() const { return error_.retry_after_ms; }

private:
    std::array<char, kCapacity> text_{};
    mb_error error_{};
};

// The host side of one mb_call. Slots are pooled per plugin and live until the plugin is unloaded, so an emit
// through a stale mb_call pointer lands on memory that still says "not active" instead of freed memory.
struct CallSlot {
    mb_call call{};  // set up once by CallPool::acquire
    std::atomic<bool> active{false};
    std::atomic<std::thread::id> owner{};
    std::atomic<bool> cancelSeen{false};  // readable from other threads, e.g. an HTTP transfer of the call
    // Touched only by the owner thread while active:
    const EventSink *sink = nullptr;
    const CancelCheck *cancel = nullptr;
    std::string violation;                // the first ABI breach seen in emit
    std::exception_ptr sinkFailure;       // an exception of the sink or cancel check, rethrown after the call
    ErrorBuffer error;
};

class CallPool {
public:
    CallSlot *acquire();
    void release(CallSlot *slot);

private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<CallSlot>> slots_;
    std::vector<CallSlot *> free_;
};

// The crash report's subject for `file` (before its providers are known, `providerId` is "").
CrashSubject crashSubject(const std::filesystem::path &file, const std::string &providerId = {});

// A plugin file's identity: dlopen hands out one copy per (device, inode), whatever the path.
using FileId = std::pair<dev_t, ino_t>;

// Files loaded by any live registry of this process. A second live load of one file would share its loaded copy
// and run init twice, so claimFile refuses it (false) until the first handle released it.
bool claimFile(const FileId &id);
void releaseFile(const FileId &id);

class PluginHandle {
public:
    PluginHandle(std::filesystem::path path, std::shared_ptr<HostServices> services);
    // Calls deinit (when init succeeded), releases the file's claim, then unloads the file.
    ~PluginHandle();
    PluginHandle(const PluginHandle &) = delete;
    PluginHandle &operator=(const PluginHandle &) = delete;

    boost::dll::shared_library library;  // first member: destroyed (unloaded) after everything below is gone
    std::filesystem::path path;
    std::string label;  // names the plugin in logs: the id of its first provider
    CrashSubject crash;  // names it in a crash report: its file, then also its first provider
    std::shared_ptr<HostServices> services;
    PluginScope scope;        // what its host services calls may see
    mb_plugin_entry entry{};  // zero-filled copy
    mb_host_api host{};       // this plugin's table (host_table.hpp); host_ctx points back here
    bool initialized = false;
    std::optional<FileId> claimed;  // set while this handle owns the file in the process (see registry.cpp)
    CallPool calls;
};

}  // namespace moltbot::plugin
