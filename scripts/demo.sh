#!/usr/bin/env bash
# Sets up, builds and runs the main job: for now, the plugins the host finds from the build tree.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
build/host/moltbot plugins list
