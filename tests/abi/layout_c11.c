/* plugin.h compiled as strict C11 (see meson.build): the layout pins hold, and the C view is exported for the C++ test. */
#include "layout.h"

const size_t mb_c11_offsets[] = {MB_V1_FIELDS(MB_LAYOUT_OFFSET)};
const size_t mb_c11_offset_count = sizeof mb_c11_offsets / sizeof mb_c11_offsets[0];
const size_t mb_c11_sizes[] = {MB_V1_SIZES(MB_LAYOUT_SIZE)};
const size_t mb_c11_size_count = sizeof mb_c11_sizes / sizeof mb_c11_sizes[0];
