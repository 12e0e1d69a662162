#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A man page must render without a single warning from man/groff.
set -eu
page="$1"
warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
if [ -n "$warnings" ]; then
  echo "$page:" >&2
  echo "$warnings" >&2
  exit 1
fi
# And say something: a page that renders empty is a broken build too.
LC_ALL=C.UTF-8 MANWIDTH=80 man -E UTF-8 -l "$page" 2>/dev/null | grep -q "^NAME"
