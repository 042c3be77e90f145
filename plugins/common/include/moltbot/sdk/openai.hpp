// Everything a provider for an OpenAI-style Chat Completions API needs beyond its own config: the request body
// (openai/request.hpp), the translation of answers and stream chunks into ABI events (openai/translate.hpp), the
// classification of failures (openai/errors.hpp), the HTTP exchange through the host (openai/client.hpp) and the C
// function table over an instance class (provider.hpp). Provider-neutral: a provider adapts the error format and
// messages through a Dialect. docs/plugin-authoring.md shows a whole plugin on it.
#pragma once

#include <moltbot/sdk/openai/client.hpp>
#include <moltbot/sdk/openai/errors.hpp>
#include <moltbot/sdk/openai/request.hpp>
#include <moltbot/sdk/openai/translate.hpp>
#include <moltbot/sdk/provider.hpp>
