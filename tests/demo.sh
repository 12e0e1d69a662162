#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what is missing, builds, and runs the demo on simulated modems.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/tests/install-deps.sh"
if [ -f _build/build.ninja ]; then
  meson setup --reconfigure _build >/dev/null
else
  meson setup _build >/dev/null
fi
ninja -C _build >/dev/null
exec /usr/bin/python3 "$root/tests/demo.py" --build "$root/_build" "$@"
