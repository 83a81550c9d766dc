#!/usr/bin/env bash
# Installs the Debian packages venomd builds and tests with (DESIGN.md, "Dependencies").
# Does nothing when every package is already present, so run.sh and test.sh can call it always.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-url1.81-dev
  nlohmann-json3-dev libspdlog-dev libcurl4-openssl-dev libpugixml-dev libxml2-dev libssl-dev
  libgtest-dev libgmock-dev
  libcli11-dev  # venomctl: subcommands, options and --help (docs/venomctl.md)
  clang libclang-rt-14-dev clang-format-14
  curl wrk
)
# node and npm: the test that reads venomd's Hub cache with the @huggingface/hub npm package.
# A node that ships its own npm (e.g. NodeSource's nodejs) is kept: Debian's npm would conflict.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
