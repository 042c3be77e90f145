#include "tests/abi/frozen_sizes.hpp"

#include <moltbot/plugin-1.0.h>

namespace moltbot::test {

std::map<std::string, std::size_t> frozenSizes_1_0() {
    return {
        {"mb_error", sizeof(mb_error)},
        {"mb_call", sizeof(mb_call)},
        {"mb_http_request", sizeof(mb_http_request)},
        {"mb_host_api", sizeof(mb_host_api)},
        {"mb_provider_vtable", sizeof(mb_provider_vtable)},
        {"mb_provider_descriptor", sizeof(mb_provider_descriptor)},
        {"mb_host_info", sizeof(mb_host_info)},
        {"mb_plugin_entry", sizeof(mb_plugin_entry)},
    };
}

}  // namespace moltbot::test
