// What one `moltbot agent` call sends besides an earlier conversation's turns (docs/cli.md): the prompt (--message,
// the argument, standard input), the system prompt (--system, --system-file) and the per-call request params
// (-o KEY VALUE, --temperature, --max-tokens).
#pragma once

#include "host/cli.hpp"

#include <Poco/Util/OptionSet.h>
#include <rapidjson/document.h>

#include <iosfwd>
#include <optional>
#include <string>

namespace moltbot::cli {

// The options read here, for AgentCommand::defineOptions. "option" (-o) takes two values.
void defineInputOptions(Poco::Util::OptionSet &options);

// The message of a one-shot call: --message or the argument ("-" reads `in`), with the text piped on `in` (when it
// is no terminal and holds some) put first, then a blank line. Without either, what `in` holds, unless it is a
// terminal: then std::nullopt, and the caller starts a chat. Throws UsageError for an empty message or both forms.
std::optional<std::string> oneShotMessage(const Invocation &invocation, std::istream &in, bool inIsTerminal);

// --system, else the content of --system-file, else `fallback` (the system prompt of the conversation carried on).
// Throws UsageError when both flags are given or the file cannot be read.
std::string systemPrompt(const Invocation &invocation, const std::string &fallback);

// The request fields that -o, --temperature and --max-tokens set, as one object. They go into the request itself,
// so they win over the model's configured params: a plugin fills in only the params the request lacks.
rapidjson::Document callParams(const Invocation &invocation);

}  // namespace moltbot::cli
