// Colours on a terminal (docs/cli.md "Colours"): errors, warnings and model names. One decision for the whole CLI:
// --color=auto|always|never (every command has it), else colours when the stream is a terminal, NO_COLOR is unset
// or empty (no-color.org) and TERM is not "dumb". Every error and warning line the CLI prints goes through here.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

namespace moltbot::cli::style {

// --color's value: "auto" (the default), "always" or "never". Throws UsageError for anything else.
void setWhen(const std::string &when);

// The streams a text goes to, told apart by their file descriptors.
enum class Stream { Out, Err };

// Whether text written to `stream` gets colours.
bool enabled(Stream stream);

// An error line for standard error: "moltbot: MESSAGE" (bold red on a terminal).
std::string error(std::string_view message);
// The start of a warning line on standard error: "warning: " ("warning" in yellow on a terminal), or with `named`
// "moltbot: warning: ".
std::string warning(bool named = false);
// A model ref (cyan on a terminal) for `stream`.
std::string model(std::string_view ref, Stream stream = Stream::Err);

}  // namespace moltbot::cli::style
