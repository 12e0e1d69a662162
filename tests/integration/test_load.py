#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""64 unprivileged clients at once, 200 calls each, of every free method and
property read, while a balance check and a top-up are in flight: every call
answers, the top-up is charged once, saldod's memory stays bounded."""

import os
import pwd

from saldo_testcase import (BUS_NAME, CLARO, MANAGER_IFACE, ROOT, SaldoTestCase, main)
from saldo_caller import Caller
from gi.repository import GLib
from test_topup import FakeProvider, add_http_provider

CLIENTS, CALLS = 64, 200
USER = pwd.getpwnam('nobody').pw_uid
LINE_IFACE = 'io.github.saldo.Saldo1.Line'
PROPS = 'org.freedesktop.DBus.Properties'
MIB = 1 << 20
# Growth of saldod's RSS over the 12 800 calls (their replies are at most a
# few KiB each; nothing may accumulate; about 3 MiB is measured).  Under ASan
# the allocator keeps what is freed (its quarantine, bounded to 16 MiB here,
# and its size-class caches): the bound is loose there, and LeakSanitizer at
# saldod's exit is the leak check.
RSS_GROWTH_BOUND = 16 * MIB
RSS_GROWTH_BOUND_SANITIZED = 160 * MIB
# The only errors a free call may meet under load (README, "D-Bus API").
LIMIT_ERRORS = {'io.github.saldo.Saldo1.Error.LimitReached', 'io.github.saldo.Saldo1.Error.Busy'}


def rss(pid):
    with open('/proc/%d/status' % pid) as f:
        return [int(ln.split()[1]) * 1024 for ln in f if ln.startswith('VmRSS:')][0]


class LoadTest(SaldoTestCase):

    def test_many_clients_during_refresh_and_topup(self):
        self.state_in_memory()
        fake = FakeProvider(self.rig)
        self.addCleanup(fake.close)
        add_http_provider(self.config_path, fake, timeout=10)
        self.rig.start_mm()
        self.start_polkit()
        sim = self.add_registered_modem('claro', **CLARO)
        sim.set_ussd('*777#', 'Saldo: S/ 30.00')
        asan = os.environ.get('ASAN_OPTIONS')
        self.start_saldod(extra_env={'ASAN_OPTIONS': asan + ':quarantine_size_mb=16'} if asan else {})
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        self.refresh(path)
        user = Caller(self.rig, USER)
        self.addCleanup(user.close)
        empty = GLib.Variant('(a{sv})', ({},))
        plan = [
            (BUS_NAME, ROOT, MANAGER_IFACE, 'GetTopUps', empty),
            (BUS_NAME, path, LINE_IFACE, 'GetBalanceHistory', empty),
            (BUS_NAME, ROOT, MANAGER_IFACE, 'Simulate',
             GLib.Variant('(a{sv})', ({'line': GLib.Variant('o', path),
                                       'balance': GLib.Variant('x', 100)},))),
            (BUS_NAME, path, PROPS, 'Get', GLib.Variant('(ss)', (LINE_IFACE, 'Balance'))),
            (BUS_NAME, path, PROPS, 'GetAll', GLib.Variant('(s)', (LINE_IFACE,))),
            (BUS_NAME, ROOT, PROPS, 'GetAll', GLib.Variant('(s)', (MANAGER_IFACE,))),
            (BUS_NAME, ROOT, 'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects', None),
        ]
        user.load(2, 20, plan)     # warm up
        before = rss(self.saldod.pid)

        # A balance check and a top-up in flight while the clients run: the
        # network answers in 2 s, the provider in 3 s.
        sim.set_ussd('*777#', 'Saldo: S/ 30.00', delay=2.0)
        fake.command({'op': 'fault', 'path': '/hook/topup', 'action': 'slow', 'seconds': 3,
                      'count': 1})
        refreshed = []
        self.rig.bus.call(BUS_NAME, path, LINE_IFACE, 'Refresh', empty, None, 0, 30000, None,
                          lambda bus, res: refreshed.append(bus.call_finish(res)))
        topup_id = self.rig.call(BUS_NAME, path, LINE_IFACE, 'TopUp',
                                 GLib.Variant('(xa{sv})', (700, {})), '(s)', 30)[0]
        stats = user.load(CLIENTS, CALLS, plan)
        print('%d calls by %d clients in %.1f s (%.0f/s), slowest %.0f ms, failures %s'
              % (stats['calls'], CLIENTS, stats['seconds'], stats['calls'] / stats['seconds'],
                 stats['worst'] * 1000, stats['failures']))
        self.assertEqual(stats['calls'], CLIENTS * CALLS)
        self.assertLessEqual(set(stats['failures']), LIMIT_ERRORS, stats['examples'])

        # The top-up happened exactly once, the balance check finished.
        rows = self.rig.wait_for(lambda: [t for t in self.rig.call(
            BUS_NAME, ROOT, MANAGER_IFACE, 'GetTopUps', empty, '(aa{sv})')[0]
            if t['state'] in ('succeeded', 'verified')] or None, 30, 'the top-up')
        self.assertEqual([t['id'] for t in rows], [topup_id])
        self.assertEqual(len(fake.charges()), 1)
        ctx = GLib.MainContext.default()

        def balance_checked():
            while ctx.iteration(False):
                pass
            return refreshed
        self.rig.wait_for(balance_checked, 30, 'the balance check')
        grown = rss(self.saldod.pid) - before
        print('saldod RSS %.1f MiB, grown by %.1f MiB' % (rss(self.saldod.pid) / MIB, grown / MIB))
        self.assertLess(grown, RSS_GROWTH_BOUND_SANITIZED if asan else RSS_GROWTH_BOUND,
                        'saldod grew by %.1f MiB' % (grown / MIB))
        self.stop_saldod()


if __name__ == '__main__':
    main()
