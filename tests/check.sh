#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite, as CI runs it: installs what is missing, then
#  1. builds with gcc (warnings are errors) and runs every suite;
#  2. builds everything with clang (warnings are errors) and ASan+UBSan and
#     runs the unit and integration suites;
#  3. builds the libFuzzer targets with clang and runs each for a bounded time;
# and fails if any test failed or was skipped.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/tests/install-deps.sh"

jobs=$(nproc 2>/dev/null || echo 2)
# The integration tests spend most of their time waiting for ModemManager,
# saldod and the simulated network, so they run more at once than there are
# cores (README, Tests: how this was measured).
test_jobs=$((jobs * 2))

# setup DIR CC [MESON OPTION...]: a build directory for compiler CC; one
# made earlier with another compiler is made anew (meson keeps the first).
setup () {
  dir="$1"; compiler="$2"; shift 2
  if [ -f "$dir/build.ninja" ] && [ "$(cat "$dir/.check-cc" 2>/dev/null)" = "$compiler" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    rm -rf "$dir"
    CC=$compiler meson setup "$dir" "$@" >/dev/null
    echo "$compiler" > "$dir/.check-cc"
  fi
}

status=0

echo "== build (gcc, -Werror) and full suite"
setup _build gcc --werror
ninja -C _build
meson test -C _build --print-errorlogs --num-processes "$test_jobs" --no-suite fuzz || status=1

# clang here, so that every file is also built with clang's warnings as
# errors; the fuzz build below needs only the targets and what they link.
echo "== ASan+UBSan build (clang, -Werror): unit and integration suites"
setup _build-asan clang --werror -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
ninja -C _build-asan
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1" \
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0" \
  meson test -C _build-asan --print-errorlogs --num-processes "$test_jobs" --suite unit --suite integration || status=1

# 10 s per target (15 before: 70 CPU-s more on CI's 2 cores): every seed
# input, then from about 2 500 (qmi-uim) to 180 000 (mbim-uicc) executions
# even on a loaded machine, enough to catch what a change breaks in a parser;
# what lies deep is the long run's to find (tests/fuzz/long-run.sh, millions of
# executions per target).  Not under 5 s: the slowest targets would get barely
# past their seeds.
echo "== libFuzzer targets (clang), bounded time each"
setup _build-fuzz clang --werror -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
  -Dbuildtype=debugoptimized -Dfuzz_seconds=10
# meson test builds what the selected tests need: the targets, not the rest.
meson test -C _build-fuzz --print-errorlogs --num-processes "$jobs" --suite fuzz || status=1

/usr/bin/python3 "$root/tests/summarize.py" _build _build-asan _build-fuzz || status=1
exit $status
