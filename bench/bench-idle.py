#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Idle cost and memory of saldod, next to ModemManager in the same run.

saldod follows ModemManager by signals only, so with 4 lines and nothing
due it should make no system call at all (target: 0 over 60 s), and its
resident memory should stay at or below half of ModemManager's.

    sudo /usr/bin/python3 bench/bench-idle.py --build _build [--seconds 60] [--lines 4]
"""

import argparse
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from saldo_rig import Rig  # noqa: E402

BUS_NAME = 'io.github.saldo.Saldo1'


def memory_kib(pid):
    """RSS, PSS and USS (private pages) from smaps_rollup."""
    fields = {}
    with open('/proc/%d/smaps_rollup' % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(':') and parts[1].isdigit():
                fields[parts[0][:-1]] = int(parts[1])
    return (fields.get('Rss', 0), fields.get('Pss', 0),
            fields.get('Private_Clean', 0) + fields.get('Private_Dirty', 0))


def count_syscalls(pid, seconds):
    """Total syscalls of every thread of pid over `seconds`, via strace -c."""
    proc = subprocess.Popen(['strace', '-c', '-f', '-qq', '-p', str(pid)],
                            stderr=subprocess.PIPE, text=True)
    time.sleep(seconds)
    proc.send_signal(2)
    _, err = proc.communicate(timeout=30)
    total = 0
    for line in err.splitlines():
        m = re.match(r'^-+\s+-+\s+-+\s+(\d+)', line)
        m = m or re.match(r'^\s*100\.00\s+\S+\s+\S+\s+(\d+)\s+(\d+\s+)?total', line)
        if m:
            total = int(m.group(1))
    return total, err


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--build', required=True)
    parser.add_argument('--seconds', type=float, default=60.0)
    parser.add_argument('--lines', type=int, default=4)
    args = parser.parse_args()
    saldod = os.path.join(args.build, 'daemon', 'saldod')

    with Rig() as rig:
        rig.start_bus()
        rig.start_mm()
        sims = []
        for i in range(args.lines):
            sims.append(rig.add_modem('m%d' % i, iccid='89511000000000%05d' % i,
                                      imsi='71610000000%04d' % i, imei='3569380356%05d' % i))
        for sim in sims:
            rig.enable_modem(sim)
        for sim in sims:
            rig.wait_modem_state(sim, 'registered')
        with open(rig.path('saldo.conf'), 'w') as f:
            f.write('[Daemon]\n')
        proc = rig.spawn('saldod', [saldod, '--config', rig.path('saldo.conf'),
                                    '--state-dir', rig.path('state')])
        rig.wait_bus_name(BUS_NAME, 15, proc=proc)
        rig.wait_for(lambda: len(subprocess.run(
            ['busctl', '--address', rig.env['DBUS_SYSTEM_BUS_ADDRESS'], '--list', 'tree',
             BUS_NAME], capture_output=True, text=True).stdout.split('/Line/')) > args.lines,
            30, 'lines on the bus')
        # Let start-up settle: a worker GLib's thread pool spawned during
        # start-up retires after 15 s idle (one exit, not a timer).
        time.sleep(17)

        mm_pid = rig._mm.pid
        print('measuring %d s of idle with %d lines ...' % (args.seconds, args.lines), flush=True)
        # Both traced at once, so both see the same period.
        results = {}

        def trace(name, pid):
            results[name] = count_syscalls(pid, args.seconds)
        threads = [threading.Thread(target=trace, args=(n, p))
                   for n, p in (('saldod', proc.pid), ('ModemManager', mm_pid))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        saldod_mem, mm_mem = memory_kib(proc.pid), memory_kib(mm_pid)

    print()
    print('idle syscalls over %.0f s   saldod: %d   ModemManager: %d   (target for saldod: 0)'
          % (args.seconds, results['saldod'][0], results['ModemManager'][0]))
    for i, what in enumerate(('RSS', 'PSS', 'USS (private)')):
        ratio = saldod_mem[i] / mm_mem[i] if mm_mem[i] else float('nan')
        print('%-25s saldod: %6d KiB   ModemManager: %6d KiB   ratio %.2f%s'
              % (what, saldod_mem[i], mm_mem[i], ratio,
                 '   (target <= 0.5)' if what == 'RSS' else ''))
    if results['saldod'][0]:
        print(results['saldod'][1])
    return 0


if __name__ == '__main__':
    sys.exit(main())
