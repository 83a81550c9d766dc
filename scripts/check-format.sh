#!/usr/bin/env bash
# Fails when a C++ file differs from what clang-format makes of it (.clang-format, Google style
# with 4-space indents and 100 columns). The version is pinned to the one Debian bookworm ships
# (clang-format-14, installed by scripts/install-deps.sh): another version formats differently.
#
# Usage: scripts/check-format.sh [BASE]
#   without BASE: every tracked .cpp/.hpp file (what CI runs);
#   with BASE (a commit): only the files changed since it, e.g. `scripts/check-format.sh main`.
# Fix a file with: clang-format-14 -i FILE
set -euo pipefail
cd "$(dirname "$0")/.."

formatter=clang-format-14
command -v "$formatter" >/dev/null ||
  { echo "check-format: $formatter not found (scripts/install-deps.sh installs it)" >&2; exit 1; }

if [ $# -ge 1 ]; then
  mapfile -t files < <(git diff --name-only --diff-filter=d "$1" -- '*.cpp' '*.hpp')
else
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
fi
[ ${#files[@]} -gt 0 ] || { echo "check-format: no C++ file to check"; exit 0; }
if ! "$formatter" --dry-run --Werror "${files[@]}"; then
  echo "check-format: the files above are not formatted; run: $formatter -i FILE" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted as $($formatter --version | grep -o '[0-9.]*' | head -1) formats them"
