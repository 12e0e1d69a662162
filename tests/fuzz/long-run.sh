#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/fuzz/long-run.sh [BUILD_DIR [RUNS [TARGET...]]]
#
# The long fuzz run (not CI): every libFuzzer target of BUILD_DIR (a build
# with -Dfuzzing=true, as tests/check.sh makes _build-fuzz), one at a time,
# for RUNS executions each (default 10 000 000), from its seed corpus and the
# corpus earlier runs grew in BUILD_DIR, with ASan, UBSan and LeakSanitizer.
# Run it niced:  nice -n 19 tests/fuzz/long-run.sh _build-fuzz
# FUZZ_TIMEOUT (seconds, default 10) is how long one input may take: on a
# machine busy with other work a niced fuzzer can be starved for longer than
# that, and libFuzzer measures wall time, so raise it there and re-run any
# "timeout" reproducer by hand (tests/fuzz/fuzz-NAME FILE) on its own.
#
# Prints one line per target: executions reached, seconds, and "ok" or what
# was found; logs and reproducers go to BUILD_DIR/fuzz-long/.  Exits non-zero
# if any target found something.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/_build-fuzz}" && pwd)
runs="${2:-10000000}"
[ $# -gt 2 ] && shift 2 || set --
out="$build/fuzz-long"
mkdir -p "$out"

if [ $# -eq 0 ]; then
  for exe in "$build"/tests/fuzz/fuzz-*; do
    [ -f "$exe" ] && [ -x "$exe" ] && set -- "$@" "${exe##*/fuzz-}"
  done
fi
[ $# -gt 0 ] || { echo "no fuzz targets in $build (configure it with -Dfuzzing=true)" >&2; exit 2; }

UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
G_SLICE=always-malloc
export UBSAN_OPTIONS G_SLICE

status=0
printf '%-16s %12s %8s  %s\n' target executions seconds result
for name in "$@"; do
  exe="$build/tests/fuzz/fuzz-$name"
  work="$build/tests/fuzz/corpus-$name"
  seed="$root/tests/fuzz/corpus-$name"
  dict="$root/tests/fuzz/$name.dict"
  log="$out/$name.log"
  mkdir -p "$work"
  set -- -runs="$runs" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -error_exitcode=1 -print_final_stats=1 \
    -artifact_prefix="$out/$name-"
  [ -f "$dict" ] && set -- "$@" -dict="$dict"
  set -- "$@" "$work"
  [ -d "$seed" ] && set -- "$@" "$seed"
  start=$(date +%s)
  rc=0
  "$exe" "$@" >"$log" 2>&1 || rc=$?
  if [ $rc -eq 0 ]; then
    result=ok
  else
    result="FOUND (exit $rc): $(grep -m1 -E 'ERROR|Bail out' "$log" || true), see $log"
    status=1
  fi
  executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  printf '%-16s %12s %8s  %s\n' "$name" "${executed:-?}" "$(( $(date +%s) - start ))" "$result"
done
exit $status
