// The OpenRouter model catalog (GET /models) and provider directory (GET /providers): parsing, model id
// resolution with "-" vs "." tolerance, closest-id suggestions and provider slug checks. Pure: no I/O.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <moltbot/sdk/text.hpp>

namespace moltbot::openrouter {

using sdk::editDistance;  // moltbot/sdk/text.hpp, shared with the host's suggestions

// The form model ids are compared in: lowercase, and a "-" between two digits written as "." (so
// "claude-sonnet-4-5" and "claude-sonnet-4.5" compare equal).
std::string normalizeModelId(std::string_view id);

class Catalog {
public:
    struct Model {
        std::string id;
        std::string_view event;  // the MB_EVENT_MODEL payload, held by the catalog
    };

    // Parses a GET /models body ({"data": [Model, ...]}); throws Failure(MB_ERR_UPSTREAM_PROTOCOL) when malformed.
    static Catalog parse(std::string_view body);

    // The form the disk cache keeps, a few times smaller than the body and cheap to read back: the ids as a JSON
    // array on the first line, then each model's event on a line of its own. A chat request needs only the ids, so
    // reading this instead of parsing the whole /models body again saves milliseconds per request.
    const std::string &serialize() const { return *text_; }
    // Reads serialize()'s text back; throws Failure(MB_ERR_UPSTREAM_PROTOCOL) when it is not that.
    static Catalog deserialize(std::string text);

    const std::vector<Model> &models() const { return models_; }
    bool contains(std::string_view id) const;
    // The one catalog id equal to `id` once normalised, or nullopt when none or several match.
    std::optional<std::string> normalizedMatch(std::string_view id) const;
    // Up to `count` catalog ids nearest to `id`, nearest first.
    std::vector<std::string> closest(std::string_view id, std::size_t count) const;

private:
    // serialize()'s text, which the events point into; on the heap so that moving a Catalog keeps them valid.
    std::shared_ptr<const std::string> text_ = std::make_shared<const std::string>("[]\n");
    std::vector<Model> models_;
    std::vector<std::size_t> byId_;  // indexes of models_, sorted by id
};

struct ModelResolution {
    std::string id;      // the id to send upstream
    std::string notice;  // non-empty when the id was corrected: one line for the user
};

// The upstream id for the host's model id (the ref without its "openrouter/" prefix): an id without "/" is an
// OpenRouter router ("auto" -> "openrouter/auto"); an id missing from the catalog that matches exactly one catalog id
// once normalised is replaced by it (a ":variant" suffix is kept); anything else goes as is. `catalog` may be null.
ModelResolution resolveModelId(std::string_view requested, const Catalog *catalog);

class ProviderDirectory {
public:
    struct Provider {
        std::string slug;
        std::string name;
    };

    // Slugs known without a network call, for when no /providers list is cached.
    static ProviderDirectory builtin();
    // Parses a GET /providers body ({"data": [{"slug", "name"}, ...]}); throws Failure when malformed.
    static ProviderDirectory parse(std::string_view body);

    // True when `slug` (or the base of a "base/variant" endpoint slug) is a known provider slug.
    bool known(std::string_view slug) const;
    // The known slug the user most likely meant, or empty when nothing is close.
    std::string suggest(std::string_view slug) const;

private:
    std::vector<Provider> providers_;
};

}  // namespace moltbot::openrouter
