// plugin.h compiled as C++20: the same pins as in C11, and the C11 compiler's layout equals the C++ one.
#include "tests/abi/layout.h"

#include <doctest/doctest.h>

#include <vector>

TEST_CASE("the C11 and C++20 views of every v1 struct agree") {
    const std::vector<std::size_t> offsets{MB_V1_FIELDS(MB_LAYOUT_OFFSET)};
    const std::vector<std::size_t> sizes{MB_V1_SIZES(MB_LAYOUT_SIZE)};
    CHECK(std::vector<std::size_t>(mb_c11_offsets, mb_c11_offsets + mb_c11_offset_count) == offsets);
    CHECK(std::vector<std::size_t>(mb_c11_sizes, mb_c11_sizes + mb_c11_size_count) == sizes);
    CHECK(offsets.size() == 64);  // every field of the 8 v1 structs is in the table
}
