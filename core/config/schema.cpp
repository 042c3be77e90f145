#include "core/config/schema.hpp"

#include "core/config/json_path.hpp"
#include "core/util/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <iterator>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

namespace moltbot::config {

std::string describeType(const rapidjson::Value &value) {
    if (value.IsString()) return "a string";
    if (value.IsBool()) return "a boolean";
    if (value.IsArray()) return "an array";
    if (value.IsObject()) return "an object";
    if (value.IsNull()) return "null";
    if (value.IsDouble() && !std::isfinite(value.GetDouble())) {
        return std::isnan(value.GetDouble()) ? "NaN" : "an infinite number";
    }
    return "a number";
}

std::string foldCase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

namespace {

// The per-model params moltbot and its plugins know, as the config spells them and as the wire does (both are
// accepted). Anything else is sent to the provider as written (a new upstream parameter keeps working) but warned
// about, since it is more often a typo ("temprature", "cacheControlTTL").
constexpr std::pair<std::string_view, std::string_view> kKnownParams[] = {
    {"temperature", "temperature"},
    {"maxTokens", "max_tokens"},
    {"maxCompletionTokens", "max_completion_tokens"},
    {"topP", "top_p"},
    {"topK", "top_k"},
    {"minP", "min_p"},
    {"topA", "top_a"},
    {"frequencyPenalty", "frequency_penalty"},
    {"presencePenalty", "presence_penalty"},
    {"repetitionPenalty", "repetition_penalty"},
    {"seed", "seed"},
    {"stop", "stop"},
    {"logitBias", "logit_bias"},
    {"logprobs", "logprobs"},
    {"topLogprobs", "top_logprobs"},
    {"responseFormat", "response_format"},
    {"structuredOutputs", "structured_outputs"},
    {"parallelToolCalls", "parallel_tool_calls"},
    {"toolChoice", "tool_choice"},
    {"tools", "tools"},
    {"user", "user"},
    {"verbosity", "verbosity"},
    {"reasoning", "reasoning"},
    {"reasoningEffort", "reasoning_effort"},
    {"includeReasoning", "include_reasoning"},
    {"transforms", "transforms"},
    {"models", "models"},
    {"route", "route"},
    {"usage", "usage"},
    {"prediction", "prediction"},
    {"webSearchOptions", "web_search_options"},
    {"plugins", "plugins"},
    {"serviceTier", "service_tier"},
    {"cacheControlTtl", "cacheControlTtl"},
    {"provider", "provider"},
};

// OpenRouter's provider-routing keys (https://openrouter.ai/docs/features/provider-routing), as the OpenRouter plugin
// checks them; others are sent as written, with a warning.
constexpr std::string_view kRoutingKeys[] = {
    "order", "only", "ignore", "quantizations", "allow_fallbacks", "require_parameters", "zdr",
    "enforce_distillable_text", "data_collection", "sort", "max_price", "preferred_min_throughput",
    "preferred_max_latency",
};

// The keys of models.providers.<name> that moltbot or its first-party plugins read (OpenRouter: headers,
// attribution, timeoutMs, catalogTtlSeconds; openai-compatible: headers, models). A third-party plugin may read
// others, so only a near miss of one of these is warned about.
constexpr std::string_view kProviderSettingKeys[] = {"baseUrl",   "apiKey",      "api",       "apiKeyEnv",
                                                     "headers",   "models",      "attribution", "timeoutMs",
                                                     "catalogTtlSeconds"};

template <std::size_t N>
std::vector<std::string> namesOf(const std::string_view (&keys)[N]) {
    return std::vector<std::string>(std::begin(keys), std::end(keys));
}

// What happens to a key a checked object does not know.
enum class Unknown {
    Ignored,   // warned: "unknown key (ignored)", with the nearest known key
    SentAsIs,  // warned, with the nearest known key: the key still reaches the provider
    NearMiss,  // warned only when a known key is close enough to be what was meant
};

class Validator {
public:
    Validation result;

    void root(const rapidjson::Value &value) {
        if (!value.IsObject()) {
            error({}, "expected an object, found " + describeType(value));
            return;
        }
        PathSegments path;
        forEachMember(value, path, [&](const std::string &key, const rapidjson::Value &child, const PathSegments &at) {
            if (key == "env") {
                env(child, at);
            } else if (key == "agents") {
                agents(child, at);
            } else if (key == "models") {
                models(child, at);
            } else if (key == "gateway") {
                gateway(child, at);
            } else if (key == "logs") {
                logs(child, at);
            } else if (key == "state") {
                state(child, at);
            } else if (key == "plugins") {
                plugins(child, at);
            } else {
                unknown(at, {"env", "agents", "models", "gateway", "logs", "plugins"});
            }
        });
    }

private:
    using Visit = void (*)(Validator &, const rapidjson::Value &, const PathSegments &);

    void error(const PathSegments &path, std::string message) {
        result.errors.push_back({path.empty() ? "(root)" : formatPath(path), std::move(message)});
    }
    void warning(const PathSegments &path, std::string message) {
        result.warnings.push_back({formatPath(path), std::move(message)});
    }
    // An unknown key: the last segment of `path`, with the nearest of `known` suggested.
    void unknown(const PathSegments &path, const std::vector<std::string> &known, Unknown mode = Unknown::Ignored,
                 std::string_view what = {}) {
        std::string suggestion = util::nearest(path.back(), known);
        std::string hint = util::didYouMean(suggestion.empty() ? std::vector<std::string>{} : std::vector{suggestion});
        switch (mode) {
        case Unknown::Ignored: warning(path, "unknown key (ignored)" + hint); break;
        case Unknown::SentAsIs: warning(path, std::string(what) + hint); break;
        case Unknown::NearMiss:
            if (!suggestion.empty()) warning(path, std::string(what) + hint);
            break;
        }
    }

    template <typename Fn>
    void forEachMember(const rapidjson::Value &object, const PathSegments &path, Fn &&fn) {
        for (const auto &member : object.GetObject()) {
            PathSegments at = path;
            at.emplace_back(member.name.GetString(), member.name.GetStringLength());
            fn(at.back(), member.value, at);
        }
    }

    bool expectObject(const rapidjson::Value &value, const PathSegments &path) {
        if (value.IsObject()) return true;
        error(path, "expected an object, found " + describeType(value));
        return false;
    }

    void expectString(const rapidjson::Value &value, const PathSegments &path) {
        if (!value.IsString()) error(path, "expected a string, found " + describeType(value));
    }

    void expectBoolean(const rapidjson::Value &value, const PathSegments &path) {
        if (!value.IsBool()) error(path, "expected a boolean (true or false), found " + describeType(value));
    }

    void expectStringArray(const rapidjson::Value &value, const PathSegments &path) {
        if (!value.IsArray()) {
            error(path, "expected an array of strings, found " + describeType(value));
            return;
        }
        for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
            PathSegments at = path;
            at.push_back(std::to_string(i));
            expectString(value[i], at);
        }
    }

    // Checks the listed keys with their checks; other keys are unknown, or known without a check when listed in
    // `alsoKnown`. `what` is the warning of an unknown key for the modes other than Ignored.
    void object(const rapidjson::Value &value, const PathSegments &path,
                std::initializer_list<std::pair<std::string_view, Visit>> known, Unknown mode = Unknown::Ignored,
                const std::vector<std::string> &alsoKnown = {}, std::string_view what = {}) {
        if (!expectObject(value, path)) return;
        std::vector<std::string> names = alsoKnown;
        for (const auto &entry : known) names.emplace_back(entry.first);
        forEachMember(value, path, [&](const std::string &key, const rapidjson::Value &child, const PathSegments &at) {
            auto check = std::find_if(known.begin(), known.end(), [&](const auto &entry) { return entry.first == key; });
            if (check != known.end()) {
                check->second(*this, child, at);
            } else if (std::find(names.begin(), names.end(), key) == names.end()) {
                unknown(at, names, mode, what);
            }
        });
    }

    void env(const rapidjson::Value &value, const PathSegments &path) {
        if (!expectObject(value, path)) return;
        forEachMember(value, path, [&](const std::string &key, const rapidjson::Value &child, const PathSegments &at) {
            if (key == "shellEnv") {
                warning(at, "importing the login shell's environment is not supported (ignored)");
            } else if (key == "vars") {
                if (!expectObject(child, at)) return;
                forEachMember(child, at, [&](const std::string &name, const rapidjson::Value &var, const PathSegments &where) {
                    envVariable(name, var, where);
                });
            } else {
                envVariable(key, child, at);
            }
        });
    }

    static bool isEnvName(std::string_view name) {
        return !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
               std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
    }

    void envVariable(const std::string &name, const rapidjson::Value &value, const PathSegments &path) {
        if (!isEnvName(name)) error(path, "not a valid environment variable name (letters, digits and '_')");
        expectString(value, path);
    }

    void agents(const rapidjson::Value &value, const PathSegments &path) {
        object(value, path, {{"defaults", [](Validator &v, const rapidjson::Value &child, const PathSegments &at) {
                                  v.object(child, at, {{"model", &Validator::modelVisit}, {"models", &Validator::modelTableVisit}});
                              }}});
    }

    static void modelVisit(Validator &v, const rapidjson::Value &value, const PathSegments &path) {
        if (value.IsString()) return;  // "model": "<ref>" is short for { primary: "<ref>" }
        v.object(value, path, {{"primary", [](Validator &w, const rapidjson::Value &child, const PathSegments &at) {
                                    w.expectString(child, at);
                                    if (child.IsString() && child.GetStringLength() == 0) w.error(at, "must not be empty");
                                }},
                               {"fallbacks", [](Validator &w, const rapidjson::Value &child, const PathSegments &at) {
                                    w.expectStringArray(child, at);
                                }}});
    }

    static void modelTableVisit(Validator &v, const rapidjson::Value &value, const PathSegments &path) {
        if (!v.expectObject(value, path)) return;
        std::map<std::string, std::string> aliases;  // lower-cased alias -> the ref that has it
        v.forEachMember(value, path, [&](const std::string &ref, const rapidjson::Value &entry, const PathSegments &at) {
            v.object(entry, at, {{"alias", [](Validator &w, const rapidjson::Value &child, const PathSegments &where) {
                                      w.expectString(child, where);
                                  }},
                                 {"params", &Validator::paramsVisit},
                                 {"provider", &Validator::routingVisit}});
            if (!entry.IsObject()) return;
            auto alias = entry.FindMember("alias");
            if (alias == entry.MemberEnd() || !alias->value.IsString()) return;
            auto [existing, inserted] =
                aliases.emplace(foldCase({alias->value.GetString(), alias->value.GetStringLength()}), ref);
            if (!inserted) {
                PathSegments where = at;
                where.push_back("alias");
                v.warning(where, "the alias is also used by " + existing->second + "; that one wins");
            }
        });
    }

    static void paramsVisit(Validator &v, const rapidjson::Value &value, const PathSegments &path) {
        v.object(value, path,
                 {{"temperature",
                   [](Validator &w, const rapidjson::Value &child, const PathSegments &at) {
                       if (!child.IsNumber() || !std::isfinite(child.GetDouble())) {
                           w.error(at, "expected a finite number, found " + describeType(child));
                       }
                   }},
                  {"maxTokens",
                   [](Validator &w, const rapidjson::Value &child, const PathSegments &at) {
                       bool positive = (child.IsUint64() && child.GetUint64() > 0);
                       if (!positive) {
                           std::string found = describeType(child);
                           if (child.IsNumber() && std::isfinite(child.GetDouble())) found += " (" + numberText(child) + ")";
                           w.error(at, "expected a positive integer, found " + found);
                       }
                   }},
                  {"cacheControlTtl",
                   [](Validator &w, const rapidjson::Value &child, const PathSegments &at) {
                       std::string_view ttl = child.IsString() ? child.GetString() : "";
                       if (ttl != "5m" && ttl != "1h") {
                           std::string found = child.IsString() ? "\"" + std::string(ttl) + "\"" : describeType(child);
                           w.error(at, "expected \"5m\" or \"1h\", found " + found);
                       }
                   }},
                  {"provider", &Validator::routingVisit}},
                 Unknown::SentAsIs, paramNames(), "not a parameter moltbot knows; sent to the provider as written");
    }

    static std::vector<std::string> paramNames() {
        std::vector<std::string> names;
        for (const auto &[config, wire] : kKnownParams) {
            names.emplace_back(config);
            if (wire != config) names.emplace_back(wire);
        }
        return names;
    }

    // OpenRouter's provider routing: the listed keys are checked, the rest is passed to the provider as written.
    static void routingVisit(Validator &v, const rapidjson::Value &value, const PathSegments &path) {
        auto strings = [](Validator &w, const rapidjson::Value &child, const PathSegments &at) { w.expectStringArray(child, at); };
        v.object(value, path,
                 {{"only", strings},
                  {"ignore", strings},
                  {"order", strings},
                  {"allow_fallbacks", [](Validator &w, const rapidjson::Value &child, const PathSegments &at) {
                       w.expectBoolean(child, at);
                   }}},
                 Unknown::SentAsIs, namesOf(kRoutingKeys),
                 "not an OpenRouter provider-routing key; sent as written");
    }

    void models(const rapidjson::Value &value, const PathSegments &path) {
        object(value, path, {{"providers", [](Validator &v, const rapidjson::Value &table, const PathSegments &at) {
                                  if (!v.expectObject(table, at)) return;
                                  v.forEachMember(table, at, [&](const std::string &, const rapidjson::Value &provider,
                                                                 const PathSegments &where) {
                                      auto string = [](Validator &w, const rapidjson::Value &child, const PathSegments &p) {
                                          w.expectString(child, p);
                                      };
                                      auto variable = [](Validator &w, const rapidjson::Value &child, const PathSegments &p) {
                                          w.expectString(child, p);
                                          if (child.IsString() &&
                                              !isEnvName(std::string_view(child.GetString(), child.GetStringLength())))
                                              w.error(p, "not a valid environment variable name (letters, digits and '_')");
                                      };
                                      v.object(provider, where,
                                               {{"baseUrl", string}, {"apiKey", string}, {"api", string},
                                                {"apiKeyEnv", variable}},
                                               Unknown::NearMiss,
                                               namesOf(kProviderSettingKeys),
                                               "unknown key (passed to the plugin as written)");
                                  });
                              }}});
    }

    template <long long Min, long long Max>
    static void integerIn(Validator &v, const rapidjson::Value &child, const PathSegments &at) {
        if (child.IsInt64() && child.GetInt64() >= Min && child.GetInt64() <= Max) return;
        v.error(at, "expected an integer from " + std::to_string(Min) + " to " + std::to_string(Max) + ", found " +
                        (child.IsNumber() ? numberText(child) : describeType(child)));
    }

    // `moltbot serve` (docs/gateway.md): where it listens and the limits it keeps.
    void gateway(const rapidjson::Value &value, const PathSegments &path) {
        object(value, path,
               {{"host", [](Validator &v, const rapidjson::Value &c, const PathSegments &a) { v.expectString(c, a); }},
                {"port", &Validator::integerIn<0, 65535>},
                {"threads", &Validator::integerIn<1, 100000>},
                {"maxConcurrent", &Validator::integerIn<1, 100000>},
                {"maxBodyBytes", &Validator::integerIn<1024, (1LL << 32)>},
                {"drainSeconds", &Validator::integerIn<0, 86400>},
                {"headerTimeoutSeconds", &Validator::integerIn<1, 86400>},
                {"idleTimeoutSeconds", &Validator::integerIn<1, 86400>},
                {"upstreamConnectTimeoutSeconds", &Validator::integerIn<1, 86400>},
                {"upstreamIdleTimeoutSeconds", &Validator::integerIn<1, 86400>},
                {"requestTimeoutSeconds", &Validator::integerIn<1, 86400>},
                {"stickySeconds", &Validator::integerIn<0, 86400>},
                {"instanceId", [](Validator &v, const rapidjson::Value &c, const PathSegments &a) {
                     if (!c.IsString() || c.GetStringLength() == 0 || c.GetStringLength() > 200) {
                         v.error(a, "expected a string of 1 to 200 characters naming this instance");
                     }
                 }},
                {"logContent", [](Validator &v, const rapidjson::Value &c, const PathSegments &a) { v.expectBoolean(c, a); }},
                {"logFormat", [](Validator &v, const rapidjson::Value &c, const PathSegments &a) {
                     std::string_view format = c.IsString() ? c.GetString() : "";
                     if (format != "text" && format != "json") v.error(a, "expected \"text\" or \"json\"");
                 }}});
    }

    // Where the admission state lives (docs/deploy.md): the state folder, or a Redis shared by several servers.
    void state(const rapidjson::Value &value, const PathSegments &path) {
        object(value, path,
               {{"backend", [](Validator &v, const rapidjson::Value &c, const PathSegments &a) {
                     std::string_view backend = c.IsString() ? c.GetString() : "";
                     if (backend != "local" && backend != "redis") {
                         v.error(a, "expected \"local\" (the state folder) or \"redis\" (shared by several servers), found " +
                                        (c.IsString() ? "\"" + std::string(backend) + "\"" : describeType(c)));
                     }
                 }},
                {"onStateError", [](Validator &v, const rapidjson::Value &c, const PathSegments &a) {
                     std::string_view policy = c.IsString() ? c.GetString() : "";
                     if (policy != "reject" && policy != "local") {
                         v.error(a, "expected \"reject\" (answer 503 while the state backend is down) or \"local\" "
                                    "(per-instance limits meanwhile), found " +
                                        (c.IsString() ? "\"" + std::string(policy) + "\"" : describeType(c)));
                     }
                 }},
                {"instances", &Validator::integerIn<1, 1000>},
                {"redis", [](Validator &v, const rapidjson::Value &c, const PathSegments &a) {
                     v.object(c, a,
                              {{"url", [](Validator &w, const rapidjson::Value &u, const PathSegments &at) {
                                    std::string_view url = u.IsString() ? u.GetString() : "";
                                    if (url.rfind("redis://", 0) != 0 || url.size() <= 8) {
                                        w.error(at, "expected a redis://[:password@]host[:port][/db] URL" +
                                                        std::string(u.IsString() ? "" : ", found " + describeType(u)));
                                    }
                                }},
                               {"keyPrefix", [](Validator &w, const rapidjson::Value &k, const PathSegments &at) {
                                    std::string_view prefix = k.IsString() ? k.GetString() : "";
                                    if (!k.IsString() || prefix.find_first_of("{} ") != std::string_view::npos) {
                                        w.error(at, "expected a string without '{', '}' or spaces (the keys' hash tags "
                                                    "are moltbot's own)");
                                    }
                                }},
                               {"connectTimeoutMs", &Validator::integerIn<1, 60000>},
                               {"commandTimeoutMs", &Validator::integerIn<1, 60000>}});
                 }}});
    }

    // The request log (docs/request-log.md): whether requests are recorded in <state>/logs.db.
    void logs(const rapidjson::Value &value, const PathSegments &path) {
        object(value, path,
               {{"enabled", [](Validator &v, const rapidjson::Value &c, const PathSegments &a) { v.expectBoolean(c, a); }}});
    }

    // Plugins (docs/abi.md §10): prefixes pinned to a provider, plugins not loaded.
    void plugins(const rapidjson::Value &value, const PathSegments &path) {
        object(value, path, {{"prefixes", &Validator::prefixPinsVisit}, {"disabled", &Validator::disabledVisit}});
    }

    // Provider ids are reverse-DNS names; prefixes are what model refs start with.
    static bool isName(std::string_view text, bool upperCase) {
        return !text.empty() && std::all_of(text.begin(), text.end(), [&](unsigned char c) {
                   return std::islower(c) || std::isdigit(c) || c == '.' || c == '_' || c == '-' ||
                          (upperCase && std::isupper(c));
               });
    }

    static void prefixPinsVisit(Validator &v, const rapidjson::Value &value, const PathSegments &path) {
        if (!v.expectObject(value, path)) return;
        v.forEachMember(value, path, [&](const std::string &prefix, const rapidjson::Value &id, const PathSegments &at) {
            if (!isName(prefix, false)) v.error(at, "not a model-ref prefix (lowercase letters, digits, '.', '_', '-')");
            if (!id.IsString() || !isName({id.GetString(), id.GetStringLength()}, true)) {
                v.error(at, "expected the id of a provider, such as \"ai.moltbot.openrouter\" ('moltbot plugins list' "
                            "shows them), found " + (id.IsString() ? "\"" + std::string(id.GetString()) + "\""
                                                                   : describeType(id)));
            }
        });
    }

    static void disabledVisit(Validator &v, const rapidjson::Value &value, const PathSegments &path) {
        v.expectStringArray(value, path);
        if (!value.IsArray()) return;
        for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
            if (value[i].IsString() && value[i].GetStringLength() == 0) {
                v.error(path, "entry " + std::to_string(i) + " is empty (a provider id or a plugin file)");
            }
        }
    }

    static std::string numberText(const rapidjson::Value &number) {
        if (number.IsInt64()) return std::to_string(number.GetInt64());
        if (number.IsUint64()) return std::to_string(number.GetUint64());
        std::string text = std::to_string(number.GetDouble());
        text.erase(text.find_last_not_of('0') + 1);
        if (!text.empty() && text.back() == '.') text.pop_back();
        return text;
    }
};

}  // namespace

Validation validateConfig(const rapidjson::Value &root) {
    Validator validator;
    validator.root(root);
    return std::move(validator.result);
}

}  // namespace moltbot::config
