#!/usr/bin/env bash
# The main job, end to end: a real chat through the OpenRouter plugin against the bundled OpenRouter simulator
# (loopback only). Installs the build dependencies, builds, then configures a throwaway state folder with the
# snippets of docs/providers/openrouter.md and talks to the model.
set -euo pipefail
# The demo reads nothing: `moltbot agent` takes piped standard input as part of the prompt, and a caller whose
# standard input stays open (ssh, a CI runner) would otherwise make it wait.
exec </dev/null
cd "$(dirname "$0")/.."
root=$PWD

scripts/install-deps.sh
scripts/build.sh >/dev/null

moltbot=$root/build/host/moltbot
simulator=$root/build/tests/simulator/openrouter-sim
state=$(mktemp -d)
sim_pid=""
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT

# Waits (10 s at most) until FILE has a line matching PATTERN, then prints what follows PATTERN on it.
listening_url() {
  local file=$1 pattern=$2
  for _ in $(seq 200); do
    grep -q "$pattern" "$file" 2>/dev/null && break
    sleep 0.05
  done
  sed -n "s/^$pattern//p" "$file"
}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }

# The simulator prints "listening on http://127.0.0.1:PORT" once it serves.
"$simulator" --port 0 >"$state/simulator.log" 2>&1 &
sim_pid=$!
url=$(listening_url "$state/simulator.log" 'listening on ')
[ -n "$url" ] || { echo "demo: the simulator did not start:" >&2; cat "$state/simulator.log" >&2; exit 1; }

# A throwaway state folder, and the plugin pointed at the simulator instead of openrouter.ai.
export MOLTBOT_STATE_DIR=$state/moltbot
export OPENROUTER_BASE_URL=$url/api/v1
unset OPENROUTER_API_KEY
sim_key=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

step "Setup: the simulator serves $OPENROUTER_BASE_URL; the state folder is $MOLTBOT_STATE_DIR"
show "$moltbot" onboard --non-interactive --mode local --auth-choice openrouter-api-key --openrouter-api-key "$sim_key"

step "The config: a default model, a fallback, provider routing, prompt caching and params (JSON5)"
cat >"$MOLTBOT_STATE_DIR/moltbot.json" <<'EOF'
{
  agents: {
    defaults: {
      model: {
        primary: "openrouter/anthropic/claude-sonnet-4-5",
        fallbacks: ["openrouter/openai/gpt-5.2"],
      },
      models: {
        "openrouter/anthropic/claude-sonnet-4-5": {
          alias: "sonnet",
          provider: { order: ["amazon-bedrock", "anthropic"], allow_fallbacks: true },
          params: { temperature: 0.7, maxTokens: 4096, cacheControlTtl: "1h" },
        },
      },
    },
  },
}
EOF
cat "$MOLTBOT_STATE_DIR/moltbot.json"
show "$moltbot" models status

step "A streamed answer; the line after it names the provider that served (Amazon Bedrock, first in provider.order)"
show "$moltbot" agent --message "Hello! What can you do?"

step "The primary fails (the simulator answers 429 with a long Retry-After): the fallback takes over"
curl -fsS -X POST "$url/_sim/faults" -H 'Content-Type: application/json' \
  -d '[{"kind":"http","status":429,"retry_after":120,"match":{"model":"anthropic/claude-sonnet-4.5"}}]' >/dev/null
show "$moltbot" agent --verbose --message "Are you still there?"
echo "(the primary now cools down: the next requests go straight to the fallback until it frees)"
rm -f "$MOLTBOT_STATE_DIR/cooldowns.json"

step "Prompt caching: a long system prompt, asked twice; the second answer reads it from the cache"
system_prompt="You are the moltbot demo assistant. $(for i in $(seq 150); do printf 'Reference paragraph %d: the quick brown fox jumps over the lazy dog. ' "$i"; done)"
for _ in 1 2; do
  printf '\033[2m$ %s\033[0m\n' "moltbot agent --model sonnet --system \"<a ${#system_prompt}-character prompt>\" --message \"Summarise the reference.\""
  "$moltbot" agent --model sonnet --system "$system_prompt" --message "Summarise the reference."
done

step "The gateway: moltbot serve speaks the OpenAI API, so any OpenAI SDK can use the same config"
"$moltbot" serve --port 0 2>"$state/serve.log" &
serve_pid=$!
gateway=$(listening_url "$state/serve.log" 'moltbot: listening on ')
[ -n "$gateway" ] || { echo "demo: moltbot serve did not start:" >&2; cat "$state/serve.log" >&2; exit 1; }
echo "moltbot serve is listening on $gateway; an SDK takes baseURL $gateway/v1"
show curl -sS "$gateway/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"model":"sonnet","messages":[{"role":"user","content":"Hello from curl"}]}'
echo
echo "(streamed, with the usage chunk:)"
show curl -sSN "$gateway/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"messages":[{"role":"user","content":"Stream it"}],"stream":true,"stream_options":{"include_usage":true}}'
kill -TERM "$serve_pid"
wait "$serve_pid" || true
serve_pid=""
echo "(the access log of that server:)"
cat "$state/serve.log"

step "Done. The whole state folder was temporary and is removed now."
