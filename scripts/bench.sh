#!/usr/bin/env bash
# Runs every benchmark of tests/bench/ on an optimised build and writes the table to docs/benchmarks.md.
# Figures, not pass/fail: a missed budget is reported in the table, and the script still exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ ! -f build-bench/build.ninja ]; then
  meson setup build-bench --wrap-mode=nodownload --buildtype=release >/dev/null
fi
ninja -C build-bench host/moltbot plugins/openrouter/openrouter.so tests/bench/moltbot-bench \
  tests/bench/moltbot-bench-floor tests/support/peak-rss tests/fixtures/plugins/echo/echo.so >/dev/null
MOLTBOT_BIN=$PWD/build-bench/host/moltbot \
MOLTBOT_BENCH_FIXTURE=$PWD/build-bench/tests/fixtures/plugins/echo/echo.so \
MOLTBOT_BENCH_FLOOR=$PWD/build-bench/tests/bench/moltbot-bench-floor \
MOLTBOT_BENCH_PEAK_RSS=$PWD/build-bench/tests/support/peak-rss \
  build-bench/tests/bench/moltbot-bench --output docs/benchmarks.md "$@"
