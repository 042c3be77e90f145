// Gateway keys: the `mb-...` bearer keys `moltbot keys` hands out and `moltbot serve` checks (docs/gateway.md).
// Only a SHA-256 of each key is kept, in <state>/gateway-keys.json (0600, written atomically like the config).
#pragma once

#include "core/limits/period.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moltbot::keys {

struct GatewayKey {
    std::string id;    // random, fixed for the key's life: the ledger counts spend by it (names may be reused)
    std::string name;  // unique among the keys of the file, revoked ones included
    std::string hash;  // lowercase hex SHA-256 of the whole key
    std::string hint;  // the key masked for display ("mb-3fA9...k2Qx")
    std::optional<double> budgetUsd;
    limits::Period period = limits::Period::Month;
    std::optional<int64_t> rpm;  // requests per minute
    std::optional<int64_t> tpm;  // tokens per minute
    std::vector<std::string> models;  // model patterns ("openrouter/anthropic/*"); empty: every model
    std::optional<int64_t> expiresMs;  // epoch ms
    int64_t createdMs = 0;
    std::optional<int64_t> revokedMs;

    // Neither revoked nor expired at `nowMs`.
    bool usable(int64_t nowMs) const;
    // Whether `ref` (a resolved model ref, "openrouter/anthropic/claude-sonnet-4.5") matches one of the patterns
    // ('*' matches any run of characters, '/' included); true when there are none.
    bool allowsModel(std::string_view ref) const;
};

// Whether `text` matches `pattern`, where '*' matches any run of characters ('/' included) and everything else
// itself (case-sensitive).
bool globMatch(std::string_view pattern, std::string_view text);

// A key name: 1 to 64 characters of A-Z a-z 0-9 . _ -
bool validKeyName(std::string_view name);

// <state>/gateway-keys.json
std::filesystem::path keysPath();

// A new key: the secret ("mb-" and 43 base64url characters from 32 bytes of getrandom(2)) and its record (id, hash,
// hint, createdMs filled in; limits left for the caller).
struct NewKey {
    std::string secret;
    GatewayKey key;
};
NewKey generateKey(const std::string &name, int64_t nowMs);
std::string hashSecret(std::string_view secret);

// Reads the keys file; an absent file is no keys. Throws config::ConfigError naming the file (and line:column for
// bad JSON) on anything else.
std::vector<GatewayKey> loadKeys(const std::filesystem::path &path);
// The keys file's text as read (parseKeys) and written (serializeKeys); a shared state backend (core/state) keeps the
// same JSON. `source` names where the text came from in errors: a file path when `isFile`, else e.g. a Redis key.
std::vector<GatewayKey> parseKeys(const std::string &text, const std::string &source, bool isFile);
std::string serializeKeys(const std::vector<GatewayKey> &keys);
// Writes the keys file atomically, 0600, keeping a .bak of the previous one.
void saveKeys(const std::filesystem::path &path, const std::vector<GatewayKey> &keys);
// loadKeys, `change`, saveKeys under an exclusive lock on "<path>.lock", so that two commands changing keys at once
// do not lose one change. Nothing is written when `change` returns false (nothing changed) or throws.
void editKeys(const std::filesystem::path &path, const std::function<bool(std::vector<GatewayKey> &)> &change);

// One reading of the keys file.
struct KeySet {
    std::vector<GatewayKey> keys;
    // The key whose hash matches `secret`'s, usable or not; nullptr when none. Compares against every key in
    // constant time per key, so timing tells nothing about how close a guess was.
    const GatewayKey *find(std::string_view secret) const;
};

// The keys as a running server sees them: re-read when the file changed (its inode, size or mtime), checked on every
// call, so a revoke or an update applies to the next request without a restart. A file that fails to read keeps the
// last good set and reports the problem once through `takeProblem()`.
class KeyRing {
public:
    explicit KeyRing(std::filesystem::path path);
    std::shared_ptr<const KeySet> current();
    // The last read problem, then "" until a new one.
    std::string takeProblem();

private:
    std::filesystem::path path_;
    std::mutex mutex_;
    std::shared_ptr<const KeySet> set_;
    struct Stamp {
        uint64_t inode = 0;
        int64_t size = -1;
        int64_t mtimeNs = 0;
        bool operator==(const Stamp &) const = default;
    } stamp_;
    std::string problem_;
};

}  // namespace moltbot::keys
