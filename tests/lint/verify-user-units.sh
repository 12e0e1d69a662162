#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd-analyze verify for saldo-agent's user units (a user manager needs
# XDG_RUNTIME_DIR; a temporary one does), with ExecStart= pointing at the
# freshly built binary, and desktop-file-validate for the autostart entry.
set -eu
service="$1"
path="$2"
binary="$3"
desktop="$4"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|^ExecStart=.*|ExecStart=$binary|" "$service" > "$dir/saldo-agent.service"
cp "$path" "$dir/saldo-agent.path"
out=$(XDG_RUNTIME_DIR="$dir" systemd-analyze --user verify --man=no \
        "$dir/saldo-agent.path" "$dir/saldo-agent.service" 2>&1 || true)
echo "$out"
if echo "$out" | grep -q "saldo-agent"; then
  echo "systemd-analyze verify found problems in saldo-agent's units" >&2
  exit 1
fi
desktop-file-validate "$desktop"
