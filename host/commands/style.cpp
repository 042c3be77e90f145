#include "host/commands/style.hpp"

#include "host/cli.hpp"

#include <unistd.h>

#include <cstdlib>

namespace moltbot::cli::style {

namespace {

enum class When { Auto, Always, Never };
When gWhen = When::Auto;

constexpr const char *kReset = "\033[0m";
constexpr const char *kBoldRed = "\033[1;31m";
constexpr const char *kYellow = "\033[33m";
constexpr const char *kCyan = "\033[36m";

std::string paint(const char *colour, std::string_view text, Stream stream) {
    if (!enabled(stream)) return std::string(text);
    return colour + std::string(text) + kReset;
}

}  // namespace

void setWhen(const std::string &when) {
    if (when == "auto") {
        gWhen = When::Auto;
    } else if (when == "always") {
        gWhen = When::Always;
    } else if (when == "never") {
        gWhen = When::Never;
    } else {
        throw UsageError{"--color takes auto, always or never, not '" + when + "'"};
    }
}

bool enabled(Stream stream) {
    if (gWhen != When::Auto) return gWhen == When::Always;  // the flag wins over NO_COLOR, as no-color.org asks
    const char *noColor = std::getenv("NO_COLOR");
    if (noColor != nullptr && *noColor != '\0') return false;
    const char *term = std::getenv("TERM");
    if (term != nullptr && std::string_view(term) == "dumb") return false;
    return ::isatty(stream == Stream::Out ? STDOUT_FILENO : STDERR_FILENO) == 1;
}

std::string error(std::string_view message) { return paint(kBoldRed, "moltbot: " + std::string(message), Stream::Err); }

std::string warning(bool named) {
    return std::string(named ? "moltbot: " : "") + paint(kYellow, "warning:", Stream::Err) + " ";
}

std::string model(std::string_view ref, Stream stream) { return paint(kCyan, ref, stream); }

}  // namespace moltbot::cli::style
