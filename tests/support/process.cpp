#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>

extern char **environ;

namespace moltbot::test {

namespace {

std::vector<std::string> buildEnvironment(const RunOptions &options) {
    std::map<std::string, std::string> env;
    for (const char *keep : {"PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS",
                             "MOLTBOT_BUILD_ROOT", "MOLTBOT_SOURCE_ROOT", "MOLTBOT_BIN"}) {
        if (const char *value = std::getenv(keep)) env[keep] = value;
    }
    env["LANG"] = "C.UTF-8";
    for (const auto &[name, value] : options.env) {
        if (value) {
            env[name] = *value;
        } else {
            env.erase(name);
        }
    }
    std::vector<std::string> flat;
    for (const auto &[name, value] : env) flat.push_back(name + "=" + value);
    return flat;
}

void makePipe(int fds[2]) {
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
}

// Starts `command` in a process group of its own (so a kill takes its children too) with the clean environment of
// `options`, its standard input, output and error on the given descriptors.
pid_t spawnChild(const std::vector<std::string> &command, const RunOptions &options, int in, int out, int err) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in, 0);
    posix_spawn_file_actions_adddup2(&actions, out, 1);
    posix_spawn_file_actions_adddup2(&actions, err, 2);
    if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    std::vector<char *> args;
    for (const auto &arg : command) args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> envStrings = buildEnvironment(options);
    std::vector<char *> envp;
    for (auto &entry : envStrings) envp.push_back(entry.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    int spawnError = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (spawnError != 0) throw std::system_error(spawnError, std::generic_category(), "posix_spawn " + command[0]);
    return pid;
}

}  // namespace

RunResult run(const std::vector<std::string> &argv, const RunOptions &options) {
    int in[2], out[2], err[2];
    makePipe(in);
    makePipe(out);
    makePipe(err);

    std::vector<std::string> command = argv;
    std::optional<TempDir> rssFolder;
    if (options.measurePeakRss) {
        rssFolder.emplace();
        command.insert(command.begin(),
                       {buildPath("tests/support/peak-rss").string(), (rssFolder->path() / "kib").string()});
    }
    pid_t pid = 0;
    try {
        pid = spawnChild(command, options, in[0], out[1], err[1]);
    } catch (...) {
        for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
        throw;
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);

    RunResult result;
    std::size_t written = 0;
    int inFd = in[1];
    if (options.input.empty()) {
        close(inFd);
        inFd = -1;
    } else {
        fcntl(inFd, F_SETFL, O_NONBLOCK);
    }
    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    int outFd = out[0], errFd = err[0];
    std::chrono::steady_clock::time_point signalledAt;
    while (outFd >= 0 || errFd >= 0) {
        if (!result.signalled && !options.signalOnOutput.empty() &&
            result.out.find(options.signalOnOutput) != std::string::npos) {
            kill(pid, options.signal);
            result.signalled = true;
            signalledAt = std::chrono::steady_clock::now();
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timedOut = true;
            kill(-pid, SIGKILL);
            break;
        }
        pollfd fds[3];
        int count = 0;
        if (outFd >= 0) fds[count++] = {outFd, POLLIN, 0};
        if (errFd >= 0) fds[count++] = {errFd, POLLIN, 0};
        if (inFd >= 0) fds[count++] = {inFd, POLLOUT, 0};
        int ready = poll(fds, static_cast<nfds_t>(count), static_cast<int>(std::min<long>(left.count(), 100)));
        if (ready < 0 && errno != EINTR) break;
        for (int i = 0; i < count; ++i) {
            if (fds[i].revents == 0) continue;
            if (fds[i].fd == inFd) {
                ssize_t n = write(inFd, options.input.data() + written, options.input.size() - written);
                if (n > 0) written += static_cast<std::size_t>(n);
                if (n < 0 && errno != EAGAIN) written = options.input.size();
                if (written >= options.input.size()) {
                    close(inFd);
                    inFd = -1;
                }
                continue;
            }
            char buffer[65536];
            ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            std::string &sink = fds[i].fd == outFd ? result.out : result.err;
            if (n > 0) {
                sink.append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                (fds[i].fd == outFd ? outFd : errFd) = -1;
            }
        }
    }
    if (inFd >= 0) close(inFd);
    if (outFd >= 0) close(outFd);
    if (errFd >= 0) close(errFd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (rssFolder) {
        std::ifstream figure(rssFolder->path() / "kib");
        figure >> result.maxRssKb;
    }
    if (result.signalled) {
        result.exitAfterSignal =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - signalledAt);
    }
    if (WIFEXITED(status)) {
        result.exitCode = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.exitCode = 128 + WTERMSIG(status);
    }
    return result;
}

namespace {
std::filesystem::path fromEnv(const char *name) {
    const char *value = std::getenv(name);
    if (value == nullptr || *value == '\0') throw std::runtime_error(std::string(name) + " is not set: run the tests with meson test");
    return value;
}
}  // namespace

std::filesystem::path moltbotBinary() { return fromEnv("MOLTBOT_BIN"); }

Background::Background(const std::vector<std::string> &argv, const RunOptions &options) {
    int output[2];
    makePipe(output);
    int devNull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    // Through setpriv (util-linux) the program gets SIGKILL when the test dies, even of a crash no destructor sees.
    std::vector<std::string> command = argv;
    if (access("/usr/bin/setpriv", X_OK) == 0) command.insert(command.begin(), {"/usr/bin/setpriv", "--pdeathsig", "KILL", "--"});
    try {
        pid_ = spawnChild(command, options, devNull, output[1], output[1]);
    } catch (...) {
        close(devNull);
        close(output[0]);
        close(output[1]);
        throw;
    }
    close(devNull);
    close(output[1]);
    reader_ = std::thread([this, fd = output[0]] {
        char buffer[65536];
        for (;;) {
            ssize_t n = read(fd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            std::lock_guard lock(mutex_);
            if (n <= 0) {
                closed_ = true;
                changed_.notify_all();
                break;
            }
            output_.append(buffer, static_cast<std::size_t>(n));
            changed_.notify_all();
        }
        close(fd);
    });
}

Background::~Background() {
    if (!exitCode_) {
        kill(-pid_, SIGKILL);
        wait(std::chrono::seconds(30));
    }
    if (reader_.joinable()) reader_.join();
}

bool Background::waitFor(const std::string &text, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return output_.find(text) != std::string::npos || closed_; }) &&
           output_.find(text) != std::string::npos;
}

std::string Background::output() const {
    std::lock_guard lock(mutex_);
    return output_;
}

void Background::signal(int signal) const { kill(pid_, signal); }

std::optional<int> Background::wait(std::chrono::milliseconds timeout) {
    if (exitCode_) return exitCode_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        pid_t done = waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return exitCode_;
        }
        if (done < 0 && errno != EINTR) return std::nullopt;
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}
std::filesystem::path buildPath(const std::string &relative) { return fromEnv("MOLTBOT_BUILD_ROOT") / relative; }
std::filesystem::path sourcePath(const std::string &relative) { return fromEnv("MOLTBOT_SOURCE_ROOT") / relative; }

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "moltbot-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    // Tests make folders read-only on purpose; give permissions back so removal works.
    for (auto it = std::filesystem::recursive_directory_iterator(path_, ignored);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ignored)) {
        std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add | std::filesystem::perm_options::nofollow,
                                     ignored);
    }
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::write(const std::string &relative, const std::string &content) const {
    std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream stream(file, std::ios::binary | std::ios::trunc);
    stream << content;
    if (!stream) throw std::runtime_error("cannot write " + file.string());
    return file;
}

std::string readFile(const std::filesystem::path &path) {
    std::ifstream stream(path, std::ios::binary);
    if (!stream) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream content;
    content << stream.rdbuf();
    return content.str();
}

}  // namespace moltbot::test
