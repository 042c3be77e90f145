// core/keys: making and hashing keys, finding one among many, model patterns, the keys file and its errors, and the
// KeyRing a running gateway reads through.
#include "core/config/files.hpp"
#include "core/keys/key_store.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

using namespace moltbot;
using keys::GatewayKey;
using test::TempDir;

namespace {

constexpr int64_t kNow = 1'800'000'000'000;  // 2027-01-15

GatewayKey withModels(std::vector<std::string> models) {
    GatewayKey key;
    key.models = std::move(models);
    return key;
}

std::string loadError(const TempDir &dir, const std::string &content) {
    std::filesystem::path file = dir.write("gateway-keys.json", content);
    try {
        keys::loadKeys(file);
    } catch (const config::ConfigError &error) {
        return error.what();
    }
    return "(no error)";
}

// A keys file holding one key per name, with made-up hashes.
std::string fileWith(const std::vector<std::string> &names) {
    std::vector<GatewayKey> list;
    for (const auto &name : names) list.push_back(keys::generateKey(name, kNow).key);
    TempDir dir;
    keys::saveKeys(dir.path() / "k.json", list);
    return test::readFile(dir.path() / "k.json");
}

std::vector<std::string> namesOf(const keys::KeySet &set) {
    std::vector<std::string> names;
    for (const auto &key : set.keys) names.push_back(key.name);
    return names;
}

}  // namespace

TEST_CASE("a new key: mb- and 43 base64url characters, its SHA-256, a random id and a short hint") {
    keys::NewKey made = keys::generateKey("ci", kNow);
    REQUIRE(made.secret.size() == 46);
    CHECK(made.secret.rfind("mb-", 0) == 0);
    CHECK(made.secret.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 3) ==
          std::string::npos);
    CHECK(made.key.hash == keys::hashSecret(made.secret));
    CHECK(made.key.hash.size() == 64);
    CHECK(made.key.hash.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(made.key.id.size() == 17);
    CHECK(made.key.id[0] == 'k');
    CHECK(made.key.id.find_first_not_of("0123456789abcdef", 1) == std::string::npos);
    CHECK(made.key.name == "ci");
    CHECK(made.key.createdMs == kNow);
    // The hint shows at most 12 characters of the 46, and no run of the middle.
    CHECK(made.key.hint == made.secret.substr(0, 8) + "..." + made.secret.substr(42));
    CHECK(made.key.hint.find(made.secret.substr(8, 8)) == std::string::npos);

    std::set<std::string> secrets, ids;
    for (int i = 0; i < 50; ++i) {
        keys::NewKey other = keys::generateKey("x", kNow);
        secrets.insert(other.secret);
        ids.insert(other.key.id);
    }
    CHECK(secrets.size() == 50);
    CHECK(ids.size() == 50);
}

TEST_CASE("hashSecret is the lowercase hex SHA-256") {
    CHECK(keys::hashSecret("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(keys::hashSecret("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("KeySet::find: the right key among several, revoked ones too; an unknown or altered key finds nothing") {
    keys::KeySet set;
    std::vector<std::string> secrets;
    for (int i = 0; i < 6; ++i) {
        keys::NewKey made = keys::generateKey("key" + std::to_string(i), kNow);
        if (i == 4) made.key.revokedMs = kNow;
        secrets.push_back(made.secret);
        set.keys.push_back(made.key);
    }
    for (std::size_t i = 0; i < secrets.size(); ++i) {
        const GatewayKey *found = set.find(secrets[i]);
        REQUIRE(found != nullptr);
        CHECK(found == &set.keys[i]);
    }
    CHECK(set.find(secrets[4])->revokedMs.has_value());
    CHECK(set.find(keys::generateKey("other", kNow).secret) == nullptr);
    std::string altered = secrets[2];
    altered.back() = altered.back() == 'A' ? 'B' : 'A';
    CHECK(set.find(altered) == nullptr);
    CHECK(set.find("") == nullptr);
    CHECK(set.find(set.keys[0].hash) == nullptr);  // the hash is not the key
    CHECK(keys::KeySet{}.find(secrets[0]) == nullptr);
}

TEST_CASE("allowsModel: '*' matches any run, '/' included; exact otherwise; case-sensitive; no patterns allow all") {
    CHECK(withModels({}).allowsModel("openrouter/anthropic/claude-sonnet-4.5"));
    GatewayKey anthropic = withModels({"openrouter/anthropic/*"});
    CHECK(anthropic.allowsModel("openrouter/anthropic/claude-sonnet-4.5"));
    CHECK(anthropic.allowsModel("openrouter/anthropic/"));
    CHECK(anthropic.allowsModel("openrouter/anthropic/a/b:free"));
    CHECK_FALSE(anthropic.allowsModel("openrouter/openai/gpt-5.2"));
    CHECK_FALSE(anthropic.allowsModel("openrouter/anthropic"));
    CHECK_FALSE(anthropic.allowsModel("OpenRouter/anthropic/claude"));
    CHECK_FALSE(anthropic.allowsModel("xopenrouter/anthropic/claude"));

    GatewayKey several = withModels({"openai/gpt-5.2", "*sonnet*", "a*b*c"});
    CHECK(several.allowsModel("openai/gpt-5.2"));
    CHECK_FALSE(several.allowsModel("openai/gpt-5.2-mini"));
    CHECK(several.allowsModel("openrouter/anthropic/claude-sonnet-4.5"));
    CHECK(several.allowsModel("sonnet"));
    CHECK_FALSE(several.allowsModel("openrouter/anthropic/claude-Sonnet"));
    CHECK(several.allowsModel("aXbYc"));
    CHECK(several.allowsModel("abcbc"));
    CHECK_FALSE(several.allowsModel("aXbYcd"));
    CHECK_FALSE(several.allowsModel(""));
    CHECK(withModels({"*"}).allowsModel(""));
    CHECK(withModels({"*"}).allowsModel("anything/at/all"));
    CHECK(keys::globMatch("**a**", "bab"));
}

TEST_CASE("usable: not revoked and before the expiry") {
    GatewayKey key;
    CHECK(key.usable(kNow));
    key.expiresMs = kNow + 1;
    CHECK(key.usable(kNow));
    CHECK_FALSE(key.usable(kNow + 1));
    key.expiresMs.reset();
    key.revokedMs = kNow - 10;
    CHECK_FALSE(key.usable(kNow));
}

TEST_CASE("key names: 1 to 64 of A-Z a-z 0-9 . _ -") {
    CHECK(keys::validKeyName("ci"));
    CHECK(keys::validKeyName("Team_A.prod-2"));
    CHECK(keys::validKeyName(std::string(64, 'x')));
    CHECK_FALSE(keys::validKeyName(""));
    CHECK_FALSE(keys::validKeyName(std::string(65, 'x')));
    CHECK_FALSE(keys::validKeyName("a b"));
    CHECK_FALSE(keys::validKeyName("a/b"));
    CHECK_FALSE(keys::validKeyName("é"));
}

TEST_CASE("the keys file: every field round-trips, 0600, the previous file kept as .bak, an absent file is no keys") {
    TempDir dir;
    std::filesystem::path file = dir.path() / "state" / "gateway-keys.json";
    CHECK(keys::loadKeys(file).empty());

    keys::NewKey full = keys::generateKey("full", kNow);
    full.key.budgetUsd = 12.5;
    full.key.period = limits::Period::Week;
    full.key.rpm = 60;
    full.key.tpm = 100000;
    full.key.models = {"openrouter/anthropic/*", "openai/gpt-5.2"};
    full.key.expiresMs = kNow + 1000;
    full.key.revokedMs = kNow + 5;
    GatewayKey bare = keys::generateKey("bare", kNow).key;
    keys::saveKeys(file, {full.key});
    keys::saveKeys(file, {full.key, bare});

    struct stat info {};
    REQUIRE(::stat(file.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    CHECK(test::readFile(config::backupPath(file)).find("\"bare\"") == std::string::npos);
    std::string text = test::readFile(file);
    CHECK(text.find("\"version\": 1") != std::string::npos);
    CHECK(text.find(full.secret) == std::string::npos);

    std::vector<GatewayKey> loaded = keys::loadKeys(file);
    REQUIRE(loaded.size() == 2);
    const GatewayKey &a = loaded[0];
    CHECK(a.id == full.key.id);
    CHECK(a.name == "full");
    CHECK(a.hash == full.key.hash);
    CHECK(a.hint == full.key.hint);
    CHECK(a.budgetUsd == 12.5);
    CHECK(a.period == limits::Period::Week);
    CHECK(a.rpm == 60);
    CHECK(a.tpm == 100000);
    CHECK(a.models == full.key.models);
    CHECK(a.expiresMs == kNow + 1000);
    CHECK(a.createdMs == kNow);
    CHECK(a.revokedMs == kNow + 5);
    const GatewayKey &b = loaded[1];
    CHECK_FALSE(b.budgetUsd.has_value());
    CHECK(b.period == limits::Period::Month);
    CHECK_FALSE(b.rpm.has_value());
    CHECK_FALSE(b.tpm.has_value());
    CHECK(b.models.empty());
    CHECK_FALSE(b.expiresMs.has_value());
    CHECK_FALSE(b.revokedMs.has_value());
}

TEST_CASE("editKeys writes only when the change says so, and nothing when it throws") {
    TempDir dir;
    std::filesystem::path file = dir.path() / "gateway-keys.json";
    keys::editKeys(file, [](std::vector<GatewayKey> &list) {
        list.push_back(keys::generateKey("a", kNow).key);
        return true;
    });
    std::string before = test::readFile(file);
    keys::editKeys(file, [](std::vector<GatewayKey> &list) {
        list.clear();
        return false;
    });
    CHECK_THROWS(keys::editKeys(file, [](std::vector<GatewayKey> &list) -> bool {
        list.clear();
        throw std::runtime_error("no");
    }));
    CHECK(test::readFile(file) == before);
    CHECK(keys::loadKeys(file).size() == 1);
}

TEST_CASE("a bad keys file is a ConfigError naming the file, and the line:column or the field") {
    TempDir dir;
    std::string path = (dir.path() / "gateway-keys.json").string();
    CHECK(loadError(dir, "{\"version\": 1,\n  \"keys\": [}") ==
          "gateway keys file " + path + ":2:12: expected a value, found '}'");
    CHECK(loadError(dir, "[]").find(path + ": expected an object") != std::string::npos);
    CHECK(loadError(dir, "{\"version\": 2, \"keys\": []}").find(path + ": version: expected 1") != std::string::npos);
    CHECK(loadError(dir, "{\"keys\": {}}").find(path + ": keys: expected an array") != std::string::npos);
    CHECK(loadError(dir, "{\"keys\": [3]}").find(path + ": keys[0]: expected an object") != std::string::npos);

    // A good file with one change: the error names the file and the field.
    std::string good = fileWith({"a", "b"});
    auto errorWith = [&](const std::string &from, const std::string &to) {
        std::string text = good;
        std::size_t at = text.find(from);
        REQUIRE(at != std::string::npos);
        return loadError(dir, text.replace(at, from.size(), to));
    };
    auto has = [](const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; };
    const std::string period = "\"period\": \"month\"";
    CHECK(has(errorWith(period, "\"period\": \"year\""), path + ": keys[0].period: expected"));
    CHECK(has(errorWith(period, "\"rpm\": \"60\""), path + ": keys[0].rpm: expected a positive integer"));
    CHECK(has(errorWith(period, "\"tpm\": 0"), "keys[0].tpm"));
    CHECK(has(errorWith(period, "\"budgetUsd\": -1"), "keys[0].budgetUsd: expected a positive number"));
    CHECK(has(errorWith("\"models\": []", "\"models\": \"a/*\""), "keys[0].models"));
    CHECK(has(errorWith("\"models\": []", "\"models\": [1]"), "keys[0].models"));
    CHECK(has(errorWith("\"name\": \"b\"", "\"name\": 7"), "keys[1].name: expected a string"));
    CHECK(has(errorWith("\"name\": \"b\"", "\"name\": \"a b\""), "keys[1].name"));
    CHECK(has(errorWith("\"name\": \"b\"", "\"name\": \"a\""), path + ": two keys are named 'a'"));
    CHECK(has(errorWith("\"hash\": \"", "\"hash\": \"X"), "keys[0].hash: expected 64 lowercase hex"));
    CHECK(has(errorWith("\"createdMs\": ", "\"createdMs\": 1.5, \"x\": "), "keys[0].createdMs"));
    CHECK(has(errorWith(period, "\"rpm\": \"60\""), "(fix the file or restore " + path + ".bak)"));
    // Optional fields may be null.
    CHECK(errorWith(period, "\"rpm\": null, \"expiresMs\": null") == "(no error)");
}

TEST_CASE("KeyRing: an absent file is no keys; a change is read on the next call, a same-size rewrite included") {
    TempDir dir;
    std::filesystem::path file = dir.path() / "gateway-keys.json";
    keys::KeyRing ring(file);
    CHECK(ring.current()->keys.empty());

    keys::NewKey first = keys::generateKey("aa", kNow);
    keys::saveKeys(file, {first.key});
    std::shared_ptr<const keys::KeySet> set = ring.current();
    CHECK(namesOf(*set) == std::vector<std::string>{"aa"});
    CHECK(set->find(first.secret) != nullptr);
    CHECK(ring.current() == set);  // unchanged: the same set, not a re-read

    // Rewritten in place (same inode), same size: only the mtime tells.
    std::string text = test::readFile(file);
    std::string renamed = text;
    renamed.replace(renamed.find("\"aa\""), 4, "\"bb\"");
    auto mtime = std::filesystem::last_write_time(file);
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << renamed;
    }
    std::filesystem::last_write_time(file, mtime + std::chrono::seconds(1));
    CHECK(namesOf(*ring.current()) == std::vector<std::string>{"bb"});
    CHECK(ring.takeProblem().empty());

    std::filesystem::remove(file);
    CHECK(ring.current()->keys.empty());
}

TEST_CASE("KeyRing: a broken file keeps the last good set and reports the problem once") {
    TempDir dir;
    std::filesystem::path file = dir.path() / "gateway-keys.json";
    keys::NewKey made = keys::generateKey("good", kNow);
    keys::saveKeys(file, {made.key});
    keys::KeyRing ring(file);
    CHECK(ring.current()->find(made.secret) != nullptr);

    dir.write("gateway-keys.json", "{\"keys\": [");
    CHECK(ring.current()->find(made.secret) != nullptr);
    std::string problem = ring.takeProblem();
    CHECK(problem.find(file.string() + ":1:11:") != std::string::npos);
    CHECK(ring.takeProblem().empty());
    CHECK(ring.current()->find(made.secret) != nullptr);
    CHECK(ring.takeProblem().empty());  // not re-read, so not reported again

    keys::NewKey next = keys::generateKey("next", kNow);
    keys::saveKeys(file, {next.key});
    CHECK(namesOf(*ring.current()) == std::vector<std::string>{"next"});
    CHECK(ring.takeProblem().empty());
}

TEST_CASE("KeyRing: many threads read while the file is rewritten") {
    TempDir dir;
    std::filesystem::path file = dir.path() / "gateway-keys.json";
    std::vector<keys::NewKey> made;
    for (int i = 0; i < 4; ++i) made.push_back(keys::generateKey("k" + std::to_string(i), kNow));
    keys::saveKeys(file, {made[0].key});
    keys::KeyRing ring(file);
    std::atomic<bool> done{false};
    std::atomic<int> bad{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t) {
        readers.emplace_back([&] {
            while (!done) {
                auto set = ring.current();
                // Every version of the file holds k0 first.
                if (set->keys.empty() || set->find(made[0].secret) != &set->keys[0]) ++bad;
            }
        });
    }
    for (int round = 0; round < 40; ++round) {
        std::vector<GatewayKey> list{made[0].key};
        for (int i = 1; i <= round % 4; ++i) list.push_back(made[static_cast<std::size_t>(i)].key);
        keys::saveKeys(file, list);
    }
    done = true;
    for (auto &reader : readers) reader.join();
    CHECK(bad == 0);
    CHECK(ring.current()->keys.size() == 4);  // round 39: 39 % 4 = 3 more keys
    CHECK(ring.takeProblem().empty());
}
