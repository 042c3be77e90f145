#include "catalog.hpp"

#include <moltbot/plugin.h>
#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/json.hpp>

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace moltbot::openrouter {

namespace json = sdk::json;

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::string lower(std::string_view text) {
    std::string out(text);
    for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// "text" or "text+image", the way `models list` shows a model's input.
std::string inputKind(const rapidjson::Value &model) {
    const rapidjson::Value *architecture = json::getObject(model, "architecture");
    if (architecture == nullptr) return "text";
    if (const rapidjson::Value *inputs = json::getArray(*architecture, "input_modalities")) {
        for (const auto &input : inputs->GetArray()) {
            if (input.IsString() && json::view(input) == "image") return "text+image";
        }
        return "text";
    }
    std::string_view modality = json::getString(*architecture, "modality");
    modality = modality.substr(0, modality.find("->"));
    return modality.find("image") != std::string_view::npos ? "text+image" : "text";
}

bool supports(const rapidjson::Value &model, std::string_view parameter) {
    if (const rapidjson::Value *parameters = json::getArray(model, "supported_parameters")) {
        for (const auto &p : parameters->GetArray()) {
            if (p.IsString() && json::view(p) == parameter) return true;
        }
    }
    return false;
}

std::string modelEvent(const rapidjson::Value &model) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("id");
    w.String(model["id"].GetString(), model["id"].GetStringLength());
    std::string_view name = json::getString(model, "name");
    if (!name.empty()) {
        w.Key("name");
        w.String(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    }
    if (int64_t context = json::getInt(model, "context_length", 0); context > 0) {
        w.Key("context_length");
        w.Int64(context);
    }
    if (const rapidjson::Value *top = json::getObject(model, "top_provider")) {
        if (int64_t max = json::getInt(*top, "max_completion_tokens", 0); max > 0) {
            w.Key("max_completion_tokens");
            w.Int64(max);
        }
    }
    std::string input = inputKind(model);
    w.Key("input");
    w.String(input.c_str(), static_cast<rapidjson::SizeType>(input.size()));
    if (const rapidjson::Value *pricing = json::getObject(model, "pricing")) {
        w.Key("pricing");
        pricing->Accept(w);
    }
    w.Key("tools");
    w.Bool(supports(model, "tools"));
    w.Key("reasoning");
    w.Bool(supports(model, "reasoning"));
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

const rapidjson::Value &dataArray(rapidjson::Document &doc, std::string_view body, const char *what) {
    if (!json::parse(doc, body)) {
        throw sdk::Failure(MB_ERR_UPSTREAM_PROTOCOL, std::string("OpenRouter ") + what + " list is not valid JSON");
    }
    const rapidjson::Value *data = json::getArray(doc, "data");
    if (data == nullptr) {
        throw sdk::Failure(MB_ERR_UPSTREAM_PROTOCOL, std::string("OpenRouter ") + what + " list has no data array");
    }
    return *data;
}

}  // namespace

std::string normalizeModelId(std::string_view id) {
    std::string out = lower(id);
    for (std::size_t i = 1; i + 1 < out.size(); ++i) {
        if (out[i] == '-' && isDigit(out[i - 1]) && isDigit(out[i + 1])) out[i] = '.';
    }
    return out;
}

Catalog Catalog::parse(std::string_view body) {
    rapidjson::Document doc;
    const rapidjson::Value &data = dataArray(doc, body, "model");
    std::vector<std::string_view> ids;
    std::string events;
    std::unordered_set<std::string_view> seen;
    for (const auto &model : data.GetArray()) {
        std::string_view id = json::getString(model, "id");
        if (id.empty() || !seen.insert(id).second) continue;
        ids.push_back(id);
        events.append(modelEvent(model)).append("\n");  // the writer escapes line breaks
    }
    std::string text = "[";
    for (std::string_view id : ids) {
        if (text.size() > 1) text += ',';
        json::appendString(text, id);
    }
    return deserialize(text.append("]\n").append(events));
}

Catalog Catalog::deserialize(std::string text) {
    auto corrupt = [] { return sdk::Failure(MB_ERR_UPSTREAM_PROTOCOL, "not a serialized model catalog"); };
    Catalog catalog;
    catalog.text_ = std::make_shared<const std::string>(std::move(text));
    std::string_view rest = *catalog.text_;
    std::size_t end = rest.find('\n');
    rapidjson::Document ids;
    if (end == std::string_view::npos || !json::parse(ids, rest.substr(0, end)) || !ids.IsArray()) throw corrupt();
    catalog.models_.reserve(ids.Size());
    for (const auto &id : ids.GetArray()) {
        std::size_t start = end + 1;
        end = rest.find('\n', start);
        if (!id.IsString() || end == std::string_view::npos) throw corrupt();
        std::string_view event = rest.substr(start, end - start);
        // A cheap shape check, not a parse: a damaged line would otherwise reach the host as a broken event.
        if (event.size() < 2 || event.front() != '{' || event.back() != '}') throw corrupt();
        catalog.models_.push_back({std::string(json::view(id)), event});
    }
    if (end + 1 != rest.size()) throw corrupt();
    catalog.byId_.resize(catalog.models_.size());
    for (std::size_t i = 0; i < catalog.byId_.size(); ++i) catalog.byId_[i] = i;
    std::sort(catalog.byId_.begin(), catalog.byId_.end(),
              [&models = catalog.models_](std::size_t a, std::size_t b) { return models[a].id < models[b].id; });
    return catalog;
}

bool Catalog::contains(std::string_view id) const {
    auto it = std::lower_bound(byId_.begin(), byId_.end(), id,
                               [this](std::size_t index, std::string_view wanted) { return models_[index].id < wanted; });
    return it != byId_.end() && models_[*it].id == id;
}

// A scan rather than an index: only ids missing from the catalog get here, and building an index for every request
// would cost more than the scan.
std::optional<std::string> Catalog::normalizedMatch(std::string_view id) const {
    std::string wanted = normalizeModelId(id);
    const Model *match = nullptr;
    for (const auto &model : models_) {
        if (normalizeModelId(model.id) != wanted) continue;
        if (match != nullptr) return std::nullopt;
        match = &model;
    }
    if (match == nullptr) return std::nullopt;
    return match->id;
}

std::vector<std::string> Catalog::closest(std::string_view id, std::size_t count) const {
    std::string wanted = normalizeModelId(id);
    std::vector<std::pair<std::size_t, const std::string *>> ranked;
    ranked.reserve(models_.size());
    for (const auto &model : models_) ranked.emplace_back(editDistance(wanted, normalizeModelId(model.id)), &model.id);
    count = std::min(count, ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(count), ranked.end(),
                      [](const auto &a, const auto &b) { return a.first != b.first ? a.first < b.first : *a.second < *b.second; });
    std::vector<std::string> out;
    for (std::size_t i = 0; i < count; ++i) out.push_back(*ranked[i].second);
    return out;
}

ModelResolution resolveModelId(std::string_view requested, const Catalog *catalog) {
    std::string id(requested);
    if (id.find('/') == std::string::npos) id = "openrouter/" + id;  // "auto" is the router "openrouter/auto"
    if (catalog == nullptr || catalog->contains(id)) return {id, {}};
    std::size_t colon = id.find(':', id.rfind('/'));
    std::string suffix = colon == std::string::npos ? std::string() : id.substr(colon);
    std::optional<std::string> match = catalog->normalizedMatch(id);
    if (!match && !suffix.empty()) {
        // Variant suffixes such as ":nitro" are not catalog entries of their own: resolve the base model.
        std::string base = id.substr(0, colon);
        if (catalog->contains(base)) return {id, {}};
        if (auto baseMatch = catalog->normalizedMatch(base)) match = *baseMatch + suffix;
    }
    if (!match) return {id, {}};
    return {*match, "model id \"" + id + "\" is not in the OpenRouter catalog; using \"" + *match + "\""};
}

ProviderDirectory ProviderDirectory::builtin() {
    static const char *const kBuiltin[][2] = {
        {"openai", "OpenAI"},           {"anthropic", "Anthropic"},
        {"amazon-bedrock", "Amazon Bedrock"}, {"google-vertex", "Google"},
        {"google-ai-studio", "Google AI Studio"}, {"azure", "Azure"},
        {"xai", "xAI"},                 {"deepseek", "DeepSeek"},
        {"mistral", "Mistral"},         {"groq", "Groq"},
        {"together", "Together"},       {"deepinfra", "DeepInfra"},
        {"fireworks", "Fireworks"},     {"moonshotai", "Moonshot AI"},
        {"z-ai", "Z.AI"},               {"inference-net", "InferenceNet"},
        {"atlas-cloud", "AtlasCloud"},  {"cerebras", "Cerebras"},
        {"novita", "NovitaAI"},         {"parasail", "Parasail"},
        {"baseten", "Baseten"},         {"sambanova", "SambaNova"},
        {"nebius", "Nebius AI Studio"}, {"hyperbolic", "Hyperbolic"},
        {"cohere", "Cohere"},           {"perplexity", "Perplexity"},
    };
    ProviderDirectory directory;
    for (const auto &entry : kBuiltin) directory.providers_.push_back({entry[0], entry[1]});
    return directory;
}

ProviderDirectory ProviderDirectory::parse(std::string_view body) {
    rapidjson::Document doc;
    const rapidjson::Value &data = dataArray(doc, body, "provider");
    ProviderDirectory directory;
    for (const auto &provider : data.GetArray()) {
        std::string_view slug = json::getString(provider, "slug");
        if (!slug.empty()) directory.providers_.push_back({std::string(slug), std::string(json::getString(provider, "name"))});
    }
    return directory;
}

bool ProviderDirectory::known(std::string_view slug) const {
    std::string_view base = slug.substr(0, slug.find('/'));
    return std::any_of(providers_.begin(), providers_.end(), [&](const Provider &p) { return p.slug == base; });
}

namespace {

// The hyphen-separated words of a slug that are long enough to mean something ("bedrock", not "ai").
std::vector<std::string_view> words(std::string_view slug) {
    std::vector<std::string_view> out;
    while (!slug.empty()) {
        std::size_t dash = slug.find('-');
        std::string_view word = slug.substr(0, dash);
        if (word.size() >= 3) out.push_back(word);
        slug = dash == std::string_view::npos ? std::string_view() : slug.substr(dash + 1);
    }
    return out;
}

// A display name or a mis-cased slug in slug form: "Amazon Bedrock" -> "amazon-bedrock".
std::string slugForm(std::string_view text) {
    std::string out = lower(text);
    std::replace(out.begin(), out.end(), ' ', '-');
    return out;
}

}  // namespace

std::string ProviderDirectory::suggest(std::string_view slug) const {
    std::string wanted = slugForm(slug.substr(0, slug.find('/')));
    for (const auto &p : providers_) {
        if (p.slug == wanted || slugForm(p.name) == wanted) return p.slug;
    }
    // Prefer slugs sharing a word ("aws-bedrock" -> "amazon-bedrock", "google" -> "google-vertex"), then any slug
    // within a few edits ("togetherai" -> "together").
    std::vector<std::string_view> wantedWords = words(wanted);
    const Provider *best = nullptr;
    std::size_t bestDistance = 0;
    bool bestSharesWord = false;
    for (const auto &p : providers_) {
        std::vector<std::string_view> theirs = words(p.slug);
        bool sharesWord = std::any_of(wantedWords.begin(), wantedWords.end(), [&](std::string_view w) {
            return std::find(theirs.begin(), theirs.end(), w) != theirs.end();
        });
        std::size_t distance = editDistance(wanted, p.slug);
        if (best == nullptr || sharesWord > bestSharesWord ||
            (sharesWord == bestSharesWord && distance < bestDistance)) {
            best = &p;
            bestDistance = distance;
            bestSharesWord = sharesWord;
        }
    }
    if (best == nullptr) return {};
    if (bestSharesWord || bestDistance <= std::max<std::size_t>(2, wanted.size() / 3)) return best->slug;
    return {};
}

}  // namespace moltbot::openrouter
