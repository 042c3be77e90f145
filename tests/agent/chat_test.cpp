// `moltbot agent` on a real pseudo-terminal, against the faulty fixture plugin: the chat (slash commands, Ctrl-C on
// an answer and at the prompt, Ctrl-D, history) and the spinner of a one-shot question.
#include "tests/support/process.hpp"
#include "tests/support/terminal.hpp"

#include <rapidjson/document.h>

#include <doctest/doctest.h>

#include <filesystem>

using namespace moltbot::test;

namespace {

struct Chat {
    TempDir home;
    std::map<std::string, std::string> env{{"HOME", home.path().string()},
                                           {"MOLTBOT_PLUGIN_PATH", buildPath("tests/fixtures/faulty").string()}};

    // Keys typed at the prompt wait until the line editor reads keys (TerminalStep::raw), as a person's would.
    TerminalResult run(const std::string &model, std::vector<TerminalStep> steps,
                       const std::vector<std::string> &flags = {}) const {
        for (auto &step : steps) step.raw = step.waitFor == "you> ";
        std::vector<std::string> argv = {moltbotBinary().string(), "agent", "--model", model};
        argv.insert(argv.end(), flags.begin(), flags.end());
        TerminalResult result = runOnTerminal(argv, env, steps);
        INFO("the terminal showed:\n" << result.transcript);
        REQUIRE_FALSE(result.timedOut);
        return result;
    }

    rapidjson::Document saved(const std::string &name) const {
        rapidjson::Document document;
        document.Parse(readFile(home.path() / name).c_str());
        REQUIRE_FALSE(document.HasParseError());
        return document;
    }
    std::string path(const std::string &name) const { return (home.path() / name).string(); }
};

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

std::string message(const rapidjson::Value &messages, rapidjson::SizeType i) {
    return std::string(messages[i]["role"].GetString()) + ": " + messages[i]["content"].GetString();
}

}  // namespace

TEST_CASE("chat: slash commands switch the model, set the system prompt, save, clear; unknown ones send nothing") {
    Chat chat;
    TerminalResult result = chat.run("faulty/ok", {
        {"you> ", "hello there\r"},
        {"you> ", "/frob\r"},
        {"you> ", "/sytem Be brief\r"},
        {"you> ", "/system Be brief\r"},
        {"you> ", "/model sonet\r"},
        {"you> ", "/model faulty/options\r"},
        {"you> ", "second\r"},
        {"you> ", "/save " + chat.path("chat.json") + "\r"},
        {"you> ", "/save " + chat.path("chat.json/inside-a-file.json") + "\r"},
        {"you> ", "/clear\r"},
        {"you> ", "/save " + chat.path("cleared.json") + "\r"},
        {"you> ", "/help\r"},
        {"you> ", "/exit\r"},
    });
    INFO("the terminal showed:\n" << result.transcript);
    CHECK(result.exitCode == 0);
    CHECK(contains(result.transcript, "Chatting with faulty/ok"));
    CHECK(contains(result.transcript, "ok: hello there"));
    CHECK(contains(result.transcript, "unknown command '/frob' (nothing was sent)"));
    CHECK(contains(result.transcript, "unknown command '/sytem' (nothing was sent; did you mean '/system'?)"));
    CHECK(contains(result.transcript, "invalid model 'sonet' in /model"));
    CHECK(contains(result.transcript, "Chatting with faulty/options from the next turn on."));
    CHECK(contains(result.transcript, "[faulty/options via Faulty Cloud"));
    CHECK(contains(result.transcript, "/model REF"));  // the help lists the commands
    // A file that cannot be written is named, the chat goes on, and the file in the way stays as it was.
    CHECK(contains(result.transcript,
                   "moltbot: could not save the conversation to " + chat.path("chat.json/inside-a-file.json") + ": "));

    rapidjson::Document saved = chat.saved("chat.json");
    CHECK(std::string(saved["model"].GetString()) == "faulty/options");
    const rapidjson::Value &messages = saved["messages"];
    REQUIRE(messages.Size() == 5);  // the system prompt and two turns: no slash command was sent
    CHECK(message(messages, 0) == "system: Be brief");
    CHECK(message(messages, 1) == "user: hello there");
    CHECK(message(messages, 2) == "assistant: ok: hello there");
    CHECK(message(messages, 3) == "user: second");

    rapidjson::Document cleared = chat.saved("cleared.json");
    REQUIRE(cleared["messages"].Size() == 1);
    CHECK(message(cleared["messages"], 0) == "system: Be brief");
}

TEST_CASE("chat: images of --attach go with the first message only and stay in the conversation") {
    Chat chat;
    auto image = chat.home.write("cat.gif", std::string("GIF89a\x01\x00\x01\x00", 10));
    // The faulty plugin lists no catalog: a model without an entry is sent the images as they are.
    TerminalResult result = chat.run("faulty/ok",
                                     {
                                         {"you> ", "what is it\r"},
                                         {"you> ", "and now\r"},
                                         {"you> ", "/save " + chat.path("chat.json") + "\r"},
                                         {"you> ", "/exit\r"},
                                     },
                                     {"-a", image.string()});
    CHECK(result.exitCode == 0);
    CHECK(contains(result.transcript, "; the image attached goes with your first message."));
    rapidjson::Document saved = chat.saved("chat.json");
    const rapidjson::Value &messages = saved["messages"];
    REQUIRE(messages.Size() == 4);
    const rapidjson::Value &first = messages[0]["content"];
    REQUIRE(first.IsArray());
    REQUIRE(first.Size() == 2);
    CHECK(std::string(first[0]["text"].GetString()) == "what is it");
    CHECK(std::string(first[1]["image_url"]["url"].GetString()) == "data:image/gif;base64,R0lGODlhAQABAA==");
    CHECK(message(messages, 2) == "user: and now");  // a plain string again: the image is not attached twice
}

TEST_CASE("chat: Ctrl-C stops the answer only, its part stays marked; Ctrl-C twice at the prompt leaves with 130") {
    Chat chat;
    TerminalResult result = chat.run("faulty/stall", {
        {"you> ", "wait for it\r"},
        {"waiting", "\x03"},
        {"you> ", "/save " + chat.path("chat.json") + "\r"},
        {"you> ", "\x03"},
        {"press Ctrl-C again", "\x03"},
    });
    INFO("the terminal showed:\n" << result.transcript);
    CHECK(result.exitCode == 130);
    CHECK(contains(result.transcript, " [stopped]\r\n"));  // after the part shown (and the terminal's ^C)
    CHECK(contains(result.transcript, "answer stopped; the part received stays in the conversation"));
    rapidjson::Document saved = chat.saved("chat.json");
    const rapidjson::Value &messages = saved["messages"];
    REQUIRE(messages.Size() == 2);
    CHECK(message(messages, 0) == "user: wait for it");
    CHECK(message(messages, 1) == "assistant: waiting [stopped]");
}

TEST_CASE("chat: Ctrl-D leaves with the last answer's code, the shell's prompt on a line of its own") {
    Chat chat;
    TerminalResult result = chat.run("faulty/ok", {{"you> ", "hi\r"}, {"you> ", "\x04"}});
    INFO("the terminal showed:\n" << result.transcript);
    CHECK(result.exitCode == 0);
    REQUIRE_FALSE(result.transcript.empty());
    CHECK(result.transcript.back() == '\n');
}

TEST_CASE("chat: lines typed are kept in the state folder's history (0600): Ctrl-P and Ctrl-R bring them back") {
    Chat chat;
    TerminalResult first = chat.run("faulty/ok", {{"you> ", "first line\r"}, {"you> ", "second line\r"},
                                                  {"you> ", "/exit\r"}});
    CHECK(first.exitCode == 0);
    std::filesystem::path history = chat.home.path() / ".moltbot" / "chat-history";
    REQUIRE(std::filesystem::exists(history));
    CHECK((std::filesystem::status(history).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

    // A new run: Ctrl-P three times is the line before the last two (/exit was the last), Ctrl-R finds a line by
    // what it contains.
    TerminalResult again = chat.run("faulty/ok", {{"you> ", "\x10\x10\x10\r"}, {"you> ", "\x12" "econd\r"},
                                                  {"you> ", "/exit\r"}});
    INFO("the terminal showed:\n" << again.transcript);
    CHECK(again.exitCode == 0);
    CHECK(contains(again.transcript, "ok: first line"));
    CHECK(contains(again.transcript, "ok: second line"));
}

TEST_CASE("a terminal shows what the agent waits for (a retry's wait), cleared before the answer; a pipe shows none") {
    Chat chat;
    std::map<std::string, std::string> env = chat.env;
    env["TERM"] = "xterm";
    TerminalResult shown = runOnTerminal({moltbotBinary().string(), "agent", "--model",
                                          "faulty/flaky1-rate_limited@1200", "-m", "hi"},
                                         env, {});
    INFO("the terminal showed:\n" << shown.transcript);
    REQUIRE_FALSE(shown.timedOut);
    CHECK(shown.exitCode == 0);
    CHECK(contains(shown.transcript, "waiting for faulty/flaky1-rate_limited@1200"));
    CHECK(contains(shown.transcript, "faulty/flaky1-rate_limited@1200: rate limited, retrying in 2 s"));
    // The line is erased before the answer is written over it.
    std::size_t retry = shown.transcript.find("retrying in 2 s");
    std::size_t answer = shown.transcript.find("recovered after 1 failures");
    REQUIRE(answer != std::string::npos);
    CHECK(retry < answer);
    CHECK(contains(shown.transcript.substr(retry, answer - retry), "\r\x1b[K"));

    RunOptions piped;
    piped.env = {env.begin(), env.end()};
    RunResult quiet = run({moltbotBinary().string(), "agent", "--model", "faulty/flaky1-rate_limited@1200", "-m", "hi"},
                          piped);
    CHECK(quiet.exitCode == 0);
    CHECK_FALSE(contains(quiet.err, "retrying"));
    CHECK_FALSE(contains(quiet.err, "\x1b["));
}
