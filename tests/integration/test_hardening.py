#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What a hostile or careless local account could do to saldod, one finding
per test: oversized option values, SMS login codes, short voucher PINs,
ICCIDs in provider errors, terminal escapes in network names, a second
saldod on the same state directory."""

import os
import re
import sqlite3
import subprocess
import time

from saldo_testcase import (BUS_NAME, CLARO, MANAGER_IFACE, ROOT, SaldoTestCase, main)
from gi.repository import Gio, GLib
from simqmi import SimQmi
from test_topup import FakeProvider, add_http_provider

MIB = 1 << 20
# Growth allowed after 70 calls each carrying 1 MiB: what the calls
# themselves may leave in the allocator, not the 70 MiB of a leak.
RSS_GROWTH_BOUND = 20 * MIB

# 5-digit voucher PINs: shorter than the 6-digit runs masked everywhere.
PIN = '40917'
PIN2 = '73519'
ESC = '\x1b'
CSI = '\x9b'
HOSTILE = 'Cla' + ESC + '[31mro' + ESC + ']0;pwned\x07'


def rss(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    raise AssertionError('no VmRSS for %d' % pid)


def sanitizer_env():
    """Under ASan freed memory waits in a quarantine (256 MiB by default)
    before it goes back to the system; RSS checks want it returned."""
    asan = os.environ.get('ASAN_OPTIONS')
    return {'ASAN_OPTIONS': asan + ':quarantine_size_mb=0'} if asan else {}


class HardeningTest(SaldoTestCase):

    def providers_dir(self):
        path = os.path.join(os.path.dirname(self.config_path), 'providers.d')
        os.makedirs(path, exist_ok=True)
        return path

    def write_private(self, path, text):
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as f:
            f.write(text)

    def manager_call(self, method, args=None, reply_type=None, timeout=30):
        return self.rig.call(BUS_NAME, ROOT, MANAGER_IFACE, method, args, reply_type, timeout)

    def topups(self):
        return self.manager_call('GetTopUps', GLib.Variant('(a{sv})', ({},)), '(aa{sv})')[0]

    def wait_topup(self, predicate, what, timeout=30):
        return self.rig.wait_for(lambda: [t for t in self.topups() if predicate(t)] or None,
                                 timeout, what)

    def test_option_values_are_freed(self):
        """Typed option lookups: a wrong-typed 1 MiB value is refused and
        freed, by every method that reads options (each call kept the whole
        message: 20 calls of 4 MiB grew saldod by 90 MiB)."""
        self.rig.start_mm()
        self.start_polkit()
        sim = self.add_registered_modem('claro', **CLARO)
        sim.set_ussd('*777#', 'Saldo: S/ 30.00')
        self.write_private(os.path.join(self.providers_dir(), 'cmd.conf'),
                           '[Provider]\nType=command\nProgram=/bin/false\n')
        self.start_saldod(extra_env=sanitizer_env())
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        self.refresh(path)
        rule = self.manager_call('AddRule', GLib.Variant('(a{sv})', ({
            'line': GLib.Variant('o', path), 'kind': GLib.Variant('s', 'threshold'),
            'below': GLib.Variant('x', 100), 'amount': GLib.Variant('x', 500),
            'provider': GLib.Variant('s', 'cmd'), 'enabled': GLib.Variant('b', False)},)),
            '(o)')[0]
        # From bytes in one piece: GLib.Variant('ay', ...) makes a variant of
        # each byte first (8 s of the test's CPU for 1 MiB).
        big = GLib.Variant.new_from_bytes(GLib.VariantType('ay'), GLib.Bytes.new(bytes(MIB)), True)
        calls = [
            (path, 'io.github.saldo.Saldo1.Line', 'GetBalanceHistory',
             GLib.Variant('(a{sv})', ({'limit': big},))),
            (path, 'io.github.saldo.Saldo1.Line', 'GetBalanceHistory',
             GLib.Variant('(a{sv})', ({'since': big},))),
            (path, 'io.github.saldo.Saldo1.Line', 'TopUp',
             GLib.Variant('(xa{sv})', (100, {'provider': big}))),
            (ROOT, MANAGER_IFACE, 'AddRule',
             GLib.Variant('(a{sv})', ({'line': GLib.Variant('o', path), 'amount': big},))),
            (rule, 'io.github.saldo.Saldo1.Rule', 'Update',
             GLib.Variant('(a{sv})', ({'line': big},))),
            (ROOT, MANAGER_IFACE, 'GetTopUps', GLib.Variant('(a{sv})', ({'limit': big},))),
            (ROOT, MANAGER_IFACE, 'Simulate',
             GLib.Variant('(a{sv})', ({'line': GLib.Variant('o', path), 'balance': big},))),
        ]
        def call_all():
            outcomes = []
            for obj, iface, method, args in calls:
                try:
                    self.rig.call(BUS_NAME, obj, iface, method, args, None, 30)
                    outcomes.append((method, 'returned'))
                except GLib.Error as e:
                    outcomes.append((method, Gio.DBusError.get_remote_error(e)))
            return outcomes
        call_all()      # warm up, then measure
        before = rss(self.saldod.pid)
        for _ in range(10):
            call_all()
        grown = rss(self.saldod.pid) - before
        self.assertLess(grown, RSS_GROWTH_BOUND, 'saldod grew by %.1f MiB' % (grown / MIB))
        # Each value of the wrong type is refused, naming the key.
        self.assertEqual(call_all(), [(c[2], 'io.github.saldo.Saldo1.Error.InvalidArgument')
                                      for c in calls])
        self.stop_saldod()

    def test_sms_login_codes_are_not_kept(self):
        """An SMS from a listed sender that is not a balance keeps no text:
        the history is free for every local user to read."""
        self.rig.start_mm()
        sim = self.add_registered_modem('claro', **CLARO)
        self.start_saldod()
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        self.rig.wait_for(lambda: 'watching SMS' in self.saldod_text(), 20, 'SMS watching')
        sim.inject_sms('Claro', 'Claro: tu código de verificación es 482913. No lo compartas.')
        sim.inject_sms('Claro', 'Claro: Tu saldo es S/ 4.50')
        self.rig.wait_for(lambda: self.line_by_iccid(CLARO['iccid'])[1]['Balance'] == 450,
                          20, 'balance from SMS')
        sim.wait_sms_read()
        history = self.rig.wait_for(lambda: len(self.history(path)) == 2 and self.history(path),
                                    10, 'both SMS in the history')
        self.assertNotIn('482913', repr(history))
        self.assertIn('4.50', repr(history))
        self.assertEqual(sorted(r['kind'] for r in history)[0], 'balance')
        self.stop_saldod()
        db = sqlite3.connect(os.path.join(self.state_dir, 'saldo.db'))
        stored = repr(db.execute('SELECT * FROM readings').fetchall())
        db.close()
        self.assertNotIn('482913', stored)
        self.assertNotIn('482913', self.saldod_text())

    def test_voucher_pin_masked_exactly(self):
        """A 5-digit PIN the network echoes, or that ModemManager quotes in an
        error, never reaches the ledger, GetTopUps or the log."""
        self.rig.start_mm()
        self.start_polkit()
        sim = self.add_registered_modem('claro', **CLARO)
        sim.set_ussd('*777#', 'Saldo: S/ 5.00')
        providers = self.providers_dir()
        self.write_private(os.path.join(providers, 'vouchers'),
                           '%s 10.00\n%s 20.00\n' % (PIN, PIN2))
        with open(os.path.join(providers, 'voucher.conf'), 'w') as f:
            f.write('[Provider]\nType=ussd-voucher\nVoucherFile=vouchers\n'
                    'Template=*123*{pin}#\n')
        # The carrier refuses, quoting the PIN in groups; the second code
        # gets no answer at all (the error then quotes the code).
        sim.set_ussd('*123*%s#' % PIN, 'El PIN %s-%s es invalido' % (PIN[:2], PIN[2:]))
        sim.set_ussd('*123*%s#' % PIN2, no_reply=True)
        self.write_config(UssdAttempts='1')
        self.start_saldod()
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        self.refresh(path)
        self.rig.call(BUS_NAME, path, 'io.github.saldo.Saldo1.Line', 'TopUp',
                      GLib.Variant('(xa{sv})', (1000, {'provider': GLib.Variant('s', 'voucher')})),
                      '(s)', 30)
        self.wait_topup(lambda t: t['state'] == 'failed', 'the refused voucher')
        # Rule caps let a second top-up through without the cooldown.
        self.manager_call('AddRule', GLib.Variant('(a{sv})', ({
            'line': GLib.Variant('o', path), 'kind': GLib.Variant('s', 'threshold'),
            'below': GLib.Variant('x', 1), 'amount': GLib.Variant('x', 100),
            'provider': GLib.Variant('s', 'voucher'), 'enabled': GLib.Variant('b', False),
            'cooldown': GLib.Variant('u', 0)},)), '(o)')
        self.rig.call(BUS_NAME, path, 'io.github.saldo.Saldo1.Line', 'TopUp',
                      GLib.Variant('(xa{sv})', (2000, {'provider': GLib.Variant('s', 'voucher')})),
                      '(s)', 30)
        self.wait_topup(lambda t: t['amount'] == 2000 and t['state'] == 'unknown',
                        'the unanswered voucher')
        texts = repr([{k: str(v) for k, v in t.items()} for t in self.topups()])
        self.assertIn('es invalido', texts)
        for pin in (PIN, PIN2):
            standalone = re.compile(r'(?<!\d)%s[- ]?%s(?!\d)' % (pin[:2], pin[2:]))
            self.assertIsNone(standalone.search(texts), texts)
            self.assertIsNone(standalone.search(self.saldod_text()), pin)

    def test_iccid_never_logged_in_full(self):
        """Provider error texts that quote the ICCID (Reloadly's did) are
        shortened like every log line, in the journal and the ledger."""
        fake = FakeProvider(self.rig)
        self.addCleanup(fake.close)
        providers = self.providers_dir()
        self.write_private(os.path.join(providers, 'reloadly.secret'), 'test-secret\n')
        with open(os.path.join(providers, 'reloadly.conf'), 'w') as f:
            f.write('[Provider]\nType=reloadly\nClientId=test-client\n'
                    'ClientSecretFile=reloadly.secret\nAuthUrl=https://127.0.0.1:%d/oauth/token\n'
                    'ApiUrl=https://127.0.0.1:%d\nCaFile=%s\nTimeoutSec=5\n'
                    % (fake.port, fake.port, fake.ca))
        self.rig.start_mm()
        self.start_polkit()
        # No own number: Reloadly tops up by number and says so.
        sim = self.add_registered_modem('claro', **CLARO)
        sim.set_ussd('*777#', 'Saldo: S/ 5.00')
        self.start_saldod()
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        self.refresh(path)
        self.rig.call(BUS_NAME, path, 'io.github.saldo.Saldo1.Line', 'TopUp',
                      GLib.Variant('(xa{sv})', (1000, {})), '(s)', 30)
        row = self.wait_topup(lambda t: t['state'] == 'failed', 'the refused top-up')[0]
        self.assertIn('phone number', row['error'])
        self.assertNotIn(CLARO['iccid'], repr(self.topups()))
        self.assertIn('top-up', self.saldod_text())
        self.assertNotIn(CLARO['iccid'], self.saldod_text())
        self.assertNotIn(CLARO['iccid'][:-1], self.saldod_text())

    def assert_escaped(self, text, what):
        controls = [c for c in text if (ord(c) < 0x20 and c not in '\n\t') or
                    0x7f <= ord(c) < 0xa0]
        self.assertEqual(controls, [], '%s: %r' % (what, text))

    def test_saldoctl_escapes_network_text(self):
        """Names from the network and the eUICC, and carrier replies, reach
        the terminal with their control characters escaped."""
        profiles = [
            {'iccid': '8951100000000000055', 'state': 'enabled', 'nickname': 'Mi' + ESC + '[2J',
             'spn': 'Claro' + CSI + '31m', 'name': 'Claro' + ESC + ']0;x\x07', 'class': 'operational'},
            {'iccid': '8944100000000000017', 'state': 'disabled', 'nickname': 'Travel\nLINE 9',
             'spn': 'Roam', 'name': 'Roam', 'class': 'operational'},
        ]
        imei = '356938035640099'
        qmi = SimQmi(profiles=profiles, chunk=64, link=self.rig.path('cdc-wdm0'))
        qmi.start()
        self.addCleanup(qmi.close)
        with open(self.config_path, 'a') as f:
            f.write('\n[Modem %s]\nControlPort=%s\nControlProtocol=qmi\n' % (imei, qmi.path))
        self.rig.start_mm()
        self.start_polkit()
        sim = self.add_registered_modem('esim', iccid=profiles[0]['iccid'], imsi='716100000000055',
                                        operator_code='71610', operator_name=HOSTILE, imei=imei)
        sim.set_ussd('*777#', 'Saldo ' + ESC + '[2J S/ 5.00 ' + CSI + '31m')
        self.start_saldod()
        path = self.wait_line(profiles[0]['iccid'], Active=True, OperatorName=HOSTILE)[0]
        self.wait_line(profiles[1]['iccid'], ProfileState='disabled')
        # saldoctl monitor prints what changes, the carrier's reply included.
        monitor = subprocess.Popen([self.saldoctl_binary, 'monitor'], env=self.rig.env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        self.addCleanup(monitor.kill)
        time.sleep(1)
        self.refresh(path)
        time.sleep(1)
        monitor.terminate()
        watched = monitor.communicate(timeout=10)[0]
        self.assertIn('LastReply', watched)
        self.assert_escaped(watched, 'monitor')
        for args in (['lines'], ['status'], ['status', '--format', 'text'], ['profiles'],
                     ['balance'], ['history', '--balance']):
            out = self.saldoctl(*args)
            self.assert_escaped(out.stdout, ' '.join(args))
            self.assertNotIn('\nLINE 9', out.stdout)
        out = self.saldoctl('lines').stdout
        self.assertIn('Cla\\x1b[31mro', out)
        out = self.saldoctl('profiles').stdout
        self.assertIn('Mi\\x1b[2J', out)
        self.assertIn('Travel\\nLINE 9', out)
        # JSON keeps the exact text, escaped the JSON way.
        self.assertEqual([ln['operator_name'] for ln in self.saldoctl_json('lines')
                          if ln['iccid'] == profiles[0]['iccid']], [HOSTILE])

    def test_second_instance_sends_nothing(self):
        """A second saldod on the same state directory exits with a clear
        message before it opens the database; one on another state
        directory exits when the name is taken, having sent nothing."""
        fake = FakeProvider(self.rig)
        self.addCleanup(fake.close)
        add_http_provider(self.config_path, fake)
        self.rig.start_mm()
        self.start_polkit()
        sim = self.add_registered_modem('claro', **CLARO)
        sim.set_ussd('*777#', 'Saldo: S/ 5.00')
        first = self.start_saldod()
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        self.refresh(path)
        fake.command({'op': 'fault', 'path': '/hook/topup', 'action': 'pending', 'count': 1})
        self.rig.call(BUS_NAME, path, 'io.github.saldo.Saldo1.Line', 'TopUp',
                      GLib.Variant('(xa{sv})', (1000, {})), '(s)', 30)
        self.wait_topup(lambda t: t['state'] == 'unknown', 'an open top-up')
        lookups = fake.command({'op': 'state'})['counters']['hook_lookups']
        ussd_sessions = len(sim.ussd_sessions_seen)

        # The same state directory: refused before the database is opened.
        second = self.start_saldod(wait=False)
        self.assertEqual(second.wait(timeout=15), 1)
        text = self.saldod_text()
        self.assertIn('another saldod is using the state directory', text)
        self.assertIn('--replace', text)
        self.assertNotIn('state in', text)

        # Another state directory holding an open top-up too: it loses the
        # name, so it never looks the top-up up, and no modem hears from it.
        other = self.rig.path('other-state')
        subprocess.run(['cp', '-a', self.state_dir, other], check=True)
        third = self.start_saldod(wait=False, extra_args=['--state-dir', other])
        self.assertEqual(third.wait(timeout=15), 1)
        self.assertIn('cannot own', self.saldod_text())
        time.sleep(1)
        self.assertEqual(fake.command({'op': 'state'})['counters']['hook_lookups'], lookups)
        self.assertEqual(len(sim.ussd_sessions_seen), ussd_sessions)
        self.assertIsNone(first.poll())
        self.assertEqual(self.manager_property('Version'), self.manager_property('Version'))


if __name__ == '__main__':
    main()
