// A C++ provider on the installed SDK's helpers (docs/plugin-authoring.md §3): <moltbot/sdk/host.hpp> pulls in
// RapidJSON, so it builds only when moltbot-plugin-cpp.pc or Moltbot::plugin_cpp supply RapidJSON's headers. It serves
// the prefix "hello" and streams one greeting.
#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/host.hpp>

struct mb_instance {
    moltbot::sdk::Host host;
};

namespace {

int32_t create(const mb_host_api *host, const char *, size_t, mb_instance **out, mb_error *error) {
    return moltbot::sdk::guard(error, [&] {
        *out = new mb_instance{moltbot::sdk::Host(host)};
        return MB_OK;
    });
}

void destroy(mb_instance *instance) { delete instance; }

int32_t stream(mb_instance *, const char *, size_t, const char *, size_t, mb_call *raw, mb_error *error) {
    return moltbot::sdk::guard(error, [&] {
        moltbot::sdk::Call call(raw);
        if (!call.emit(MB_EVENT_TEXT_DELTA, R"({"text":"Hello from C++."})")) return MB_ERR_CANCELLED;
        return call.emit(MB_EVENT_DONE, R"({"finish_reason":"stop"})") ? MB_OK : MB_ERR_CANCELLED;
    });
}

const mb_provider_vtable kVtable = {sizeof kVtable, 0, create, destroy, nullptr, nullptr, stream, nullptr};
const char *const kPrefixes[] = {"hello", nullptr};
const mb_provider_descriptor kDescriptor = {sizeof kDescriptor, MB_CAP_STREAM, "org.example.hello", "Hello",
                                            "1.0.0", nullptr, nullptr, nullptr, kPrefixes, nullptr, &kVtable};
const mb_provider_descriptor *const kProviders[] = {&kDescriptor};
int32_t init(const mb_host_api *, mb_error *) { return MB_OK; }
const mb_plugin_entry kEntry = {sizeof kEntry, MB_ABI_CURRENT, 1, 0, kProviders, init, nullptr};

}  // namespace

extern "C" MB_EXPORT int32_t moltbot_plugin_negotiate(const mb_host_info *host, const mb_plugin_entry **entry) {
    if (host == nullptr || entry == nullptr) return MB_ERR_INVALID_ARGUMENT;
    if (host->abi_min > MB_ABI_CURRENT || host->abi_max < MB_ABI_CURRENT) return MB_ERR_INCOMPATIBLE;
    *entry = &kEntry;
    return MB_OK;
}
