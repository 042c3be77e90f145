#!/usr/bin/env bash
# Installs the Debian packages moltbot builds and tests with, plus any packages named as arguments (the fuzz run's
# clang, say). Does nothing when they are all present.
set -euo pipefail

packages=(
  meson ninja-build g++ pkg-config cmake python3
  libboost-dev rapidjson-dev libcurl4-openssl-dev libpoco-dev doctest-dev prometheus-cpp-dev libedit-dev
  curl binutils
  redis-server haproxy nginx-light  # tests/scaleout: the Redis several moltbot serve share, two balancers
  systemd  # systemd-analyze verify of the unit for moltbot serve (tests/install)
  bash zsh fish  # the shells the completion scripts are tested in (tests/cli/completion_test.cpp)
  "$@"
)

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
