#!/usr/bin/env bash
# Runs the gateway's Node.js tests (tests/gateway/node/*.test.mjs, node:test and the official openai client) against
# the built moltbot and OpenRouter simulator. Installs the pinned npm package first when it is missing
# (scripts/install-node-deps.sh). MOLTBOT_BIN and MOLTBOT_SIMULATOR come from meson; by hand they default to build/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

"$root/scripts/install-node-deps.sh"
# A sanitizer build (.ci/run exports their options) is several times slower: stretch the tests' time bounds.
if [ -z "${MOLTBOT_TEST_TIME_SCALE:-}" ] && [ -n "${ASAN_OPTIONS:-}${TSAN_OPTIONS:-}" ]; then
  export MOLTBOT_TEST_TIME_SCALE=3
fi
exec node --test --test-reporter=spec "${@:-$here/node/openai_sdk.test.mjs}"
