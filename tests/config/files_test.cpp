// Atomic writes: content, mode, backup, and nothing touched when a write cannot happen.
#include "core/config/files.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace moltbot::config;
using moltbot::test::readFile;
using moltbot::test::TempDir;

namespace {

unsigned modeOf(const std::filesystem::path &path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 0777;
}

}  // namespace

TEST_CASE("writeFileAtomic creates 0700 folders and a 0600 file, and keeps the previous content as .bak") {
    TempDir dir;
    std::filesystem::path file = dir.path() / "a" / "b" / "moltbot.json";
    writeFileAtomic(file, "first\n");
    CHECK(readFile(file) == "first\n");
    CHECK(modeOf(file) == 0600);
    CHECK(modeOf(file.parent_path()) == 0700);
    CHECK(modeOf(file.parent_path().parent_path()) == 0700);
    CHECK_FALSE(std::filesystem::exists(backupPath(file)));
    writeFileAtomic(file, "second\n");
    CHECK(readFile(file) == "second\n");
    CHECK(readFile(backupPath(file)) == "first\n");
    CHECK(modeOf(backupPath(file)) == 0600);
    // No temp file is left behind.
    CHECK(std::distance(std::filesystem::directory_iterator(file.parent_path()), {}) == 2);
}

TEST_CASE("a symlinked file stays a symlink and its target is replaced") {
    TempDir dir;
    std::filesystem::path target = dir.write("real.json", "old");
    std::filesystem::path link = dir.path() / "link.json";
    std::filesystem::create_symlink(target, link);
    writeFileAtomic(link, "new");
    CHECK(std::filesystem::is_symlink(link));
    CHECK(readFile(target) == "new");
}

TEST_CASE("a write that cannot happen names the path and leaves the files alone") {
    TempDir dir;
    std::filesystem::path blocker = dir.write("state", "a file where a folder should be");
    CHECK_THROWS_WITH_AS(writeFileAtomic(blocker / "moltbot.json", "x"),
                         ("cannot use folder " + blocker.string() + ": it is not a folder").c_str(), ConfigError);
    CHECK(readFile(blocker) == "a file where a folder should be");
    std::filesystem::create_directory(dir.path() / "folder.json");
    CHECK_THROWS_WITH_AS(writeFileAtomic(dir.path() / "folder.json", "x"),
                         ("cannot read " + (dir.path() / "folder.json").string() + ": it is a folder, not a file").c_str(),
                         ConfigError);
}

TEST_CASE("reads are bounded and say why they fail") {
    TempDir dir;
    CHECK_FALSE(readFileIfExists(dir.path() / "missing").has_value());
    std::filesystem::path big = dir.write("big", std::string(2048, 'x'));
    CHECK_THROWS_WITH_AS(readFileIfExists(big, 1024), ("cannot read " + big.string() + ": larger than the limit of 1024 bytes").c_str(),
                         ConfigError);
    CHECK(readFileIfExists(big, 4096)->size() == 2048);
}

TEST_CASE("writeFileAtomic keeps the last `backups` versions, newest in .bak, and no duplicate of the file") {
    TempDir dir;
    std::filesystem::path file = dir.path() / "moltbot.json";
    for (const char *content : {"1\n", "2\n", "3\n", "4\n", "5\n"}) writeFileAtomic(file, content, WriteOptions{true, 3});
    CHECK(readFile(file) == "5\n");
    CHECK(readFile(backupPath(file)) == "4\n");
    CHECK(readFile(backupPath(file, 1)) == "3\n");
    CHECK(readFile(backupPath(file, 2)) == "2\n");
    CHECK_FALSE(std::filesystem::exists(backupPath(file, 3)));
    CHECK(backupPath(file, 2).string() == file.string() + ".bak.2");
    // The backup already holds the file (as after a write that failed past it): the older ones stay where they are.
    writeFileAtomic(backupPath(file), "5\n", WriteOptions{false});
    writeFileAtomic(file, "6\n", WriteOptions{true, 3});
    CHECK(readFile(backupPath(file)) == "5\n");
    CHECK(readFile(backupPath(file, 1)) == "3\n");
    CHECK(readFile(backupPath(file, 2)) == "2\n");
}
