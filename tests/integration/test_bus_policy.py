#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""saldod under the real bus policy (dbus/io.github.saldo.Saldo1.conf on a
system-bus-like dbus-daemon), called by unprivileged users (setpriv), with
a polkit stand-in that decides by the uid of the subject saldod passes."""

import os
import pwd

from saldo_testcase import (BUS_NAME, CLARO, MANAGER_IFACE, ROOT, SaldoTestCase, main)
from saldo_caller import Caller
from gi.repository import GLib
from test_topup import FakeProvider, add_http_provider

# Two local accounts every Debian system has, neither privileged.
USER = pwd.getpwnam('nobody').pw_uid
OTHER = pwd.getpwnam('www-data').pw_uid
LINE_IFACE = 'io.github.saldo.Saldo1.Line'
PROPS = 'org.freedesktop.DBus.Properties'
DBUS = ('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus')


class BusPolicyTest(SaldoTestCase):

    def setUp(self):
        super().setUp()
        self.fake = FakeProvider(self.rig)
        self.addCleanup(self.fake.close)
        add_http_provider(self.config_path, self.fake)
        self.rig.start_mm()
        self.start_polkit()
        sim = self.add_registered_modem('claro', **CLARO)
        sim.set_ussd('*777#', 'Saldo: S/ 30.00')
        self.start_saldod()
        self.path = self.wait_line(CLARO['iccid'], Active=True)[0]
        self.refresh(self.path)
        self.user = Caller(self.rig, USER)
        self.addCleanup(self.user.close)

    def test_what_the_policy_lets_a_user_do(self):
        """Reading and calling saldod's interfaces: yes.  Setting properties,
        other interfaces on saldod, owning its name: no — the bus refuses
        before saldod sees anything."""
        empty = GLib.Variant('(a{sv})', ({},))
        allowed = [
            (ROOT, 'org.freedesktop.DBus.Introspectable', 'Introspect', None),
            (ROOT, 'org.freedesktop.DBus.Peer', 'Ping', None),
            (ROOT, 'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects', None),
            (ROOT, PROPS, 'Get', GLib.Variant('(ss)', (MANAGER_IFACE, 'Version'))),
            (self.path, PROPS, 'GetAll', GLib.Variant('(s)', (LINE_IFACE,))),
            (ROOT, MANAGER_IFACE, 'GetTopUps', empty),
            (self.path, LINE_IFACE, 'GetBalanceHistory', empty),
            (ROOT, MANAGER_IFACE, 'Simulate',
             GLib.Variant('(a{sv})', ({'line': GLib.Variant('o', self.path)},))),
        ]
        for path, iface, method, args in allowed:
            reply = self.user.call(BUS_NAME, path, iface, method, args)
            self.assertTrue(reply.ok, '%s.%s: %s' % (iface, method, reply))
        self.assertEqual(self.user.call(BUS_NAME, self.path, PROPS, 'Get', GLib.Variant(
            '(ss)', (LINE_IFACE, 'Balance'))).value, (3000,))

        refused = [
            (ROOT, PROPS, 'Set',
             GLib.Variant('(ssv)', (MANAGER_IFACE, 'Version', GLib.Variant('s', 'x')))),
            (ROOT, 'io.github.saldo.Saldo1.Private', 'Anything', None),
            (ROOT, 'org.freedesktop.DBus.Debug', 'Anything', None),
        ]
        for path, iface, method, args in refused:
            reply = self.user.call(BUS_NAME, path, iface, method, args)
            self.assertEqual(reply.error, 'org.freedesktop.DBus.Error.AccessDenied',
                             '%s.%s: %s' % (iface, method, reply))
            # dbus-daemon's refusal, not saldod's.
            self.assertIn('Rejected send message', reply.message)
        reply = self.user.call(*DBUS, 'RequestName', GLib.Variant('(su)', (BUS_NAME, 4)))
        self.assertEqual(reply.error, 'org.freedesktop.DBus.Error.AccessDenied', reply)

        # A saldod run by that user cannot take the name either.
        state = self.rig.path('user-state')
        os.makedirs(state)
        os.chown(state, USER, pwd.getpwuid(USER).pw_gid)
        res = self.rig.run_as(USER, [self.saldod_binary, '--config', self.config_path,
                                     '--state-dir', state], capture_output=True, text=True,
                              timeout=30)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn('cannot own %s' % BUS_NAME, res.stderr)
        # Nothing of that reached polkit, nothing was spent.
        self.assertEqual([c for c in self.polkit_checks() if c[2] == USER], [])
        self.assertEqual(self.fake.charges(), [])

    def test_polkit_sees_the_caller(self):
        """"Top-up allowed for uid OTHER only" holds: saldod passes polkit
        the caller's bus name, which polkit resolves to that caller's uid."""
        self.polkit_allow_uids({'io.github.saldo.Saldo1.top-up': [OTHER]})
        self.polkit_call('ClearChecks')
        other = Caller(self.rig, OTHER)
        self.addCleanup(other.close)
        top_up = (BUS_NAME, self.path, LINE_IFACE, 'TopUp', GLib.Variant('(xa{sv})', (500, {})))

        denied = self.user.call(*top_up)
        self.assertEqual(denied.error, 'org.freedesktop.DBus.Error.AccessDenied', denied)
        self.assertIn('io.github.saldo.Saldo1.top-up', denied.message)
        with self.assertRaises(GLib.Error) as ctx:
            self.rig.call(*top_up[:4], top_up[4], '(s)', 30)     # root is not OTHER either
        self.assertIn('AccessDenied', ctx.exception.message)
        self.assertEqual(self.fake.charges(), [])
        granted = other.call(*top_up)
        self.assertTrue(granted.ok, granted)

        self.assertEqual(self.polkit_checks(), [
            ('io.github.saldo.Saldo1.top-up', 'system-bus-name', USER),
            ('io.github.saldo.Saldo1.top-up', 'system-bus-name', 0),
            ('io.github.saldo.Saldo1.top-up', 'system-bus-name', OTHER),
        ])
        self.rig.wait_for(lambda: len(self.fake.charges()) == 1, 20, 'the one charge')
        # The free methods never ask polkit.
        self.polkit_call('ClearChecks')
        self.assertTrue(self.user.call(BUS_NAME, ROOT, MANAGER_IFACE, 'GetTopUps',
                                       GLib.Variant('(a{sv})', ({},))).ok)
        self.assertEqual(self.polkit_checks(), [])


if __name__ == '__main__':
    main()
