#include "tests/gateway/serve_fixture.hpp"

#include <moltbot/sdk/json.hpp>

#include <doctest/doctest.h>

namespace moltbot::gateway::test {

const std::string kConfig = R"({
  agents: { defaults: {
    model: { primary: "openrouter/anthropic/claude-sonnet-4.5", fallbacks: ["openrouter/openai/gpt-5.2"] },
    models: {
      "openrouter/anthropic/claude-sonnet-4.5": { alias: "sonnet", params: { temperature: 0.3 },
                                                  provider: { order: ["anthropic"] } },
      "openrouter/openai/gpt-5.2": { alias: "gpt" },
    },
  } },
})";

ServeFixture::ServeFixture(const std::string &config, sim::Options simulator) : sim(std::move(simulator)) {
    writeConfig(config);
}

ServeFixture::~ServeFixture() {
    if (!server_) return;
    std::string output = log();
    for (const char *report : {"WARNING: ThreadSanitizer", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                               "runtime error:"}) {
        if (output.find(report) != std::string::npos) {
            FAIL_CHECK("moltbot serve reported \"" << report << "\":\n" << output);
            return;
        }
    }
}

void ServeFixture::writeConfig(const std::string &config) const { state.write("moltbot.json", config); }

void ServeFixture::start(std::vector<std::string> flags) {
    std::vector<std::string> argv = launcher;
    argv.insert(argv.end(), {moltbot::test::moltbotBinary().string(), "serve", "--port", "0"});
    argv.insert(argv.end(), flags.begin(), flags.end());
    moltbot::test::RunOptions options;
    options.env["MOLTBOT_STATE_DIR"] = state.path().string();
    options.env["OPENROUTER_BASE_URL"] = sim.simulator.baseUrl();
    options.env["OPENROUTER_API_KEY"] = sim::kDefaultKey;
    for (const auto &[name, value] : env) options.env[name] = value;
    server_ = std::make_unique<moltbot::test::Background>(argv, options);
    const std::string ready = "moltbot: listening on http://127.0.0.1:";
    REQUIRE_MESSAGE(server_->waitFor(ready, std::chrono::seconds(30)), "moltbot serve did not start: " << log());
    std::string output = log();
    std::size_t at = output.find(ready) + ready.size();
    REQUIRE_MESSAGE(output.find('\n', at) != std::string::npos, "the listening line has no end: " << output);
    port_ = std::stoi(output.substr(at));
}

rapidjson::Document ServeFixture::chatRequests() {
    rapidjson::Document log = sim.get("/_sim/requests", false).json();
    rapidjson::Document chats(rapidjson::kArrayType);
    for (auto &request : log["data"].GetArray()) {
        std::string path = request["path"].GetString();
        if (path.ends_with("/chat/completions")) chats.PushBack(rapidjson::Value(request, chats.GetAllocator()), chats.GetAllocator());
    }
    return chats;
}

std::string chatBody(const std::string &model, const std::string &text, const std::string &extra) {
    std::string body = "{";
    if (!model.empty()) {
        body += "\"model\":";
        sdk::json::appendString(body, model);
        body += ",";
    }
    body += "\"messages\":[{\"role\":\"user\",\"content\":";
    sdk::json::appendString(body, text);
    body += "}]";
    if (!extra.empty()) body += "," + extra;
    return body + "}";
}

}  // namespace moltbot::gateway::test
