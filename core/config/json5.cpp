#include "core/config/json5.hpp"

#include <charconv>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <unordered_map>

namespace moltbot::config {

Json5Error::Json5Error(std::string source, std::size_t line, std::size_t column, const std::string &message)
    : std::runtime_error(source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message),
      line_(line), column_(column), reason_(message) {}

namespace {

constexpr char32_t kEnd = 0xFFFFFFFF;  // "no more input", never a real code point

bool isLineTerminator(char32_t c) { return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029; }

bool isWhitespace(char32_t c) {
    switch (c) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000: case 0xFEFF:
        return true;
    default:
        return c >= 0x2000 && c <= 0x200A;  // the Unicode space separators (Zs)
    }
}

bool isAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }

bool isHexDigit(char32_t c) { return isAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

int hexValue(char32_t c) {
    if (isAsciiDigit(c)) return static_cast<int>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
    return static_cast<int>(c - 'A' + 10);
}

bool isIdentifierStart(char32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '$' || c == '_';
    return c != kEnd && !isWhitespace(c);
}

bool isIdentifierPart(char32_t c) { return isIdentifierStart(c) || isAsciiDigit(c); }

void appendUtf8(std::string &out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

std::string describe(char32_t c) {
    if (c == kEnd) return "end of input";
    if (c == '\'') return "\"'\"";
    if (c >= 0x21 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(c));
    return buffer;
}

class Parser {
public:
    Parser(std::string_view text, rapidjson::Document::AllocatorType &allocator, std::string_view source,
           const Json5Limits &limits)
        : text_(text), allocator_(allocator), source_(source), limits_(limits) {}

    void parseDocument(rapidjson::Value &out, Json5Span *span) {
        skipSpace();
        parseValue(out, span);
        skipSpace();
        if (peek() != kEnd) fail("expected end of input after the value, found " + describe(peek()));
    }

private:
    struct Mark {
        std::size_t pos, line, column;
    };

    std::string_view text_;
    rapidjson::Document::AllocatorType &allocator_;
    std::string_view source_;
    Json5Limits limits_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t column_ = 1;
    std::size_t depth_ = 0;

    [[noreturn]] void failAt(const Mark &mark, const std::string &message) const {
        throw Json5Error(std::string(source_), mark.line, mark.column, message);
    }
    [[noreturn]] void fail(const std::string &message) const { failAt(mark(), message); }
    Mark mark() const { return {pos_, line_, column_}; }

    // Decodes the code point at pos_ into `length` bytes; rejects overlong forms, surrogates and bytes past U+10FFFF.
    char32_t decode(std::size_t &length) const {
        if (pos_ >= text_.size()) {
            length = 0;
            return kEnd;
        }
        auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text_[pos_ + i]); };
        unsigned char lead = byte(0);
        if (lead < 0x80) {
            length = 1;
            return lead;
        }
        char32_t c = 0;
        char32_t minimum = 0;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2, c = lead & 0x1F, minimum = 0x80;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3, c = lead & 0x0F, minimum = 0x800;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4, c = lead & 0x07, minimum = 0x10000;
        } else {
            invalidUtf8(lead);
        }
        if (pos_ + length > text_.size()) invalidUtf8(lead);
        for (std::size_t i = 1; i < length; ++i) {
            if ((byte(i) & 0xC0) != 0x80) invalidUtf8(lead);
            c = (c << 6) | (byte(i) & 0x3F);
        }
        if (c < minimum || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) invalidUtf8(lead);
        return c;
    }

    [[noreturn]] void invalidUtf8(unsigned char lead) const {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "0x%02X", static_cast<unsigned>(lead));
        fail(std::string("invalid UTF-8 (byte ") + buffer + "); the file must be UTF-8 text");
    }

    char32_t peek() const {
        std::size_t length = 0;
        return decode(length);
    }

    // The byte after the current code point when it is ASCII, else 0; enough for the two-character tokens.
    char peekSecond() const {
        std::size_t length = 0;
        decode(length);
        return pos_ + length < text_.size() ? text_[pos_ + length] : '\0';
    }

    char32_t next() {
        std::size_t length = 0;
        char32_t c = decode(length);
        if (c == kEnd) return c;
        pos_ += length;
        // "\r\n" is one line break: the '\r' moves nothing, the '\n' does.
        if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') return c;
        if (isLineTerminator(c)) {
            ++line_;
            column_ = 1;
        } else {
            ++column_;
        }
        return c;
    }

    void expect(char32_t wanted, const char *what) {
        if (peek() != wanted) fail(std::string("expected ") + what + ", found " + describe(peek()));
        next();
    }

    void skipSpace() {
        for (;;) {
            char32_t c = peek();
            if (isWhitespace(c)) {
                next();
            } else if (c == '/' && peekSecond() == '/') {
                while (peek() != kEnd && !isLineTerminator(peek())) next();
            } else if (c == '/' && peekSecond() == '*') {
                Mark start = mark();
                next();
                next();
                for (;;) {
                    char32_t inside = next();
                    if (inside == kEnd) failAt(start, "unterminated block comment (no closing */)");
                    if (inside == '*' && peek() == '/') {
                        next();
                        break;
                    }
                }
            } else {
                return;
            }
        }
    }

    struct DepthGuard {
        Parser &parser;
        explicit DepthGuard(Parser &p) : parser(p) {
            if (++parser.depth_ > parser.limits_.maxDepth) {
                parser.fail("nesting is deeper than " + std::to_string(parser.limits_.maxDepth) + " levels");
            }
        }
        ~DepthGuard() { --parser.depth_; }
        DepthGuard(const DepthGuard &) = delete;
        DepthGuard &operator=(const DepthGuard &) = delete;
    };

    // `span`, when given, receives where the value sits in the text.
    void parseValue(rapidjson::Value &out, Json5Span *span = nullptr) {
        if (span != nullptr) span->begin = pos_;
        parseBareValue(out, span);
        if (span != nullptr) span->end = pos_;
    }

    void parseBareValue(rapidjson::Value &out, Json5Span *span) {
        char32_t c = peek();
        if (c == '{') {
            parseObject(out, span);
        } else if (c == '[') {
            parseArray(out, span);
        } else if (c == '"' || c == '\'') {
            std::string text = parseString();
            out.SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator_);
        } else if (isAsciiDigit(c) || c == '-' || c == '+' || c == '.') {
            parseNumber(out);
        } else if (isIdentifierStart(c)) {
            Mark start = mark();
            std::string word = parseIdentifier();
            if (word == "true") {
                out.SetBool(true);
            } else if (word == "false") {
                out.SetBool(false);
            } else if (word == "null") {
                out.SetNull();
            } else if (word == "Infinity") {
                out.SetDouble(std::numeric_limits<double>::infinity());
            } else if (word == "NaN") {
                out.SetDouble(std::numeric_limits<double>::quiet_NaN());
            } else {
                // The word is not echoed: it may be the start of an unquoted secret.
                failAt(start, "expected a value, found unquoted text (strings need quotes)");
            }
        } else {
            fail("expected a value, found " + describe(c));
        }
    }

    void parseObject(rapidjson::Value &out, Json5Span *span) {
        DepthGuard guard(*this);
        next();  // '{'
        out.SetObject();
        std::unordered_map<std::string, rapidjson::SizeType> seen;
        for (;;) {
            skipSpace();
            if (peek() == '}') break;
            char32_t c = peek();
            std::size_t keyBegin = pos_;
            std::string key;
            if (c == '"' || c == '\'') {
                key = parseString();
            } else if (isIdentifierStart(c) || c == '\\') {
                key = parseIdentifier();
            } else {
                fail("expected a key or '}', found " + describe(c));
            }
            skipSpace();
            expect(':', "':' after the key");
            skipSpace();
            rapidjson::Value value;
            Json5Span *child = nullptr;
            if (span != nullptr) {
                span->members.push_back({key, keyBegin, 0});
                child = &span->children.emplace_back();
            }
            parseValue(value, child);
            if (child != nullptr && child->repeatedKey) span->repeatedKey = true;
            if (auto found = seen.find(key); found != seen.end()) {
                (out.MemberBegin() + found->second)->value = value;  // a repeated key: the last one wins
                if (span != nullptr) span->repeatedKey = true;
            } else {
                seen.emplace(key, out.MemberCount());
                out.AddMember(rapidjson::Value(key.data(), static_cast<rapidjson::SizeType>(key.size()), allocator_),
                              value, allocator_);
            }
            skipSpace();
            if (peek() == ',') {
                next();
                if (span != nullptr) span->members.back().commaEnd = pos_;
                continue;
            }
            if (peek() != '}') fail("expected ',' or '}' after an object member, found " + describe(peek()));
        }
        next();  // '}'
    }

    void parseArray(rapidjson::Value &out, Json5Span *span) {
        DepthGuard guard(*this);
        next();  // '['
        out.SetArray();
        for (;;) {
            skipSpace();
            if (peek() == ']') break;
            rapidjson::Value value;
            Json5Span *element = nullptr;
            if (span != nullptr) element = &span->children.emplace_back();
            parseValue(value, element);
            if (element != nullptr && element->repeatedKey) span->repeatedKey = true;
            out.PushBack(value, allocator_);
            skipSpace();
            if (peek() == ',') {
                next();
                continue;
            }
            if (peek() != ']') fail("expected ',' or ']' after an array element, found " + describe(peek()));
        }
        next();  // ']'
    }

    char32_t parseHexDigits(int count) {
        char32_t value = 0;
        for (int i = 0; i < count; ++i) {
            if (!isHexDigit(peek())) fail("expected a hexadecimal digit in the escape, found " + describe(peek()));
            value = (value << 4) | static_cast<char32_t>(hexValue(next()));
        }
        return value;
    }

    // After "\u": one code unit, or a surrogate pair written as two escapes.
    char32_t parseUnicodeEscape(const Mark &start) {
        char32_t unit = parseHexDigits(4);
        if (unit >= 0xDC00 && unit <= 0xDFFF) failAt(start, "unpaired low surrogate in \\u escape");
        if (unit < 0xD800 || unit > 0xDBFF) return unit;
        if (peek() != '\\' || peekSecond() != 'u') failAt(start, "high surrogate in \\u escape without a low one");
        next();
        next();
        char32_t low = parseHexDigits(4);
        if (low < 0xDC00 || low > 0xDFFF) failAt(start, "high surrogate in \\u escape without a low one");
        return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }

    std::string parseString() {
        Mark start = mark();
        char32_t quote = next();
        std::string out;
        for (;;) {
            char32_t c = peek();
            if (c == kEnd) failAt(start, "unterminated string");
            if (c == '\n' || c == '\r') fail("unterminated string (a line break needs \\n or a \\ at the line end)");
            next();
            if (c == quote) return out;
            if (c != '\\') {
                appendUtf8(out, c);
                continue;
            }
            Mark escape = mark();
            char32_t e = next();
            switch (e) {
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'v': out += '\v'; break;
            case '0':
                if (isAsciiDigit(peek())) failAt(escape, "\\0 may not be followed by a digit");
                out += '\0';
                break;
            case 'x': appendUtf8(out, parseHexDigits(2)); break;
            case 'u': appendUtf8(out, parseUnicodeEscape(escape)); break;
            case '\r':
                if (peek() == '\n') next();
                break;
            case '\n': case 0x2028: case 0x2029:
                break;  // a line continuation adds nothing
            case kEnd:
                failAt(start, "unterminated string");
            default:
                if (isAsciiDigit(e)) failAt(escape, "\\" + std::string(1, static_cast<char>(e)) + " is not a valid escape");
                appendUtf8(out, e);  // any other character escapes to itself
            }
        }
    }

    std::string parseIdentifier() {
        std::string out;
        bool first = true;
        for (;;) {
            Mark at = mark();
            char32_t c = peek();
            if (c == '\\') {
                next();
                if (peek() != 'u') fail("expected 'u' after '\\' in a key, found " + describe(peek()));
                next();
                c = parseUnicodeEscape(at);
                if (!(first ? isIdentifierStart(c) : isIdentifierPart(c))) {
                    failAt(at, "the escape " + describe(c) + " is not allowed in an unquoted key");
                }
            } else if (first ? isIdentifierStart(c) : isIdentifierPart(c)) {
                next();
            } else {
                return out;
            }
            appendUtf8(out, c);
            first = false;
        }
    }

    void parseNumber(rapidjson::Value &out) {
        Mark start = mark();
        bool negative = false;
        if (peek() == '+' || peek() == '-') negative = next() == '-';
        if (isIdentifierStart(peek())) {
            std::string word = parseIdentifier();
            if (word == "Infinity") {
                out.SetDouble(negative ? -std::numeric_limits<double>::infinity()
                                       : std::numeric_limits<double>::infinity());
            } else if (word == "NaN") {
                out.SetDouble(std::numeric_limits<double>::quiet_NaN());
            } else {
                failAt(start, "expected a number after the sign");
            }
            return;
        }
        if (peek() == '0' && (peekSecond() == 'x' || peekSecond() == 'X')) {
            next();
            next();
            if (!isHexDigit(peek())) fail("expected a hexadecimal digit after 0x, found " + describe(peek()));
            std::uint64_t magnitude = 0;
            while (isHexDigit(peek())) {
                if (magnitude >> 60 != 0) failAt(start, "hexadecimal number does not fit in 64 bits");
                magnitude = (magnitude << 4) | static_cast<std::uint64_t>(hexValue(next()));
            }
            endOfNumber(start);
            setInteger(out, negative, magnitude);
            return;
        }
        std::string digits;  // the number without its sign, in the form from_chars reads
        bool integral = true;
        if (peek() == '0' && isAsciiDigit(static_cast<unsigned char>(peekSecond()))) {
            fail("a number may not start with 0 followed by digits");
        }
        while (isAsciiDigit(peek())) digits += static_cast<char>(next());
        if (peek() == '.') {
            integral = false;
            digits += static_cast<char>(next());
            while (isAsciiDigit(peek())) digits += static_cast<char>(next());
        }
        if (digits.empty() || digits == ".") failAt(start, "expected digits in the number");
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            digits += static_cast<char>(next());
            if (peek() == '+' || peek() == '-') digits += static_cast<char>(next());
            if (!isAsciiDigit(peek())) fail("expected digits in the exponent, found " + describe(peek()));
            while (isAsciiDigit(peek())) digits += static_cast<char>(next());
        }
        endOfNumber(start);
        if (integral) {
            std::uint64_t magnitude = 0;
            auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
            if (error == std::errc() && end == digits.data() + digits.size()) {
                setInteger(out, negative, magnitude);
                return;
            }
        }
        // strtod rather than from_chars: it turns an out-of-range value into infinity or zero, as ECMAScript does.
        // The digits use '.' and moltbot never changes the C locale, so strtod reads them as written.
        double value = std::strtod(digits.c_str(), nullptr);
        out.SetDouble(negative ? -value : value);
    }

    void endOfNumber(const Mark &start) {
        if (isIdentifierPart(peek()) || peek() == '.') {
            failAt(start, "unexpected " + describe(peek()) + " after the number");
        }
    }

    static void setInteger(rapidjson::Value &out, bool negative, std::uint64_t magnitude) {
        constexpr std::uint64_t kInt64Limit = std::uint64_t{1} << 63;
        if (!negative) {
            out.SetUint64(magnitude);
        } else if (magnitude <= kInt64Limit) {
            out.SetInt64(magnitude == kInt64Limit ? std::numeric_limits<std::int64_t>::min()
                                                  : -static_cast<std::int64_t>(magnitude));
        } else {
            out.SetDouble(-static_cast<double>(magnitude));
        }
    }
};

}  // namespace

void parseJson5(std::string_view text, rapidjson::Document &out, std::string_view source, const Json5Limits &limits) {
    rapidjson::Document parsed;
    Parser parser(text, parsed.GetAllocator(), source, limits);
    parser.parseDocument(parsed, nullptr);
    out.Swap(parsed);
}

void parseJson5(std::string_view text, rapidjson::Document &out, std::string_view source, Json5Span &spans,
                const Json5Limits &limits) {
    rapidjson::Document parsed;
    Json5Span found;
    Parser parser(text, parsed.GetAllocator(), source, limits);
    parser.parseDocument(parsed, &found);
    out.Swap(parsed);
    spans = std::move(found);
}

}  // namespace moltbot::config
