// Internal to core/plugin: the mb_host_api each plugin receives (docs/abi.md §6). Its C functions check their
// arguments and the calling plugin's scope, then forward to HostServices; none lets an exception out.
#pragma once

#include <moltbot/plugin.h>

#include <cstdint>

namespace moltbot::plugin {

class PluginHandle;

// The table for `handle`, whose host_ctx is `handle` itself: every call knows which plugin makes it.
mb_host_api hostTable(PluginHandle &handle, uint32_t abiVersion);

}  // namespace moltbot::plugin
