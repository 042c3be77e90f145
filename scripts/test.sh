#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite: the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
meson test -C "${BUILD_DIR:-build}" --print-errorlogs
