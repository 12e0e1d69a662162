#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""How long one call of a free method stalls saldod's main loop, with a big
state: 100 000 ledger rows and 100 000 balance readings.

saldod answers every call on its one main loop, so the time it spends on
one caller's GetTopUps, GetBalanceHistory or Simulate is time every other
caller (and every modem and provider callback) waits.  A probe process
reads a property in a tight loop on its own connection; the worst probe
latency while another client makes the heavy calls is the stall they
cause, printed next to the same figure while that client only reads a
property (the alternative: the cheapest call there is).

    sudo /usr/bin/python3 bench/bench-api-stall.py --build _build [--rows 100000]
        [--readings 100000] [--calls 20]

Needs no ModemManager: the lines come from the database.
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'sim'))
from saldo_rig import Rig  # noqa: E402

import gi  # noqa: E402
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

BUS_NAME = 'io.github.saldo.Saldo1'
ROOT = '/io/github/saldo/Saldo1'
LINE = ROOT + '/Line/1'
MANAGER = 'io.github.saldo.Saldo1'
LINE_IFACE = 'io.github.saldo.Saldo1.Line'
PROPS = 'org.freedesktop.DBus.Properties'
ICCID = '8951100000000000011'
SOURCE_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')


def connect(address):
    return Gio.DBusConnection.new_for_address_sync(
        address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)


def probe(address, seconds):
    """Child process: property reads back to back; prints 'start latency'
    pairs (monotonic seconds)."""
    bus = connect(address)
    args = GLib.Variant('(ss)', (LINE_IFACE, 'Balance'))
    end = time.monotonic() + seconds
    out = []
    while time.monotonic() < end:
        t = time.monotonic()
        bus.call_sync(BUS_NAME, LINE, PROPS, 'Get', args, None, 0, 60000, None)
        out.append('%.6f %.6f' % (t, time.monotonic() - t))
    sys.stdout.write('\n'.join(out) + '\n')


def fill(db_path, rows, readings):
    """A line with a rule, `readings` readings over the last 30 days and
    `rows` settled top-ups over the last 35 (inside the 40 days the rule
    engine reads)."""
    now = int(time.time())
    db = sqlite3.connect(db_path)
    with db:
        db.execute("INSERT INTO lines (iccid, imsi, operator_code, operator_name, sim_type,"
                   " first_seen, last_seen) VALUES (?, '716100000000011', '71610', 'Claro PE',"
                   " 'physical', ?, ?)", (ICCID, now, now))
        db.executemany(
            "INSERT INTO readings (line_id, time, source, kind, raw_text, carrier, amount_minor,"
            " currency) VALUES (1, ?, 'ussd', 'balance', ?, 'claro-pe', ?, 'PEN')",
            ((now - 30 * 86400 + i * 30 * 86400 // readings,
              'Claro: Tu saldo es S/ %d.%02d, vence el 30/12/2026.' % (i % 50, i % 100),
              i % 5000) for i in range(readings)))
        db.executemany(
            "INSERT INTO topups (reference, line_id, origin, provider, amount, currency, state,"
            " created, updated, finished, message) VALUES (?, 1, 'manual', 'pay', 500, 'PEN',"
            " 'verified', ?, ?, ?, 'ok')",
            (('saldo-BENCH%015d' % i, t, t, t)
             for i, t in ((i, now - 35 * 86400 + i * 35 * 86400 // rows) for i in range(rows))))
        db.execute("INSERT INTO rules (line_id, kind, enabled, confirm, provider, amount,"
                   " currency, below, created) VALUES (1, 'threshold', 0, 0, 'pay', 500, 'PEN',"
                   " 100, ?)", (now,))
    db.close()


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--build', required=True)
    parser.add_argument('--rows', type=int, default=100000)
    parser.add_argument('--readings', type=int, default=100000)
    parser.add_argument('--calls', type=int, default=20)
    parser.add_argument('--probe', help=argparse.SUPPRESS)
    parser.add_argument('--probe-seconds', type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        return probe(args.probe, args.probe_seconds)

    saldod = os.path.abspath(os.path.join(args.build, 'daemon', 'saldod'))
    with Rig(dump_on_error=True) as rig:
        rig.start_bus(policy=os.path.join(SOURCE_ROOT, 'dbus', 'io.github.saldo.Saldo1.conf'))
        state = rig.path('state')
        conf = rig.path('saldo.conf')
        with open(conf, 'w') as f:
            f.write('[Daemon]\nRefreshInterval=0\nCarrierDataDirectory=%s\n'
                    % os.path.join(SOURCE_ROOT, 'plugin', 'carriers'))
        argv = [saldod, '--config', conf, '--state-dir', state]
        # Once for the schema, then filled, then for the measurements.
        proc = rig.spawn('saldod-schema', argv)
        rig.wait_bus_name(BUS_NAME, 15, proc=proc)
        rig.stop('saldod-schema')
        rig.wait_bus_name_gone(BUS_NAME)
        started = time.monotonic()
        fill(os.path.join(state, 'saldo.db'), args.rows, args.readings)
        print('filled %d ledger rows and %d readings in %.1f s'
              % (args.rows, args.readings, time.monotonic() - started))
        proc = rig.spawn('saldod', argv)
        rig.wait_bus_name(BUS_NAME, 60, proc=proc)

        bus = connect(rig.bus_address)
        kinds = [
            ('property read (Get Balance)', LINE, PROPS, 'Get',
             GLib.Variant('(ss)', (LINE_IFACE, 'Balance'))),
            ('GetTopUps, limit 1000', ROOT, MANAGER, 'GetTopUps',
             GLib.Variant('(a{sv})', ({'limit': GLib.Variant('u', 1000)},))),
            ('GetBalanceHistory, limit 1000', LINE, LINE_IFACE, 'GetBalanceHistory',
             GLib.Variant('(a{sv})', ({'limit': GLib.Variant('u', 1000)},))),
            ('Simulate', ROOT, MANAGER, 'Simulate',
             GLib.Variant('(a{sv})', ({'line': GLib.Variant('o', LINE),
                                       'balance': GLib.Variant('x', 50)},))),
            ('GetManagedObjects', ROOT, 'org.freedesktop.DBus.ObjectManager',
             'GetManagedObjects', None),
        ]
        windows = []
        probe_seconds = 3.0 + len(kinds) * (args.calls * 0.5 + 1.0)
        prober = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--build', args.build,
                                   '--probe', rig.bus_address, '--probe-seconds', str(probe_seconds)],
                                  stdout=subprocess.PIPE, text=True, env=rig.env)
        time.sleep(1.0)
        for name, path, iface, method, call_args in kinds:
            durations = []
            begin = time.monotonic()
            for _ in range(args.calls):
                t = time.monotonic()
                bus.call_sync(BUS_NAME, path, iface, method, call_args, None, 0, 60000, None)
                durations.append(time.monotonic() - t)
                time.sleep(0.02)
            windows.append((name, begin, time.monotonic(), durations))
            time.sleep(0.5)
        samples = [tuple(map(float, ln.split())) for ln in prober.communicate()[0].splitlines()]

        print('\n%-32s %12s %12s %14s %14s' % ('call (%d each)' % args.calls, 'median ms',
                                               'max ms', 'probe p50 ms', 'worst stall ms'))
        for name, begin, end, durations in windows:
            inside = [lat for t, lat in samples if begin <= t <= end]
            print('%-32s %12.2f %12.2f %14.2f %14.2f'
                  % (name, percentile(durations, 0.5) * 1000, max(durations) * 1000,
                     percentile(inside, 0.5) * 1000, max(inside or [0]) * 1000))
        print('\nworst stall: the slowest property read of a second client while the calls ran;'
              '\nthe first row is the same measure when the calls are themselves property reads.')


if __name__ == '__main__':
    main()
