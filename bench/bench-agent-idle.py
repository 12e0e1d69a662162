#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Idle cost of saldo-agent, measured like saldod's (bench/bench-idle.py):
system calls over a quiet period with saldod running 4 lines and a
notification server on the session bus.  The agent follows saldod by
signals only, so the target is 0.  Compared in the same run with what a
status bar that polls instead would cost: `saldoctl --json status` once a
minute (its system calls per run, strace -c -f).

    sudo /usr/bin/python3 bench/bench-agent-idle.py --build _build [--seconds 60] [--lines 4]
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'sim'))
from saldo_rig import Rig  # noqa: E402
from saldo_session import NotificationMock, SessionBus, agent_env, start_agent  # noqa: E402

spec = importlib.util.spec_from_file_location('bench_idle', os.path.join(HERE, 'bench-idle.py'))
bench_idle = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_idle)

BUS_NAME = 'io.github.saldo.Saldo1'


def syscalls_of_run(argv, env):
    """System calls of one run of argv (every thread, every child)."""
    res = subprocess.run(['strace', '-c', '-f', '-qq'] + argv, env=env, capture_output=True,
                         text=True, timeout=60)
    for line in res.stderr.splitlines():
        parts = line.split()
        if parts and parts[-1] == 'total':
            return int(parts[3] if len(parts) >= 5 else parts[2])
    return -1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--build', required=True)
    parser.add_argument('--seconds', type=float, default=60.0)
    parser.add_argument('--lines', type=int, default=4)
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    saldod = os.path.join(build, 'daemon', 'saldod')
    saldoctl = os.path.join(build, 'cli', 'saldoctl')

    with Rig() as rig:
        rig.start_bus()
        rig.start_mm()
        sims = [rig.add_modem('m%d' % i, iccid='89511000000000%05d' % i,
                              imsi='71610000000%04d' % i, imei='3569380356%05d' % i)
                for i in range(args.lines)]
        for sim in sims:
            rig.enable_modem(sim)
        for sim in sims:
            rig.wait_modem_state(sim, 'registered')
        with open(rig.path('saldo.conf'), 'w') as f:
            f.write('[Daemon]\n')
        proc = rig.spawn('saldod', [saldod, '--config', rig.path('saldo.conf'),
                                    '--state-dir', rig.path('state')])
        rig.wait_bus_name(BUS_NAME, 15, proc=proc)
        rig.wait_for(lambda: subprocess.run(
            [saldoctl, '--json', 'lines'], env=rig.env, capture_output=True,
            text=True).stdout.count('"iccid"') >= args.lines, 30, 'lines on the bus')
        session = SessionBus(rig)
        NotificationMock(rig, session)
        env = agent_env(rig, session, build)
        env.pop('G_MESSAGES_DEBUG', None)
        agent = start_agent(rig, session, build, env=env)
        # Start-up settles first: GLib retires an idle worker thread after
        # 15 s (one exit, not a timer).
        time.sleep(17)
        print('measuring %d s of idle: saldo-agent with %d lines ...' % (args.seconds, args.lines),
              flush=True)
        total, trace = bench_idle.count_syscalls(agent.pid, args.seconds)
        rss, pss, uss, anon = bench_idle.memory_kib(agent.pid)
        poll = syscalls_of_run([saldoctl, '--json', 'status'], rig.env)

    print()
    print('saldo-agent idle syscalls over %.0f s: %d   (target: 0)' % (args.seconds, total))
    print('saldo-agent memory: RSS %d KiB, PSS %d KiB, private %d KiB, anonymous %d KiB'
          % (rss, pss, uss, anon))
    print('alternative, a status bar polling `saldoctl --json status` once a minute: '
          '%d syscalls per run, so %d over %.0f s' % (poll, poll * max(1, round(args.seconds / 60)),
                                                      args.seconds))
    if total:
        print(trace)
    return 0


if __name__ == '__main__':
    sys.exit(main())
