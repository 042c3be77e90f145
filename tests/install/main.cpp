// One program, two meson tests (meson.build): "install" runs every case but the CMake one; "install-cmake" runs only
// that one and, with MOLTBOT_TEST_REQUIRES=cmake, is SKIPPED (exit 77) when cmake is not installed: the one tool of
// these tests that a build machine may lack. Present but broken, it fails.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace {

bool onPath(const std::string &program) {
    const char *path = std::getenv("PATH");
    std::istringstream folders(path != nullptr ? path : "");
    std::string folder;
    while (std::getline(folders, folder, ':')) {
        if (!folder.empty() && access((folder + "/" + program).c_str(), X_OK) == 0) return true;
    }
    return false;
}

}  // namespace

int main(int argc, char **argv) {
    if (const char *tool = std::getenv("MOLTBOT_TEST_REQUIRES"); tool != nullptr && !onPath(tool)) {
        std::fprintf(stderr, "SKIP: %s is not on PATH\n", tool);
        return 77;
    }
    doctest::Context context(argc, argv);
    return context.run();
}
