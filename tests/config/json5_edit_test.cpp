// editJson5Text: a change rewrites only the text of what changed; comments, quotes, unquoted keys and layout stay,
// and the result always reads back as the document asked for.
#include "core/config/files.hpp"
#include "core/config/json5.hpp"
#include "core/config/json5_edit.hpp"
#include "core/config/json_path.hpp"

#include <doctest/doctest.h>

#include <functional>

using namespace moltbot::config;

namespace {

// `text` changed by `change` (applied to its document), checked to read back as the changed document.
std::optional<std::string> edited(const std::string &text, const std::function<void(rapidjson::Document &)> &change) {
    rapidjson::Document before;
    Json5Span spans;
    parseJson5(text, before, "test", spans);
    rapidjson::Document after;
    after.CopyFrom(before, after.GetAllocator());
    change(after);
    std::optional<std::string> out = editJson5Text(text, before, spans, after);
    if (out) {
        rapidjson::Document reread;
        parseJson5(*out, reread, "edited");
        CHECK_MESSAGE(reread == after, *out);
    }
    return out;
}

void set(rapidjson::Document &doc, const std::string &path, const std::string &json5) {
    rapidjson::Document value;
    parseJson5(json5, value, "value");
    rapidjson::Value copy(value, doc.GetAllocator());
    setPath(doc, parsePath(path), copy);
}

const std::string kCommented = R"(// my moltbot config
{
  agents: {
    defaults: {
      // the default model
      model: {
        primary: 'openrouter/anthropic/claude-sonnet-4-5', // sonnet
        fallbacks: ["openrouter/openai/gpt-5.2"],
      },
    },
  },
  /* logs */ logs: { enabled: true },
}
)";

}  // namespace

TEST_CASE("a changed string: only its text is replaced") {
    auto out = edited(kCommented, [](auto &doc) { set(doc, "agents.defaults.model.primary", "'openrouter/auto'"); });
    REQUIRE(out);
    std::string expected = kCommented;
    expected.replace(expected.find("'openrouter/anthropic/claude-sonnet-4-5'"),
                     std::string("'openrouter/anthropic/claude-sonnet-4-5'").size(), "\"openrouter/auto\"");
    CHECK(*out == expected);
}

TEST_CASE("an added member follows the last one, indented like the others; an empty object is written anew") {
    auto out = edited(kCommented, [](auto &doc) { set(doc, "agents.defaults.models", "{'openrouter/auto': {alias: 'auto'}}"); });
    REQUIRE(out);
    CHECK(out->find("      },\n      \"models\": {\n        \"openrouter/auto\": {\n          \"alias\": \"auto\"\n"
                    "        }\n      },\n    },") != std::string::npos);
    CHECK(out->find("// the default model") != std::string::npos);
    CHECK(out->find("// sonnet") != std::string::npos);

    auto inline_ = edited("{ logs: { enabled: true } }", [](auto &doc) { set(doc, "logs.path", "'/tmp/x.db'"); });
    REQUIRE(inline_);
    CHECK(*inline_ == "{ logs: { enabled: true, \"path\": \"/tmp/x.db\" } }");
    auto compact = edited("{ a: 1 }", [](auto &doc) { set(doc, "b", "{c: [1, 2]}"); });
    REQUIRE(compact);
    CHECK(*compact == "{ a: 1, \"b\": {\"c\":[1,2]} }");

    auto empty = edited("{ /* nothing yet */ }", [](auto &doc) { set(doc, "logs.enabled", "false"); });
    REQUIRE(empty);
    CHECK(*empty == "{\n  \"logs\": {\n    \"enabled\": false\n  }\n}");
}

TEST_CASE("a removed member goes with its comma and its own line") {
    auto out = edited(kCommented, [](auto &doc) { unsetPath(doc, parsePath("agents.defaults.model.fallbacks")); });
    REQUIRE(out);
    std::string expected = kCommented;
    expected.erase(expected.find("        fallbacks"), std::string("        fallbacks: [\"openrouter/openai/gpt-5.2\"],\n").size());
    CHECK(*out == expected);

    // The last member without a comma: the comma before it goes instead.
    auto last = edited("{\n  a: 1,\n  b: 2\n}", [](auto &doc) { unsetPath(doc, parsePath("b")); });
    REQUIRE(last);
    CHECK(*last == "{\n  a: 1\n}");
    auto lastTwo = edited("{\n  a: 1,\n  b: 2,\n  c: 3\n}", [](auto &doc) {
        unsetPath(doc, parsePath("b"));
        unsetPath(doc, parsePath("c"));
    });
    REQUIRE(lastTwo);
    CHECK(*lastTwo == "{\n  a: 1\n}");
    auto first = edited("{ a: 1, b: 2 }", [](auto &doc) { unsetPath(doc, parsePath("a")); });
    REQUIRE(first);
    CHECK(*first == "{ b: 2 }");
}

TEST_CASE("removed and added at once, in the last place") {
    auto out = edited("{\n  a: 1, // one\n  b: 2,\n}", [](auto &doc) {
        unsetPath(doc, parsePath("b"));
        set(doc, "c", "3");
    });
    REQUIRE(out);
    CHECK(*out == "{\n  a: 1, // one\n  \"c\": 3,\n}");
    auto oneLine = edited("{ a: 1, b: 2, }", [](auto &doc) {
        unsetPath(doc, parsePath("b"));
        set(doc, "c", "3");
        set(doc, "d", "4");
    });
    REQUIRE(oneLine);
    CHECK(*oneLine == "{ a: 1, \"c\": 3, \"d\": 4, }");
    auto noComma = edited("{\n  a: 1,\n  b: 2\n}", [](auto &doc) {
        unsetPath(doc, parsePath("b"));
        set(doc, "c", "3");
    });
    REQUIRE(noComma);
    CHECK(*noComma == "{\n  a: 1,\n  \"c\": 3\n}");
}

TEST_CASE("arrays: elements appended after the last, changed in place, or the array written anew") {
    auto appended = edited(kCommented, [](auto &doc) {
        rapidjson::Value *list = const_cast<rapidjson::Value *>(findPath(doc, parsePath("agents.defaults.model.fallbacks")));
        list->PushBack("openrouter/auto", doc.GetAllocator());
    });
    REQUIRE(appended);
    CHECK(appended->find("fallbacks: [\"openrouter/openai/gpt-5.2\", \"openrouter/auto\"],") != std::string::npos);

    auto multiline = edited("{ list: [\n    1,\n    2\n  ] }", [](auto &doc) { doc["list"].PushBack(3, doc.GetAllocator()); });
    REQUIRE(multiline);
    CHECK(*multiline == "{ list: [\n    1,\n    2,\n    3\n  ] }");

    auto shorter = edited("{ list: [1, /* two */ 2] }", [](auto &doc) { doc["list"].PopBack(); });
    REQUIRE(shorter);
    CHECK(*shorter == "{ list: [\n  1\n] }");
}

TEST_CASE("nothing changed: the text is the same; a repeated key or a root not an object: no edit") {
    auto same = edited(kCommented, [](auto &) {});
    REQUIRE(same);
    CHECK(*same == kCommented);
    CHECK_FALSE(edited("{ a: 1, a: 2 }", [](auto &doc) { set(doc, "b", "1"); }));
    CHECK_FALSE(edited("{ x: { a: 1, a: 2 } }", [](auto &doc) { set(doc, "b", "1"); }));
}

TEST_CASE("spans: each value's bytes, members with their keys and commas") {
    std::string text = "{ a: 'x', \"b\": [1, {c: null}] }";
    rapidjson::Document doc;
    Json5Span spans;
    parseJson5(text, doc, "test", spans);
    CHECK(spans.begin == 0);
    CHECK(spans.end == text.size());
    REQUIRE(spans.members.size() == 2);
    CHECK(spans.members[0].key == "a");
    CHECK(text.substr(spans.members[0].keyBegin, 1) == "a");
    CHECK(text.substr(spans.children[0].begin, spans.children[0].end - spans.children[0].begin) == "'x'");
    CHECK(text[spans.members[0].commaEnd - 1] == ',');
    CHECK(spans.members[1].commaEnd == 0);
    CHECK(text.substr(spans.members[1].keyBegin, 3) == "\"b\"");
    REQUIRE(spans.children[1].children.size() == 2);
    const Json5Span &object = spans.children[1].children[1];
    CHECK(text.substr(object.begin, object.end - object.begin) == "{c: null}");
}
