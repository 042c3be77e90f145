// The moltbot executable: a Poco::Util application whose main hands the command line to the command framework.
#include "host/cli.hpp"
#include "host/commands/style.hpp"

#include <Poco/Exception.h>
#include <Poco/Util/Application.h>

#include <csignal>
#include <iostream>

namespace {

class MoltbotApplication : public Poco::Util::Application {
public:
    explicit MoltbotApplication(std::vector<std::string> args) : args_(std::move(args)) {}

protected:
    int main(const ArgVec &) override {
        return moltbot::cli::runCli(args_, moltbot::cli::Streams{std::cout, std::cerr});
    }

private:
    std::vector<std::string> args_;
};

}  // namespace

int main(int argc, char **argv) {
    // Poco's own option processing would reject subcommand options, so it sees only the program name and the
    // command framework parses the rest per command.
    std::vector<std::string> args(argv + 1, argv + argc);
    // A write past RLIMIT_FSIZE (a quota, a full disk simulated by a limit) fails with EFBIG and is reported like
    // any failed write (a catalog cache, the request log, the key ledger); the default action would kill the
    // process without a word, a gateway with all its clients.
    std::signal(SIGXFSZ, SIG_IGN);
    try {
        MoltbotApplication application(std::move(args));
        application.init(1, argv);
        return application.run();
    } catch (const Poco::Exception &error) {
        std::cerr << moltbot::cli::style::error(error.displayText()) << "\n";
    } catch (const std::exception &error) {
        std::cerr << moltbot::cli::style::error(error.what()) << "\n";
    }
    return moltbot::cli::kUsage;
}
