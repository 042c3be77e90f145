/*
 * TEST ONLY, never shipped: what moltbot/plugin.h would look like after a minor release that grows
 * mb_provider_descriptor by one trailing field, marked `since 1.1`. Embedding the 1.0 struct as the first member
 * gives exactly the layout of appending the field to it (same offsets; 80 is a multiple of the struct's alignment).
 * Used to prove docs/abi.md §3 both ways: a 1.0 plugin read by a 1.1 reader (zero-filled tail) and a 1.1 plugin
 * read by the 1.0 host (bigger struct_size, tail ignored).
 */
#ifndef MOLTBOT_PLUGIN_1_1_TEST_H
#define MOLTBOT_PLUGIN_1_1_TEST_H

#include <moltbot/plugin-1.0.h>

#define MB_ABI_TEST_1_1 MB_ABI_MAKE_VERSION(1, 1)

typedef struct mb_provider_descriptor_1_1 {
    mb_provider_descriptor v1_0; /* every 1.0 field, in order */
    const char *docs_url;        /* since 1.1: may be NULL */
} mb_provider_descriptor_1_1;

#endif /* MOLTBOT_PLUGIN_1_1_TEST_H */
