#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run-fuzzer.sh FUZZER WORK_CORPUS SEED_CORPUS SECONDS [DICTIONARY]
set -eu
fuzzer="$1"; work="$2"; seed="$3"; seconds="$4"; dict="${5:-}"
mkdir -p "$work"
set -- "$work"
[ -d "$seed" ] && set -- "$@" "$seed"
[ -n "$dict" ] && [ -f "$dict" ] && set -- -dict="$dict" "$@"
# Undefined behaviour fails the run, as a sanitizer error does.  GSlice's
# caches would hide leaks of GLib structures from LeakSanitizer.
UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
G_SLICE=always-malloc
export UBSAN_OPTIONS G_SLICE
# libFuzzer's default exit code for a finding, 77, would read as a skip.
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -error_exitcode=1 -print_final_stats=1 "$@"
