// Small text helpers for plugins and the host alike (header-only).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace moltbot::sdk {

// Levenshtein distance (insertions, deletions, substitutions), for "did you mean" suggestions.
inline std::size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

namespace detail {

// The length of the well-formed UTF-8 sequence at text[at] (Unicode table 3-7), or 0 when there is none. In that case
// `bad` is the length of the maximal subpart to replace with one U+FFFD (at least 1).
inline std::size_t utf8Sequence(std::string_view text, std::size_t at, std::size_t &bad) {
    auto byte = [&](std::size_t i) { return at + i < text.size() ? static_cast<unsigned char>(text[at + i]) : 0u; };
    unsigned lead = byte(0);
    std::size_t length = 0;
    if (lead < 0x80) {
        length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
    }
    // The second byte's range depends on the lead: no overlong forms, no surrogates, nothing above U+10FFFF.
    unsigned low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
    unsigned high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
    bad = 1;
    if (length <= 1) return length;
    for (std::size_t i = 1; i < length; ++i) {
        unsigned next = byte(i);
        if (next < (i == 1 ? low : 0x80) || next > (i == 1 ? high : 0xBF)) return 0;
        bad = i + 1;
    }
    return length;
}

}  // namespace detail

// Whether `text` is well-formed UTF-8.
inline bool isValidUtf8(std::string_view text) {
    std::size_t bad = 0;
    for (std::size_t at = 0; at < text.size();) {
        if (static_cast<unsigned char>(text[at]) < 0x80) {
            ++at;
            continue;
        }
        std::size_t length = detail::utf8Sequence(text, at, bad);
        if (length == 0) return false;
        at += length;
    }
    return true;
}

// `text` with every ill-formed part replaced by U+FFFD, one per maximal subpart (the W3C/WHATWG decoding practice).
inline std::string toValidUtf8(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    std::size_t bad = 0;
    for (std::size_t at = 0; at < text.size();) {
        std::size_t length = detail::utf8Sequence(text, at, bad);
        if (length == 0) {
            out += "\xEF\xBF\xBD";
            at += bad;
        } else {
            out.append(text, at, length);
            at += length;
        }
    }
    return out;
}

}  // namespace moltbot::sdk
