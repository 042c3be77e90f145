#!/usr/bin/env bash
# Runs every benchmark of tests/bench/ on an optimised build and writes the tables to docs/benchmarks.md: the CLI's
# (tests/bench/bench.cpp), then the gateway's beside nginx and Portkey (tests/bench/gateway.sh), then several gateways
# sharing Redis behind HAProxy (tests/bench/scaleout.sh).
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

# The gateway: nginx, wrk and the Portkey gateway installed by scripts/install-bench-deps.sh.
scripts/install-bench-deps.sh
MOLTBOT_BIN=$PWD/build-bench/host/moltbot tests/bench/gateway.sh --output build-bench/gateway.md
{
  echo
  echo "## The gateway: moltbot serve beside nginx and the Portkey gateway"
  echo
  echo "\`tests/bench/gateway.sh\`, on loopback: nginx answering an OpenRouter-shaped API from memory is the upstream of"
  echo "every peer (the direct column asks it without a gateway); nginx \`proxy_pass\` with upstream keep-alive is the"
  echo "floor; the Portkey gateway (\`@portkey-ai/gateway\`, Node 20, its custom-host header) is the peer that runs here;"
  echo "wrk is the load. Budgets are the gateway issue's, reported beside moltbot's figures, never enforced."
  echo
  cat build-bench/gateway.md
} >>docs/benchmarks.md

# Scale-out: the Redis state backend beside the local one, and HAProxy in front of one, two and three instances.
MOLTBOT_BIN=$PWD/build-bench/host/moltbot tests/bench/scaleout.sh --output build-bench/scaleout.md
{
  echo
  echo "## Scale-out: the Redis state backend, and HAProxy in front of several gateways"
  echo
  echo "\`tests/bench/scaleout.sh\`, on loopback: the same fixed upstream, a redis-server, \`moltbot serve\` with a gateway"
  echo "key (every request admitted and settled through the state backend), HAProxy running"
  echo "docs/examples/deploy/haproxy.cfg. On 2 cores shared by the upstream, Redis, HAProxy and wrk, more instances cannot"
  echo "be faster; the figures catch regressions, such as a Redis round trip per chunk or a script whose cost grows with"
  echo "the traffic."
  echo
  cat build-bench/scaleout.md
} >>docs/benchmarks.md
