// Canned OpenRouter answers, shaped like the examples and captures of docs/openrouter-api.md.
#pragma once

namespace moltbot::openrouter::test {

// §4: a tool call streamed over two chunks, a finish chunk, the usage chunk with "choices":[], then [DONE].
inline constexpr char kToolCallStream[] =
    ": OPENROUTER PROCESSING\n\n"
    "data: {\"id\":\"gen-1773323536-Ko6dI9bnZTkPeee45z6T\",\"object\":\"chat.completion.chunk\",\"created\":1773323536,"
    "\"model\":\"anthropic/claude-4-sonnet-20250522\",\"provider\":\"Google\",\"choices\":[{\"index\":0,\"delta\":"
    "{\"content\":null,\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"toolu_vrtx_015P\",\"type\":"
    "\"function\",\"function\":{\"name\":\"weather\",\"arguments\":\"\"}}]},\"finish_reason\":null,"
    "\"native_finish_reason\":null}]}\n\n"
    "data: {\"id\":\"gen-1773323536-Ko6dI9bnZTkPeee45z6T\",\"object\":\"chat.completion.chunk\",\"created\":1773323536,"
    "\"model\":\"anthropic/claude-4-sonnet-20250522\",\"provider\":\"Google\",\"choices\":[{\"index\":0,\"delta\":"
    "{\"content\":null,\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
    "\"{\\\"location\\\": \\\"Florence\\\"}\"}}]},\"finish_reason\":null,\"native_finish_reason\":null}]}\n\n"
    "data: {\"id\":\"gen-1773323536-Ko6dI9bnZTkPeee45z6T\",\"object\":\"chat.completion.chunk\",\"created\":1773323536,"
    "\"model\":\"anthropic/claude-4-sonnet-20250522\",\"provider\":\"Google\",\"choices\":[{\"index\":0,\"delta\":"
    "{\"content\":\"\",\"role\":\"assistant\"},\"finish_reason\":\"tool_calls\",\"native_finish_reason\":"
    "\"tool_calls\"}]}\n\n"
    "data: {\"id\":\"gen-1773323536-Ko6dI9bnZTkPeee45z6T\",\"object\":\"chat.completion.chunk\",\"created\":1773323536,"
    "\"model\":\"anthropic/claude-4-sonnet-20250522\",\"provider\":\"Google\",\"choices\":[],\"usage\":"
    "{\"prompt_tokens\":394,\"completion_tokens\":67,\"total_tokens\":461,\"cost\":0.002187,\"is_byok\":false,"
    "\"prompt_tokens_details\":{\"cached_tokens\":0,\"cache_write_tokens\":0,\"audio_tokens\":0,\"video_tokens\":0},"
    "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"image_tokens\":0,\"audio_tokens\":0}}}\n\n"
    "data: [DONE]\n\n";

// A text answer in the 2025 shape: CRLF line ends, keep-alive comments, reasoning, and a usage chunk that still
// carries one empty choice.
inline constexpr char kTextStream2025[] =
    ": OPENROUTER PROCESSING\r\n\r\n"
    "data: {\"id\":\"gen-1\",\"provider\":\"Anthropic\",\"model\":\"anthropic/claude-sonnet-4.5\",\"object\":"
    "\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
    "\"reasoning\":\"Think.\"},\"finish_reason\":null}]}\r\n\r\n"
    "data: {\"id\":\"gen-1\",\"provider\":\"Anthropic\",\"model\":\"anthropic/claude-sonnet-4.5\",\"object\":"
    "\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},"
    "\"finish_reason\":null}]}\r\n\r\n"
    ": OPENROUTER PROCESSING\r\n\r\n"
    "data: {\"id\":\"gen-1\",\"provider\":\"Anthropic\",\"model\":\"anthropic/claude-sonnet-4.5\",\"object\":"
    "\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"lo \\u00e9\\n\"},"
    "\"finish_reason\":null}]}\r\n\r\n"
    "data: {\"id\":\"gen-1\",\"provider\":\"Anthropic\",\"model\":\"anthropic/claude-sonnet-4.5\",\"object\":"
    "\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
    "\"finish_reason\":\"stop\"}]}\r\n\r\n"
    "data: {\"id\":\"gen-1\",\"provider\":\"Anthropic\",\"model\":\"anthropic/claude-sonnet-4.5\",\"object\":"
    "\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
    "\"finish_reason\":null}],\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":14,\"cost\":0.00111,"
    "\"prompt_tokens_details\":{\"cached_tokens\":1000}}}\r\n\r\n"
    "data: [DONE]\r\n\r\n";

// §4: the mid-stream error chunk, after some text.
inline constexpr char kMidStreamError[] =
    "data: {\"id\":\"gen-abc123\",\"object\":\"chat.completion.chunk\",\"created\":1234567890,\"model\":"
    "\"openai/gpt-4o\",\"provider\":\"OpenAI\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Part\"},"
    "\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"gen-abc123\",\"object\":\"chat.completion.chunk\",\"created\":1234567890,\"model\":"
    "\"openai/gpt-4o\",\"provider\":\"OpenAI\",\"error\":{\"code\":502,\"message\":\"Provider disconnected "
    "unexpectedly\",\"metadata\":{\"error_type\":\"provider_unavailable\"}},\"choices\":[{\"index\":0,\"delta\":"
    "{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n";

// §3: a non-streaming answer (abridged 2025 capture) behind keep-alive whitespace.
inline constexpr char kCompletion[] =
    "\n         \n\n         \n"
    "{\"id\":\"gen-1758703529-ZmfakQzYpIkbRFyjUga0\",\"provider\":\"Amazon Bedrock\",\"model\":"
    "\"anthropic/claude-sonnet-4\",\"object\":\"chat.completion\",\"created\":1758703530,\"choices\":[{\"logprobs\":"
    "null,\"finish_reason\":\"tool_calls\",\"native_finish_reason\":\"tool_calls\",\"index\":0,\"message\":{\"role\":"
    "\"assistant\",\"content\":\"I'll add them.\",\"refusal\":null,\"reasoning\":null,\"tool_calls\":[{\"id\":"
    "\"toolu_bdrk_0139\",\"index\":0,\"type\":\"function\",\"function\":{\"name\":\"add\",\"arguments\":"
    "\"{\\\"a\\\": 2, \\\"b\\\": 3}\"}}]}}],\"usage\":{\"prompt_tokens\":502,\"completion_tokens\":137,\"total_tokens\":"
    "639,\"cost\":0.003561,\"is_byok\":false,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
    "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"image_tokens\":0}}}";

// §6: a small /models list.
inline constexpr char kModels[] =
    "{\"data\":["
    "{\"id\":\"anthropic/claude-sonnet-4.5\",\"name\":\"Anthropic: Claude Sonnet 4.5\",\"context_length\":1000000,"
    "\"architecture\":{\"modality\":\"text+image->text\",\"input_modalities\":[\"text\",\"image\",\"file\"],"
    "\"output_modalities\":[\"text\"]},\"pricing\":{\"prompt\":\"0.000003\",\"completion\":\"0.000015\"},"
    "\"top_provider\":{\"context_length\":1000000,\"max_completion_tokens\":64000},"
    "\"supported_parameters\":[\"max_tokens\",\"reasoning\",\"tools\"]},"
    "{\"id\":\"anthropic/claude-3.5-haiku\",\"name\":\"Anthropic: Claude 3.5 Haiku\",\"context_length\":200000,"
    "\"architecture\":{\"modality\":\"text->text\"},\"pricing\":{\"prompt\":\"0.0000008\",\"completion\":\"0.000004\"}},"
    "{\"id\":\"openai/gpt-5.2\",\"name\":\"OpenAI: GPT-5.2\",\"context_length\":400000,"
    "\"architecture\":{\"input_modalities\":[\"text\"]},\"pricing\":{\"prompt\":\"0.00000125\",\"completion\":\"0.00001\"}},"
    "{\"id\":\"openrouter/auto\",\"name\":\"Auto Router\",\"context_length\":2000000,"
    "\"pricing\":{\"prompt\":\"-1\",\"completion\":\"-1\"}},"
    "{\"id\":\"qwen/qwen3-coder:free\",\"name\":\"Qwen3 Coder (free)\",\"context_length\":262144}"
    "]}";

// §6: a small /providers list.
inline constexpr char kProviders[] =
    "{\"data\":[{\"name\":\"OpenAI\",\"slug\":\"openai\"},{\"name\":\"Anthropic\",\"slug\":\"anthropic\"},"
    "{\"name\":\"Amazon Bedrock\",\"slug\":\"amazon-bedrock\"},{\"name\":\"Google\",\"slug\":\"google-vertex\"},"
    "{\"name\":\"Google AI Studio\",\"slug\":\"google-ai-studio\"},{\"name\":\"Azure\",\"slug\":\"azure\"},"
    "{\"name\":\"Together\",\"slug\":\"together\"},{\"name\":\"DeepInfra\",\"slug\":\"deepinfra\"},"
    "{\"name\":\"Groq\",\"slug\":\"groq\"}]}";

}  // namespace moltbot::openrouter::test
