// Struct-size helpers: every ABI struct starts with `uint32_t struct_size` and only grows at its end, so a reader
// copes with an older (smaller) struct by zero-filling what it lacks, and a writer checks a field exists first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace moltbot::sdk {

// The byte offset just past `member` in T.
template <class T, class M>
std::size_t fieldEnd(M T::*member) {
    static_assert(std::is_standard_layout_v<T> && std::is_trivially_copyable_v<T>);
    static const T probe{};
    const auto *base = reinterpret_cast<const unsigned char *>(&probe);
    const auto *field = reinterpret_cast<const unsigned char *>(&(probe.*member));
    return static_cast<std::size_t>(field - base) + sizeof(M);
}

// True when the struct at `s` (whose struct_size the other side filled) is large enough to hold `member`.
template <class T, class M>
bool hasField(const T *s, M T::*member) {
    return s != nullptr && s->struct_size >= fieldEnd(member);
}

// A copy of the struct at `s`, zero-filling the fields a smaller (older) struct lacks; struct_size keeps the
// size the other side declared. A NULL pointer or a size too small to hold struct_size yields an all-zero struct.
template <class T>
T readStruct(const T *s) {
    static_assert(std::is_standard_layout_v<T> && std::is_trivially_copyable_v<T>);
    T copy{};
    if (s == nullptr || s->struct_size < sizeof(uint32_t)) return copy;
    std::size_t n = s->struct_size < sizeof(T) ? s->struct_size : sizeof(T);
    std::memcpy(static_cast<void *>(&copy), s, n);
    return copy;
}

}  // namespace moltbot::sdk
