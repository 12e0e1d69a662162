#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Lines follow a real ModemManager: hot-plug, unplug, restarts, bad SIMs."""

import json
import os
import subprocess

from saldo_testcase import (BUS_NAME, CLARO, LINE_IFACE, MOVISTAR, ROOT,
                            SaldoTestCase, main)
from gi.repository import GLib


class LinesTest(SaldoTestCase):

    def test_one_modem(self):
        self.rig.start_mm()
        sim = self.add_ready_modem('claro', **CLARO)
        self.rig.enable_modem(sim)
        self.rig.wait_modem_state(sim, 'registered')
        self.start_saldod()
        modem_path = self.rig.mm_modem_path(sim)
        path, props = self.wait_line(CLARO['iccid'], Active=True, OperatorCode='71610')
        self.assertEqual(path, ROOT + '/Line/1')
        self.assertEqual(props['Imsi'], CLARO['imsi'])
        self.assertEqual(props['Modem'], modem_path)
        self.assertEqual(props['OperatorName'], 'Claro PE')
        self.assertIn(props['SimType'], ('physical', 'unknown'))
        self.assertEqual(len(self.lines()), 1)
        self.assertTrue(self.manager_property('ModemManagerRunning'))
        self.assertEqual(self.manager_property('Lines'), [path])

        # The same through busctl, as a script would do it.
        out = subprocess.run(['busctl', '--address', self.rig.env['DBUS_SYSTEM_BUS_ADDRESS'],
                              'get-property', BUS_NAME, path, LINE_IFACE, 'Iccid'],
                             capture_output=True, text=True, check=True).stdout
        self.assertEqual(out.strip(), 's "%s"' % CLARO['iccid'])
        tree = subprocess.run(['busctl', '--address', self.rig.env['DBUS_SYSTEM_BUS_ADDRESS'],
                               '--list', 'tree', BUS_NAME],
                              capture_output=True, text=True, check=True).stdout
        self.assertIn(path, tree)

        status = self.saldoctl_json('status')
        self.assertTrue(status['modem_manager_running'])
        self.assertEqual(status['lines_active'], 1)
        self.assertEqual(status['lines'][0]['iccid'], CLARO['iccid'])
        lines = self.saldoctl_json('lines')
        self.assertEqual([l['imsi'] for l in lines], [CLARO['imsi']])
        text = self.saldoctl('lines').stdout
        self.assertIn(CLARO['iccid'], text)

    def test_two_modems(self):
        self.start_saldod()
        self.rig.start_mm()
        claro = self.add_ready_modem('claro', **CLARO)
        movistar = self.add_ready_modem('movistar', **MOVISTAR)
        for sim in (claro, movistar):
            self.rig.enable_modem(sim)
        p1, _ = self.wait_line(CLARO['iccid'], Active=True, OperatorCode='71610')
        p2, _ = self.wait_line(MOVISTAR['iccid'], Active=True, OperatorCode='71606')
        self.assertNotEqual(p1, p2)
        self.assertEqual(len(self.lines()), 2)
        self.assertEqual(sorted(self.manager_property('Lines')), sorted([p1, p2]))
        _, props = self.line_by_iccid(MOVISTAR['iccid'])
        self.assertEqual(props['Modem'], self.rig.mm_modem_path(movistar))

    def test_modemmanager_restart_unplugs_and_replugs(self):
        self.rig.start_mm()
        claro = self.add_ready_modem('claro', **CLARO)
        self.rig.add_modem('movistar', **MOVISTAR)
        self.start_saldod()
        path, _ = self.wait_line(CLARO['iccid'], Active=True)
        mpath, _ = self.wait_line(MOVISTAR['iccid'], Active=True)

        # Unplug the Claro modem: ModemManager comes back with Movistar only.
        self.rig.restart_mm(modems=['movistar'])
        self.wait_line(CLARO['iccid'], Active=False, Modem='/')
        self.wait_line(MOVISTAR['iccid'], Active=True)

        # Everything gone, ModemManager down: lines stay, inactive.
        self.rig.stop_mm()
        self.wait_line(MOVISTAR['iccid'], Active=False, Modem='/')
        self.assertEqual(len(self.lines()), 2)
        self.rig.wait_for(lambda: not self.manager_property('ModemManagerRunning'), 10,
                          'ModemManagerRunning false')

        # Re-plug both: same objects come back active.
        self.rig.start_mm()
        again, props = self.wait_line(CLARO['iccid'], Active=True)
        self.assertEqual(again, path)
        self.assertEqual(props['Modem'], self.rig.mm_modem_path(claro))
        self.assertEqual(self.wait_line(MOVISTAR['iccid'], Active=True)[0], mpath)
        self.assertEqual(len(self.lines()), 2)
        self.assertEqual(self.saldod.poll(), None)

    def test_saldod_restart_keeps_lines(self):
        self.rig.start_mm()
        self.add_ready_modem('claro', **CLARO)
        self.add_ready_modem('movistar', **MOVISTAR)
        self.start_saldod()
        p1, _ = self.wait_line(CLARO['iccid'], Active=True)
        p2, _ = self.wait_line(MOVISTAR['iccid'], Active=True)
        self.stop_saldod()

        # Restart with only Movistar plugged: Claro's line is remembered.
        self.rig.restart_mm(modems=['movistar'])
        self.start_saldod()
        self.assertEqual(self.wait_line(CLARO['iccid'], Active=False)[0], p1)
        self.assertEqual(self.wait_line(MOVISTAR['iccid'], Active=True)[0], p2)
        _, props = self.line_by_iccid(CLARO['iccid'])
        self.assertEqual(props['Imsi'], CLARO['imsi'], 'identity survives the restart')

        # A third SIM gets a new number, never a reused one.
        self.rig.add_modem('entel', iccid='8951170000000000033', imsi='716170000000033',
                           operator_code='71617', operator_name='Entel PE',
                           imei='356938035640003')
        p3, _ = self.wait_line('8951170000000000033', Active=True)
        self.assertEqual(p3, ROOT + '/Line/3')

    def test_modemmanager_started_after_saldod(self):
        self.start_saldod()
        self.assertFalse(self.manager_property('ModemManagerRunning'))
        self.assertEqual(self.lines(), {})
        self.rig.start_mm()
        self.add_ready_modem('claro', **CLARO)
        self.wait_line(CLARO['iccid'], Active=True)
        self.assertTrue(self.manager_property('ModemManagerRunning'))
        self.assertIn('waiting for it', self.saldod_text())

    def _assert_no_line_and_logged(self, sim, reason_fragment):
        self.start_saldod()
        self.rig.wait_for(lambda: reason_fragment in self.saldod_text(), 20,
                          'saldod to log "%s"' % reason_fragment)
        self.assertEqual(self.lines(), {})
        self.assertIsNone(self.saldod.poll(), 'saldod is still running')

    def test_pin_locked_sim_makes_no_line(self):
        self.rig.start_mm()
        sim = self.add_ready_modem('locked', sim='pin', **CLARO)
        self.rig.wait_modem_state(sim, 'locked')
        self._assert_no_line_and_logged(sim, 'SIM is locked')

    def test_malformed_iccid_makes_no_line(self):
        self.rig.start_mm()
        bad = dict(CLARO, iccid='89511000ZZ')
        sim = self.add_ready_modem('garbled', **bad)
        self._assert_no_line_and_logged(sim, 'no valid ICCID')

    def test_modem_without_sim_makes_no_line(self):
        self.rig.start_mm()
        sim = self.add_ready_modem('nosim', sim='absent', **CLARO)
        self._assert_no_line_and_logged(sim, 'no line')

    def test_empty_operator(self):
        self.rig.start_mm()
        sim = self.add_ready_modem('blank', **dict(CLARO, operator_name=''))
        self.rig.enable_modem(sim)
        self.start_saldod()
        _, props = self.wait_line(CLARO['iccid'], Active=True, OperatorCode='71610')
        self.assertEqual(props['Imsi'], CLARO['imsi'])

    def test_bad_dbus_callers(self):
        self.start_saldod()
        bus = self.rig.bus
        cases = [
            ('org.freedesktop.DBus.Properties', 'Get', GLib.Variant('(s)', ('x',))),
            ('org.freedesktop.DBus.Properties', 'Get',
             GLib.Variant('(ss)', ('io.github.saldo.Saldo1', 'NoSuchProperty'))),
            ('org.freedesktop.DBus.Properties', 'Set',
             GLib.Variant('(ssv)', ('io.github.saldo.Saldo1', 'Version', GLib.Variant('s', 'x')))),
            ('io.github.saldo.Saldo1', 'NoSuchMethod', None),
        ]
        for iface, method, args in cases:
            with self.assertRaises(GLib.Error) as ctx:
                bus.call_sync(BUS_NAME, ROOT, iface, method, args, None, 0, 5000, None)
            self.assertTrue(ctx.exception.message.startswith('GDBus.Error:org.freedesktop.DBus.Error.'),
                            ctx.exception.message)
        self.assertEqual(self.manager_property('Version'), self.manager_property('Version'))
        self.assertIsNone(self.saldod.poll())

    def test_saldoctl_without_saldod(self):
        res = self.saldoctl('--json', 'status', check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertEqual(res.stdout, '')
        err = json.loads(res.stderr)
        self.assertEqual(err['error']['name'], 'org.freedesktop.DBus.Error.ServiceUnknown')
        res = self.saldoctl('--json', 'frobnicate', check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn('unknown command', json.loads(res.stderr)['error']['message'])

    def test_corrupt_database_is_refused_and_kept(self):
        os.makedirs(self.state_dir)
        db = os.path.join(self.state_dir, 'saldo.db')
        garbage = b'not a database: the ledger must never be silently replaced\n' * 100
        with open(db, 'wb') as f:
            f.write(garbage)
        proc = self.start_saldod(wait=False)
        self.assertEqual(proc.wait(timeout=15), 1)
        self.assertIn('left untouched', self.saldod_text())
        with open(db, 'rb') as f:
            self.assertEqual(f.read(), garbage)

    def test_replace_and_bad_configuration(self):
        first = self.start_saldod()
        # A second saldod without --replace leaves the running one alone.
        second = self.start_saldod(wait=False)
        self.assertEqual(second.wait(timeout=15), 1)
        self.assertIn('--replace', self.saldod_text())
        self.assertIsNone(first.poll())
        # With --replace it takes over; the first one exits cleanly.
        self.start_saldod(extra_args=['--replace'])
        self.assertEqual(first.wait(timeout=15), 0)
        self.stop_saldod()

        # A configuration named with --config must exist and be valid; the
        # error names the key.
        os.remove(self.config_path)
        proc = self.start_saldod(wait=False)
        self.assertEqual(proc.wait(timeout=15), 1)
        self.assertIn('cannot load', self.saldod_text())
        for bad, key in (('RefreshInterval=5', 'RefreshInterval'),
                         ('UssdTimeout=soon', 'UssdTimeout'),
                         ('StateDirectory=relative/dir', 'StateDirectory')):
            with open(self.config_path, 'w') as f:
                f.write('[Daemon]\n%s\n' % bad)
            proc = self.start_saldod(wait=False)
            self.assertEqual(proc.wait(timeout=15), 1, bad)
            self.assertIn(key, self.saldod_text())

    def test_announcements(self):
        """A new line is announced with InterfacesAdded, a state change with
        PropertiesChanged — what an applet listens to."""
        self.start_saldod()
        bus = self.rig.bus
        seen = []

        def on_signal(conn, sender, path, iface, member, params):
            seen.append((member, path, params.unpack()))
        bus.signal_subscribe(BUS_NAME, None, None, None, None, 0, on_signal)
        ctx = GLib.MainContext.default()

        def pump(predicate, what):
            def check():
                while ctx.iteration(False):
                    pass
                return predicate()
            return self.rig.wait_for(check, 20, what)

        self.rig.start_mm()
        self.add_ready_modem('claro', **CLARO)
        pump(lambda: any(m == 'InterfacesAdded' for m, _, _ in seen), 'InterfacesAdded')
        added = [p for m, _, p in seen if m == 'InterfacesAdded'][0]
        self.assertEqual(added[0], ROOT + '/Line/1')
        self.assertIn(LINE_IFACE, added[1])
        seen.clear()
        self.rig.stop_mm()
        pump(lambda: any(m == 'PropertiesChanged' and p[0] == LINE_IFACE and
                         p[1].get('Active') is False for m, _, p in seen),
             'PropertiesChanged Active=false')


if __name__ == '__main__':
    main()
