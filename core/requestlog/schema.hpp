// The request log's SQLite file through Poco::Data: opening it (folder 0700, file 0600, WAL, busy timeout) and its
// schema, one version per PRAGMA user_version with forward migrations. Shared by the writer and the read side.
#pragma once

#include <Poco/Data/Session.h>

#include <filesystem>
#include <string>
#include <vector>

namespace moltbot::requestlog {

// One step of the schema: the statements that take a file from version - 1 to `version`. A new version is one more
// step at the end of migrations(); steps only add (columns with a default or NULL, tables, indexes), so an older
// moltbot can still write to a newer file.
struct Migration {
    int version = 0;
    std::vector<std::string> statements;
};

// Every step from an empty file, in order.
const std::vector<Migration> &migrations();
// The version this build writes: the last step's.
int schemaVersion();

// How long a statement waits for another process's write lock before it fails (SQLITE_BUSY). Under the writer's
// bounded close, so that a locked file cannot hold an exiting agent.
inline constexpr int kBusyTimeoutMs = 1000;

// Opens the file read-write, creating it (0600) and its folder (0700) when missing, with the busy timeout, WAL and
// synchronous=NORMAL (a commit does not wait for the disk; WAL keeps the file consistent). Throws Poco::Exception or
// config::ConfigError (the folder).
Poco::Data::Session openDatabase(const std::filesystem::path &path);

// PRAGMA user_version: 0 for a new file.
int userVersion(Poco::Data::Session &session);

// Applies the steps above the file's version, each in an IMMEDIATE transaction that re-reads the version first, so
// two processes opening a new file at once apply each step once. A failing step rolls back and throws.
void migrate(Poco::Data::Session &session, const std::vector<Migration> &steps = migrations());

}  // namespace moltbot::requestlog
