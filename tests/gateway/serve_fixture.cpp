#include "tests/gateway/serve_fixture.hpp"

#include <moltbot/sdk/json.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <optional>
#include <sstream>
#include <thread>

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

moltbot::test::RunResult cli(ServeFixture &fixture, std::vector<std::string> args) {
    args.insert(args.begin(), moltbot::test::moltbotBinary().string());
    moltbot::test::RunOptions options;
    options.env["MOLTBOT_STATE_DIR"] = fixture.state.path().string();
    return moltbot::test::run(args, options);
}

std::string keys(ServeFixture &fixture, std::vector<std::string> args) {
    args.insert(args.begin(), "keys");
    auto result = cli(fixture, args);
    REQUIRE_MESSAGE(result.exitCode == 0, result.err);
    return result.out;
}

std::string createKey(ServeFixture &fixture, std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"create", "--json"});
    rapidjson::Document created;
    created.Parse(keys(fixture, flags).c_str());
    REQUIRE(created.IsObject());
    return sim::test::str(created["key"]);
}

rapidjson::Document showKey(ServeFixture &fixture, const std::string &name) {
    rapidjson::Document shown;
    shown.Parse(keys(fixture, {"show", name, "--json"}).c_str());
    REQUIRE(shown.IsObject());
    return shown;
}

std::string bearer(const std::string &secret) { return "Authorization: Bearer " + secret + "\r\n"; }

std::vector<Response> burst(const std::vector<ServeFixture *> &servers, const std::string &body,
                            const std::string &headers, int count) {
    std::vector<std::optional<Response>> answers(static_cast<std::size_t>(count));
    std::vector<std::thread> threads;
    std::atomic<bool> go{false};
    std::vector<int> ports;
    for (ServeFixture *server : servers) ports.push_back(server->port());
    for (int i = 0; i < count; ++i) {
        int port = ports[static_cast<std::size_t>(i) % ports.size()];
        threads.emplace_back([&, i, port] {
            while (!go.load()) std::this_thread::yield();
            answers[static_cast<std::size_t>(i)] = tryPost(port, "/v1/chat/completions", body, headers);
        });
    }
    go = true;
    for (auto &thread : threads) thread.join();
    std::vector<Response> responses;
    for (auto &answer : answers) {
        if (answer) responses.push_back(std::move(*answer));
    }
    std::size_t missing = answers.size() - responses.size();
    if (missing != 0) {
        std::string logs;
        for (ServeFixture *server : servers) logs += server->log();
        REQUIRE_MESSAGE(missing == 0, missing << " of " << count << " requests got no answer; the servers said:\n"
                                              << logs);
    }
    return responses;
}

double streamedCost(const Response &response) {
    std::istringstream lines(response.body);
    std::string line;
    double cost = -1;
    while (std::getline(lines, line)) {
        if (line.rfind("data: {", 0) != 0) continue;
        rapidjson::Document chunk;
        chunk.Parse(line.c_str() + 6);
        if (chunk.IsObject() && chunk.HasMember("usage") && chunk["usage"].IsObject() && chunk["usage"].HasMember("cost")) {
            cost = chunk["usage"]["cost"].GetDouble();
        }
    }
    return cost;
}

}  // namespace moltbot::gateway::test
