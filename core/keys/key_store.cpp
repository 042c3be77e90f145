#include "core/keys/key_store.hpp"

#include "core/config/files.hpp"
#include "core/config/json5.hpp"
#include "core/config/paths.hpp"
#include "core/util/secrets.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <set>
#include <sstream>
#include <utility>

namespace moltbot::keys {

namespace {

constexpr int kFileVersion = 1;
constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kHashLength = 64;  // hex SHA-256

// Kernel randomness; getrandom(2) blocks only before the pool is first seeded, and returns at most 256 bytes at once
// without being cut short by signals.
std::vector<unsigned char> randomBytes(std::size_t count) {
    std::vector<unsigned char> bytes(count);
    std::size_t filled = 0;
    while (filled < count) {
        ssize_t got = ::getrandom(bytes.data() + filled, count - filled, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            throw config::ConfigError(std::string("cannot make a gateway key: getrandom failed: ") +
                                      std::strerror(errno));
        }
        filled += static_cast<std::size_t>(got);
    }
    return bytes;
}

std::string base64Url(const std::vector<unsigned char> &bytes) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    encoder.rdbuf()->setLineLength(0);
    encoder.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    encoder.close();
    return out.str();
}

// Equality of two hex hashes in a time that depends only on kHashLength, not on where they first differ.
bool sameHash(std::string_view a, std::string_view b) {
    unsigned diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < kHashLength; ++i) {
        unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff |= static_cast<unsigned>(x ^ y);
    }
    return diff == 0;
}

bool isLowerHex(std::string_view text) {
    return text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// ---- reading -------------------------------------------------------------------------------------------------------

// Checks one field of one key record and converts it; every error names the file and the field.
class RecordReader {
public:
    RecordReader(const std::string &source, bool isFile, const rapidjson::Value &record, std::size_t index)
        : source_(source), isFile_(isFile), record_(record), where_("keys[" + std::to_string(index) + "]") {}

    config::ConfigError error(std::string_view field, std::string_view expected) const {
        std::string at = field.empty() ? where_ : where_ + "." + std::string(field);
        std::string fix = isFile_ ? " (fix the file or restore " + config::backupPath(source_).string() + ")" : "";
        return config::ConfigError("gateway keys " + std::string(isFile_ ? "file " : "in ") + source_ + ": " + at +
                                   ": expected " + std::string(expected) + fix);
    }

    // nullptr when the field is absent or null: optional fields may be either.
    const rapidjson::Value *find(const char *field) const {
        auto member = record_.FindMember(field);
        if (member == record_.MemberEnd() || member->value.IsNull()) return nullptr;
        return &member->value;
    }

    std::string string(const char *field, bool required = true) const {
        const rapidjson::Value *value = find(field);
        if (value == nullptr && !required) return {};
        if (value == nullptr || !value->IsString()) throw error(field, "a string");
        return std::string(value->GetString(), value->GetStringLength());
    }

    std::optional<int64_t> integer(const char *field, bool positive) const {
        const rapidjson::Value *value = find(field);
        if (value == nullptr) return std::nullopt;
        if (!value->IsInt64() || (positive && value->GetInt64() <= 0)) {
            throw error(field, positive ? "a positive integer" : "an integer (epoch milliseconds)");
        }
        return value->GetInt64();
    }

    std::optional<double> budget(const char *field) const {
        const rapidjson::Value *value = find(field);
        if (value == nullptr) return std::nullopt;
        if (!value->IsNumber() || !std::isfinite(value->GetDouble()) || value->GetDouble() <= 0) {
            throw error(field, "a positive number of US dollars");
        }
        return value->GetDouble();
    }

private:
    const std::string &source_;
    bool isFile_;
    const rapidjson::Value &record_;
    std::string where_;
};

GatewayKey readRecord(const std::string &source, bool isFile, const rapidjson::Value &record, std::size_t index) {
    RecordReader reader(source, isFile, record, index);
    if (!record.IsObject()) throw reader.error("", "an object");
    GatewayKey key;
    key.id = reader.string("id");
    if (key.id.empty()) throw reader.error("id", "a non-empty string");
    key.name = reader.string("name");
    if (!validKeyName(key.name)) throw reader.error("name", "1 to 64 of A-Z a-z 0-9 . _ -");
    key.hash = reader.string("hash");
    if (key.hash.size() != kHashLength || !isLowerHex(key.hash)) throw reader.error("hash", "64 lowercase hex digits");
    key.hint = reader.string("hint", false);
    key.budgetUsd = reader.budget("budgetUsd");
    if (reader.find("period") != nullptr) {
        std::optional<limits::Period> period = limits::parsePeriod(reader.string("period"));
        if (!period) throw reader.error("period", "\"day\", \"week\", \"month\" or \"total\"");
        key.period = *period;
    }
    key.rpm = reader.integer("rpm", true);
    key.tpm = reader.integer("tpm", true);
    if (const rapidjson::Value *models = reader.find("models")) {
        if (!models->IsArray()) throw reader.error("models", "an array of model patterns");
        for (const auto &pattern : models->GetArray()) {
            if (!pattern.IsString() || pattern.GetStringLength() == 0) {
                throw reader.error("models", "an array of non-empty strings");
            }
            key.models.emplace_back(pattern.GetString(), pattern.GetStringLength());
        }
    }
    key.expiresMs = reader.integer("expiresMs", false);
    key.createdMs = reader.integer("createdMs", false).value_or(0);
    key.revokedMs = reader.integer("revokedMs", false);
    return key;
}

// ---- writing -------------------------------------------------------------------------------------------------------

rapidjson::Value text(std::string_view value, rapidjson::Document::AllocatorType &allocator) {
    return rapidjson::Value(value.data(), static_cast<rapidjson::SizeType>(value.size()), allocator);
}

rapidjson::Value record(const GatewayKey &key, rapidjson::Document::AllocatorType &allocator) {
    rapidjson::Value out(rapidjson::kObjectType);
    out.AddMember("id", text(key.id, allocator), allocator);
    out.AddMember("name", text(key.name, allocator), allocator);
    out.AddMember("hash", text(key.hash, allocator), allocator);
    out.AddMember("hint", text(key.hint, allocator), allocator);
    if (key.budgetUsd) out.AddMember("budgetUsd", *key.budgetUsd, allocator);
    out.AddMember("period", text(limits::periodName(key.period), allocator), allocator);
    if (key.rpm) out.AddMember("rpm", static_cast<int64_t>(*key.rpm), allocator);
    if (key.tpm) out.AddMember("tpm", static_cast<int64_t>(*key.tpm), allocator);
    rapidjson::Value models(rapidjson::kArrayType);
    for (const auto &pattern : key.models) models.PushBack(text(pattern, allocator), allocator);
    out.AddMember("models", models, allocator);
    if (key.expiresMs) out.AddMember("expiresMs", static_cast<int64_t>(*key.expiresMs), allocator);
    out.AddMember("createdMs", static_cast<int64_t>(key.createdMs), allocator);
    if (key.revokedMs) out.AddMember("revokedMs", static_cast<int64_t>(*key.revokedMs), allocator);
    return out;
}

// An exclusive flock(2) on "<file>.lock" for a read-modify-write, so two `moltbot keys` runs cannot lose each
// other's change. Readers (the gateway) need none: the file is replaced by rename.
class FileLock {
public:
    explicit FileLock(const std::filesystem::path &file) {
        std::filesystem::path lock = file;
        lock += ".lock";
        config::ensurePrivateFolder(file.parent_path());
        fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0) throw config::ConfigError("cannot lock " + lock.string() + ": " + std::strerror(errno));
        while (::flock(fd_, LOCK_EX) != 0) {
            if (errno == EINTR) continue;
            int error = errno;
            ::close(fd_);
            throw config::ConfigError("cannot lock " + lock.string() + ": " + std::strerror(error));
        }
    }
    ~FileLock() { ::close(fd_); }
    FileLock(const FileLock &) = delete;
    FileLock &operator=(const FileLock &) = delete;

private:
    int fd_ = -1;
};

}  // namespace

bool GatewayKey::usable(int64_t nowMs) const { return !revokedMs && (!expiresMs || nowMs < *expiresMs); }

bool GatewayKey::allowsModel(std::string_view ref) const {
    if (models.empty()) return true;
    for (const auto &pattern : models) {
        if (globMatch(pattern, ref)) return true;
    }
    return false;
}

bool globMatch(std::string_view pattern, std::string_view text) {
    // The classic linear-backtracking match: on a mismatch, the last '*' takes one more character.
    std::size_t p = 0, t = 0;
    std::size_t star = std::string_view::npos, starText = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            starText = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++starText;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

bool validKeyName(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-';
        if (!ok) return false;
    }
    return true;
}

std::filesystem::path keysPath() { return config::stateDir() / "gateway-keys.json"; }

std::string hashSecret(std::string_view secret) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(secret.data(), static_cast<unsigned>(secret.size()));
    return Poco::DigestEngine::digestToHex(engine.digest());
}

NewKey generateKey(const std::string &name, int64_t nowMs) {
    NewKey made;
    made.secret = "mb-" + base64Url(randomBytes(kSecretBytes));
    made.key.id = "k" + Poco::DigestEngine::digestToHex(randomBytes(8));
    made.key.name = name;
    made.key.hash = hashSecret(made.secret);
    made.key.hint = util::maskSecret(made.secret);
    made.key.createdMs = nowMs;
    return made;
}

std::vector<GatewayKey> parseKeys(const std::string &text, const std::string &source, bool isFile) {
    rapidjson::Document document;
    try {
        config::parseJson5(text, document, source);
    } catch (const config::Json5Error &error) {
        throw config::ConfigError(std::string(isFile ? "gateway keys file " : "gateway keys in ") + error.what());
    }
    auto shapeError = [&](const std::string &what) {
        return config::ConfigError(std::string(isFile ? "gateway keys file " : "gateway keys in ") + source + ": " + what);
    };
    if (!document.IsObject()) throw shapeError("expected an object {\"version\": 1, \"keys\": [...]}");
    auto version = document.FindMember("version");
    if (version != document.MemberEnd() && !(version->value.IsInt64() && version->value.GetInt64() == kFileVersion)) {
        throw shapeError("version: expected 1 (a file from a newer moltbot?)");
    }
    std::vector<GatewayKey> keys;
    auto list = document.FindMember("keys");
    if (list == document.MemberEnd()) return keys;
    if (!list->value.IsArray()) throw shapeError("keys: expected an array");
    std::set<std::string, std::less<>> names, ids;
    for (const auto &record : list->value.GetArray()) {
        keys.push_back(readRecord(source, isFile, record, keys.size()));
        const GatewayKey &key = keys.back();
        // The ledger counts by id and the CLI finds keys by name: both must be unique.
        if (!names.insert(key.name).second) throw shapeError("two keys are named '" + key.name + "'");
        if (!ids.insert(key.id).second) throw shapeError("two keys have the id '" + key.id + "'");
    }
    return keys;
}

std::string serializeKeys(const std::vector<GatewayKey> &keys) {
    rapidjson::Document document(rapidjson::kObjectType);
    auto &allocator = document.GetAllocator();
    document.AddMember("version", kFileVersion, allocator);
    rapidjson::Value list(rapidjson::kArrayType);
    for (const auto &key : keys) list.PushBack(record(key, allocator), allocator);
    document.AddMember("keys", list, allocator);
    return config::toPrettyJson(document);
}

std::vector<GatewayKey> loadKeys(const std::filesystem::path &path) {
    std::optional<std::string> text = config::readFileIfExists(path);
    if (!text) return {};
    return parseKeys(*text, path.string(), true);
}

void saveKeys(const std::filesystem::path &path, const std::vector<GatewayKey> &keys) {
    config::writeFileAtomic(path, serializeKeys(keys));
}

void editKeys(const std::filesystem::path &path, const std::function<bool(std::vector<GatewayKey> &)> &change) {
    FileLock lock(path);
    std::vector<GatewayKey> keys = loadKeys(path);
    if (change(keys)) saveKeys(path, keys);
}

const GatewayKey *KeySet::find(std::string_view secret) const {
    const std::string hash = hashSecret(secret);
    const GatewayKey *found = nullptr;
    for (const auto &key : keys) {
        if (sameHash(hash, key.hash)) found = &key;  // no early exit: every key costs the same
    }
    return found;
}

KeyRing::KeyRing(std::filesystem::path path)
    : path_(std::move(path)), set_(std::make_shared<const KeySet>()) {}

std::shared_ptr<const KeySet> KeyRing::current() {
    // The stamp of an absent file is the default one, so a ring without a file never reads.
    Stamp stamp;
    struct stat info {};
    if (::stat(path_.c_str(), &info) == 0) {
        stamp.inode = static_cast<uint64_t>(info.st_ino);
        stamp.size = static_cast<int64_t>(info.st_size);
        stamp.mtimeNs = static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
    } else if (errno != ENOENT) {
        stamp.size = -2;  // unreadable: read once to report why, then not again until it changes
        stamp.mtimeNs = errno;
    }
    std::lock_guard lock(mutex_);
    if (stamp == stamp_) return set_;
    stamp_ = stamp;
    try {
        auto fresh = std::make_shared<KeySet>();
        fresh->keys = loadKeys(path_);
        set_ = std::move(fresh);
    } catch (const std::exception &error) {
        problem_ = std::string(error.what()) + "; keeping the keys read before";
    }
    return set_;
}

std::string KeyRing::takeProblem() {
    std::lock_guard lock(mutex_);
    return std::exchange(problem_, {});
}

}  // namespace moltbot::keys
