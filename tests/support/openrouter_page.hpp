// The json5 snippets of the OpenRouter user page (/work/shared/seed/openrouter.md, docs/providers/openrouter.md),
// character for character, as users paste them into ~/.moltbot/moltbot.json. The page tests and the config CLI tests
// both load them.
#pragma once

#include <string>
#include <vector>

namespace moltbot::test::page {

inline const std::string kDefaultModel = R"({
  agents: {
    defaults: {
      model: { primary: "openrouter/anthropic/claude-sonnet-4-5" }
    }
  }
})";

inline const std::string kConfigSnippet = R"({
  env: { OPENROUTER_API_KEY: "sk-or-..." },
  agents: {
    defaults: {
      model: { primary: "openrouter/anthropic/claude-sonnet-4-5" }
    }
  }
})";

inline const std::string kModelNaming = R"({
  agents: {
    defaults: {
      model: {
        primary: "openrouter/anthropic/claude-sonnet-4-5",
        fallbacks: ["openrouter/openai/gpt-5.2"]
      }
    }
  }
})";

inline const std::string kOnlyAnthropic = R"({
  agents: {
    defaults: {
      models: {
        "openrouter/anthropic/claude-sonnet-4-5": {
          provider: {
            only: ["anthropic"],       // Only use Anthropic's servers
            allow_fallbacks: false     // Don't fall back to other providers
          }
        }
      }
    }
  }
})";

inline const std::string kPreferBedrock = R"({
  agents: {
    defaults: {
      models: {
        "openrouter/anthropic/claude-sonnet-4-5": {
          provider: {
            order: ["aws-bedrock", "anthropic"],
            allow_fallbacks: true
          }
        }
      }
    }
  }
})";

inline const std::string kBlockProviders = R"({
  agents: {
    defaults: {
      models: {
        "openrouter/anthropic/claude-sonnet-4-5": {
          provider: {
            ignore: ["azure", "google"]  // Never use Azure or Google
          }
        }
      }
    }
  }
})";

inline const std::string kPromptCaching = R"({
  agents: {
    defaults: {
      models: {
        "openrouter/anthropic/claude-sonnet-4-5": {
          params: { cacheControlTtl: "1h" }  // or "5m"
        }
      }
    }
  }
})";

inline const std::string kModelParameters = R"({
  agents: {
    defaults: {
      models: {
        "openrouter/anthropic/claude-sonnet-4-5": {
          params: {
            temperature: 0.7,
            maxTokens: 4096,
            cacheControlTtl: "1h"
          }
        }
      }
    }
  }
})";

// Every snippet, in page order.
inline const std::vector<std::string> kAllSnippets = {
    kDefaultModel, kConfigSnippet, kModelNaming, kOnlyAnthropic, kPreferBedrock, kBlockProviders, kPromptCaching,
    kModelParameters,
};

}  // namespace moltbot::test::page
