#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fails, naming the files, when clang-format would change a C file of the
# source tree (its style: .clang-format; fix with clang-format -i FILE).
#   check-format.sh SOURCE_ROOT CLANG_FORMAT
set -eu
cd "$1"
find daemon plugin policy cli tests bench -name '*.[ch]' -not -path 'tests/data/*' -print0 |
  sort -z | xargs -0 "$2" --dry-run --Werror --style=file
