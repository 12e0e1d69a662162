#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Adds up the meson test logs of every build directory given, fails when a
test failed or was skipped (a skipped test proves nothing), and prints the
closing line CI reads: 'N passed, N failed, N skipped'."""

import json
import sys
from pathlib import Path


def main(dirs):
    passed = failed = skipped = 0
    problems = []
    for d in dirs:
        log = Path(d) / 'meson-logs' / 'testlog.json'
        if not log.exists():
            problems.append(f'{d}: no test log')
            failed += 1
            continue
        for line in log.read_text().splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            result = entry.get('result')
            name = f"{d}: {entry.get('name')}"
            if result in ('OK', 'EXPECTEDFAIL'):
                passed += 1
            elif result == 'SKIP':
                skipped += 1
                problems.append(f'{name} was skipped')
            else:
                failed += 1
                problems.append(f'{name}: {result}')
    for p in problems:
        print(p)
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    return 0 if failed == 0 and skipped == 0 and passed > 0 else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
