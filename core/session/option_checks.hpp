// The per-model options of the config checked by the plugins that can (the moltbot.check-options/1 extension): what
// only a provider knows, such as OpenRouter's provider slugs, named where the config is checked (`config validate`,
// `models status`) rather than only when a request is made.
#pragma once

#include "core/config/schema.hpp"

#include <vector>

namespace moltbot::config {
class Config;
}
namespace moltbot::runtime {
class Runtime;
}

namespace moltbot::session {

// One warning per problem a plugin finds in agents.defaults.models[ref] (options with `params` or `provider`), at
// the option's path: agents.defaults.models["openrouter/x"].provider.order: "aws-bedrock" is not a known OpenRouter
// provider slug; did you mean "amazon-bedrock"? (sent as is). A ref no plugin serves, a plugin without the extension
// or one that cannot start is skipped: the model check and the request report those.
std::vector<config::Issue> checkModelOptions(runtime::Runtime &host, const config::Config &config);

}  // namespace moltbot::session
