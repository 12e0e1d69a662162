#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd-analyze verify needs ExecStart= to exist: check a copy of the unit
# that points at the freshly built binary.
set -eu
unit="$1"
binary="$2"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|^ExecStart=.*|ExecStart=$binary|" "$unit" > "$dir/saldod.service"
# Only our unit's findings count; systemd prints ones about the host's units too.
out=$(systemd-analyze verify --man=no "$dir/saldod.service" 2>&1 || true)
echo "$out"
if echo "$out" | grep -q "saldod.service"; then
  echo "systemd-analyze verify found problems in saldod.service" >&2
  exit 1
fi

# A crash must not write saldod's memory (secrets, PINs) to disk.
if ! grep -qx 'LimitCORE=0' "$unit"; then
  echo "saldod.service must set LimitCORE=0" >&2
  exit 1
fi

# Hardening: the exposure score must stay at or below 2.0 (README records it).
security=$(systemd-analyze security --offline=true "$dir/saldod.service" 2>&1 || true)
score=$(echo "$security" | sed -n 's/.*Overall exposure level for saldod.service: \([0-9.]*\).*/\1/p')
echo "systemd-analyze security exposure: ${score:-unknown}"
if [ -z "$score" ] || [ "$(awk "BEGIN{print ($score > 2.0)}")" = 1 ]; then
  echo "$security" >&2
  echo "exposure ${score:-unknown} is above 2.0" >&2
  exit 1
fi
