#include "tests/abi/frozen_reader.hpp"

#include "plugin-1.2-test.h"

#include <dlfcn.h>

#include <cstring>
#include <stdexcept>

namespace moltbot::test {

const uint32_t kTestNextVersion = MB_ABI_TEST_1_2;

DescriptorSeen readWithNewerHost(const std::filesystem::path &plugin, uint32_t abiMax) {
    void *handle = ::dlopen(plugin.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) throw std::runtime_error(::dlerror());
    auto negotiate = reinterpret_cast<mb_negotiate_fn>(::dlsym(handle, MB_ENTRY_SYMBOL));
    mb_host_info host{sizeof(mb_host_info), MB_ABI_MAKE_VERSION(1, 0), abiMax, 0, "newer-host", "9.9"};
    const mb_plugin_entry *entry = nullptr;
    if (negotiate == nullptr || negotiate(&host, &entry) != MB_OK || entry == nullptr || entry->provider_count != 1) {
        ::dlclose(handle);
        throw std::runtime_error("negotiation with " + plugin.string() + " failed");
    }
    // The reader's rule (docs/abi.md §3): copy min(struct_size, sizeof) into a zeroed struct.
    const mb_provider_descriptor *raw = entry->providers[0];
    mb_provider_descriptor_1_2 descriptor{};
    std::memcpy(&descriptor, raw, std::min<std::size_t>(raw->struct_size, sizeof descriptor));
    DescriptorSeen seen{entry->abi_version, raw->struct_size, descriptor.v1_0.name, std::nullopt};
    if (descriptor.docs_url != nullptr) seen.docsUrl = descriptor.docs_url;
    ::dlclose(handle);
    return seen;
}

}  // namespace moltbot::test
