// `moltbot agent -a/--attach FILE` end to end (docs/cli.md "agent"): images go after the text as image_url content
// parts with a data URL whose type comes from the file's first bytes; unreadable, unknown, too large files and a
// model without image input are errors before anything is sent.
#include "tests/seed/seed_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

using namespace moltbot::seed;
using moltbot::test::RunResult;

namespace {

const std::string kGpt = "openrouter/openai/gpt-5.2";          // its catalog input is "text+image"
const std::string kTextOnly = "openrouter/openai/gpt-oss-120b";  // "text"

// The first bytes of each kind, with their base64 worked out by hand (python3 base64.b64encode).
const std::string kPng("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 16);
const std::string kPngBase64 = "iVBORw0KGgoAAAANSUhEUg==";
const std::string kGif("GIF89a\x01\x00\x01\x00", 10);
const std::string kGifBase64 = "R0lGODlhAQABAA==";
const std::string kJpeg("\xff\xd8\xff\xe0\x00\x10JFIF", 10);
const std::string kJpegBase64 = "/9j/4AAQSkZJRg==";
const std::string kWebp("RIFF\x1a\x00\x00\x00WEBPVP8 ", 16);
const std::string kWebpBase64 = "UklGRhoAAABXRUJQVlA4IA==";

std::string str(const rapidjson::Value &value) { return value.IsString() ? value.GetString() : "<not a string>"; }

}  // namespace

TEST_CASE("--attach sends each image after the text as an image_url part, typed by its first bytes") {
    Seed seed;
    // Names that lie about the type: the bytes decide.
    auto png = seed.home.write("pics/cat.jpg", kPng);
    auto gif = seed.home.write("pics/anim", kGif);
    auto jpeg = seed.home.write("pics/photo.jpeg", kJpeg);
    auto webp = seed.home.write("pics/w.png", kWebp);
    RunResult result = seed.moltbotWithKey({"agent", "--model", kGpt, "-m", "what is this?", "-a", png.string(),
                                            "--attach", gif.string(), "-a", jpeg.string(), "--attach=" + webp.string()});
    CHECK(result.exitCode == 0);
    CHECK(contains(result.out, "You said: what is this?"));
    auto body = seed.lastChatBody();
    const auto &messages = body["messages"];
    REQUIRE(messages.Size() == 1);
    const auto &content = messages[0]["content"];
    REQUIRE(content.IsArray());
    REQUIRE(content.Size() == 5);
    CHECK(str(content[0]["type"]) == "text");
    CHECK(str(content[0]["text"]) == "what is this?");
    const std::string expected[] = {"data:image/png;base64," + kPngBase64, "data:image/gif;base64," + kGifBase64,
                                    "data:image/jpeg;base64," + kJpegBase64, "data:image/webp;base64," + kWebpBase64};
    for (rapidjson::SizeType i = 1; i < 5; ++i) {
        CAPTURE(i);
        CHECK(str(content[i]["type"]) == "image_url");
        CHECK(str(content[i]["image_url"]["url"]) == expected[i - 1]);
    }

    // Without --attach the content stays a plain string.
    REQUIRE(seed.moltbotWithKey({"agent", "--model", kGpt, "-m", "hi"}).exitCode == 0);
    CHECK(seed.lastChatBody()["messages"][0]["content"].IsString());
}

TEST_CASE("--attach errors name the file, exit 1 and send nothing") {
    Seed seed;
    auto png = seed.home.write("pics/cat.png", kPng);
    auto text = seed.home.write("pics/notes.png", "just some text, not an image\n");
    auto empty = seed.home.write("pics/empty.png", "");
    auto big = seed.home.write("pics/big.png", kPng + std::string(10 * 1024 * 1024, 'x'));
    std::string missing = (seed.home.path() / "pics/nosuch.png").string();
    std::string folder = (seed.home.path() / "pics").string();
    struct Case {
        std::vector<std::string> args;
        std::string error;
    };
    const std::vector<Case> cases = {
        {{"--model", kGpt, "-a", missing}, "moltbot: --attach: cannot read " + missing + ": no such file"},
        {{"--model", kGpt, "-a", png.string(), "-a", folder},
         "moltbot: --attach: cannot read " + folder + ": it is a folder, not a file"},
        {{"--model", kGpt, "-a", text.string()},
         "moltbot: --attach: " + text.string() + " is not a PNG, JPEG, GIF or WebP image (told by its first bytes)"},
        {{"--model", kGpt, "-a", empty.string()}, "moltbot: --attach: " + empty.string() + " is empty, not an image"},
        {{"--model", kGpt, "-a", big.string()},
         "moltbot: --attach: " + big.string() + " is larger than the 10 MiB an attachment may have"},
        {{"--model", kTextOnly, "-a", png.string()},
         "moltbot: " + kTextOnly + " takes no image input (its catalog entry says input 'text'); --attach needs a "
         "model whose input includes images"},
    };
    for (const auto &c : cases) {
        CAPTURE(c.error);
        std::vector<std::string> args = {"agent", "-m", "what is this?"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        RunResult result = seed.moltbotWithKey(args);
        CHECK(result.exitCode == 1);
        CHECK(contains(result.err, c.error));
        CHECK(result.out.empty());
    }
    CHECK(seed.chatRequests().Empty());
}

TEST_CASE("--attach leaves a fallback without image input out, with a warning, and asks the others") {
    Seed seed;
    seed.config("{ agents: { defaults: { model: { primary: '" + kGpt + "', fallbacks: ['" + kTextOnly +
                "', 'openrouter/anthropic/claude-sonnet-4.5'] } } } }");
    seed.faults(R"([{"kind":"http","status":429,"retry_after":600,"match":{"model":"openai/gpt-5.2"}}])");
    auto png = seed.home.write("pics/cat.png", kPng);
    RunResult result = seed.moltbotWithKey({"agent", "-m", "what is this?", "-a", png.string()});
    CHECK(result.exitCode == 0);
    CHECK(contains(result.err, "moltbot: warning: leaving the fallback " + kTextOnly +
                                   " out of this call: it takes no image input"));
    std::vector<std::string> models = seed.chatModels();
    CHECK(std::find(models.begin(), models.end(), "openai/gpt-oss-120b") == models.end());
    REQUIRE(!models.empty());
    CHECK(models.back() == "anthropic/claude-sonnet-4.5");
    CHECK(seed.lastChatBody()["messages"][0]["content"].Size() == 2);
}
