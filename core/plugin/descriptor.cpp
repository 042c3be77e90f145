#include "core/plugin/loader.hpp"

#include "core/plugin/abi_structs.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <optional>

namespace moltbot::plugin {

namespace {

constexpr std::size_t kMaxPrefixes = 64;
constexpr std::size_t kMaxStringBytes = 1024;

// A descriptor string: NULL is allowed only when `optional`; otherwise non-empty, bounded, no control characters.
std::string descriptorString(const char *value, std::string_view field, bool optional) {
    if (value == nullptr) {
        if (optional) return {};
        throw LoadError{"provider descriptor has no " + std::string(field)};
    }
    std::size_t length = strnlen(value, kMaxStringBytes + 1);
    if (length > kMaxStringBytes) {
        throw LoadError{"provider " + std::string(field) + " is longer than " + std::to_string(kMaxStringBytes) +
                        " bytes"};
    }
    std::string text(value, length);
    if (text.empty() && !optional) throw LoadError{"provider " + std::string(field) + " is empty"};
    if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
        throw LoadError{"provider " + std::string(field) + " contains control characters"};
    }
    return text;
}

// Prefixes and api kinds appear in model refs and config keys: lowercase letters, digits, '.', '_', '-'.
std::string nameToken(const char *value, std::string_view field) {
    std::string text = descriptorString(value, field, false);
    for (char c : text) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
            throw LoadError{"provider " + std::string(field) + " '" + text +
                            "' has characters outside [a-z0-9._-]"};
        }
    }
    return text;
}

// A NULL-terminated string list of the descriptor.
std::vector<std::string> nameList(const char *const *list, std::string_view field) {
    std::vector<std::string> names;
    for (std::size_t i = 0; list[i] != nullptr; ++i) {
        if (i == kMaxPrefixes) {
            throw LoadError{"provider " + std::string(field) + " list has more than " + std::to_string(kMaxPrefixes) +
                            " entries (missing NULL terminator?)"};
        }
        std::string name = nameToken(list[i], field);
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
    }
    return names;
}

}  // namespace

ProviderInfo readDescriptor(const mb_provider_descriptor *source, mb_provider_vtable &vtable, uint32_t abiVersion) {
    if (source == nullptr) throw LoadError{"a provider descriptor pointer is NULL"};
    std::optional<mb_provider_descriptor> copy = abi::readStruct(source, abi::kProviderDescriptorSize_1_0);
    if (!copy) {
        throw LoadError{abi::smallerThan1_0("provider descriptor", source->struct_size,
                                            abi::kProviderDescriptorSize_1_0)};
    }
    const mb_provider_descriptor &d = *copy;
    ProviderInfo info;
    info.id = descriptorString(d.id, "id", false);
    for (char c : info.id) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) {
            throw LoadError{"provider id '" + info.id + "' is not a reverse-DNS name"};
        }
    }
    info.name = descriptorString(d.name, "name", false);
    info.version = descriptorString(d.version, "version", false);
    info.vendor = descriptorString(d.vendor, "vendor", true);
    info.url = descriptorString(d.url, "url", true);
    info.description = descriptorString(d.description, "description", true);
    info.capabilities = d.capabilities & abi::capabilitiesOf(abiVersion);  // docs/abi.md §7: other bits are ignored
    if (d.prefixes == nullptr) throw LoadError{"provider " + info.id + " has no prefix list"};
    info.prefixes = nameList(d.prefixes, "prefix");
    if (info.prefixes.empty()) throw LoadError{"provider " + info.id + " serves no prefix"};
    if (d.apis != nullptr) info.apis = nameList(d.apis, "api");

    if (d.vtable == nullptr) throw LoadError{"provider " + info.id + " has no function table"};
    std::optional<mb_provider_vtable> table = abi::readStruct(d.vtable, abi::kProviderVtableHeaderSize);
    if (!table) {
        throw LoadError{"provider " + info.id + " function table struct_size " +
                        std::to_string(d.vtable->struct_size) + " is too small"};
    }
    vtable = *table;
    auto lacks = [&](const char *function) {
        return LoadError{"provider " + info.id + " function table lacks " + function};
    };
    if (vtable.create == nullptr) throw lacks("create");
    if (vtable.destroy == nullptr) throw lacks("destroy");
    if (vtable.stream == nullptr && vtable.complete == nullptr) throw lacks("both stream and complete");
    if ((info.capabilities & MB_CAP_STREAM) && vtable.stream == nullptr) throw lacks("stream (MB_CAP_STREAM is set)");
    if ((info.capabilities & MB_CAP_LIST_MODELS) && vtable.list_models == nullptr) {
        throw lacks("list_models (MB_CAP_LIST_MODELS is set)");
    }
    return info;
}

}  // namespace moltbot::plugin
