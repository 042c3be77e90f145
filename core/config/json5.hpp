// A JSON5 reader (https://spec.json5.org) that builds a rapidjson Document, since rapidjson reads only JSON.
//
// Mapping into rapidjson:
// - integers (decimal or hex) that fit become Int64/Uint64 values, everything else a double;
// - Infinity, -Infinity and NaN become the IEEE doubles; rapidjson holds them, and json.hpp's writer emits them back as
//   the JSON5 literals (plain JSON has no spelling for them). Validation rejects them where a real number is needed;
// - a repeated key keeps the last value, as in ECMAScript;
// - unquoted keys follow ECMAScript IdentifierName for ASCII; any non-ASCII letter-like code point is accepted too
//   (the full Unicode ID_Start tables are not worth their size here).
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace moltbot::config {

struct Json5Limits {
    std::size_t maxDepth = 256;  // nested objects and arrays
};

// A syntax error: what() is "<source>:<line>:<column>: <message>", line and column counted from 1 (columns in
// characters).
class Json5Error : public std::runtime_error {
public:
    Json5Error(std::string source, std::size_t line, std::size_t column, const std::string &message);
    std::size_t line() const { return line_; }
    std::size_t column() const { return column_; }
    // The message without the position prefix.
    const std::string &reason() const { return reason_; }

private:
    std::size_t line_;
    std::size_t column_;
    std::string reason_;
};

// Where each value of a parsed text sits in it, as byte offsets: what lets an edit change the text of one value and
// keep everything else (comments, quotes, layout) as it was (json5_edit.hpp).
struct Json5Span {
    std::size_t begin = 0;  // the value's first byte
    std::size_t end = 0;    // one past its last byte
    struct Member {
        std::string key;
        std::size_t keyBegin = 0;  // the key's first byte (its quote, if quoted)
        std::size_t commaEnd = 0;  // one past the ',' that follows the value, or 0 when none does
    };
    std::vector<Member> members;      // an object's members, in text order
    std::vector<Json5Span> children;  // an object's member values (children[i] is the value of members[i]) or an
                                      // array's elements
    bool repeatedKey = false;  // an object in this value repeats a key (the text holds a value the document lacks)
};

// Parses one JSON5 value (with surrounding whitespace and comments) into `out`, replacing its content. `source`
// names the text in errors (a file path, "value", ...). Throws Json5Error; never reads past `text`.
void parseJson5(std::string_view text, rapidjson::Document &out, std::string_view source,
                const Json5Limits &limits = {});
// The same, also filling `spans` for the value.
void parseJson5(std::string_view text, rapidjson::Document &out, std::string_view source, Json5Span &spans,
                const Json5Limits &limits = {});

}  // namespace moltbot::config
