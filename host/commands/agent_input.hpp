// What one `moltbot agent` call sends besides an earlier conversation's turns (docs/cli.md): the prompt (--message,
// the argument, standard input), the system prompt (--system, --system-file) and the per-call request params
// (-o KEY VALUE, --temperature, --max-tokens) and the images attached (-a/--attach).
#pragma once

#include "host/cli.hpp"

#include <Poco/Util/OptionSet.h>
#include <rapidjson/document.h>

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

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

// An image given with -a/--attach, ready to send as an OpenAI image_url content part.
struct Attachment {
    std::string path;     // as given on the command line
    std::string mime;     // "image/png", "image/jpeg", "image/gif", "image/webp"
    std::string dataUrl;  // "data:<mime>;base64,<bytes>"
};

// The largest file --attach sends, in bytes.
constexpr std::size_t kAttachmentLimit = 10 * 1024 * 1024;

// The files of -a/--attach, in order, read and encoded. Throws UsageError naming the file when one cannot be read, is
// larger than kAttachmentLimit, or is no PNG, JPEG, GIF or WebP image (told by its first bytes, not its name).
std::vector<Attachment> readAttachments(const Invocation &invocation);

// The request fields that -o, --temperature and --max-tokens set, as one object. They go into the request itself,
// so they win over the model's configured params: a plugin fills in only the params the request lacks.
rapidjson::Document callParams(const Invocation &invocation);

}  // namespace moltbot::cli
