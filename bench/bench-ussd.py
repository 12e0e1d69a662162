#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Balance refresh over USSD, next to ModemManager alone in the same run.

    sudo /usr/bin/python3 bench/bench-ussd.py --build _build [--runs 20] [--modems 32]

A real ModemManager drives simulated Claro (Peru) modems whose network
answers *777# after a scripted delay (--delay, 0.3 s), so the modem round
trip dominates as it does on a real network.

1. One line: `saldoctl balance --refresh LINE` against `mmcli -m N
   --3gpp-ussd-initiate=*777#` on the same modem, interleaved, --runs
   times each.  Target: saldoctl median / mmcli median <= 1.05, i.e.
   Saldo adds nothing over the modem round trip.
2. Many lines: --modems concurrent Line.Refresh calls against one
   Line.Refresh alone.  Target: all at once / one alone <= 1.5.  The same
   pair of figures straight from ModemManager (Ussd.Initiate) is printed
   beside it, with the CPU time each process used, to tell what
   ModemManager and the rig themselves cost under that load.

Prints figures only; no assertions, exit status 0 unless the rig fails.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'sim'))
from saldo_rig import MM_BUS_NAME, MM_MODEM_IFACE, MM_STATES, Rig  # noqa: E402

from gi.repository import Gio, GLib  # noqa: E402

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUS_NAME = 'io.github.saldo.Saldo1'
ROOT = '/io/github/saldo/Saldo1'
LINE_IFACE = 'io.github.saldo.Saldo1.Line'
USSD_IFACE = 'org.freedesktop.ModemManager1.Modem.Modem3gpp.Ussd'
POLKIT_NAME = 'org.freedesktop.PolicyKit1'
CODE = '*777#'
REPLY = 'Claro: Tu saldo es S/ 12.50, vence el 30/12/2026.'
CALL_TIMEOUT_MS = 60000
CLOCK_TICKS = os.sysconf('SC_CLK_TCK')
# Pause after each of saldod's measurements, not counted.
SETTLE = 0.5


def claro(i):
    return dict(iccid='89511000000000%05d' % i, imsi='71610000000%04d' % i,
                imei='3569380356%05d' % i, operator_code='71610', operator_name='Claro PE')


def call_all(bus, calls):
    """Issue every (dest, path, iface, method, args) call at once, without
    waiting for any reply before sending the next, and run the main loop
    until all are answered.  Returns (wall seconds from the first send to
    the last reply, [seconds per call], [error message or None per call])."""
    loop = GLib.MainLoop()
    n = len(calls)
    done = [None] * n
    errors = [None] * n
    left = [n]

    def finish(conn, result, i):
        try:
            conn.call_finish(result)
        except GLib.Error as e:
            errors[i] = e.message
        done[i] = time.monotonic()
        left[0] -= 1
        if left[0] == 0:
            loop.quit()

    start = time.monotonic()
    for i, (dest, path, iface, method, args) in enumerate(calls):
        bus.call(dest, path, iface, method, args, None, Gio.DBusCallFlags.NONE,
                 CALL_TIMEOUT_MS, None, finish, i)
    loop.run()
    return max(done) - start, [t - start for t in done], errors


def modem_paths(rig, sims):
    """{sim name: (ModemManager object path, state name)} from one
    GetManagedObjects, so waiting on many modems costs one call per poll.
    A modem is known by its profile ("sim-NAME") or its socket port."""
    names = {}
    for name, sim in sims.items():
        for key in ('sim-' + name, sim.socket_path, os.path.basename(sim.socket_path)):
            names[key] = name
    states = {v: k for k, v in MM_STATES.items()}
    found = {}
    for path, ifaces in rig.mm_objects().items():
        props = ifaces.get(MM_MODEM_IFACE)
        if not props:
            continue
        keys = [props.get('Device')] + [port for port, _ in props.get('Ports', [])]
        for key in keys:
            if key in names:
                found[names[key]] = (path, states.get(props.get('State'), props.get('State')))
                break
    return found


def wait_modems(rig, sims, wanted, timeout):
    def check():
        found = modem_paths(rig, sims)
        ok = all(name in found and found[name][1] in wanted for name in sims)
        return found if ok else None
    return rig.wait_for(check, timeout, 'modems in state %s' % sorted(wanted))


def saldo_lines(rig):
    """{iccid: (path, properties)} of Saldo's line objects."""
    objects = rig.call(BUS_NAME, ROOT, 'org.freedesktop.DBus.ObjectManager',
                       'GetManagedObjects', None, '(a{oa{sa{sv}}})')[0]
    return {ifaces[LINE_IFACE]['Iccid']: (path, ifaces[LINE_IFACE])
            for path, ifaces in objects.items() if LINE_IFACE in ifaces}


def cpu_seconds(pid):
    """User + system CPU time of every thread of pid so far."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def count_cancels(sims):
    return sum(sum(1 for c in sim.commands if c == '+CUSD=2') for sim in sims.values())


def timed_run(argv, env):
    start = time.monotonic()
    res = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=120)
    elapsed = time.monotonic() - start
    return elapsed, None if res.returncode == 0 else (res.stdout + res.stderr).strip()


def refresh_call(path):
    return (BUS_NAME, path, LINE_IFACE, 'Refresh', GLib.Variant('(a{sv})', ({},)))


def initiate_call(path):
    return (MM_BUS_NAME, path, USSD_IFACE, 'Initiate', GLib.Variant('(s)', (CODE,)))


def ms(seconds):
    return '%7.1f ms' % (seconds * 1000)


def report_errors(label, errors):
    bad = [e for e in errors if e]
    if bad:
        print('  %s: %d of %d failed, first: %s' % (label, len(bad), len(errors), bad[0]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--build', required=True)
    parser.add_argument('--runs', type=int, default=20,
                        help='repetitions of each single-line measurement')
    parser.add_argument('--modems', type=int, default=32)
    parser.add_argument('--rounds', type=int, default=3,
                        help='repetitions of the all-at-once measurement')
    parser.add_argument('--delay', type=float, default=0.3,
                        help='seconds the simulated network takes to answer')
    parser.add_argument('--quick', action='store_true',
                        help='fewer repetitions (5 runs, 1 round)')
    args = parser.parse_args()
    if args.quick:
        args.runs = min(args.runs, 5)
        args.rounds = 1
    build = os.path.abspath(args.build)
    saldod = os.path.join(build, 'daemon', 'saldod')
    saldoctl = os.path.join(build, 'cli', 'saldoctl')
    t0 = time.monotonic()

    with Rig() as rig:
        rig.start_bus()
        rig.start_mm()
        polkit = rig.spawn('polkitd-mock', ['/usr/bin/python3', '-m', 'dbusmock', '--system',
                                            '--template', 'polkitd'])

        print('bringing up %d simulated modems ...' % args.modems, flush=True)
        sims = {}
        for i in range(args.modems):
            sims['m%d' % i] = rig.add_modem('m%d' % i, **claro(i))
        for sim in sims.values():
            sim.set_ussd(CODE, REPLY, delay=args.delay)
        found = wait_modems(rig, sims, {'disabled'}, 120)
        _, _, errors = call_all(rig.bus, [
            (MM_BUS_NAME, found[name][0], MM_MODEM_IFACE, 'Enable', GLib.Variant('(b)', (True,)))
            for name in sims])
        report_errors('Enable', errors)
        found = wait_modems(rig, sims, {'registered'}, 120)
        print('  %d modems registered after %.1f s' % (len(found), time.monotonic() - t0))

        rig.wait_bus_name(POLKIT_NAME, 15, proc=polkit)
        rig.call(POLKIT_NAME, '/org/freedesktop/PolicyKit1/Authority', 'org.freedesktop.DBus.Mock',
                 'SetAllowed', GLib.Variant('(as)', (['io.github.saldo.Saldo1.refresh'],)))

        with open(rig.path('saldo.conf'), 'w') as f:
            f.write('[Daemon]\nRefreshOnRegistration=false\nCarrierDataDirectory=%s\n'
                    % os.path.join(SOURCE_ROOT, 'plugin', 'carriers'))
        proc = rig.spawn('saldod', [saldod, '--config', rig.path('saldo.conf'),
                                    '--state-dir', rig.path('state')])
        rig.wait_bus_name(BUS_NAME, 15, proc=proc)
        iccids = [sim.iccid for sim in sims.values()]
        lines = rig.wait_for(lambda: (lambda ls: ls if all(
            c in ls and ls[c][1]['Active'] for c in iccids) else None)(saldo_lines(rig)),
            60, 'every line active in saldod')
        line_paths = [lines[c][0] for c in iccids]
        mm_paths = [found[name][0] for name in sims]

        # Warm-up: the first USSD session of each modem and the first
        # refresh of each line do one-off work (charset, carrier lookup).
        _, _, errors = call_all(rig.bus, [refresh_call(p) for p in line_paths])
        report_errors('warm-up Refresh', errors)
        print('  saldod ready, every line refreshed once, %.1f s in' % (time.monotonic() - t0))

        # ---- 1: one line, saldoctl against mmcli ----------------------------
        first = next(iter(sims.values()))
        line_number = line_paths[0].rsplit('/', 1)[1]
        mm_index = found['m0'][0].rsplit('/', 1)[1]
        ctl_argv = [saldoctl, 'balance', '--refresh', line_number]
        mmcli_argv = ['mmcli', '-m', mm_index, '--3gpp-ussd-initiate=' + CODE]
        timed_run(mmcli_argv, rig.env)
        print('\n1. one line, %d runs each, interleaved (network delay %.2f s) ...'
              % (args.runs, args.delay), flush=True)
        ctl_times, mmcli_times, ctl_errors, mmcli_errors = [], [], [], []
        for i in range(args.runs):
            # Alternate who goes first, so neither always follows the other.
            order = ((ctl_argv, ctl_times, ctl_errors), (mmcli_argv, mmcli_times, mmcli_errors))
            for argv, times, errs in (order if i % 2 == 0 else order[::-1]):
                elapsed, err = timed_run(argv, rig.env)
                times.append(elapsed)
                errs.append(err)
        sessions = sum(1 for s in first.ussd_sessions_seen if s['ended'] == 'completed')
        # A failed run (cut short by an error) says nothing about the round trip.
        ctl_ok = [t for t, e in zip(ctl_times, ctl_errors) if not e] or ctl_times
        mmcli_ok = [t for t, e in zip(mmcli_times, mmcli_errors) if not e] or mmcli_times
        ctl_med, mmcli_med = statistics.median(ctl_ok), statistics.median(mmcli_ok)

        # ---- 2: all lines at once against one alone -------------------------
        print('2. %d lines at once vs one alone, %d rounds ...' % (len(line_paths), args.rounds),
              flush=True)
        pids = {'saldod': proc.pid, 'ModemManager': rig._mm.pid,
                'dbus-daemon': rig._bus_proc.pid, 'polkitd-mock': polkit.pid,
                'simulators': os.getpid()}
        phases = ('Line.Refresh alone', 'Line.Refresh all', 'Initiate alone', 'Initiate all')
        walls = {p: [] for p in phases}
        cpu = {p: dict.fromkeys(pids, 0.0) for p in phases}
        together_calls, errors_by_phase = [], {p: [] for p in phases}
        for _ in range(args.rounds):
            for phase, calls in ((phases[2], [initiate_call(mm_paths[0])]),
                                 (phases[0], [refresh_call(line_paths[0])]),
                                 (phases[3], [initiate_call(p) for p in mm_paths]),
                                 (phases[1], [refresh_call(p) for p in line_paths])):
                before = {n: cpu_seconds(pid) for n, pid in pids.items()}
                wall, each, errors = call_all(rig.bus, calls)
                for n, pid in pids.items():
                    cpu[phase][n] += cpu_seconds(pid) - before[n]
                walls[phase].append(wall)
                errors_by_phase[phase] += errors
                if phase == phases[1]:
                    together_calls += each
                if phase.startswith('Line'):
                    # A USSD Cancel that saldod sends after its reply (see
                    # the count printed below) must not land in
                    # ModemManager's own session that comes next.
                    time.sleep(SETTLE)
        _, props = saldo_lines(rig)[iccids[-1]]
        time.sleep(SETTLE)
        cancels = count_cancels(sims)
        refreshes = args.modems + args.runs + args.rounds * (1 + args.modems)

    med = {p: statistics.median(walls[p]) for p in phases}
    print()
    print('1. one line (modem answers after %.2f s), median of %d / %d successful runs:'
          % (args.delay, len(ctl_ok), len(mmcli_ok)))
    print('   saldoctl balance --refresh %-3s %s   (min %s, max %s)'
          % (line_number, ms(ctl_med), ms(min(ctl_ok)).strip(), ms(max(ctl_ok)).strip()))
    print('   mmcli --3gpp-ussd-initiate      %s   (min %s, max %s)'
          % (ms(mmcli_med), ms(min(mmcli_ok)).strip(), ms(max(mmcli_ok)).strip()))
    print('   ratio saldoctl / mmcli          %7.3f      (target <= 1.05)' % (ctl_med / mmcli_med))
    report_errors('saldoctl', ctl_errors)
    report_errors('mmcli', mmcli_errors)
    print('   USSD sessions completed on that modem: %d (expected %d)'
          % (sessions, 2 * args.runs + 2))
    print()
    print('2. %d lines at once vs one alone, median of %d rounds:'
          % (len(line_paths), args.rounds))
    print('   saldod  Line.Refresh        one alone %s   all at once %s   ratio %6.3f   (target <= 1.5)'
          % (ms(med[phases[0]]), ms(med[phases[1]]), med[phases[1]] / med[phases[0]]))
    print('   ModemManager Ussd.Initiate  one alone %s   all at once %s   ratio %6.3f   (for scale)'
          % (ms(med[phases[2]]), ms(med[phases[3]]), med[phases[3]] / med[phases[2]]))
    print('   all at once, saldod Refresh / ModemManager Initiate: %.3f' % (med[phases[1]] / med[phases[3]]))
    print('   each Refresh when all run at once: median %s, slowest %s'
          % (ms(statistics.median(together_calls)).strip(), ms(max(together_calls)).strip()))
    for phase in phases:
        report_errors(phase, errors_by_phase[phase])
    print('   CPU used per all-at-once run, in ms:')
    for phase in (phases[1], phases[3]):
        print('     %-18s %s' % (phase, '  '.join('%s %d' % (n, 1000 * v / args.rounds)
                                                for n, v in cpu[phase].items())))
    print('   last line after the run: balance %d %s, error %r'
          % (props['Balance'], props['Currency'], props['LastError']))
    print()
    # Counted over the whole run: a Cancel goes out after the reply it
    # follows, so it can land in the next phase.
    print('USSD cancels (AT+CUSD=2) sent after completed sessions: %d, over %d Saldo refreshes'
          % (cancels, refreshes))
    print('  (neither mmcli nor a plain Ussd.Initiate cancels; saldod does when its cached')
    print('  Ussd.State still says "active" as the Initiate reply arrives)')
    print('\ntotal %.1f s' % (time.monotonic() - t0))
    return 0


if __name__ == '__main__':
    sys.exit(main())
