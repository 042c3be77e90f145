// The JSON5 reader: the spec's features, the mapping into rapidjson, and errors with line:column.
#include "core/config/json5.hpp"
#include "core/config/files.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using moltbot::config::Json5Error;
using moltbot::config::parseJson5;

namespace {

rapidjson::Document parse(std::string_view text) {
    rapidjson::Document document;
    parseJson5(text, document, "test.json5");
    return document;
}

// The error of parsing `text`; fails the test when it parses.
Json5Error errorOf(std::string_view text, const moltbot::config::Json5Limits &limits = {}) {
    rapidjson::Document document;
    try {
        parseJson5(text, document, "test.json5", limits);
    } catch (const Json5Error &error) {
        return error;
    }
    FAIL("parsed without error: " << text);
    return Json5Error("", 0, 0, "");
}

}  // namespace

TEST_CASE("comments, unquoted keys, single quotes and trailing commas") {
    rapidjson::Document d = parse(R"(// leading comment
{
  /* block
     comment */ agents: {
    $dollar_key1: 'single "quoted"',
    "double": "it's",
  },
  list: [1, 2, 3,],
}
)");
    REQUIRE(d.IsObject());
    CHECK(std::string(d["agents"]["$dollar_key1"].GetString()) == "single \"quoted\"");
    CHECK(std::string(d["agents"]["double"].GetString()) == "it's");
    CHECK(d["list"].Size() == 3);
}

TEST_CASE("numbers: hex, leading and trailing points, plus signs, exponents, Infinity and NaN") {
    rapidjson::Document d = parse(
        "{a: 0x1F, b: -0xff, c: .5, d: 5., e: +7, f: 1e3, g: -2.5E-1, h: Infinity, i: -Infinity, j: NaN, k: +NaN,"
        " l: 18446744073709551615, m: -9223372036854775808, n: 123456789012345678901234, o: 1e999, p: 0}");
    CHECK(d["a"].GetInt() == 31);
    CHECK(d["b"].GetInt() == -255);
    CHECK(d["c"].GetDouble() == 0.5);
    CHECK(d["d"].GetDouble() == 5.0);
    CHECK(d["e"].GetInt() == 7);
    CHECK(d["f"].GetDouble() == 1000.0);
    CHECK(d["g"].GetDouble() == -0.25);
    CHECK(std::isinf(d["h"].GetDouble()));
    CHECK(d["h"].GetDouble() > 0);
    CHECK(d["i"].GetDouble() < 0);
    CHECK(std::isnan(d["j"].GetDouble()));
    CHECK(std::isnan(d["k"].GetDouble()));
    CHECK(d["l"].GetUint64() == 18446744073709551615ULL);
    CHECK(d["m"].GetInt64() == INT64_MIN);
    CHECK(d["n"].IsDouble());
    CHECK(std::isinf(d["o"].GetDouble()));
    CHECK(d["p"].IsInt());
}

TEST_CASE("string escapes: \\x, \\u with surrogate pairs, line continuations, identity escapes") {
    rapidjson::Document d = parse("['\\x41\\u00e9\\uD83D\\uDE00', 'one \\\ntwo \\\r\ndone', '\\q\\'\\\"\\0\\v', "
                                  "'\xe2\x80\xa8raw separator']");
    CHECK(std::string(d[0].GetString()) == "A\xc3\xa9\xf0\x9f\x98\x80");
    CHECK(std::string(d[1].GetString()) == "one two done");
    CHECK(std::string(d[2].GetString(), d[2].GetStringLength()) == std::string("q'\"\0\v", 5));
    CHECK(std::string(d[3].GetString()) == "\xe2\x80\xa8raw separator");
}

TEST_CASE("unquoted keys may use \\u escapes and non-ASCII letters") {
    rapidjson::Document d = parse("{\\u0061b: 1, caf\xc3\xa9: 2, _x9: 3}");
    CHECK(d["ab"].GetInt() == 1);
    CHECK(d["caf\xc3\xa9"].GetInt() == 2);
    CHECK(d["_x9"].GetInt() == 3);
}

TEST_CASE("a repeated key keeps the last value and its first position") {
    rapidjson::Document d = parse("{a: 1, b: 2, a: 3}");
    CHECK(d.MemberCount() == 2);
    CHECK(d["a"].GetInt() == 3);
    CHECK(std::string(d.MemberBegin()->name.GetString()) == "a");
}

TEST_CASE("whitespace: BOM, no-break space, CRLF") {
    rapidjson::Document d = parse("\xef\xbb\xbf{\r\n\xc2\xa0x: true\r\n}");
    CHECK(d["x"].GetBool());
}

TEST_CASE("syntax errors name line, column and what was expected") {
    Json5Error missingComma = errorOf("{\n  a: 1\n  b: 2\n}");
    CHECK(missingComma.line() == 3);
    CHECK(missingComma.column() == 3);
    CHECK(std::string(missingComma.what()) == "test.json5:3:3: expected ',' or '}' after an object member, found 'b'");

    Json5Error colon = errorOf("{a 1}");
    CHECK(colon.reason() == "expected ':' after the key, found '1'");
    CHECK(colon.column() == 4);

    CHECK(errorOf("").reason() == "expected a value, found end of input");
    CHECK(errorOf("{} x").reason() == "expected end of input after the value, found 'x'");
    CHECK(errorOf("[1,,2]").reason() == "expected a value, found ','");
    CHECK(errorOf("{a: 'unterminated").reason() == "unterminated string");
    CHECK(errorOf("'a\nb'").reason().rfind("unterminated string", 0) == 0);
    CHECK(errorOf("/* never closed").reason() == "unterminated block comment (no closing */)");
    CHECK(errorOf("01").reason() == "a number may not start with 0 followed by digits");
    CHECK(errorOf("1.2.3").reason() == "unexpected '.' after the number");
    CHECK(errorOf("0x").reason() == "expected a hexadecimal digit after 0x, found end of input");
    CHECK(errorOf("0x10000000000000000").reason() == "hexadecimal number does not fit in 64 bits");
    CHECK(errorOf("'\\uD800'").reason() == "high surrogate in \\u escape without a low one");
    CHECK(errorOf("'\\uDC00'").reason() == "unpaired low surrogate in \\u escape");
    CHECK(errorOf("'\\xZ1'").reason() == "expected a hexadecimal digit in the escape, found 'Z'");
    CHECK(errorOf("'\\1'").reason() == "\\1 is not a valid escape");
    CHECK(errorOf("{a: sk-or-secret}").reason() == "expected a value, found unquoted text (strings need quotes)");
    CHECK(errorOf("-foo").reason() == "expected a number after the sign");
    CHECK(errorOf("{,}").reason() == "expected a key or '}', found ','");
}

TEST_CASE("columns count characters, not bytes") {
    Json5Error error = errorOf("{\"\xc3\xa9\xc3\xa9\": 1 2}");
    CHECK(error.line() == 1);
    CHECK(error.column() == 10);
}

TEST_CASE("invalid UTF-8 is an error, never a crash") {
    CHECK(errorOf("'\xff'").reason() == "invalid UTF-8 (byte 0xFF); the file must be UTF-8 text");
    CHECK(errorOf("'\xc3'").reason() == "invalid UTF-8 (byte 0xC3); the file must be UTF-8 text");
    CHECK(errorOf("'\xc0\xaf'").reason().rfind("invalid UTF-8", 0) == 0);      // overlong
    CHECK(errorOf("'\xed\xa0\x80'").reason().rfind("invalid UTF-8", 0) == 0);  // an encoded surrogate
    CHECK(errorOf("// comment \xfe\n{}").reason().rfind("invalid UTF-8", 0) == 0);
    CHECK(errorOf(std::string_view("{\0}", 3)).reason() == "expected a key or '}', found U+0000");
}

TEST_CASE("nesting is bounded") {
    std::string deep(300, '[');
    Json5Error error = errorOf(deep);
    CHECK(error.reason() == "nesting is deeper than 256 levels");
    CHECK(error.column() == 257);
    std::string fine = std::string(256, '[') + std::string(256, ']');
    rapidjson::Document document;
    CHECK_NOTHROW(parseJson5(fine, document, "ok"));
    CHECK(errorOf("[[[]]]", {.maxDepth = 2}).reason() == "nesting is deeper than 2 levels");
}

TEST_CASE("the writer emits what the reader reads back, Infinity and NaN included") {
    rapidjson::Document d = parse("{a: [1, 'x'], b: {}, c: Infinity, d: NaN, e: '\xc3\xa9'}");
    std::string written = moltbot::config::toPrettyJson(d);
    CHECK(written == "{\n  \"a\": [\n    1,\n    \"x\"\n  ],\n  \"b\": {},\n  \"c\": Infinity,\n  \"d\": NaN,\n"
                     "  \"e\": \"\xc3\xa9\"\n}\n");
    rapidjson::Document again = parse(written);
    CHECK(std::isinf(again["c"].GetDouble()));
    CHECK(std::string(again["e"].GetString()) == "\xc3\xa9");
}
