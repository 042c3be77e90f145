// The size of every struct of the frozen 1.0 header (tests/abi/frozen/moltbot/plugin-1.0.h), from a translation unit
// of its own: it declares the same names as <moltbot/plugin.h>.
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace moltbot::test {

// "mb_error" -> sizeof(mb_error) as the 1.0 header lays it out, for every struct of that header.
std::map<std::string, std::size_t> frozenSizes_1_0();

}  // namespace moltbot::test
