#include "host/commands/agent_input.hpp"

#include "host/commands/config_support.hpp"

#include "core/config/files.hpp"

#include <Poco/Util/Option.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <istream>
#include <iterator>
#include <memory>

namespace moltbot::cli {

namespace {

bool blank(const std::string &text) { return text.find_first_not_of(" \t\r\n") == std::string::npos; }

std::string readAll(std::istream &in) { return std::string(std::istreambuf_iterator<char>(in), {}); }

// The fields the CLI sets itself, each with the flag that does.
const char *ownedBy(const std::string &key) {
    if (key == "messages") return "--message and --system";
    if (key == "model") return "--model";
    if (key == "stream") return "--no-stream";
    return nullptr;
}

// JSON5 reads Infinity and NaN, which no JSON request can carry.
bool finite(const rapidjson::Value &value) {
    if (value.IsNumber()) return std::isfinite(value.GetDouble());
    if (value.IsArray()) {
        for (const auto &item : value.GetArray()) {
            if (!finite(item)) return false;
        }
    }
    if (value.IsObject()) {
        for (const auto &member : value.GetObject()) {
            if (!finite(member.value)) return false;
        }
    }
    return true;
}

double temperature(const std::string &text) {
    double value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0 || value > 2) {
        throw UsageError{"--temperature takes a number from 0 to 2, not '" + text + "'"};
    }
    return value;
}

int64_t maxTokens(const std::string &text) {
    int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value <= 0) {
        throw UsageError{"--max-tokens takes a positive whole number, not '" + text + "'"};
    }
    return value;
}

// Sets `key` from a dedicated flag, which must not be given through -o as well.
void setOnce(rapidjson::Document &params, const char *key, rapidjson::Value value, const std::string &flag) {
    if (params.HasMember(key)) {
        throw UsageError{flag + " and -o " + key + " both set " + key + "; pass one of them"};
    }
    params.AddMember(rapidjson::StringRef(key), value, params.GetAllocator());
}

// The image type the first bytes of a file announce, or "" for anything else.
std::string imageMime(std::string_view bytes) {
    auto startsWith = [&](std::string_view magic, std::size_t at = 0) {
        return bytes.size() >= at + magic.size() && bytes.substr(at, magic.size()) == magic;
    };
    if (startsWith("\x89PNG\r\n\x1a\n")) return "image/png";
    if (startsWith("\xff\xd8\xff")) return "image/jpeg";
    if (startsWith("GIF87a") || startsWith("GIF89a")) return "image/gif";
    if (startsWith("RIFF") && startsWith("WEBP", 8)) return "image/webp";
    return {};
}

std::string base64(std::string_view bytes) {
    static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                     static_cast<unsigned char>(bytes[i + 2]);
        out += kDigits[(n >> 18) & 63];
        out += kDigits[(n >> 12) & 63];
        out += kDigits[(n >> 6) & 63];
        out += kDigits[n & 63];
    }
    if (std::size_t rest = bytes.size() - i; rest > 0) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kDigits[(n >> 18) & 63];
        out += kDigits[(n >> 12) & 63];
        out += rest == 2 ? kDigits[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

Attachment readAttachment(const std::string &path) {
    auto unreadable = [&](const std::string &why) { return UsageError{"--attach: cannot read " + path + ": " + why}; };
    auto systemReason = [](int number) -> std::string {
        if (number == ENOENT) return "no such file";
        if (number == EACCES) return "permission denied";
        return std::strerror(number);
    };
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) throw unreadable("it is a folder, not a file");
    std::unique_ptr<FILE, int (*)(FILE *)> file(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!file) throw unreadable(systemReason(errno));
    std::string bytes;
    char buffer[65536];
    while (std::size_t got = std::fread(buffer, 1, sizeof buffer, file.get())) {
        bytes.append(buffer, got);
        if (bytes.size() > kAttachmentLimit) {
            throw UsageError{"--attach: " + path + " is larger than the " +
                             std::to_string(kAttachmentLimit / (1024 * 1024)) + " MiB an attachment may have"};
        }
    }
    if (std::ferror(file.get())) throw unreadable(systemReason(errno));
    std::string mime = imageMime(bytes);
    if (mime.empty()) {
        throw UsageError{"--attach: " + path +
                         (bytes.empty() ? " is empty, not an image"
                                        : " is not a PNG, JPEG, GIF or WebP image (told by its first bytes)")};
    }
    return {path, mime, "data:" + mime + ";base64," + base64(bytes)};
}

}  // namespace

std::vector<Attachment> readAttachments(const Invocation &invocation) {
    std::vector<Attachment> attachments;
    auto given = invocation.options.find("attach");
    if (given == invocation.options.end()) return attachments;
    for (const std::string &path : given->second) {
        if (path.empty()) throw UsageError{"--attach takes a FILE; the path is empty"};
        attachments.push_back(readAttachment(path));
    }
    return attachments;
}

void defineInputOptions(Poco::Util::OptionSet &options) {
    using Poco::Util::Option;
    options.addOption(Option("message", "m", "the message to send ('-' reads standard input); the argument "
                                             "PROMPT does the same")
                          .argument("TEXT"));
    options.addOption(Option("system", "", "a system prompt placed before the conversation").argument("TEXT"));
    options.addOption(Option("system-file", "", "the system prompt read from a file").argument("PATH"));
    options.addOption(Option("option", "o", "set a request field, VALUE as JSON5 when it parses, else a string "
                                            "(-o top_p 0.9); repeatable")
                          .argument("KEY VALUE")
                          .repeatable(true));
    options.addOption(Option("attach", "a", "send an image (PNG, JPEG, GIF or WebP, up to 10 MiB) after the message; "
                                            "repeatable")
                          .argument("FILE")
                          .repeatable(true));
    options.addOption(Option("temperature", "", "sampling temperature, 0 to 2").argument("X"));
    options.addOption(Option("max-tokens", "", "the longest answer, in tokens").argument("N"));
}

std::optional<std::string> oneShotMessage(const Invocation &invocation, std::istream &in, bool inIsTerminal) {
    const std::vector<std::string> &words = invocation.positionals;
    if (words.size() > 1) {
        throw UsageError{"unexpected argument '" + words[1] + "'; pass the prompt as one argument (quote it)"};
    }
    if (!words.empty() && invocation.has("message")) {
        throw UsageError{"pass the prompt either as an argument or with --message (-m), not both"};
    }
    std::optional<std::string> text;
    if (invocation.has("message")) text = invocation.value("message");
    if (!words.empty()) text = words.front();

    if (!text || *text == "-") {
        if (!text && inIsTerminal) return std::nullopt;
        std::string piped = readAll(in);
        if (blank(piped)) throw UsageError{"standard input held no message"};
        return piped;
    }
    if (blank(*text)) throw UsageError{"the message is empty"};
    if (inIsTerminal) return text;
    std::string piped = readAll(in);
    if (blank(piped)) return text;
    piped.erase(piped.find_last_not_of("\r\n") + 1);
    return piped + "\n\n" + *text;
}

std::string systemPrompt(const Invocation &invocation, const std::string &fallback) {
    if (invocation.has("system") && invocation.has("system-file")) {
        throw UsageError{"pass either --system or --system-file, not both"};
    }
    if (invocation.has("system")) return invocation.value("system");
    if (!invocation.has("system-file")) return fallback;
    std::string path = invocation.value("system-file");
    try {
        if (std::optional<std::string> text = config::readFileIfExists(path)) return *text;
    } catch (const config::ConfigError &error) {
        throw UsageError{"--system-file: " + std::string(error.what())};
    }
    throw UsageError{"--system-file: cannot read " + path + ": no such file"};
}

rapidjson::Document callParams(const Invocation &invocation) {
    rapidjson::Document params(rapidjson::kObjectType);
    auto &allocator = params.GetAllocator();
    auto pairs = invocation.options.find("option");
    if (pairs != invocation.options.end()) {
        const std::vector<std::string> &values = pairs->second;  // KEY, VALUE, KEY, VALUE...
        for (std::size_t i = 0; i + 1 < values.size(); i += 2) {
            const std::string &key = values[i];
            if (key.empty()) throw UsageError{"-o takes a KEY and a VALUE; the KEY is empty"};
            if (const char *flag = ownedBy(key)) {
                throw UsageError{"-o " + key + ": moltbot sets '" + key + "' itself; use " + flag};
            }
            rapidjson::Document value = parseValueArgument(values[i + 1], "-o " + key);
            if (!finite(value)) throw UsageError{"-o " + key + ": Infinity and NaN cannot be sent in a request"};
            params.RemoveMember(key.c_str());  // repeated: the last one wins
            params.AddMember(jsonString(key, allocator), rapidjson::Value(value, allocator), allocator);
        }
    }
    if (invocation.has("temperature")) {
        setOnce(params, "temperature", rapidjson::Value(temperature(invocation.value("temperature"))), "--temperature");
    }
    if (invocation.has("max-tokens")) {
        setOnce(params, "max_tokens", rapidjson::Value(maxTokens(invocation.value("max-tokens"))), "--max-tokens");
    }
    return params;
}

}  // namespace moltbot::cli
