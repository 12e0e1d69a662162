#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run-fuzzer.sh FUZZER WORK_CORPUS SEED_CORPUS SECONDS
set -eu
fuzzer="$1"; work="$2"; seed="$3"; seconds="$4"
mkdir -p "$work"
set -- "$work"
[ -d "$seed" ] && set -- "$work" "$seed"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$@"
