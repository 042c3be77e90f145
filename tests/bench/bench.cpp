// moltbot's benchmarks (issue "Benchmarks ..."): figures, not pass/fail. Every comparison is a ratio or difference
// measured in the same run, against the same in-process OpenRouter simulator, on the same machine; every figure is a
// median over repeated runs. Prints a table and, with --output FILE, writes it as Markdown with the machine, the date
// and the commands.
#include "tests/simulator/server.hpp"

#include "errors.hpp"

#include <moltbot/sdk/openai/translate.hpp>
#include <moltbot/sdk/sse.hpp>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

extern char **environ;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Sample {
    double totalMs = 0;
    double firstByteMs = -1;  // first byte on standard output
    int exitCode = -1;
    std::size_t outBytes = 0;
};

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Runs a program once: standard output read (and timed), standard error discarded.
Sample spawnOnce(const std::vector<std::string> &argv, const std::map<std::string, std::string> &env) {
    std::map<std::string, std::string> merged;
    for (char **entry = environ; *entry != nullptr; ++entry) {
        std::string text = *entry;
        std::size_t eq = text.find('=');
        if (eq != std::string::npos) merged[text.substr(0, eq)] = text.substr(eq + 1);
    }
    for (const auto &[name, value] : env) merged[name] = value;
    std::vector<std::string> envText;
    for (const auto &[name, value] : merged) envText.push_back(name + "=" + value);
    std::vector<char *> envp, args;
    for (auto &item : envText) envp.push_back(item.data());
    envp.push_back(nullptr);
    for (const auto &arg : argv) args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);

    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    Sample sample;
    auto start = Clock::now();
    pid_t pid = 0;
    int error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (error != 0) {
        close(out[0]);
        throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(error));
    }
    char buffer[65536];
    for (;;) {
        ssize_t n = read(out[0], buffer, sizeof buffer);
        if (n <= 0) break;
        if (sample.firstByteMs < 0) sample.firstByteMs = msSince(start);
        sample.outBytes += static_cast<std::size_t>(n);
    }
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    sample.totalMs = msSince(start);
    sample.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return sample;
}

struct Stats {
    double totalMs = 0, firstByteMs = 0;
    int failures = 0;
};

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

struct Command {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;
};

// Runs the commands round-robin, `runs` times each, so that the machine getting busier or quieter during the run
// (it may be shared) weighs on all of them alike and their differences stay meaningful. Each round starts one command
// later: a run right after a heavy process (one loading libcurl) is slower, and no command should always be that one.
// One Stats per command.
std::vector<Stats> measureTogether(const std::vector<Command> &commands, int runs) {
    std::vector<std::vector<double>> totals(commands.size()), firsts(commands.size());
    std::vector<Stats> stats(commands.size());
    for (const auto &command : commands) spawnOnce(command.argv, command.env);  // warm the page cache
    for (int i = 0; i < runs; ++i) {
        for (std::size_t k = 0; k < commands.size(); ++k) {
            std::size_t c = (static_cast<std::size_t>(i) + k) % commands.size();
            Sample sample = spawnOnce(commands[c].argv, commands[c].env);
            if (sample.exitCode != 0) ++stats[c].failures;
            totals[c].push_back(sample.totalMs);
            firsts[c].push_back(sample.firstByteMs);
        }
    }
    for (std::size_t c = 0; c < commands.size(); ++c) {
        stats[c].totalMs = median(totals[c]);
        stats[c].firstByteMs = median(firsts[c]);
    }
    return stats;
}

std::string quote(const std::vector<std::string> &argv) {
    std::string text;
    for (const auto &arg : argv) {
        std::string quoted = arg;
        if (arg.empty() || arg.find_first_of(" \"'{}$;()&|<>\n") != std::string::npos) {
            quoted = "'";
            for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);  // ' as '\''
            quoted += "'";
        }
        text += (text.empty() ? "" : " ") + quoted;
    }
    return text;
}

struct Report {
    struct Line {
        std::string what, figure, budget, verdict;
    };
    std::vector<Line> lines;
    std::vector<std::string> commands;

    void add(std::string what, std::string figure, std::string budget = "", std::string verdict = "") {
        std::printf("%-58s %18s  %-14s %s\n", what.c_str(), figure.c_str(), budget.c_str(), verdict.c_str());
        std::fflush(stdout);
        lines.push_back({std::move(what), std::move(figure), std::move(budget), std::move(verdict)});
    }
};

std::string fixed(double value, int digits, const char *unit) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f %s", digits, value, unit);
    return text;
}

std::string verdict(bool met) { return met ? "within budget" : "OVER BUDGET"; }

// The system's own interpreter (Debian's, in /usr/bin), not a version manager's shim earlier on PATH, which would add
// its own start-up to every run. Empty when not installed.
std::string systemProgram(const std::string &name) {
    for (const char *folder : {"/usr/bin", "/usr/local/bin"}) {
        fs::path program = fs::path(folder) / name;
        if (access(program.c_str(), X_OK) == 0) return program.string();
    }
    return "";
}

// Minimal clients in the alternatives' runtimes: argv is URL, key, body; the answer goes to stdout as it arrives.
constexpr const char *kNodeClient =
    "const [url, key, body] = process.argv.slice(1);"
    "fetch(url, {method: 'POST', headers: {Authorization: 'Bearer ' + key, 'Content-Type': 'application/json'}, body})"
    ".then(async (r) => { for await (const piece of r.body) process.stdout.write(piece); });";
constexpr const char *kPythonClient =
    "import sys, urllib.request as u\n"
    "url, key, body = sys.argv[1:4]\n"
    "request = u.Request(url, data=body.encode(), headers={'Authorization': 'Bearer ' + key,"
    " 'Content-Type': 'application/json'})\n"
    "with u.urlopen(request) as answer:\n"
    "    for line in answer:\n"
    "        sys.stdout.buffer.write(line)\n"
    "        sys.stdout.flush()\n";

// SSE reader plus the OpenRouter chunk translator over a recorded stream held in memory.
void streamingThroughput(Report &report) {
    std::string chunk =
        R"(data: {"id":"gen-1773323536-Ko6dI9bnZTkPeee45z6T","object":"chat.completion.chunk","created":1773323536,)"
        R"("model":"anthropic/claude-4.5-sonnet-20250929","provider":"Anthropic","choices":[{"index":0,"delta":)"
        R"({"role":"assistant","content":"The quick brown fox jumps over the lazy dog. "},"finish_reason":null,)"
        R"("native_finish_reason":null}]})"
        "\n\n";
    std::string stream = ": OPENROUTER PROCESSING\n\n";
    while (stream.size() < (std::size_t{64} << 20)) stream += chunk;
    std::size_t events = (stream.size() - 25) / chunk.size();
    stream += "data: [DONE]\n\n";

    auto run = [&](bool translate) {
        std::vector<double> rates;
        for (int round = 0; round < 5; ++round) {
            std::size_t seen = 0;
            moltbot::sdk::openai::StreamTranslator translator(
                [&seen](uint32_t, std::string_view) {
                    ++seen;
                    return true;
                },
                moltbot::openrouter::dialect(), 0);
            moltbot::sdk::SseReader reader;
            auto start = Clock::now();
            for (std::size_t at = 0; at < stream.size(); at += 16384) {
                reader.feed(std::string_view(stream).substr(at, 16384), [&](const moltbot::sdk::SseEvent &event) {
                    if (translate) return translator.onData(event.data) ==
                                          moltbot::sdk::openai::StreamTranslator::Step::more;
                    ++seen;
                    return true;
                });
            }
            double seconds = std::chrono::duration<double>(Clock::now() - start).count();
            if (seen < events) throw std::runtime_error("the recorded stream lost events");
            rates.push_back(static_cast<double>(stream.size()) / seconds / 1e6);
        }
        return median(rates);
    };
    double readerRate = run(false);
    double translatedRate = run(true);
    double eventsPerSecond = translatedRate * 1e6 / static_cast<double>(chunk.size());
    report.add("SSE reader alone (64 MB recorded stream, 16 KiB feeds)", fixed(readerRate, 0, "MB/s"), ">= 500 MB/s",
               verdict(readerRate >= 500));
    report.add("SSE reader + OpenRouter chunk translation", fixed(translatedRate, 0, "MB/s"));
    report.add("  ... in events (chunks) per second", fixed(eventsPerSecond / 1e6, 2, "M/s"));
}

}  // namespace

int main(int argc, char **argv) {
    std::string output;
    int runs = 20;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--output" && i + 1 < argc) {
            output = argv[++i];
        } else if (arg == "--runs" && i + 1 < argc) {
            runs = std::max(3, std::atoi(argv[++i]));
        } else {
            std::cerr << "usage: moltbot-bench [--runs N] [--output FILE.md]   (run it through scripts/bench.sh)\n";
            return 2;
        }
    }
    const char *binaryEnv = std::getenv("MOLTBOT_BIN");
    const char *fixturesEnv = std::getenv("MOLTBOT_BENCH_FIXTURE");
    const char *floorEnv = std::getenv("MOLTBOT_BENCH_FLOOR");
    const char *peakRssEnv = std::getenv("MOLTBOT_BENCH_PEAK_RSS");
    if (binaryEnv == nullptr || fixturesEnv == nullptr || floorEnv == nullptr || peakRssEnv == nullptr) {
        std::cerr << "moltbot-bench: run it through scripts/bench.sh (MOLTBOT_BIN, MOLTBOT_BENCH_FIXTURE, "
                     "MOLTBOT_BENCH_FLOOR or MOLTBOT_BENCH_PEAK_RSS unset)\n";
        return 2;
    }
    std::string moltbot = binaryEnv;

    moltbot::sim::Simulator simulator;
    simulator.start();
    std::string base = simulator.baseUrl();
    fs::path home = fs::temp_directory_path() / ("moltbot-bench-" + std::to_string(getpid()));
    fs::create_directories(home / ".moltbot");
    std::ofstream(home / ".moltbot/moltbot.json")
        << R"({"agents":{"defaults":{"model":{"primary":"openrouter/anthropic/claude-sonnet-4.5"}}}})";
    std::map<std::string, std::string> env{{"HOME", home.string()},
                                           {"MOLTBOT_STATE_DIR", (home / ".moltbot").string()},
                                           {"OPENROUTER_BASE_URL", base},
                                           {"OPENROUTER_API_KEY", moltbot::sim::kDefaultKey},
                                           {"MOLTBOT_PLUGIN_PATH", ""}};
    Report report;
    std::printf("%-58s %18s  %-14s %s\n", "benchmark (median)", "figure", "budget", "");

    // Cold start, with the catalog (>= 400 models) already cached on disk, beside what any program linked like
    // moltbot pays before doing anything (tests/bench/floor.cpp).
    spawnOnce({moltbot, "models", "list", "--all", "--refresh"}, env);
    std::vector<std::pair<std::vector<std::string>, double>> starts{
        {{"--version"}, 10}, {{"models", "list"}, 10}, {{"models", "list", "--all"}, 25}};
    std::vector<Command> startCommands;
    for (auto &[args, budget] : starts) {
        args.insert(args.begin(), moltbot);
        startCommands.push_back({args, env});
    }
    startCommands.push_back({{floorEnv}, env});
    std::vector<Stats> startStats = measureTogether(startCommands, runs);
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const auto &[args, budget] = starts[i];
        report.commands.push_back(quote(args));
        report.add("cold start: moltbot " + quote({args.begin() + 1, args.end()}), fixed(startStats[i].totalMs, 2, "ms"),
                   "< " + fixed(budget, 0, "ms"), verdict(startStats[i].totalMs < budget));
    }
    report.add("floor: empty Poco application, moltbot's libraries", fixed(startStats[3].totalMs, 2, "ms"));
    report.commands.push_back(quote({floorEnv}));

    // Per-request overhead against curl sending the same body to the same simulator (the floor), and beside them the
    // same request from Node.js and Python, the runtimes of the tools moltbot replaces, with their own HTTP clients
    // and no SDK: what any tool in those runtimes pays at least.
    std::vector<std::pair<std::string, std::vector<std::string>>> alternatives;
    if (std::string node = systemProgram("node"); !node.empty()) {
        alternatives.push_back({"Node.js fetch, the same request", {node, "-e", kNodeClient}});
    }
    if (std::string python = systemProgram("python3"); !python.empty()) {
        alternatives.push_back({"Python urllib, the same request", {python, "-I", "-c", kPythonClient}});
    }
    std::string body = R"({"model":"anthropic/claude-sonnet-4.5","messages":[{"role":"user","content":"hi"}])";
    for (bool stream : {false, true}) {
        std::vector<std::string> curl{"curl", "-s", "-X", "POST", base + "/chat/completions", "-H",
                                      std::string("Authorization: Bearer ") + moltbot::sim::kDefaultKey, "-H",
                                      "Content-Type: application/json", "-d",
                                      body + (stream ? R"(,"stream":true})" : "}")};
        std::vector<std::string> agent{moltbot, "agent", "-m", "hi"};
        if (!stream) agent.push_back("--no-stream");
        // Beside the non-streaming pair, the floor with libcurl: what moltbot pays before its request.
        std::vector<Command> commands{{curl, env}, {agent, env}};
        if (!stream) commands.push_back({{floorEnv, "--curl"}, env});
        std::size_t firstAlternative = commands.size();
        for (const auto &[name, program] : alternatives) {
            std::vector<std::string> argv = program;
            argv.insert(argv.end(), {base + "/chat/completions", moltbot::sim::kDefaultKey,
                                     body + (stream ? R"(,"stream":true})" : "}")});
            commands.push_back({argv, env});
        }
        std::vector<Stats> measured = measureTogether(commands, runs);
        const Stats &floor = measured[0], &ours = measured[1];
        report.commands.push_back(quote(curl));
        report.commands.push_back(quote(agent));
        std::string mode = stream ? "streaming" : "non-streaming";
        if (!stream) {
            report.add("floor: the same, libcurl loaded and initialised", fixed(measured[2].totalMs, 2, "ms"));
            report.commands.push_back(quote({floorEnv, "--curl"}));
        }
        report.add("request, " + mode + ": curl (the floor)", fixed(floor.totalMs, 2, "ms"));
        report.add("request, " + mode + ": moltbot agent", fixed(ours.totalMs, 2, "ms"));
        double added = ours.totalMs - floor.totalMs;
        report.add("request, " + mode + ": added over curl", fixed(added, 2, "ms"), "<= 5 ms", verdict(added <= 5));
        if (stream) {
            report.add("time to first token: curl", fixed(floor.firstByteMs, 2, "ms"));
            report.add("time to first token: moltbot agent", fixed(ours.firstByteMs, 2, "ms"));
        }
        for (std::size_t c = 0; c < commands.size(); ++c) {
            if (measured[c].failures > 0) {
                report.add("  (runs that failed: " + quote({commands[c].argv.front()}) + ")",
                           std::to_string(measured[c].failures));
            }
        }
        for (std::size_t i = 0; i < alternatives.size(); ++i) {
            report.add("request, " + mode + ": " + alternatives[i].first,
                       fixed(measured[firstAlternative + i].totalMs, 2, "ms"));
            report.commands.push_back(quote(commands[firstAlternative + i].argv));
        }
    }

    // Peak memory, through tests/support/peak-rss: this process holds the simulator and a 64 MB recorded stream, and
    // wait4 on a program spawned from it would count them too.
    auto peakRssMb = [&](const std::string &faults) {
        long peakKb = 0;
        fs::path figure = home / "peak-rss";
        for (int i = 0; i < 5; ++i) {
            if (!faults.empty()) simulator.addFaults(faults);
            spawnOnce({peakRssEnv, figure.string(), moltbot, "agent", "-m", "hi"}, env);
            long kb = 0;
            std::ifstream(figure) >> kb;
            peakKb = std::max(peakKb, kb);
        }
        return static_cast<double>(peakKb) / 1024;
    };
    double oneAnswer = peakRssMb(""), megabyteAnswer = peakRssMb(R"([{"kind":"long_answer","bytes":1048576}])");
    report.add("peak RSS: moltbot agent, one streamed answer", fixed(oneAnswer, 1, "MB"), "< 20 MB",
               verdict(oneAnswer < 20));
    report.add("peak RSS: moltbot agent, a 1 MB streamed answer", fixed(megabyteAnswer, 1, "MB"), "< 20 MB",
               verdict(megabyteAnswer < 20));
    report.commands.push_back(quote({peakRssEnv, "FILE", moltbot, "agent", "-m", "hi"}) +
                              "   (the 1 MB answer: the simulator's long_answer fault)");

    streamingThroughput(report);

    // Plugin discovery: a folder of 100 plugins (copies of one fixture), against an empty folder.
    fs::path empty = home / "plugins-empty", hundred = home / "plugins-100";
    fs::create_directories(empty);
    fs::create_directories(hundred);
    for (int i = 0; i < 100; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "fixture-%03d.so", i);
        fs::copy_file(fixturesEnv, hundred / name);
    }
    auto withPlugins = [&](const fs::path &folder) {
        auto copy = env;
        copy["MOLTBOT_PLUGIN_PATH"] = folder.string();
        return copy;
    };
    std::vector<Stats> discovery = measureTogether(
        {{{moltbot, "plugins", "list"}, withPlugins(empty)}, {{moltbot, "plugins", "list"}, withPlugins(hundred)}}, runs);
    const Stats &none = discovery[0], &many = discovery[1];
    report.commands.push_back("MOLTBOT_PLUGIN_PATH=<folder of 100 copies of " + fs::path(fixturesEnv).filename().string() +
                              "> " + quote({moltbot, "plugins", "list"}));
    report.add("plugin discovery: 100 plugins, per plugin", fixed((many.totalMs - none.totalMs) / 100, 3, "ms"));

    simulator.stop();
    fs::remove_all(home);

    if (!output.empty()) {
        utsname machine{};
        uname(&machine);
        std::time_t now = std::time(nullptr);
        char date[32];
        std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
        std::ofstream md(output);
        md << "# Benchmarks\n\nFigures from `scripts/bench.sh` (median of " << runs
           << " runs each; comparisons made in the same run against the same in-process OpenRouter simulator on "
              "127.0.0.1, the commands compared taking turns run by run so that load from elsewhere weighs on them "
              "alike). Budgets are reported, not enforced: a missed one is marked, never hidden.\n\n"
           << "- Date: " << date << "\n- Machine: " << machine.sysname << " " << machine.release << " "
           << machine.machine << ", " << sysconf(_SC_NPROCESSORS_ONLN) << " cores\n\n"
           << "| benchmark | figure | budget | |\n|---|---|---|---|\n";
        for (const auto &line : report.lines) {
            md << "| " << line.what << " | " << line.figure << " | " << line.budget << " | " << line.verdict << " |\n";
        }
        md << "\n## Floors\n\n"
              "The two floor lines run tests/bench/floor.cpp: a Poco::Util::Application whose main returns at once, "
              "linked against the libraries moltbot links (Poco Util, Foundation, XML and JSON, libstdc++: 12 shared "
              "objects, most of them linked with -z now, so every symbol they import is looked up at start), and "
              "then the same with libcurl loaded and initialised as moltbot's first request does (about 30 more "
              "shared objects: OpenSSL, GnuTLS, Kerberos, LDAP, SSH, IDN, nghttp2), measured beside the "
              "non-streaming request. A cold start cannot be faster than the first floor. The second floor makes no "
              "request yet costs about as much as curl making one: curl loads the same libcurl but neither Poco nor "
              "libstdc++, and that difference, a few milliseconds, is part of every request's figure added over "
              "curl. Start-up time goes almost entirely to the dynamic loader's symbol lookups and page faults, not "
              "to moltbot's code; moltbot loads libcurl only for commands that make a request.\n";
        md << "\n## The alternatives' runtimes\n\n"
              "The Node.js and Python lines send the same request with each runtime's own HTTP client (fetch, "
              "urllib) and no SDK, run by Debian's interpreters: a floor for any tool written in them, before it loads "
              "its own code, its SDK and its config. Where an interpreter is not installed its line is missing.\n"
              "\n## Memory\n\n"
              "Peak RSS is measured by tests/support/peak-rss, a small program that runs moltbot and reports its "
              "wait4 figure: the benchmark process itself holds the simulator and a 64 MB recorded stream, which a "
              "program spawned straight from it would be charged with. The figure is the largest of 5 runs.\n";
        md << "\n## Commands measured\n\n```\n";
        for (const auto &command : report.commands) md << command << "\n";
        md << "```\n\nRe-run with `scripts/bench.sh` (it builds an optimised tree in build-bench/ and rewrites this file).\n";
        std::printf("\nwritten to %s\n", output.c_str());
    }
    return 0;
}
