#!/usr/bin/env bash
# Installs what the gateway's Node.js tests need: node and npm (Debian's packages when missing, as install-deps.sh
# does) and the pinned official `openai` package into tests/gateway/node/node_modules (git-ignored). Does nothing when
# that version is already there. Needs no terminal; the npm registry is the only network it uses.
set -euo pipefail
cd "$(dirname "$0")/.."
folder=tests/gateway/node
version=$(sed -n 's/^ *"openai": *"\([^"]*\)".*/\1/p' "$folder/package.json")
[ -n "$version" ] || { echo "install-node-deps: no openai version pinned in $folder/package.json" >&2; exit 1; }

installed_version() {
  node -e 'try { process.stdout.write(require(process.argv[1]).version) } catch { }' \
    "$PWD/$folder/node_modules/openai/package.json" 2>/dev/null || true
}

if command -v node >/dev/null && [ "$(installed_version)" = "$version" ]; then
  exit 0
fi

# Only what is missing: nodejs from another source (NodeSource, say) brings its own npm and conflicts with Debian's
# npm package.
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] || scripts/install-deps.sh "${missing[@]}"

echo "install-node-deps: installing openai@$version into $folder/node_modules"
npm_flags=(--no-audit --no-fund --no-update-notifier --loglevel=error)
if [ -f "$folder/package-lock.json" ]; then
  npm ci --prefix "$folder" "${npm_flags[@]}" </dev/null
else
  npm install --prefix "$folder" "${npm_flags[@]}" </dev/null
fi
[ "$(installed_version)" = "$version" ] || {
  echo "install-node-deps: openai $version is not in $folder/node_modules after npm ran" >&2
  exit 1
}
