#include "tests/simulator/catalog.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string_view>

namespace moltbot::sim {

namespace {

enum Flag : unsigned { kTools = 1, kVision = 2, kReasoning = 4, kFiles = 8, kAudio = 16, kNoSampling = 32 };

// Who hosts a family: the big labs' fixed provider sets, the author's own API, the shared open-weights pool, or both.
enum class Hosts { kInherit, kAnthropic, kOpenAI, kGoogle, kFirstParty, kOpen, kFirstPartyAndOpen };

// One line of the generator table. `pattern` is brace-expanded ("llama-3.1-{8b,70b}-instruct{,:free}"); an id ending
// in ":free" becomes a free variant. Prices are USD per million tokens for a 70B-class model; ids that name a size
// ("8b", "235b-a22b") are scaled from it.
struct Family {
    const char *pattern;
    double promptPerM;
    double completionPerM;
    int context;
    unsigned flags;
    Hosts hosts = Hosts::kInherit;
    int maxOutput = 0;  // 0: derived from the context length
};

struct Author {
    const char *slug;
    const char *display;
    const char *tokenizer;
    const char *ownProvider;  // the author's first-party provider slug, or nullptr
    Hosts hosts;
    double cacheRead;   // multiplier of the prompt price, or < 0 for none
    bool explicitCache; // Anthropic-style writes (1.25x for 5 minutes, 2x for 1 hour)
    std::vector<Family> families;
};

constexpr double kNone = -1;

const std::vector<Author> &authors() {
    static const std::vector<Author> table = {
        {"anthropic", "Anthropic", "Claude", nullptr, Hosts::kAnthropic, 0.1, true, {
            {"claude-opus-4.5", 5, 25, 200000, kTools | kVision | kReasoning | kFiles, Hosts::kInherit, 64000},
            {"claude-sonnet-4.5", 3, 15, 1000000, kTools | kVision | kReasoning | kFiles, Hosts::kInherit, 64000},
            {"claude-haiku-4.5", 1, 5, 200000, kTools | kVision | kReasoning | kFiles, Hosts::kInherit, 64000},
            {"claude-opus-4{,.1}", 15, 75, 200000, kTools | kVision | kReasoning | kFiles, Hosts::kInherit, 32000},
            {"claude-sonnet-4", 3, 15, 1000000, kTools | kVision | kReasoning | kFiles, Hosts::kInherit, 64000},
            {"claude-3.7-sonnet{,:thinking}", 3, 15, 200000, kTools | kVision | kReasoning | kFiles, Hosts::kInherit,
             64000},
            {"claude-3.5-sonnet{,-20240620}", 3, 15, 200000, kTools | kVision | kFiles, Hosts::kInherit, 8192},
            {"claude-3.5-haiku{,-20241022}", 0.8, 4, 200000, kTools | kVision, Hosts::kInherit, 8192},
            {"claude-3-haiku", 0.25, 1.25, 200000, kTools | kVision, Hosts::kInherit, 4096},
            {"claude-3-opus", 15, 75, 200000, kTools | kVision, Hosts::kInherit, 4096},
            {"claude-2{,.0,.1}", 8, 24, 200000, 0, Hosts::kInherit, 4096},
        }},
        {"openai", "OpenAI", "GPT", nullptr, Hosts::kOpenAI, 0.1, false, {
            {"gpt-5.2{,-chat}", 1.75, 14, 400000, kTools | kVision | kReasoning | kFiles | kNoSampling,
             Hosts::kInherit, 128000},
            {"gpt-5.2-pro", 21, 168, 400000, kTools | kVision | kReasoning | kFiles | kNoSampling, Hosts::kInherit,
             128000},
            {"gpt-5.1{,-chat,-codex,-codex-mini}", 1.25, 10, 400000,
             kTools | kVision | kReasoning | kFiles | kNoSampling, Hosts::kInherit, 128000},
            {"gpt-5{,-chat,-codex}", 1.25, 10, 400000, kTools | kVision | kReasoning | kFiles | kNoSampling,
             Hosts::kInherit, 128000},
            {"gpt-5-mini", 0.25, 2, 400000, kTools | kVision | kReasoning | kNoSampling, Hosts::kInherit, 128000},
            {"gpt-5-nano", 0.05, 0.4, 400000, kTools | kVision | kReasoning | kNoSampling, Hosts::kInherit, 128000},
            {"gpt-5-{pro,image,image-mini}", 15, 120, 400000, kTools | kVision | kReasoning | kNoSampling,
             Hosts::kInherit, 128000},
            {"gpt-4.1", 2, 8, 1047576, kTools | kVision | kFiles, Hosts::kInherit, 32768},
            {"gpt-4.1-mini", 0.4, 1.6, 1047576, kTools | kVision | kFiles, Hosts::kInherit, 32768},
            {"gpt-4.1-nano", 0.1, 0.4, 1047576, kTools | kVision | kFiles, Hosts::kInherit, 32768},
            {"gpt-4o{,-2024-05-13,-2024-08-06,-2024-11-20,-search-preview,-audio-preview}", 2.5, 10, 128000,
             kTools | kVision | kFiles, Hosts::kInherit, 16384},
            {"gpt-4o-mini{,-2024-07-18,-search-preview}", 0.15, 0.6, 128000, kTools | kVision | kFiles,
             Hosts::kInherit, 16384},
            {"chatgpt-4o-latest", 5, 15, 128000, kVision, Hosts::kInherit, 16384},
            {"gpt-audio{,-mini}", 2.5, 10, 128000, kTools | kAudio, Hosts::kInherit, 16384},
            {"o1{,-pro}", 15, 60, 200000, kTools | kVision | kReasoning | kNoSampling, Hosts::kInherit, 100000},
            {"o3{,-pro,-deep-research}", 2, 8, 200000, kTools | kVision | kReasoning | kNoSampling, Hosts::kInherit,
             100000},
            {"o3-mini{,-high}", 1.1, 4.4, 200000, kTools | kReasoning | kNoSampling, Hosts::kInherit, 100000},
            {"o4-mini{,-high,-deep-research}", 1.1, 4.4, 200000, kTools | kVision | kReasoning | kNoSampling,
             Hosts::kInherit, 100000},
            {"codex-mini", 1.5, 6, 200000, kTools | kReasoning | kNoSampling, Hosts::kInherit, 100000},
            {"gpt-4-turbo{,-preview}", 10, 30, 128000, kTools | kVision, Hosts::kInherit, 4096},
            {"gpt-4{,-0314,-1106-preview}", 30, 60, 8191, kTools, Hosts::kInherit, 4096},
            {"gpt-3.5-turbo{,-0613,-16k,-instruct}", 0.5, 1.5, 16385, kTools, Hosts::kInherit, 4096},
            {"gpt-4-32k", 60, 120, 32767, kTools, Hosts::kInherit, 4096},
            {"gpt-4.5-preview", 75, 150, 128000, kTools | kVision, Hosts::kInherit, 16384},
            {"o1-mini{,-2024-09-12}", 1.1, 4.4, 128000, kReasoning | kNoSampling, Hosts::kInherit, 65536},
            {"gpt-oss-{20b,120b}{,:free}", 0.1, 0.5, 131072, kTools | kReasoning, Hosts::kOpen},
            {"gpt-oss-safeguard-20b", 0.075, 0.3, 131072, kTools | kReasoning, Hosts::kOpen},
        }},
        {"google", "Google", "Gemini", nullptr, Hosts::kGoogle, 0.25, false, {
            {"gemini-3-pro-preview", 2, 12, 1048576, kTools | kVision | kReasoning | kFiles | kAudio,
             Hosts::kInherit, 65536},
            {"gemini-3-pro-image-preview", 2, 12, 65536, kVision | kReasoning, Hosts::kInherit, 32768},
            {"gemini-2.5-pro{,-preview,-preview-05-06}", 1.25, 10, 1048576,
             kTools | kVision | kReasoning | kFiles | kAudio, Hosts::kInherit, 65536},
            {"gemini-2.5-flash{,-preview-09-2025,-image,-image-preview}", 0.3, 2.5, 1048576,
             kTools | kVision | kReasoning | kFiles | kAudio, Hosts::kInherit, 65536},
            {"gemini-2.5-flash-lite{,-preview-06-17,-preview-09-2025}", 0.1, 0.4, 1048576,
             kTools | kVision | kReasoning | kFiles | kAudio, Hosts::kInherit, 65536},
            {"gemini-2.0-flash-001", 0.1, 0.4, 1048576, kTools | kVision | kFiles | kAudio, Hosts::kInherit, 8192},
            {"gemini-2.0-flash-lite-001", 0.075, 0.3, 1048576, kTools | kVision | kFiles | kAudio, Hosts::kInherit,
             8192},
            {"gemini-2.0-flash-exp:free", 0, 0, 1048576, kTools | kVision, Hosts::kInherit, 8192},
            {"gemma-3-{4b,12b,27b}-it{,:free}", 0.1, 0.2, 131072, kVision, Hosts::kOpen},
            {"gemma-3n-e{2b,4b}-it{,:free}", 0.02, 0.04, 32768, 0, Hosts::kOpen},
            {"gemma-2-{9b,27b}-it", 0.15, 0.3, 8192, 0, Hosts::kOpen},
            {"gemma-3-1b-it{,:free}", 0.1, 0.2, 32768, 0, Hosts::kOpen},
            {"gemini-{pro-1.5,flash-1.5,flash-1.5-8b}", 1.25, 5, 2000000, kTools | kVision, Hosts::kInherit, 8192},
        }},
        {"x-ai", "xAI", "Grok", "xai", Hosts::kFirstParty, 0.25, false, {
            {"grok-4", 3, 15, 256000, kTools | kVision | kReasoning | kFiles, Hosts::kInherit, 64000},
            {"grok-4{,.1}-fast", 0.2, 0.5, 2000000, kTools | kVision | kReasoning, Hosts::kInherit, 30000},
            {"grok-3{,-beta}", 3, 15, 131072, kTools, Hosts::kInherit, 16384},
            {"grok-3-mini{,-beta}", 0.3, 0.5, 131072, kTools | kReasoning, Hosts::kInherit, 16384},
            {"grok-code-fast-1", 0.2, 1.5, 256000, kTools | kReasoning, Hosts::kInherit, 10000},
            {"grok-2-{1212,vision-1212}", 2, 10, 131072, kTools | kVision, Hosts::kInherit, 16384},
            {"grok-vision-beta", 5, 15, 8192, kVision, Hosts::kInherit, 8192},
        }},
        {"deepseek", "DeepSeek", "DeepSeek", "deepseek", Hosts::kFirstPartyAndOpen, 0.1, false, {
            {"deepseek-chat{,-v3-0324,-v3.1}{,:free}", 0.3, 1.2, 163840, kTools},
            {"deepseek-r1{,-0528}{,:free}", 0.5, 2.15, 163840, kTools | kReasoning},
            {"deepseek-v3.1-{base,terminus}", 0.27, 1.0, 163840, kTools | kReasoning},
            {"deepseek-v3.2-exp", 0.27, 0.4, 163840, kTools | kReasoning},
            {"deepseek-r1-distill-{qwen-1.5b,llama-8b,qwen-14b,qwen-32b,llama-70b}{,:free}", 0.1, 0.4, 131072,
             kReasoning, Hosts::kOpen},
            {"deepseek-prover-v2", 0.5, 2.18, 163840, 0, Hosts::kOpen},
            {"deepseek-coder", 0.14, 0.28, 128000, kTools, Hosts::kOpen},
        }},
        {"mistralai", "Mistral", "Mistral", "mistral", Hosts::kFirstParty, kNone, false, {
            {"mistral-large{,-2407,-2411}", 2, 6, 131072, kTools},
            {"mistral-medium-3{,.1}", 0.4, 2, 131072, kTools | kVision},
            {"codestral-{2501,2508}", 0.3, 0.9, 256000, kTools},
            {"devstral-medium{,-2507}", 0.4, 2, 131072, kTools},
            {"magistral-{small,medium}-2506{,:thinking}", 0.5, 1.5, 40960, kTools | kReasoning},
            {"ministral-{3b,8b}", 0.04, 0.1, 131072, kTools},
            {"pixtral-large-2411", 2, 6, 131072, kTools | kVision},
            {"mistral-saba", 0.2, 0.6, 32768, kTools},
            {"mistral-small{,-24b-instruct-2501,-3.1-24b-instruct,-3.2-24b-instruct}{,:free}", 0.05, 0.1, 131072,
             kTools | kVision, Hosts::kFirstPartyAndOpen},
            {"mistral-7b-instruct{,-v0.1,-v0.2,-v0.3}{,:free}", 0.028, 0.054, 32768, kTools,
             Hosts::kFirstPartyAndOpen},
            {"mixtral-8x{7b,22b}-instruct", 0.54, 0.54, 65536, kTools, Hosts::kFirstPartyAndOpen},
            {"mistral-nemo{,:free}", 0.02, 0.04, 131072, kTools, Hosts::kFirstPartyAndOpen},
            {"devstral-small{,-2505}{,:free}", 0.07, 0.28, 131072, kTools, Hosts::kFirstPartyAndOpen},
            {"pixtral-12b", 0.1, 0.1, 32768, kVision, Hosts::kFirstPartyAndOpen},
            {"codestral-mamba", 0.25, 0.25, 262144, kTools},
            {"ministral-{3b,8b,14b}-2512", 0.04, 0.1, 262144, kTools | kVision},
            {"voxtral-small-24b-2507", 0.1, 0.3, 32000, kTools | kAudio},
        }},
        {"meta-llama", "Meta", "Llama3", nullptr, Hosts::kOpen, kNone, false, {
            {"llama-3.3-70b-instruct{,:free}", 0.13, 0.39, 131072, kTools},
            {"llama-3.1-{8b,70b,405b}-instruct{,:free}", 0.13, 0.39, 131072, kTools},
            {"llama-3.1-405b", 0.13, 0.39, 32768, 0},
            {"llama-3.2-{1b,3b}-instruct{,:free}", 0.13, 0.39, 131072, kTools},
            {"llama-3.2-{11b,90b}-vision-instruct{,:free}", 0.13, 0.39, 131072, kVision},
            {"llama-4-{scout,maverick}{,:free}", 0.15, 0.6, 1048576, kTools | kVision},
            {"llama-3-{8b,70b}-instruct", 0.13, 0.39, 8192, kTools},
            {"llama-guard-{2-8b,3-8b,4-12b}", 0.1, 0.1, 8192, 0},
            {"llama-2-{13b,70b}-chat", 0.3, 0.3, 4096, 0},
            {"codellama-{34b,70b}-instruct", 0.5, 0.5, 16384, 0},
        }},
        {"qwen", "Qwen", "Qwen3", "alibaba", Hosts::kFirstPartyAndOpen, 0.1, false, {
            {"qwen-2.5-{7b,32b,72b}-instruct{,:free}", 0.12, 0.39, 32768, kTools, Hosts::kOpen},
            {"qwen-2.5-coder-{7b,32b}-instruct{,:free}", 0.06, 0.15, 32768, kTools, Hosts::kOpen},
            {"qwen-2.5-vl-{7b,32b,72b}-instruct{,:free}", 0.2, 0.6, 32768, kVision, Hosts::kOpen},
            {"qwen3-{0.6b,1.7b,4b,8b,14b,32b}{,:free}", 0.1, 0.3, 40960, kTools | kReasoning, Hosts::kOpen},
            {"qwen3-{30b-a3b,235b-a22b}{,:free}", 0.1, 0.3, 131072, kTools | kReasoning, Hosts::kOpen},
            {"qwen3-{30b-a3b,235b-a22b}-{instruct,thinking}-2507", 0.1, 0.3, 262144, kTools | kReasoning},
            {"qwen3-coder{,:free}", 0.22, 0.95, 262144, kTools},
            {"qwen3-coder-{flash,plus,30b-a3b-instruct}", 0.3, 1.5, 262144, kTools},
            {"qwen3-vl-{8b,30b-a3b,235b-a22b}-{instruct,thinking}", 0.2, 0.8, 131072, kTools | kVision | kReasoning},
            {"qwen3-next-80b-a3b-{instruct,thinking}", 0.15, 1.2, 262144, kTools | kReasoning},
            {"qwen3-max", 1.2, 6, 262144, kTools, Hosts::kFirstParty},
            {"qwen-{max,plus,turbo}", 0.4, 1.2, 131072, kTools, Hosts::kFirstParty},
            {"qwen-vl-{max,plus}", 0.8, 3.2, 131072, kVision, Hosts::kFirstParty},
            {"qwq-32b{,:free}", 0.15, 0.4, 131072, kTools | kReasoning, Hosts::kOpen},
        }},
        {"moonshotai", "MoonshotAI", "Other", "moonshotai", Hosts::kFirstPartyAndOpen, 0.25, false, {
            {"kimi-k2{,-0905,-thinking}{,:free}", 0.5, 2.0, 262144, kTools | kReasoning},
            {"kimi-dev-72b{,:free}", 0.29, 1.15, 131072, kTools, Hosts::kOpen},
            {"kimi-vl-a3b-thinking{,:free}", 0.02, 0.1, 131072, kVision | kReasoning, Hosts::kOpen},
            {"kimi-linear-48b-a3b-instruct", 0.3, 0.6, 1048576, kTools, Hosts::kOpen},
        }},
        {"z-ai", "Z.AI", "Other", "z-ai", Hosts::kFirstPartyAndOpen, 0.2, false, {
            {"glm-4.5{,-air}{,:free}", 0.35, 1.55, 131072, kTools | kReasoning},
            {"glm-4.6", 0.4, 1.75, 202752, kTools | kReasoning},
            {"glm-4.5v", 0.5, 1.8, 65536, kTools | kVision | kReasoning},
            {"glm-4-32b", 0.1, 0.1, 128000, kTools},
            {"glm-z1-32b", 0.24, 0.24, 32768, kReasoning, Hosts::kOpen},
        }},
        {"microsoft", "Microsoft", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"phi-4{,-reasoning-plus,-multimodal-instruct}", 0.07, 0.14, 16384, 0},
            {"phi-3-{mini,medium}-128k-instruct", 0.1, 0.1, 128000, 0},
            {"phi-3.5-mini-128k-instruct", 0.1, 0.1, 128000, 0},
            {"wizardlm-2-8x22b", 0.48, 0.48, 65536, 0},
            {"mai-ds-r1{,:free}", 0.3, 1.2, 163840, kReasoning},
        }},
        {"nvidia", "NVIDIA", "Llama3", nullptr, Hosts::kOpen, kNone, false, {
            {"llama-3.1-nemotron-{70b,ultra-253b-v1}-instruct", 0.6, 0.6, 131072, kTools},
            {"llama-3.3-nemotron-super-49b-v1.5", 0.1, 0.4, 131072, kTools | kReasoning},
            {"nemotron-nano-9b-v2{,:free}", 0.04, 0.16, 131072, kTools | kReasoning},
            {"nemotron-nano-12b-v2-vl{,:free}", 0.2, 0.6, 131072, kVision | kReasoning},
        }},
        {"cohere", "Cohere", "Cohere", "cohere", Hosts::kFirstParty, kNone, false, {
            {"command-{r,r-plus}-08-2024", 2.5, 10, 128000, kTools},
            {"command-a", 2.5, 10, 256000, kTools},
            {"command-r7b-12-2024", 0.0375, 0.15, 128000, kTools},
            {"command-{r,r-plus}", 0.5, 1.5, 128000, kTools},
        }},
        {"amazon", "Amazon", "Nova", "amazon-bedrock", Hosts::kFirstParty, kNone, false, {
            {"nova-{micro,lite,pro}-v1", 0.8, 3.2, 300000, kTools | kVision},
            {"nova-premier-v1", 2.5, 12.5, 1000000, kTools | kVision},
        }},
        {"perplexity", "Perplexity", "Other", "perplexity", Hosts::kFirstParty, kNone, false, {
            {"sonar{,-pro,-reasoning,-reasoning-pro,-deep-research}", 1, 1, 127072, kVision},
            {"r1-1776", 2, 8, 128000, kReasoning},
        }},
        {"nousresearch", "Nous", "Llama3", nullptr, Hosts::kOpen, kNone, false, {
            {"hermes-3-llama-3.1-{70b,405b}{,:free}", 0.12, 0.3, 131072, kTools},
            {"hermes-4-{70b,405b}", 0.11, 0.38, 131072, kTools | kReasoning},
            {"hermes-2-pro-llama-3-8b", 0.025, 0.04, 131072, kTools},
            {"deephermes-3-{llama-3-8b,mistral-24b}-preview{,:free}", 0.05, 0.1, 131072, kReasoning},
        }},
        {"ai21", "AI21", "Other", "ai21", Hosts::kFirstParty, kNone, false, {
            {"jamba-{large,mini}-1.7", 2, 8, 256000, kTools},
            {"jamba-1.6-{large,mini}", 2, 8, 256000, kTools},
        }},
        {"minimax", "MiniMax", "Other", "minimax", Hosts::kFirstPartyAndOpen, kNone, false, {
            {"minimax-m2{,:free}", 0.3, 1.2, 204800, kTools | kReasoning},
            {"minimax-{m1,01}", 0.4, 2.2, 1000000, kTools | kReasoning},
        }},
        {"inflection", "Inflection", "Other", "inflection", Hosts::kFirstParty, kNone, false, {
            {"inflection-3-{pi,productivity}", 2.5, 10, 8000, 0},
        }},
        {"baidu", "Baidu", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"ernie-4.5-{21b-a3b,300b-a47b}{,-thinking}", 0.07, 0.28, 131072, kTools},
            {"ernie-4.5-vl-{28b-a3b,424b-a47b}", 0.14, 0.56, 131072, kVision},
        }},
        {"tencent", "Tencent", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"hunyuan-a13b-instruct{,:free}", 0.03, 0.03, 131072, kReasoning},
        }},
        {"bytedance", "ByteDance", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"ui-tars-1.5-7b", 0.1, 0.2, 128000, kVision},
            {"seed-oss-36b-instruct", 0.16, 0.65, 524288, kTools | kReasoning},
        }},
        {"thedrummer", "TheDrummer", "Mistral", nullptr, Hosts::kOpen, kNone, false, {
            {"{rocinante,unslopnemo}-12b", 0.17, 0.43, 32768, 0},
            {"cydonia-24b-v4.1", 0.3, 0.5, 131072, 0},
            {"anubis-{70b-v1.1,pro-105b-v1}", 0.5, 0.8, 131072, 0},
            {"skyfall-36b-v2", 0.5, 0.8, 32768, 0},
            {"valkyrie-49b-v1", 0.65, 1, 131072, 0},
        }},
        {"sao10k", "Sao10K", "Llama3", nullptr, Hosts::kOpen, kNone, false, {
            {"l3-{lunaris-8b,euryale-70b}", 0.5, 0.5, 8192, 0},
            {"l3.{1,3}-euryale-70b", 0.65, 0.75, 131072, 0},
            {"l3.1-70b-hanami-x1", 3, 3, 16000, 0},
        }},
        {"neversleep", "NeverSleep", "Llama3", nullptr, Hosts::kOpen, kNone, false, {
            {"llama-3.1-lumimaid-{8b,70b}", 0.5, 0.6, 32768, 0},
            {"noromaid-20b", 1, 1.75, 8192, 0},
        }},
        {"cognitivecomputations", "Dolphin", "Mistral", nullptr, Hosts::kOpen, kNone, false, {
            {"dolphin-mistral-24b-venice-edition{,:free}", 0.1, 0.2, 32768, 0},
            {"dolphin3.0-{r1-,}mistral-24b{,:free}", 0.1, 0.2, 32768, 0},
        }},
        {"arcee-ai", "Arcee AI", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"{virtuoso-large,coder-large,maestro-reasoning,spotlight,afm-4.5b}", 0.75, 1.2, 131072, kTools},
        }},
        {"liquid", "Liquid", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"lfm-{3b,7b,40b}", 0.15, 0.15, 32768, 0},
            {"lfm2-8b-a1b", 0.05, 0.1, 32768, 0},
        }},
        {"allenai", "AllenAI", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"olmo-2-0325-32b-instruct", 0.2, 0.35, 4096, 0},
            {"olmo-3-{7b,32b}-think{,:free}", 0.1, 0.3, 65536, kReasoning},
            {"molmo-7b-d", 0.1, 0.2, 4096, kVision},
        }},
        {"inception", "Inception", "Other", "inception", Hosts::kFirstParty, kNone, false, {
            {"mercury{,-coder}", 0.25, 1, 128000, kTools},
        }},
        {"anthracite-org", "Magnum", "Qwen", nullptr, Hosts::kOpen, kNone, false, {
            {"magnum-v{2,4}-72b", 2.5, 3, 32768, 0},
        }},
        {"gryphe", "MythoMax", "Llama2", nullptr, Hosts::kOpen, kNone, false, {
            {"mythomax-l2-13b", 0.05, 0.09, 4096, 0},
        }},
        {"alpindale", "Goliath", "Llama2", nullptr, Hosts::kOpen, kNone, false, {
            {"goliath-120b", 4, 5.5, 6144, 0},
        }},
        {"ibm-granite", "IBM", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"granite-4.0-h-{micro,tiny,small}", 0.017, 0.11, 131000, kTools},
        }},
        {"morph", "Morph", "Other", "morph", Hosts::kFirstParty, kNone, false, {
            {"morph-v3-{fast,large}", 0.8, 1.2, 81920, 0},
        }},
        {"01-ai", "01.AI", "Yi", nullptr, Hosts::kOpen, kNone, false, {
            {"yi-large", 3, 3, 32768, kTools},
            {"yi-{6b,34b}-chat", 0.72, 0.72, 4096, 0},
        }},
        {"aion-labs", "AionLabs", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"aion-1.0{,-mini}", 4, 8, 131072, kReasoning},
            {"aion-rp-llama-3.1-8b", 0.2, 0.2, 32768, 0},
        }},
        {"agentica-org", "Agentica", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"deepcoder-14b-preview{,:free}", 0.015, 0.015, 96000, kReasoning},
        }},
        {"shisa-ai", "Shisa AI", "Llama3", nullptr, Hosts::kOpen, kNone, false, {
            {"shisa-v2-llama3.3-70b{,:free}", 0.05, 0.1, 32768, 0},
        }},
        {"thudm", "THUDM", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"glm-4-{9b,32b}{,:free}", 0.24, 0.24, 32768, kTools},
            {"glm-z1-{9b,32b}", 0.24, 0.24, 32768, kReasoning},
        }},
        {"opengvlab", "OpenGVLab", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"internvl3-{14b,78b}", 0.2, 0.4, 32768, kVision},
        }},
        {"meituan", "Meituan", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"longcat-flash-chat{,:free}", 0.15, 0.75, 131072, kTools},
        }},
        {"deepcogito", "Deep Cogito", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"cogito-v2-preview-{llama-70b,llama-109b-moe,llama-405b,deepseek-671b}", 0.88, 0.88, 32768,
             kTools | kReasoning},
        }},
        {"tngtech", "TNG", "DeepSeek", nullptr, Hosts::kOpen, kNone, false, {
            {"deepseek-r1t{,2}-chimera{,:free}", 0.3, 1.2, 163840, kReasoning},
        }},
        {"kwaipilot", "Kwaipilot", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"kat-coder-pro{,:free}", 0.2, 0.8, 256000, kTools},
        }},
        {"alibaba", "Tongyi", "Qwen3", nullptr, Hosts::kOpen, kNone, false, {
            {"tongyi-deepresearch-30b-a3b{,:free}", 0.09, 0.4, 131072, kTools | kReasoning},
        }},
        {"sarvamai", "Sarvam AI", "Other", nullptr, Hosts::kOpen, kNone, false, {
            {"sarvam-m{,:free}", 0.02, 0.08, 32768, kReasoning},
        }},
        {"eva-unit-01", "EVA", "Qwen", nullptr, Hosts::kOpen, kNone, false, {
            {"eva-qwen-2.5-{32b,72b}", 2.6, 3.4, 16384, 0},
            {"eva-llama-3.33-70b", 4, 6, 16384, 0},
        }},
        {"undi95", "Undi95", "Llama2", nullptr, Hosts::kOpen, kNone, false, {
            {"{remm-slerp-l2-13b,toppy-m-7b}", 0.45, 0.65, 6144, 0},
        }},
        {"openchat", "OpenChat", "Other", nullptr, Hosts::kOpen, kNone, false, {{"openchat-7b", 0.1, 0.2, 8192, 0}}},
        {"huggingfaceh4", "Hugging Face", "Other", nullptr, Hosts::kOpen, kNone, false,
         {{"zephyr-7b-beta", 0.1, 0.2, 8192, 0}}},
        {"teknium", "Teknium", "Other", nullptr, Hosts::kOpen, kNone, false,
         {{"openhermes-2.5-mistral-7b", 0.1, 0.2, 8192, 0}}},
        {"pygmalionai", "Pygmalion", "Other", nullptr, Hosts::kOpen, kNone, false,
         {{"mythalion-13b", 0.1, 0.2, 8192, 0}}},
        {"raifle", "Raifle", "Other", nullptr, Hosts::kOpen, kNone, false, {{"sorcererlm-8x22b", 0.1, 0.2, 8192, 0}}},
        {"infermatic", "Infermatic", "Other", nullptr, Hosts::kOpen, kNone, false,
         {{"mn-inferor-12b", 0.1, 0.2, 8192, 0}}},
        {"switchpoint", "Switchpoint", "Other", "switchpoint", Hosts::kFirstParty, kNone, false, {
            {"router", 0.85, 3.4, 131072, kReasoning},
        }},
        {"relace", "Relace", "Other", "relace", Hosts::kFirstParty, kNone, false, {
            {"relace-apply-3", 0.85, 1.25, 256000, 0},
        }},
    };
    return table;
}

struct HostSpec {
    const char *tag;
    double priceFactor;
    const char *quantization;  // nullptr: null
    double throughput;
    double latency;
};

// The shared pool for open-weights models: the first three host every such model, the rest a hashed subset.
constexpr HostSpec kOpenAlways[] = {
    {"deepinfra", 1.0, "fp8", 45, 0.6}, {"together", 1.3, "fp8", 80, 0.5}, {"fireworks", 1.4, "fp8", 95, 0.4}};
constexpr HostSpec kOpenSometimes[] = {
    {"novita", 1.05, "bf16", 35, 1.1}, {"nebius", 1.1, "fp8", 40, 0.9},  {"groq", 1.6, nullptr, 400, 0.2},
    {"parasail", 1.15, "fp8", 60, 0.7}, {"cerebras", 1.8, nullptr, 1500, 0.3},
    {"deepinfra/turbo", 1.25, "fp4", 120, 0.4}};
constexpr HostSpec kAnthropicHosts[] = {{"anthropic", 1, nullptr, 60, 1.4},
                                        {"amazon-bedrock", 1, nullptr, 55, 1.6},
                                        {"google-vertex", 1, nullptr, 58, 1.5},
                                        {"google-vertex/europe", 1, nullptr, 50, 1.8}};
constexpr HostSpec kOpenAIHosts[] = {{"openai", 1, nullptr, 70, 0.8}, {"azure", 1, nullptr, 65, 0.9}};
constexpr HostSpec kGoogleHosts[] = {{"google-vertex", 1, nullptr, 90, 0.9}, {"google-ai-studio", 1, nullptr, 85, 1.0}};
constexpr HostSpec kFreeAlways = {"chutes", 0, "fp8", 30, 2.0};
constexpr HostSpec kFreeSometimes = {"venice", 0, nullptr, 25, 2.5};

std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t hash = 1469598103934665603ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash;
}

// "a{b,c}d{,e}" -> abd, abde, acd, acde. Groups do not nest.
std::vector<std::string> expand(std::string_view pattern) {
    auto open = pattern.find('{');
    if (open == std::string_view::npos) return {std::string(pattern)};
    auto close = pattern.find('}', open);
    std::string_view head = pattern.substr(0, open);
    std::string_view body = pattern.substr(open + 1, close - open - 1);
    std::vector<std::string> tails = expand(pattern.substr(close + 1));
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        auto comma = body.find(',', start);
        std::string_view alternative = body.substr(start, comma == std::string_view::npos ? body.npos : comma - start);
        for (const auto &tail : tails) out.push_back(std::string(head) + std::string(alternative) + tail);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

// Parameter count in billions named by the id ("llama-3.1-8b-instruct" -> 8, "qwen3-235b-a22b" -> 235), or 0.
double sizeInBillions(const std::string &id) {
    for (std::size_t i = 0; i < id.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(id[i])) || (i > 0 && id[i - 1] != '-')) continue;
        std::size_t end = i;
        while (end < id.size() && (std::isdigit(static_cast<unsigned char>(id[end])) || id[end] == '.')) ++end;
        if (end == id.size() || id[end] != 'b') continue;
        if (end + 1 == id.size() || id[end + 1] == '-' || id[end + 1] == ':') return std::stod(id.substr(i, end - i));
    }
    return 0;
}

// Three significant digits, as list prices are.
double roundPrice(double perMillion) {
    if (perMillion <= 0) return perMillion;
    double unit = std::pow(10.0, std::floor(std::log10(perMillion)) - 2);
    return std::round(perMillion / unit) * unit;
}

// "llama-3.1-8b-instruct" -> "Llama 3.1 8B Instruct"; acronyms and sizes in capitals.
std::string displayName(const std::string &authorDisplay, const std::string &slug) {
    std::string name = authorDisplay + ": ";
    std::string base = slug.substr(0, slug.find(':'));
    std::size_t start = 0;
    while (start <= base.size()) {
        std::size_t dash = std::min(base.find('-', start), base.size());
        std::string word = base.substr(start, dash - start);
        bool acronym = word == "gpt" || word == "glm" || word == "oss" || word == "vl" || word == "it" ||
                       word == "qwq" || word == "lfm" || (word.size() > 1 && word.back() == 'b' &&
                                                           std::isdigit(static_cast<unsigned char>(word.front())));
        for (std::size_t i = 0; i < word.size(); ++i) {
            if (acronym || i == 0) word[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[i])));
        }
        name += (start ? " " : "") + word;
        start = dash + 1;
    }
    if (auto colon = slug.find(':'); colon != std::string::npos) name += " (" + slug.substr(colon + 1) + ")";
    return name;
}

std::string dateStamp(long epochSeconds) {
    std::time_t time = epochSeconds;
    std::tm utc{};
    gmtime_r(&time, &utc);
    char buffer[16];
    std::strftime(buffer, sizeof buffer, "%Y%m%d", &utc);
    return buffer;
}

std::vector<std::string> supportedParameters(unsigned flags, Hosts hosts) {
    std::vector<std::string> params = {"max_tokens", "stop"};
    if (!(flags & kNoSampling)) params.insert(params.end(), {"temperature", "top_p"});
    if (flags & kTools) params.insert(params.end(), {"tools", "tool_choice"});
    if (flags & kReasoning) params.insert(params.end(), {"reasoning", "include_reasoning"});
    if (hosts == Hosts::kOpenAI) params.insert(params.end(), {"seed", "response_format", "structured_outputs"});
    if (hosts == Hosts::kOpenAI && !(flags & kNoSampling))
        params.insert(params.end(),
                      {"frequency_penalty", "presence_penalty", "logit_bias", "logprobs", "top_logprobs"});
    if (hosts == Hosts::kAnthropic) params.insert(params.end(), {"top_k", "response_format", "structured_outputs"});
    if (hosts == Hosts::kOpen || hosts == Hosts::kFirstPartyAndOpen)
        params.insert(params.end(), {"frequency_penalty", "presence_penalty", "repetition_penalty", "top_k", "min_p",
                                     "seed", "response_format"});
    std::sort(params.begin(), params.end());
    return params;
}

}  // namespace

std::string formatPrice(double usdPerToken, bool router) {
    if (router) return "-1";
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.12f", usdPerToken);
    std::string text = buffer;
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
    return text;
}

Catalog::Catalog() {
    providers_ = {
        {"openai", "OpenAI", "US"},          {"anthropic", "Anthropic", "US"},
        {"amazon-bedrock", "Amazon Bedrock", "US"}, {"google-vertex", "Google", "US"},
        {"google-ai-studio", "Google AI Studio", "US"}, {"azure", "Azure", "US"},
        {"xai", "xAI", "US"},                {"deepseek", "DeepSeek", "CN"},
        {"mistral", "Mistral", "FR"},        {"groq", "Groq", "US"},
        {"together", "Together", "US"},      {"deepinfra", "DeepInfra", "US"},
        {"fireworks", "Fireworks", "US"},    {"moonshotai", "Moonshot AI", "CN"},
        {"z-ai", "Z.AI", "CN"},              {"alibaba", "Alibaba", "CN"},
        {"novita", "NovitaAI", "US"},        {"nebius", "Nebius AI Studio", "NL"},
        {"parasail", "Parasail", "US"},      {"cerebras", "Cerebras", "US"},
        {"chutes", "Chutes", "US"},          {"venice", "Venice", "US"},
        {"cohere", "Cohere", "CA"},          {"perplexity", "Perplexity", "US"},
        {"ai21", "AI21", "IL"},              {"minimax", "Minimax", "SG"},
        {"inflection", "Inflection", "US"},  {"inception", "Inception", "US"},
        {"morph", "Morph", "US"},            {"inference-net", "InferenceNet", "US"},
        {"atlas-cloud", "AtlasCloud", "US"}, {"sambanova", "SambaNova", "US"},
        {"switchpoint", "Switchpoint", "US"}, {"relace", "Relace", "US"},
    };

    const long kEpoch = 1704067200;  // 2024-01-01: generated "created" dates fall in the two years after it
    for (const Author &author : authors()) {
        for (const Family &family : author.families) {
            Hosts hosts = family.hosts == Hosts::kInherit ? author.hosts : family.hosts;
            for (const std::string &slug : expand(family.pattern)) {
                Model model;
                model.id = std::string(author.slug) + "/" + slug;
                std::string baseId = model.id.substr(0, model.id.find(':'));
                bool free = model.id.size() > 5 && model.id.ends_with(":free");
                std::uint64_t hash = fnv1a(baseId);
                model.created = kEpoch + static_cast<long>(hash % (700ull * 86400));
                model.canonicalSlug = baseId + "-" + dateStamp(model.created);
                model.name = displayName(author.display, slug);
                model.contextLength = family.context;
                model.maxCompletionTokens = family.maxOutput ? family.maxOutput : std::min(family.context, 16384);
                model.tokenizer = author.tokenizer;
                model.reasoning = (family.flags & kReasoning) != 0;
                model.inputModalities = {"text"};
                if (family.flags & (kVision | kAudio)) model.inputModalities.push_back("image");
                if (family.flags & kFiles) model.inputModalities.push_back("file");
                if (family.flags & kAudio)
                    model.inputModalities.insert(model.inputModalities.end(), {"audio", "video"});
                model.supportedParameters = supportedParameters(family.flags, hosts);
                double size = sizeInBillions(slug);
                double scale = size > 0 ? std::clamp(std::pow(size / 70.0, 0.8), 0.05, 5.0) : 1.0;
                model.description = model.name.substr(model.name.find(": ") + 2) + " from " + author.display +
                                    (size > 0 ? " (" + formatPrice(size) + "B parameters)" : std::string()) +
                                    ", with a " + std::to_string(family.context) + " token context window.";

                Pricing base;
                if (!free) {
                    base.prompt = roundPrice(family.promptPerM * scale) / 1e6;
                    base.completion = roundPrice(family.completionPerM * scale) / 1e6;
                    if (author.cacheRead > 0) base.cacheRead = base.prompt * author.cacheRead;
                    if (author.explicitCache) {
                        base.cacheWrite = base.prompt * 1.25;
                        base.cacheWrite1h = base.prompt * 2;
                    }
                }
                auto addHost = [&](const HostSpec &spec) {
                    Endpoint endpoint;
                    endpoint.tag = spec.tag;
                    endpoint.provider = provider(endpoint.tag.substr(0, endpoint.tag.find('/')));
                    endpoint.pricing = base;
                    for (double *price : {&endpoint.pricing.prompt, &endpoint.pricing.completion,
                                          &endpoint.pricing.cacheRead, &endpoint.pricing.cacheWrite,
                                          &endpoint.pricing.cacheWrite1h}) {
                        if (*price > 0) *price *= spec.priceFactor;
                    }
                    endpoint.quantization = spec.quantization ? spec.quantization : "";
                    endpoint.throughput = spec.throughput;
                    endpoint.latency = spec.latency;
                    model.endpoints.push_back(endpoint);
                };
                if (free) {
                    addHost(kFreeAlways);
                    if (hash & 1) addHost(kFreeSometimes);
                } else {
                    const bool own = hosts == Hosts::kFirstParty || hosts == Hosts::kFirstPartyAndOpen;
                    if (own && author.ownProvider) addHost({author.ownProvider, 1, nullptr, 50, 0.8});
                    if (hosts == Hosts::kAnthropic) for (const auto &spec : kAnthropicHosts) addHost(spec);
                    if (hosts == Hosts::kOpenAI) for (const auto &spec : kOpenAIHosts) addHost(spec);
                    if (hosts == Hosts::kGoogle) for (const auto &spec : kGoogleHosts) addHost(spec);
                    if (hosts == Hosts::kOpen || hosts == Hosts::kFirstPartyAndOpen) {
                        for (const auto &spec : kOpenAlways) addHost(spec);
                        for (std::size_t i = 0; i < std::size(kOpenSometimes); ++i) {
                            if ((hash >> (8 + i)) & 1) addHost(kOpenSometimes[i]);
                        }
                    }
                }
                std::stable_sort(model.endpoints.begin(), model.endpoints.end(),
                                 [](const Endpoint &a, const Endpoint &b) {
                                     return a.pricing.prompt + a.pricing.completion <
                                            b.pricing.prompt + b.pricing.completion;
                                 });
                model.pricing = model.endpoints.front().pricing;
                models_.push_back(std::move(model));
            }
        }
    }

    Model router;
    router.id = "openrouter/auto";
    router.canonicalSlug = "openrouter/auto";
    router.name = "Auto Router";
    router.description = "Picks a model for the prompt; in the simulator always anthropic/claude-sonnet-4.5.";
    router.created = 1699401600;
    router.contextLength = 2000000;
    router.maxCompletionTokens = 64000;
    router.inputModalities = {"text", "image", "file"};
    router.tokenizer = "Router";
    router.supportedParameters = supportedParameters(kTools | kReasoning, Hosts::kOpen);
    router.pricing.router = true;
    router.routesTo = "anthropic/claude-sonnet-4.5";
    models_.push_back(std::move(router));

    for (std::size_t i = 0; i < models_.size(); ++i) index_.emplace(models_[i].id, i);
}

const Catalog &Catalog::instance() {
    static const Catalog catalog;
    return catalog;
}

const Model *Catalog::find(const std::string &id) const {
    auto it = index_.find(id);
    return it == index_.end() ? nullptr : &models_[it->second];
}

const Provider *Catalog::provider(const std::string &slug) const {
    for (const auto &entry : providers_) {
        if (entry.slug == slug) return &entry;
    }
    return nullptr;
}

}  // namespace moltbot::sim
