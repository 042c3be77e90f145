// moltbot keys create/list/show/update/revoke through the real binary, with MOLTBOT_STATE_DIR in a temp folder. The
// spend the commands show is written with the real ledger.
#include "core/limits/ledger.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <sys/stat.h>

#include <chrono>
#include <string_view>

using namespace moltbot::test;

namespace {

// `text` is `prefix` followed by exactly `count` characters of `alphabet` (std::regex trips GCC 12's
// maybe-uninitialized warning under ASan, so the shapes are checked by hand).
bool shaped(std::string_view text, std::string_view prefix, std::size_t count, std::string_view alphabet) {
    if (text.substr(0, prefix.size()) != prefix || text.size() != prefix.size() + count) return false;
    return text.substr(prefix.size()).find_first_not_of(alphabet) == std::string_view::npos;
}
constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

class State {
public:
    std::filesystem::path folder() const { return dir_.path() / "state"; }
    std::filesystem::path file() const { return folder() / "gateway-keys.json"; }

    RunResult run(const std::vector<std::string> &args) const {
        std::vector<std::string> argv{moltbotBinary().string()};
        argv.insert(argv.end(), args.begin(), args.end());
        RunOptions options;
        options.env["MOLTBOT_STATE_DIR"] = folder().string();
        options.env["HOME"] = dir_.path().string();
        return moltbot::test::run(argv, options);
    }

    // Creates a key and returns it (the one line of standard output).
    std::string create(std::vector<std::string> args) const {
        args.insert(args.begin(), {"keys", "create"});
        RunResult result = run(args);
        REQUIRE(result.exitCode == 0);
        REQUIRE(!result.out.empty());
        return result.out.substr(0, result.out.size() - 1);
    }

    void write(const std::string &content) const { dir_.write("state/gateway-keys.json", content); }

private:
    TempDir dir_;
};

rapidjson::Document parse(const std::string &text) {
    rapidjson::Document document;
    document.Parse(text.c_str(), text.size());
    REQUIRE_FALSE(document.HasParseError());
    return document;
}

std::string str(const rapidjson::Value &value, const char *member) {
    REQUIRE(value.HasMember(member));
    REQUIRE(value[member].IsString());
    return value[member].GetString();
}

// Whether `text` holds any 10 characters in a row of `secret` past its shown head.
bool leaks(const std::string &text, const std::string &secret) {
    for (std::size_t start = 8; start + 10 <= secret.size(); ++start) {
        if (text.find(secret.substr(start, 10)) != std::string::npos) return true;
    }
    return false;
}

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

const rapidjson::Value &keyNamed(const rapidjson::Document &file, const std::string &name) {
    for (const auto &key : file["keys"].GetArray()) {
        if (name == key["name"].GetString()) return key;
    }
    FAIL("no key named " << name);
    throw 0;
}

}  // namespace

TEST_CASE("keys create prints the key once; the file is 0600 and holds only its hash") {
    State state;
    RunResult created = state.run({"keys", "create", "--name", "ci"});
    REQUIRE(created.exitCode == 0);
    CHECK(created.out.size() == 47);
    CHECK(created.out.back() == '\n');
    CHECK(shaped(std::string_view(created.out).substr(0, 46), "mb-", 43, kBase64Url));
    std::string secret = created.out.substr(0, 46);
    CHECK(contains(created.err, "Created gateway key 'ci'"));
    CHECK(contains(created.err, "not shown again"));
    CHECK_FALSE(leaks(created.err, secret));

    struct stat info {};
    REQUIRE(::stat(state.file().c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    std::string text = readFile(state.file());
    CHECK_FALSE(leaks(text, secret));
    rapidjson::Document file = parse(text);
    CHECK(file["version"].GetInt() == 1);
    const rapidjson::Value &key = keyNamed(file, "ci");
    CHECK(str(key, "hash").size() == 64);
    CHECK(str(key, "hint") == secret.substr(0, 8) + "..." + secret.substr(42));
    CHECK(str(key, "period") == "month");
    CHECK_FALSE(key.HasMember("budgetUsd"));

    // Nothing afterwards shows it again.
    for (const std::vector<std::string> &args : {std::vector<std::string>{"keys", "list"}, {"keys", "list", "--json"},
                                                  {"keys", "show", "ci"}, {"keys", "show", "ci", "--json"},
                                                  {"keys", "update", "ci", "--rpm", "5"}, {"keys", "revoke", "ci"}}) {
        RunResult result = state.run(args);
        CHECK(result.exitCode == 0);
        CHECK_FALSE(leaks(result.out + result.err, secret));
    }
}

TEST_CASE("keys create: limits, --models repeated and comma-separated, --expires forms, --json") {
    State state;
    RunResult json = state.run({"keys", "create", "--name", "team.a", "--budget", "12.5", "--period", "week", "--rpm",
                                "60", "--tpm", "100000", "--models", "openrouter/anthropic/*, openai/gpt-5.2",
                                "--models", "openrouter/anthropic/*", "--models", "x/y", "--expires", "2099-01-31",
                                "--json"});
    REQUIRE(json.exitCode == 0);
    rapidjson::Document out = parse(json.out);
    std::string secret = str(out, "key");
    CHECK(shaped(secret, "mb-", 43, kBase64Url));
    CHECK(str(out, "name") == "team.a");
    CHECK(shaped(str(out, "id"), "k", 16, "0123456789abcdef"));
    CHECK(out["budgetUsd"].GetDouble() == 12.5);
    CHECK(str(out, "period") == "week");
    CHECK(out["rpm"].GetInt64() == 60);
    CHECK(out["tpm"].GetInt64() == 100000);
    REQUIRE(out["models"].Size() == 3);
    CHECK(std::string(out["models"][0].GetString()) == "openrouter/anthropic/*");
    CHECK(std::string(out["models"][1].GetString()) == "openai/gpt-5.2");
    CHECK(std::string(out["models"][2].GetString()) == "x/y");
    CHECK(out["expiresMs"].GetInt64() == 4073500800000);  // 2099-01-31T00:00:00Z
    CHECK(str(out, "expires") == "2099-01-31T00:00:00Z");
    CHECK(str(out, "status") == "active");
    CHECK(contains(json.err, "not shown again"));

    state.create({"--name", "noon", "--expires", "2099-01-31T12:00:00Z"});
    state.create({"--name", "week", "--expires", "7d"});
    state.create({"--name", "half", "--expires", "30m"});
    rapidjson::Document file = parse(readFile(state.file()));
    CHECK(keyNamed(file, "noon")["expiresMs"].GetInt64() == 4073544000000);
    const rapidjson::Value &week = keyNamed(file, "week");
    CHECK(week["expiresMs"].GetInt64() - week["createdMs"].GetInt64() == 7 * 86'400'000);
    const rapidjson::Value &half = keyNamed(file, "half");
    CHECK(half["expiresMs"].GetInt64() - half["createdMs"].GetInt64() == 30 * 60'000);
}

TEST_CASE("keys list and show: a table, detail lines and JSON, revoked and expired keys included") {
    State state;
    RunResult empty = state.run({"keys", "list"});
    CHECK(empty.exitCode == 0);
    CHECK(contains(empty.out, "No gateway keys"));
    CHECK(state.run({"keys", "list", "--json"}).out == "[]\n");

    std::string ci = state.create({"--name", "ci", "--budget", "10", "--rpm", "60", "--models", "openrouter/*"});
    state.create({"--name", "web"});
    state.create({"--name", "old", "--expires", "1h"});
    REQUIRE(state.run({"keys", "revoke", "web"}).exitCode == 0);
    // Expired: moved into the past by hand, as time would.
    std::string text = readFile(state.file());
    rapidjson::Document file = parse(text);
    std::string expires = std::to_string(keyNamed(file, "old")["expiresMs"].GetInt64());
    text.replace(text.find(expires), expires.size(), "1000");
    state.write(text);

    RunResult list = state.run({"keys", "list"});
    REQUIRE(list.exitCode == 0);
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < list.out.size();) {
        std::size_t end = list.out.find('\n', at);
        lines.push_back(list.out.substr(at, end - at));
        at = end + 1;
    }
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].rfind("NAME  KEY", 0) == 0);
    CHECK(contains(lines[0], "STATUS"));
    CHECK(contains(lines[0], "LAST USED"));
    // Aligned: each row's status starts where the header's does.
    std::size_t column = lines[0].find("STATUS");
    CHECK(lines[1].substr(column, 6) == "active");
    CHECK(lines[2].substr(column, 7) == "revoked");
    CHECK(lines[3].substr(column, 7) == "expired");
    CHECK(lines[1].rfind("ci ", 0) == 0);
    CHECK(contains(lines[1], ci.substr(0, 8) + "..."));
    CHECK(contains(lines[1], "$0.00 (month)"));
    CHECK(contains(lines[1], "$10.00"));
    CHECK(contains(lines[1], "openrouter/*"));
    CHECK(contains(lines[1], "never"));

    rapidjson::Document json = parse(state.run({"keys", "list", "--json"}).out);
    REQUIRE(json.IsArray());
    REQUIRE(json.Size() == 3);
    CHECK(str(json[0], "name") == "ci");
    CHECK(json[0]["spentUsd"].GetDouble() == 0);
    CHECK(json[0]["lastUsed"].IsNull());
    CHECK(json[0]["requests"].GetInt64() == 0);
    CHECK(str(json[1], "status") == "revoked");
    CHECK(json[1]["revokedMs"].IsInt64());
    CHECK(str(json[2], "status") == "expired");
    CHECK_FALSE(json[0].HasMember("key"));

    RunResult show = state.run({"keys", "show", "ci"});
    REQUIRE(show.exitCode == 0);
    CHECK(contains(show.out, "Name          : ci\n"));
    CHECK(contains(show.out, "Status        : active\n"));
    CHECK(contains(show.out, "Budget        : $10.00 per month\n"));
    CHECK(contains(show.out, "Requests/min  : 60\n"));
    CHECK(contains(show.out, "Tokens/min    : no limit\n"));
    CHECK(contains(show.out, "Models        : openrouter/*\n"));
    CHECK(contains(show.out, "Last used     : never\n"));
    CHECK(contains(state.run({"keys", "show", "web"}).out, "Revoked       : "));
    rapidjson::Document one = parse(state.run({"keys", "show", "ci", "--json"}).out);
    CHECK(str(one, "name") == "ci");
    CHECK(one["budgetUsd"].GetDouble() == 10);
}

TEST_CASE("keys list and show: the spend of the key's period and its last use come from the ledger") {
    State state;
    state.create({"--name", "ci", "--budget", "10"});
    state.create({"--name", "idle", "--period", "day"});
    std::string id = str(keyNamed(parse(readFile(state.file())), "ci"), "id");
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    {
        moltbot::limits::Ledger ledger(state.folder() / "ledger");
        moltbot::limits::Limits limits;
        limits.budgetUsd = 10;
        moltbot::limits::Admission admission = ledger.admit(id, limits, 1.0, now);
        REQUIRE(admission.admitted);
        ledger.settle(admission.reservation, 0.42, 1200, now);
    }

    rapidjson::Document list = parse(state.run({"keys", "list", "--json"}).out);
    REQUIRE(list.Size() == 2);
    CHECK(list[0]["spentUsd"].GetDouble() == doctest::Approx(0.42));
    CHECK(list[0]["requests"].GetInt64() == 1);
    CHECK(list[0]["lastUsedMs"].GetInt64() == now);
    CHECK(list[1]["spentUsd"].GetDouble() == 0);
    CHECK(list[1]["lastUsedMs"].IsNull());
    RunResult table = state.run({"keys", "list"});
    CHECK(contains(table.out, "$0.42 (month)"));
    CHECK(contains(table.out, "$0.00 (day)"));
    RunResult show = state.run({"keys", "show", "ci"});
    CHECK(contains(show.out, "Spent         : $0.42 this month; 1 request in all\n"));
    CHECK_FALSE(contains(show.out, "Last used     : never"));

    // An unreadable ledger costs the spend columns only.
    std::filesystem::remove_all(state.folder() / "ledger");
    std::filesystem::create_directories(state.folder() / "ledger" / "ledger.json");
    RunResult broken = state.run({"keys", "list"});
    CHECK(broken.exitCode == 0);
    CHECK(contains(broken.err, "warning: spend not shown: "));
    CHECK(contains(broken.out, "ci "));
    rapidjson::Document partial = parse(state.run({"keys", "list", "--json"}).out);
    CHECK_FALSE(partial[0].HasMember("spentUsd"));
}

TEST_CASE("keys update changes limits and keeps the id and hash; revoke is once, then a no-op") {
    State state;
    state.create({"--name", "ci", "--budget", "10", "--rpm", "60", "--models", "a/*", "--expires", "2099-01-31"});
    rapidjson::Document before = parse(readFile(state.file()));

    RunResult update = state.run({"keys", "update", "ci", "--budget", "25", "--period", "day", "--rpm", "none", "--tpm",
                                  "5000", "--models", "b/*,c/*", "--expires", "never"});
    REQUIRE(update.exitCode == 0);
    CHECK(update.out == "Updated key 'ci': budget $25.00/day, 5000 tpm, models: b/*,c/*, expires never\n");
    rapidjson::Document after = parse(readFile(state.file()));
    const rapidjson::Value &key = keyNamed(after, "ci");
    CHECK(str(key, "id") == str(keyNamed(before, "ci"), "id"));
    CHECK(str(key, "hash") == str(keyNamed(before, "ci"), "hash"));
    CHECK(key["budgetUsd"].GetDouble() == 25);
    CHECK(str(key, "period") == "day");
    CHECK_FALSE(key.HasMember("rpm"));
    CHECK(key["tpm"].GetInt64() == 5000);
    CHECK(key["models"].Size() == 2);
    CHECK_FALSE(key.HasMember("expiresMs"));

    REQUIRE(state.run({"keys", "update", "ci", "--models", "none", "--budget", "none"}).exitCode == 0);
    rapidjson::Document cleared = parse(readFile(state.file()));
    CHECK(keyNamed(cleared, "ci")["models"].Size() == 0);
    CHECK_FALSE(keyNamed(cleared, "ci").HasMember("budgetUsd"));

    RunResult nothing = state.run({"keys", "update", "ci"});
    CHECK(nothing.exitCode == 1);
    CHECK(contains(nothing.err, "nothing to change"));

    RunResult revoke = state.run({"keys", "revoke", "ci"});
    CHECK(revoke.exitCode == 0);
    CHECK(revoke.out == "Revoked key 'ci'\n");
    std::string revoked = readFile(state.file());
    CHECK(keyNamed(parse(revoked), "ci")["revokedMs"].IsInt64());
    RunResult again = state.run({"keys", "revoke", "ci"});
    CHECK(again.exitCode == 0);
    CHECK(contains(again.out, "Key 'ci' was already revoked ("));
    CHECK(contains(again.out, "nothing changed"));
    CHECK(readFile(state.file()) == revoked);
}

TEST_CASE("a duplicate name is refused, a revoked one too") {
    State state;
    state.create({"--name", "ci"});
    RunResult duplicate = state.run({"keys", "create", "--name", "ci"});
    CHECK(duplicate.exitCode == 1);
    CHECK(duplicate.out.empty());
    CHECK(duplicate.err == "moltbot: a key named 'ci' already exists; pick another name\n");
    REQUIRE(state.run({"keys", "revoke", "ci"}).exitCode == 0);
    RunResult revoked = state.run({"keys", "create", "--name", "ci"});
    CHECK(revoked.exitCode == 1);
    CHECK(contains(revoked.err, "already exists (revoked; names stay taken)"));
    CHECK(parse(readFile(state.file()))["keys"].Size() == 1);
}

TEST_CASE("bad flags exit 1 naming the flag, and write nothing") {
    State state;
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"--period", "year"}, "--period: expected day, week, month or total, got 'year'"},
        {{"--budget", "-5"}, "--budget: expected a positive number of US dollars (10, 2.50), got '-5'"},
        {{"--budget", "0"}, "--budget: expected"},
        {{"--budget", "nan"}, "--budget: expected"},
        {{"--budget", "10usd"}, "--budget: expected"},
        {{"--rpm", "0"}, "--rpm: expected a positive whole number, got '0'"},
        {{"--tpm", "1.5"}, "--tpm: expected a positive whole number, got '1.5'"},
        {{"--expires", "soon"}, "--expires: expected a duration (30m, 12h, 7d, 2w), a date (2027-01-31) or a UTC time"},
        {{"--expires", "2099-02-30"}, "--expires: expected"},
        {{"--expires", "2099-01-31T24:00:00Z"}, "--expires: expected"},
        {{"--expires", "0d"}, "--expires: expected"},
        {{"--expires", "2020-01-01"}, "--expires: '2020-01-01' is in the past"},
        {{"--models", ","}, "--models: no model pattern given"},
        {{"--budget", "none"}, "--budget: expected"},  // "none" is for update only
    };
    for (const auto &[flags, message] : cases) {
        std::vector<std::string> args{"keys", "create", "--name", "x"};
        args.insert(args.end(), flags.begin(), flags.end());
        RunResult result = state.run(args);
        INFO(flags[0] << " " << flags[1]);
        CHECK(result.exitCode == 1);
        CHECK(result.out.empty());
        CHECK(result.err.rfind("moltbot: " + message, 0) == 0);
    }
    CHECK_FALSE(std::filesystem::exists(state.file()));

    RunResult name = state.run({"keys", "create", "--name", "a b"});
    CHECK(name.exitCode == 1);
    CHECK(contains(name.err, "--name: expected 1 to 64 of A-Z a-z 0-9 . _ -, got 'a b'"));
    RunResult noName = state.run({"keys", "create"});
    CHECK(noName.exitCode == 1);
    CHECK(contains(noName.err, "needs --name NAME"));
    RunResult typo = state.run({"keys", "create", "--name", "x", "--bugdet", "3"});
    CHECK(typo.exitCode == 1);
    CHECK(contains(typo.err, "did you mean --budget?"));

    state.create({"--name", "ci"});
    std::string text = readFile(state.file());
    RunResult update = state.run({"keys", "update", "ci", "--rpm", "-1"});
    CHECK(update.exitCode == 1);
    CHECK(contains(update.err, "--rpm: expected a positive whole number or none, got '-1'"));
    CHECK(readFile(state.file()) == text);
}

TEST_CASE("an unknown name exits 1 with the nearest name; 'keys' alone lists the subcommands") {
    State state;
    state.create({"--name", "ci-runner"});
    for (const std::string command : {"show", "update", "revoke"}) {
        std::vector<std::string> args{"keys", command, "ci-runnr"};
        if (command == "update") args.insert(args.end(), {"--rpm", "5"});
        RunResult result = state.run(args);
        CHECK(result.exitCode == 1);
        CHECK(result.err == "moltbot: no key named 'ci-runnr' (did you mean 'ci-runner'?); see 'moltbot keys list'\n");
    }
    CHECK(state.run({"keys", "show", "zzzzzzzz"}).err == "moltbot: no key named 'zzzzzzzz'; see 'moltbot keys list'\n");

    RunResult group = state.run({"keys"});
    CHECK(group.exitCode == 1);
    CHECK(contains(group.err, "create, list, show, update, revoke"));
}

TEST_CASE("a broken keys file fails every keys command with the file and line:column, and is left as it was") {
    State state;
    state.write("{\"version\": 1,\n\"keys\": [,]}");
    for (const std::vector<std::string> &args : {std::vector<std::string>{"keys", "list"}, {"keys", "show", "a"},
                                                  {"keys", "create", "--name", "a"}, {"keys", "revoke", "a"}}) {
        RunResult result = state.run(args);
        CHECK(result.exitCode == 1);
        CHECK(contains(result.err, "gateway keys file " + state.file().string() + ":2:10: "));
    }
    CHECK(readFile(state.file()) == "{\"version\": 1,\n\"keys\": [,]}");
}
