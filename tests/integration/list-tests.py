#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Lists the integration tests: every test method of every test_*.py
module in DIR, one "MODULE CLASS.METHOD" a line, for tests/integration/
meson.build to make each one meson test.

The modules are read with ast, not imported: nothing runs at configure
time, and only what a class defines itself is listed (a class that
inherits another module's tests, like AgentTest from TopUpTest, does not
run them again).

    list-tests.py DIR
"""

import ast
import os
import sys


def tests_of(path):
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith('test'):
                yield node.name, item.name


def main():
    directory = sys.argv[1]
    for name in sorted(os.listdir(directory)):
        if not (name.startswith('test_') and name.endswith('.py')):
            continue
        for klass, method in tests_of(os.path.join(directory, name)):
            print('%s %s.%s' % (name, klass, method))


if __name__ == '__main__':
    main()
