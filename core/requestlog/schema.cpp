#include "core/requestlog/schema.hpp"

#include "core/config/files.hpp"

#include <Poco/Data/SQLite/Connector.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace moltbot::requestlog {

using namespace Poco::Data::Keywords;

const std::vector<Migration> &migrations() {
    static const std::vector<Migration> steps{
        {1,
         {"CREATE TABLE requests ("
          " id INTEGER PRIMARY KEY,"
          " time_ms INTEGER NOT NULL,"
          " front_end TEXT NOT NULL,"
          " key_name TEXT,"
          " model_asked TEXT,"
          " model TEXT,"
          " provider TEXT,"
          " attempts TEXT NOT NULL DEFAULT '[]',"
          " prompt_tokens INTEGER,"
          " completion_tokens INTEGER,"
          " cached_tokens INTEGER,"
          " cache_write_tokens INTEGER,"
          " cost_usd REAL,"
          " cost_estimated INTEGER NOT NULL DEFAULT 0,"
          " latency_ms INTEGER,"
          " ttft_ms INTEGER,"
          " status INTEGER NOT NULL,"
          " error_code TEXT,"
          " conversation_id TEXT,"
          " prompt TEXT,"
          " system_prompt TEXT,"
          " answer TEXT)",
          "CREATE INDEX requests_by_time ON requests (time_ms)",
          "CREATE INDEX requests_by_conversation ON requests (conversation_id) WHERE conversation_id IS NOT NULL"}},
        // The gateway instance that served the request (gateway.instanceId), for several instances' logs side by side.
        {2, {"ALTER TABLE requests ADD COLUMN instance TEXT"}},
    };
    return steps;
}

int schemaVersion() { return migrations().back().version; }

namespace {

void registerConnector() {
    static std::once_flag once;
    std::call_once(once, [] { Poco::Data::SQLite::Connector::registerConnector(); });
}

// SQLite would create the file with the umask's mode (0644): create it 0600 first. Its -wal and -shm files take the
// database file's mode.
void createPrivateFile(const std::filesystem::path &path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
    } else if (errno != EEXIST) {
        throw config::ConfigError("cannot create " + path.string() + ": " + std::strerror(errno));
    }
}

}  // namespace

Poco::Data::Session openDatabase(const std::filesystem::path &path) {
    registerConnector();
    config::ensurePrivateFolder(path.parent_path());
    createPrivateFile(path);
    // A login timeout of 0: Poco retries a failed open until it passes, and an unopenable file should fail at once.
    Poco::Data::Session session(Poco::Data::SQLite::Connector::KEY, path.string(), 0);
    session << "PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs), now;
    std::string mode;
    session << "PRAGMA journal_mode = WAL", into(mode), now;  // persistent in the file; a no-op once set
    session << "PRAGMA synchronous = NORMAL", now;
    return session;
}

int userVersion(Poco::Data::Session &session) {
    int version = 0;
    session << "PRAGMA user_version", into(version), now;
    return version;
}

void migrate(Poco::Data::Session &session, const std::vector<Migration> &steps) {
    for (const auto &step : steps) {
        if (userVersion(session) >= step.version) continue;
        session << "BEGIN IMMEDIATE", now;
        try {
            if (userVersion(session) < step.version) {
                for (const auto &statement : step.statements) session << statement, now;
                session << "PRAGMA user_version = " + std::to_string(step.version), now;
            }
            session << "COMMIT", now;
        } catch (...) {
            try {
                session << "ROLLBACK", now;
            } catch (...) {
            }
            throw;
        }
    }
}

}  // namespace moltbot::requestlog
