#!/usr/bin/env bash
# Installs what tests/bench/gateway.sh compares moltbot serve with: Debian's nginx (with the echo module, for the fixed
# upstream) and wrk, Node.js when missing, and the Portkey gateway pinned by tests/bench/gateway/node/package-lock.json
# into tests/bench/gateway/node/node_modules (git-ignored). Idempotent; reads nothing from standard input.
set -euo pipefail
cd "$(dirname "$0")/.."

extra=(nginx-light wrk)
# Node.js may come from elsewhere than Debian (a repackaged build that ships its own npm): only ask for what is missing.
command -v node >/dev/null || extra+=(nodejs)
command -v npm >/dev/null || extra+=(npm)
scripts/install-deps.sh "${extra[@]}" </dev/null

node_dir=tests/bench/gateway/node
# node_modules is current when it was installed from this very lockfile (the stamp holds the lockfile's hash).
stamp=$node_dir/node_modules/.installed-from-lock
want=$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "install-bench-deps: installing the Portkey gateway (tests/bench/gateway/node/package-lock.json) into $node_dir/node_modules"
  # --ignore-scripts: its postinstall (patch-package) has no patches to apply in the published package.
  (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund --no-update-notifier --loglevel=error </dev/null)
  pinned=$(node -p "require('./$node_dir/package.json').dependencies['@portkey-ai/gateway']")
  version=$(node -p "require('./$node_dir/node_modules/@portkey-ai/gateway/package.json').version")
  [ "$version" = "$pinned" ] || { echo "install-bench-deps: @portkey-ai/gateway is $version after npm ci, not $pinned" >&2; exit 1; }
  echo "$want" >"$stamp"
fi
