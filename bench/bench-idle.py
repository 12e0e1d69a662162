#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Idle cost and memory of saldod, next to ModemManager in the same run.

saldod follows ModemManager by signals only, so with 4 lines and nothing
due it should make no system call at all (target: 0 over 60 s), and its
resident memory should stay at or below half of ModemManager's.  With
--export it also writes the Prometheus metrics file and publishes to a
private mosquitto broker on loopback (MQTT for Home Assistant): still no
system call while nothing changes, apart from MQTT's keep-alive ping once
every KeepAlive seconds (300 by default, longer than the measurement).

    sudo /usr/bin/python3 bench/bench-idle.py --build _build [--seconds 60] [--lines 4] [--export]
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'sim'))
from saldo_rig import Rig  # noqa: E402

BUS_NAME = 'io.github.saldo.Saldo1'


def memory_kib(pid):
    """RSS, PSS, USS (private pages) and anonymous memory from smaps_rollup.

    USS counts a library's pages as private while no other process maps
    them, so it moves with whatever else runs on the machine (another saldod
    of a parallel test run makes saldod's share of GIO and libmm-glib
    shared); anonymous memory (heap, stacks, a library's own data) is what
    the process allocated itself, whoever else runs."""
    fields = {}
    with open('/proc/%d/smaps_rollup' % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(':') and parts[1].isdigit():
                fields[parts[0][:-1]] = int(parts[1])
    return (fields.get('Rss', 0), fields.get('Pss', 0),
            fields.get('Private_Clean', 0) + fields.get('Private_Dirty', 0),
            fields.get('Anonymous', 0))


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


def start_broker(rig):
    """mosquitto on a free loopback port, anonymous (loopback only)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    with open(rig.path('mosquitto.conf'), 'w') as f:
        f.write('user root\nallow_anonymous true\nlistener %d 127.0.0.1\n' % port)
    rig.spawn('mosquitto', ['mosquitto', '-c', rig.path('mosquitto.conf')])

    def listening():
        with socket.socket() as s:
            return s.connect_ex(('127.0.0.1', port)) == 0
    rig.wait_for(listening, 15, 'mosquitto')
    return port


def wait_exports(rig, port):
    """The metrics file is there and saldod is online on the broker."""
    rig.wait_for(lambda: os.path.exists(rig.path('saldo.prom')), 15, 'the metrics file')
    status = subprocess.run(['mosquitto_sub', '-h', '127.0.0.1', '-p', str(port), '-t',
                             'saldo/bench/status', '-C', '1', '-W', '15'],
                            capture_output=True, text=True).stdout.strip()
    if status != 'online':
        raise SystemExit('saldod is not online on the broker: %r' % status)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--build', required=True)
    parser.add_argument('--seconds', type=float, default=60.0)
    parser.add_argument('--lines', type=int, default=4)
    parser.add_argument('--export', action='store_true',
                        help='with the metrics file and MQTT configured')
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
        port = start_broker(rig) if args.export else None
        with open(rig.path('saldo.conf'), 'w') as f:
            f.write('[Daemon]\n')
            if args.export:
                f.write('MetricsFile=%s\nModuleDirectory=%s\n' % (
                    rig.path('saldo.prom'), os.path.join(os.path.abspath(args.build), 'daemon', 'export')))
                f.write('[Mqtt]\nHost=127.0.0.1\nPort=%d\nNodeId=bench\n' % port)
        proc = rig.spawn('saldod', [saldod, '--config', rig.path('saldo.conf'),
                                    '--state-dir', rig.path('state')])
        rig.wait_bus_name(BUS_NAME, 15, proc=proc)
        rig.wait_for(lambda: len(subprocess.run(
            ['busctl', '--address', rig.env['DBUS_SYSTEM_BUS_ADDRESS'], '--list', 'tree',
             BUS_NAME], capture_output=True, text=True).stdout.split('/Line/')) > args.lines,
            30, 'lines on the bus')
        if args.export:
            wait_exports(rig, port)
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
    print('idle syscalls over %.0f s%s   saldod: %d   ModemManager: %d   (target for saldod: 0)'
          % (args.seconds, ' (metrics file and MQTT configured)' if args.export else '',
             results['saldod'][0], results['ModemManager'][0]))
    for i, what in enumerate(('RSS', 'PSS', 'USS (private)', 'anonymous (heap, stacks)')):
        ratio = saldod_mem[i] / mm_mem[i] if mm_mem[i] else float('nan')
        print('%-25s saldod: %6d KiB   ModemManager: %6d KiB   ratio %.2f%s'
              % (what, saldod_mem[i], mm_mem[i], ratio,
                 '   (target <= 0.5)' if what == 'RSS' else ''))
    if results['saldod'][0]:
        print(results['saldod'][1])
    return 0


if __name__ == '__main__':
    sys.exit(main())
