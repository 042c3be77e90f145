/*
 * TEST ONLY, never shipped: what moltbot/plugin.h would look like after the next minor release, 1.2 (the real header
 * is 1.1), if it grew mb_provider_descriptor by one trailing field, marked `since 1.2`. 1.1 changed no struct (it
 * added the capability bit MB_CAP_NO_API_KEY), so the 1.1 layout is the 1.0 layout, and embedding the 1.0 struct as
 * the first member gives exactly the layout of appending the field to it (same offsets; 80 is a multiple of the
 * struct's alignment). Used to prove docs/abi.md §3 both ways: a 1.0 plugin read by a 1.2 reader (zero-filled tail)
 * and a 1.2 plugin read by this host (bigger struct_size, tail ignored). tests/abi/frozen_test.cpp checks that this
 * header stays one minor version ahead of the real one.
 */
#ifndef MOLTBOT_PLUGIN_1_2_TEST_H
#define MOLTBOT_PLUGIN_1_2_TEST_H

#include <moltbot/plugin-1.0.h>

#define MB_CAP_NO_API_KEY 0x40u /* since 1.1, as in the real header */

#define MB_ABI_TEST_1_2 MB_ABI_MAKE_VERSION(1, 2)

typedef struct mb_provider_descriptor_1_2 {
    mb_provider_descriptor v1_0; /* every 1.0 (and 1.1) field, in order */
    const char *docs_url;        /* since 1.2: may be NULL */
} mb_provider_descriptor_1_2;

#endif /* MOLTBOT_PLUGIN_1_2_TEST_H */
