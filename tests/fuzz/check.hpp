// Shared by the fuzz targets: the entry point's declaration and an invariant check. A broken invariant aborts, which
// libFuzzer reports as a crash (saving the input) and the corpus replay as a failed test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size);

#define FUZZ_CHECK(condition)                                                                         \
    do {                                                                                              \
        if (!(condition)) {                                                                           \
            std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition);    \
            std::abort();                                                                             \
        }                                                                                             \
    } while (false)
