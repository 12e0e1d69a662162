#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fails when a C file of saldod, saldoctl, saldo-agent or the plugins calls
into a file that calls back into it, directly or round a longer circle.

    check-call-cycles.py BUILD_DIR NM

The calls are read from the built objects (nm: what each defines, what it
needs), so a function pointer handed over as a callback or a GObject signal
is not a call, and a call is never missed because of how it is spelled.
Test programs and benchmarks are left out: they call what they test."""

import os
import subprocess
import sys


def objects(build):
    for top, dirs, files in os.walk(build):
        rel = os.path.relpath(top, build)
        if rel.split(os.sep)[0] in ('tests', 'bench', 'meson-private', 'meson-logs'):
            dirs[:] = []
            continue
        for name in files:
            if name.endswith('.c.o'):
                yield os.path.join(top, name)


def symbols(nm, build, paths):
    """{source file: (what it defines, what it needs)}, from one nm run.  A
    file is named by its folder and name (daemon/main.c, cli/agent/main.c);
    one compiled into several targets is one file."""
    files = {}
    out = subprocess.run([nm, '-A', *paths], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        path, _, rest = line.partition(':')
        target_dir = os.path.dirname(os.path.relpath(path, build))
        source = os.path.join(os.path.dirname(target_dir), os.path.basename(path)[:-len('.o')])
        defined, needed = files.setdefault(source, (set(), set()))
        fields = rest.split()
        if len(fields) == 3 and fields[1] in 'TDRB':
            defined.add(fields[2])
        elif len(fields) == 2 and fields[0] == 'U':
            needed.add(fields[1])
    return files


def strongly_connected(graph):
    """Tarjan's algorithm, iteratively: the groups of files that call round."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def main():
    build, nm = sys.argv[1], sys.argv[2]
    paths = sorted(objects(build))
    if not paths:
        sys.exit(f'no objects under {build}')
    files = symbols(nm, build, paths)
    defined = {source: d for source, (d, n) in files.items()}
    needed = {source: n for source, (d, n) in files.items()}
    owner = {}
    for source, names in defined.items():
        for name in names:
            owner.setdefault(name, set()).add(source)
    graph = {source: set() for source in defined}
    via = {}
    for source, names in needed.items():
        for name in names:
            for callee in owner.get(name, ()):
                if callee != source:
                    graph[source].add(callee)
                    via.setdefault((source, callee), set()).add(name)
    groups = strongly_connected(graph)
    for group in groups:
        print('these files call each other round:', ' '.join(group))
        for a in group:
            for b in sorted(graph[a] & set(group)):
                print(f'  {a} -> {b}: {", ".join(sorted(via[(a, b)])[:4])}')
    print(f'{len(defined)} files, {sum(len(c) for c in graph.values())} calls between files, '
          f'{len(groups)} circles')
    sys.exit(1 if groups else 0)


if __name__ == '__main__':
    main()
