#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite, as CI runs it: installs what is missing, then
#  1. builds with gcc (warnings are errors) and runs every suite;
#  2. builds with ASan+UBSan and runs the unit and integration suites;
#  3. builds the libFuzzer targets with clang and runs each for a bounded time;
# and fails if any test failed or was skipped.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/tests/install-deps.sh"

jobs=$(nproc 2>/dev/null || echo 2)

setup () {
  dir="$1"; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

status=0

echo "== build (gcc, -Werror) and full suite"
setup _build --werror
ninja -C _build
meson test -C _build --print-errorlogs --num-processes "$jobs" --no-suite fuzz || status=1

echo "== ASan+UBSan build: unit and integration suites"
setup _build-asan --werror -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
ninja -C _build-asan
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1" \
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0" \
  meson test -C _build-asan --print-errorlogs --num-processes "$jobs" --suite unit --suite integration || status=1

echo "== libFuzzer targets (clang), bounded time each"
CC=clang setup _build-fuzz --werror -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
  -Dbuildtype=debugoptimized
ninja -C _build-fuzz
meson test -C _build-fuzz --print-errorlogs --num-processes "$jobs" --suite fuzz || status=1

/usr/bin/python3 "$root/tests/summarize.py" _build _build-asan _build-fuzz || status=1
exit $status
