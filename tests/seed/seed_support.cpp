#include "tests/seed/seed_support.hpp"

#include <doctest/doctest.h>

#include <cstdlib>

namespace moltbot::seed {

std::string withSimKey(std::string snippet) {
    const std::string placeholder = "sk-or-...";
    std::size_t at = snippet.find(placeholder);
    REQUIRE(at != std::string::npos);
    return snippet.replace(at, placeholder.size(), kKey);
}

Seed::Seed(sim::Options options) : sim(std::move(options)), baseUrl(sim.simulator.baseUrl()) {}

void Seed::config(const std::string &json5) const { home.write(".moltbot/moltbot.json", json5); }

test::RunResult Seed::moltbot(std::vector<std::string> args, test::RunOptions options) const {
    args.insert(args.begin(), test::moltbotBinary().string());
    options.env.try_emplace("HOME", home.path().string());
    options.env.try_emplace("OPENROUTER_BASE_URL", baseUrl);
    test::RunResult result = test::run(args, options);
    CHECK_MESSAGE(!contains(result.out + result.err, kKey), "the API key was printed in full");
    return result;
}

test::RunResult Seed::moltbotWithKey(std::vector<std::string> args, test::RunOptions options) const {
    options.env["OPENROUTER_API_KEY"] = kKey;
    return moltbot(std::move(args), std::move(options));
}

test::RunResult Seed::shell(const std::string &commandLine, test::RunOptions options) const {
    const char *path = std::getenv("PATH");
    options.env["PATH"] = test::moltbotBinary().parent_path().string() + ":" + (path ? path : "/usr/bin:/bin");
    options.env.try_emplace("HOME", home.path().string());
    options.env.try_emplace("OPENROUTER_BASE_URL", baseUrl);
    return test::run({"/bin/sh", "-c", commandLine}, options);
}

rapidjson::Document Seed::requests() {
    sim::test::Reply reply = sim.get("/_sim/requests", false);
    REQUIRE(reply.status == 200);
    return reply.json();
}

rapidjson::Document Seed::chatRequests() {
    rapidjson::Document log = requests();
    rapidjson::Document chats(rapidjson::kArrayType);
    for (auto &request : log["data"].GetArray()) {
        std::string path = request["path"].GetString();
        if (path.ends_with("/chat/completions")) chats.PushBack(rapidjson::Value(request, chats.GetAllocator()), chats.GetAllocator());
    }
    return chats;
}

std::vector<std::string> Seed::chatModels() {
    std::vector<std::string> models;
    rapidjson::Document chats = chatRequests();
    for (const auto &request : chats.GetArray()) models.emplace_back(request["body"]["model"].GetString());
    return models;
}

rapidjson::Document Seed::lastChatBody() {
    rapidjson::Document chats = chatRequests();
    REQUIRE_MESSAGE(!chats.Empty(), "no chat request reached the simulator");
    rapidjson::Document body;
    body.CopyFrom(chats[chats.Size() - 1]["body"], body.GetAllocator());
    return body;
}

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

std::size_t count(const std::string &text, const std::string &part) {
    std::size_t n = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
    return n;
}

}  // namespace moltbot::seed
