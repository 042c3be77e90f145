// The host's side of the struct-growth rule (docs/abi.md §3): the size each ABI struct had in version 1.0, and the
// one reader every struct a plugin hands in goes through. A later minor version grows structs at their end, so the
// host's sizeof is the *current* size; a 1.0 plugin still passes the 1.0 size, and that is the least the host needs
// where it reads every 1.0 field. tests/abi checks each constant against the frozen 1.0 header.
#pragma once

#include <moltbot/ext/check_options.h>
#include <moltbot/ext/key_info.h>
#include <moltbot/plugin.h>
#include <moltbot/sdk/structs.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moltbot::plugin::abi {

// sizeof(type) as compiled against a header in which `last` was its last field: the field's end rounded up to the
// struct's alignment. Growth never changes that alignment: every ABI struct already holds a pointer.
#define MOLTBOT_SIZE_THROUGH(type, last)                                                                              \
    static_cast<uint32_t>((offsetof(type, last) + sizeof(static_cast<type *>(nullptr)->last) + alignof(type) - 1) /   \
                          alignof(type) * alignof(type))

inline constexpr uint32_t kErrorSize_1_0 = MOLTBOT_SIZE_THROUGH(mb_error, message);
inline constexpr uint32_t kCallSize_1_0 = MOLTBOT_SIZE_THROUGH(mb_call, host_data);
inline constexpr uint32_t kHttpRequestSize_1_0 = MOLTBOT_SIZE_THROUGH(mb_http_request, user);
inline constexpr uint32_t kHostApiSize_1_0 = MOLTBOT_SIZE_THROUGH(mb_host_api, get_service);
inline constexpr uint32_t kProviderVtableSize_1_0 = MOLTBOT_SIZE_THROUGH(mb_provider_vtable, get_extension);
inline constexpr uint32_t kProviderDescriptorSize_1_0 = MOLTBOT_SIZE_THROUGH(mb_provider_descriptor, vtable);
inline constexpr uint32_t kHostInfoSize_1_0 = MOLTBOT_SIZE_THROUGH(mb_host_info, host_version);
inline constexpr uint32_t kPluginEntrySize_1_0 = MOLTBOT_SIZE_THROUGH(mb_plugin_entry, deinit);

// Smaller minimums where the host needs less than the whole 1.0 struct.
// The entry up to abi_version: enough to tell a plugin of another major, whatever its entry looks like.
inline constexpr uint32_t kEntryVersionSize = MOLTBOT_SIZE_THROUGH(mb_plugin_entry, abi_version);
// A function table's header alone: a function past its struct_size reads as NULL, and the loader names the
// required one that is missing (docs/abi.md §3: a vtable may be shorter than 1.0).
inline constexpr uint32_t kProviderVtableHeaderSize = offsetof(mb_provider_vtable, create);

// Extension tables follow the same rule, each from its own first revision.
inline constexpr uint32_t kExtKeyInfoSize_1 = MOLTBOT_SIZE_THROUGH(mb_ext_key_info, key_info);
inline constexpr uint32_t kExtCheckOptionsSize_1 = MOLTBOT_SIZE_THROUGH(mb_ext_check_options, check_options);

#undef MOLTBOT_SIZE_THROUGH

// The capability bits each minor version defines. The host keeps only the bits of the version a plugin negotiated
// (docs/abi.md §7): a 1.0 plugin that happens to set 0x40 does not claim MB_CAP_NO_API_KEY, which 1.0 lacks, and a
// bit no version defines yet means nothing.
inline constexpr uint32_t kCapabilities_1_0 = MB_CAP_STREAM | MB_CAP_TOOLS | MB_CAP_LIST_MODELS | MB_CAP_REASONING |
                                              MB_CAP_PROMPT_CACHE | MB_CAP_CONFIG_PREFIXES;
inline constexpr uint32_t kCapabilities_1_1 = kCapabilities_1_0 | MB_CAP_NO_API_KEY;

// The capability bits defined in ABI `version` (major 1, which is all the host accepts).
constexpr uint32_t capabilitiesOf(uint32_t version) {
    return MB_ABI_VERSION_MINOR(version) >= 1 ? kCapabilities_1_1 : kCapabilities_1_0;
}

// The struct at `source`, copied with sdk::readStruct (the fields a smaller struct lacks read as zero, the tail of a
// bigger one is ignored, struct_size stays what the plugin said), or nullopt when `source` is NULL or its struct_size
// is below `minSize`.
template <class T>
std::optional<T> readStruct(const T *source, uint32_t minSize) {
    if (source == nullptr || source->struct_size < minSize) return std::nullopt;
    return sdk::readStruct(source);
}

// "<what> struct_size <size> is smaller than the 1.0 size <size_1_0>", for a struct refused by readStruct.
inline std::string smallerThan1_0(std::string_view what, uint32_t size, uint32_t size_1_0) {
    return std::string(what) + " struct_size " + std::to_string(size) + " is smaller than the 1.0 size " +
           std::to_string(size_1_0);
}

}  // namespace moltbot::plugin::abi
