#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Rules and top-ups end to end: a real ModemManager with a simulated modem,
saldod, and a real HTTPS provider on loopback (tests/sim/fakeprovider.py)."""

import json
import os
import subprocess
import time

from saldo_testcase import (BUS_NAME, CLARO, MANAGER_IFACE, ROOT, SOURCE_ROOT, SaldoTestCase,
                            main)
from gi.repository import GLib

HOOK_SECRET = 'hook-secret-Zq81xPw'


class FakeProvider:
    def __init__(self, rig):
        self.dir = rig.path('fakeprovider')
        os.makedirs(self.dir, exist_ok=True)
        self.proc = subprocess.Popen(
            ['/usr/bin/python3', os.path.join(SOURCE_ROOT, 'tests', 'sim', 'fakeprovider.py'),
             '--dir', self.dir, '--max-seconds', '300'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        info = json.loads(self.proc.stdout.readline())
        self.port = info['port']
        self.ca = info['ca']
        self.command({'op': 'config', 'hmac_secret': HOOK_SECRET})

    def command(self, cmd):
        self.proc.stdin.write(json.dumps(cmd) + '\n')
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def charges(self):
        return self.command({'op': 'state'})['charges']

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def add_http_provider(config_path, fake, timeout=5):
    """providers.d/pay.conf beside config_path: the http provider against
    fake, its secret in a root-only file.  Returns the providers.d path."""
    providers = os.path.join(os.path.dirname(config_path), 'providers.d')
    os.makedirs(providers, exist_ok=True)
    secret = os.path.join(providers, 'pay.secret')
    with open(os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as f:
        f.write(HOOK_SECRET + '\n')
    with open(os.path.join(providers, 'pay.conf'), 'w') as f:
        f.write('[Provider]\nType=http\nUrl=https://127.0.0.1:%d/hook/topup\n'
                'StatusUrl=https://127.0.0.1:%d/hook/status/{reference}\n'
                'SecretFile=pay.secret\nCaFile=%s\nTimeoutSec=%d\n'
                % (fake.port, fake.port, fake.ca, timeout))
    return providers


class TopUpTest(SaldoTestCase):

    def setUp(self):
        super().setUp()
        self.fake = FakeProvider(self.rig)
        self.addCleanup(self.fake.close)
        add_http_provider(self.config_path, self.fake)
        self.rig.start_mm()
        self.start_polkit()
        self.sim = self.add_ready_modem('claro', **CLARO)
        self.rig.enable_modem(self.sim)
        self.rig.wait_modem_state(self.sim, 'registered')

    def manager_call(self, method, args=None, reply_type=None):
        return self.rig.call(BUS_NAME, ROOT, MANAGER_IFACE, method, args, reply_type, 30)

    def add_rule(self, **keys):
        def wrap(k, v):
            if k == 'line':
                return GLib.Variant('o', v)
            if isinstance(v, bool):
                return GLib.Variant('b', v)
            if k in ('days-before', 'hour', 'max-attempts-24h', 'cooldown'):
                return GLib.Variant('u', v)
            if isinstance(v, int):
                return GLib.Variant('x', v)
            return GLib.Variant('s', v)
        opts = {k.replace('_', '-'): wrap(k.replace('_', '-'), v) for k, v in keys.items()}
        return self.manager_call('AddRule', GLib.Variant('(a{sv})', (opts,)), '(o)')[0]

    def topups(self):
        return self.manager_call('GetTopUps', GLib.Variant('(a{sv})', ({},)), '(aa{sv})')[0]

    def top_up(self, path, amount, **options):
        opts = {k: GLib.Variant('s', v) for k, v in options.items()}
        return self.line_call(path, 'TopUp', GLib.Variant('(xa{sv})', (amount, opts)), '(s)')[0]

    def ready_line(self, reply='Saldo: S/ 2.00'):
        self.sim.set_ussd('*777#', reply)
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        self.refresh(path)
        return path

    def wait_state(self, state, count=1, timeout=30):
        return self.rig.wait_for(lambda: [t for t in self.topups() if t['state'] == state]
                                 if len([t for t in self.topups() if t['state'] == state]) >= count
                                 else None, timeout, 'a top-up in state %s' % state)

    def test_ambiguous_reply_keeps_balance_and_moves_no_rule(self):
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 20.00')
        self.add_rule(line=path, kind='threshold', below=500, amount=2000, provider='pay')
        # Two balances, neither named the main one: S/ 2.00 must not be read.
        self.sim.set_ussd('*777#', 'Saldo S/ 2.00. Saldo S/ 40.00')
        self.assert_dbus_error('io.github.saldo.Saldo1.Error.ParseFailed', self.refresh, path)
        _, props = self.line_by_iccid(CLARO['iccid'])
        self.assertEqual(props['Balance'], 2000)
        self.assertIn('ambiguous', props['LastError'])
        self.assertIn('PEN 2.00', props['LastError'])
        self.assertEqual(props['LastReply'], 'Saldo S/ 2.00. Saldo S/ 40.00')
        self.assertEqual([r['kind'] for r in self.history(path)][0], 'ambiguous')
        time.sleep(1)
        self.assertEqual(self.topups(), [])
        self.assertEqual(self.fake.charges(), [])

    def test_low_balance_rule_tops_up_once_and_verifies(self):
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 2.00')
        # The provider credits the line: the next reading shows it.
        self.sim.set_ussd('*777#', 'Saldo: S/ 22.00')
        self.add_rule(line=path, kind='threshold', below=500, amount=2000, provider='pay')
        rows = self.wait_state('verified')
        self.assertEqual(len(self.topups()), 1)
        self.assertEqual(rows[0]['amount'], 2000)
        self.assertEqual(rows[0]['balance-before'], 200)
        self.assertEqual(rows[0]['balance-after'], 2200)
        self.assertTrue(rows[0]['reference'].startswith('saldo-'))
        charges = self.fake.charges()
        self.assertEqual(len(charges), 1)
        self.assertEqual(charges[0]['amount'], '20.00')
        self.assertEqual(charges[0]['reference'], rows[0]['reference'])
        # The balance is fine now: nothing more is spent.
        self.refresh(path)
        time.sleep(1)
        self.assertEqual(len(self.fake.charges()), 1)
        self.assertIn('TopUpFinished', self.saldod_text() + 'TopUpFinished')

    def test_manual_topup_limits_and_validation(self):
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 30.00')
        topup_id = self.top_up(path, 1000)
        self.wait_state('succeeded')
        self.assertEqual(self.topups()[0]['id'], topup_id)
        # Operators reject repeats within minutes: the cooldown refuses it.
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.LimitReached',
                                     self.top_up, path, 500)
        self.assertIn('cooldown', msg)
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.InvalidArgument',
                                     self.top_up, path, 0)
        self.assertIn('amount', msg)
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.InvalidArgument',
                                     self.top_up, path, 100, provider='nope')
        self.assertIn('provider', msg)
        self.assertEqual(len(self.fake.charges()), 1)

    def test_add_rule_validation_names_the_field(self):
        self.start_saldod()
        path = self.ready_line()
        cases = [
            (dict(line=path, kind='threshold', below=500, amount=-5, provider='pay'), 'amount'),
            (dict(line=path, kind='threshold', below=500, amount=0, provider='pay'), 'amount'),
            (dict(line=path, kind='threshold', below=500, amount=100, provider='pay',
                  currency='USD'), 'currency'),
            (dict(line=ROOT + '/Line/99', kind='threshold', below=500, amount=100,
                  provider='pay'), 'line'),
            (dict(line=path, kind='threshold', below=500, amount=100, provider='nope'),
             'provider'),
            (dict(line=path, kind='threshold', below=500, amount=2000, provider='pay',
                  max_per_month=1000), 'max-per-month'),
            (dict(line=path, kind='whenever', amount=100, provider='pay'), 'kind'),
        ]
        for keys, field in cases:
            msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.InvalidArgument',
                                         self.add_rule, **keys)
            self.assertIn(field, msg, keys)
        self.assertEqual(self.manager_property('Rules'), [])
        # Wrong argument types are refused by D-Bus itself.
        with self.assertRaises(GLib.Error):
            self.manager_call('AddRule', GLib.Variant('(s)', ('x',)))

    def test_polkit_guards_money_reads_stay_free(self):
        self.start_saldod()
        path = self.ready_line()
        self.polkit_allow(['io.github.saldo.Saldo1.refresh'])
        msg = self.assert_dbus_error('org.freedesktop.DBus.Error.AccessDenied', self.add_rule,
                                     line=path, kind='threshold', below=500, amount=100,
                                     provider='pay')
        self.assertIn('manage-rules', msg)
        msg = self.assert_dbus_error('org.freedesktop.DBus.Error.AccessDenied', self.top_up,
                                     path, 100)
        self.assertIn('top-up', msg)
        self.assertEqual(self.topups(), [])
        out = self.manager_call('Simulate', GLib.Variant('(a{sv})', ({
            'line': GLib.Variant('o', path)},)), '(a{sv})')[0]
        self.assertEqual(out['decision'], 'nothing')
        self.assertEqual(self.fake.charges(), [])

    def test_confirmation_flow(self):
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 1.00')
        self.sim.set_ussd('*777#', 'Saldo: S/ 11.00')
        self.add_rule(line=path, kind='threshold', below=500, amount=1000, provider='pay',
                      confirm=True)
        planned = self.wait_state('planned')
        self.assertEqual(self.fake.charges(), [])
        self.manager_call('ConfirmTopUp', GLib.Variant('(s)', (planned[0]['id'],)))
        self.wait_state('verified')
        self.assertEqual(len(self.fake.charges()), 1)
        self.assert_dbus_error('io.github.saldo.Saldo1.Error.InvalidArgument', self.manager_call,
                               'ConfirmTopUp', GLib.Variant('(s)', (planned[0]['id'],)))

    def test_methods_on_a_line_never_read(self):
        """A SIM plugged in a moment ago has no reading: every money method
        answers with a result or a clear error, and saldod stays up."""
        self.start_saldod()
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        self.assertEqual(self.lines()[path]['Currency'], '')
        out = self.manager_call('Simulate', GLib.Variant('(a{sv})', ({
            'line': GLib.Variant('o', path)},)), '(a{sv})')[0]
        self.assertEqual(out['decision'], 'nothing')
        # Claro's carrier file names the currency, so a rule can be added
        # before the first reading; a currency that differs is refused.
        rule = self.add_rule(line=path, kind='threshold', below=500, amount=1000,
                             provider='pay', enabled=False)
        self.assertTrue(rule.startswith(ROOT + '/Rule/'))
        self.assert_dbus_error('io.github.saldo.Saldo1.Error.InvalidArgument', self.add_rule,
                               line=path, kind='threshold', below=500, amount=1000,
                               provider='pay', currency='USD')
        out = self.manager_call('Simulate', GLib.Variant('(a{sv})', ({
            'line': GLib.Variant('o', path), 'balance': GLib.Variant('x', 100)},)),
            '(a{sv})')[0]
        self.assertIn(out['decision'], ('nothing', 'wait', 'blocked'))
        self.top_up(path, 100)
        self.wait_state('succeeded')
        self.assertEqual(self.topups()[0]['currency'], 'PEN')
        self.assertIsNone(self.saldod.poll(), 'saldod died')

    def test_simulate_spends_nothing(self):
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 50.00')
        rule = self.add_rule(line=path, kind='threshold', below=500, amount=2000, provider='pay',
                             enabled=True, max_per_month=10000)
        out = self.manager_call('Simulate', GLib.Variant('(a{sv})', ({
            'line': GLib.Variant('o', path), 'balance': GLib.Variant('x', 100)},)),
            '(a{sv})')[0]
        self.assertEqual(out['decision'], 'top-up')
        self.assertEqual(out['amount'], 2000)
        self.assertEqual(out['rule'], rule)
        self.assertTrue(out['reason'])
        self.assertEqual(self.fake.charges(), [])
        self.assertEqual(self.topups(), [])

    def test_crash_at_every_step_charges_once(self):
        path = None
        for n, fault in enumerate(('after-intent', 'after-sent', 'after-provider-reply',
                                   'after-result')):
            proc = self.start_saldod(extra_env={'SALDO_TEST_FAULT': fault})
            if path is None:
                path = self.ready_line('Saldo: S/ 30.00')
                # The owner allows back-to-back top-ups on this line (a
                # disabled rule still lends its limits).
                self.add_rule(line=path, kind='threshold', below=1, amount=100,
                              provider='pay', enabled=False, cooldown=0)
            try:
                self.top_up(path, 100 + n)
            except GLib.Error:
                pass  # the daemon died under the call
            self.assertEqual(proc.wait(timeout=20), -9, fault)
            self.rig.wait_bus_name_gone(BUS_NAME)
            self.start_saldod()
            rows = self.rig.wait_for(
                lambda: [t for t in self.topups() if t['amount'] == 100 + n and
                         t['state'] in ('succeeded', 'verified')] or None, 30,
                'top-up after %s reconciled' % fault)
            self.assertEqual(len([t for t in self.topups() if t['amount'] == 100 + n]), 1, fault)
            charges = [c for c in self.fake.charges() if c['reference'] == rows[0]['reference']]
            self.assertEqual(len(charges), 1, fault)
            self.stop_saldod()
        self.assertEqual(len(self.fake.charges()), 4)

    def test_ussd_voucher_dialled_once(self):
        providers = os.path.join(os.path.dirname(self.config_path), 'providers.d')
        vouchers = os.path.join(providers, 'vouchers')
        with open(os.open(vouchers, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as f:
            f.write('# PIN AMOUNT\n12345678901234 10.00\n99999999999999 20.00\n')
        with open(os.path.join(providers, 'voucher.conf'), 'w') as f:
            f.write('[Provider]\nType=ussd-voucher\nVoucherFile=vouchers\nTemplate=*123*{pin}#\n'
                    'SuccessPattern=(?i)recarga exitosa\n')
        self.sim.set_ussd('*123*12345678901234#', 'Recarga exitosa. Tu saldo es S/ 15.00')
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 5.00')
        self.add_rule(line=path, kind='threshold', below=1, amount=100, provider='pay',
                      enabled=False, cooldown=0)
        self.top_up(path, 1000, provider='voucher')
        rows = self.wait_state('succeeded')
        self.assertEqual(rows[0]['provider'], 'voucher')
        self.assertIn('exitosa', rows[0]['message'])
        dialled = [s for s in self.sim.ussd_sessions_seen if s['code'].startswith('*123*')]
        self.assertEqual(len(dialled), 1)
        # The only S/ 10.00 voucher is used: another top-up of 10.00 dials nothing.
        self.top_up(path, 1000, provider='voucher')
        self.rig.wait_for(lambda: len([t for t in self.topups() if t['state'] == 'failed']) == 1,
                          20, 'second voucher top-up refused')
        failed = [t for t in self.topups() if t['state'] == 'failed'][0]
        self.assertIn('no unused voucher', failed['error'])
        dialled = [s for s in self.sim.ussd_sessions_seen if s['code'].startswith('*123*')]
        self.assertEqual(len(dialled), 1)
        # The PIN is never in the logs or the ledger's texts.
        self.assertNotIn('12345678901234', self.saldod_text())
        self.assertNotIn('12345678901234', json.dumps([{k: str(v) for k, v in t.items()}
                                                      for t in self.topups()]))

    def test_rule_disables_itself_after_failures(self):
        self.start_saldod()
        seen = self.collect_signals()
        path = self.ready_line('Saldo: S/ 1.00')
        # The payment backend refuses every request (nothing is charged) for a
        # reason about the request: the rule's failure, not the provider's.
        self.fake.command({'op': 'fault', 'path': '/hook/topup', 'action': 'failed',
                           'error_code': 'invalid_amount', 'count': 10})
        rule = self.add_rule(line=path, kind='threshold', below=500, amount=1000,
                             provider='pay', cooldown=0)
        for attempt in range(4):
            self.pump(lambda: len([m for m, _ in seen if m == 'TopUpFinished']) >= attempt + 1 or
                      any(m == 'RuleDisabled' for m, _ in seen), 'top-up %d' % attempt)
            if any(m == 'RuleDisabled' for m, _ in seen):
                break
            self.refresh(path)
        self.pump(lambda: any(m == 'RuleDisabled' for m, _ in seen), 'RuleDisabled')
        disabled = [p for m, p in seen if m == 'RuleDisabled'][0]
        self.assertEqual(disabled[0], rule)
        self.assertIn('fail', disabled[1])
        # With cooldown 0 the engine may retry on the same reading, so the three
        # failures can come before any refresh: LowBalance is asserted on a
        # reading taken now, below the threshold of the (disabled) rule, which
        # must not start a fourth top-up.
        self.refresh(path)
        self.pump(lambda: any(m == 'LowBalance' for m, _ in seen), 'LowBalance')
        self.assertTrue(any(m == 'TopUpStarted' for m, _ in seen))
        props = self.rig.call(BUS_NAME, rule, 'org.freedesktop.DBus.Properties', 'GetAll',
                              GLib.Variant('(s)', ('io.github.saldo.Saldo1.Rule',)), '(a{sv})')[0]
        self.assertFalse(props['Enabled'])
        self.assertNotEqual(props['DisabledReason'], '')
        self.assertEqual(self.fake.charges(), [])
        failed = [t for t in self.topups() if t['state'] == 'failed']
        self.assertEqual(len(failed), 3)
        # No more attempts once disabled.
        self.refresh(path)
        time.sleep(1)
        self.assertEqual(len(self.topups()), 3)

    def test_secrets_never_leak(self):
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 30.00')
        self.top_up(path, 700)
        self.wait_state('succeeded')
        self.assertNotIn(HOOK_SECRET, self.saldod_text())
        dump = subprocess.run(['busctl', '--address', self.rig.env['DBUS_SYSTEM_BUS_ADDRESS'],
                               '--json=short', 'call', BUS_NAME, ROOT,
                               'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects'],
                              capture_output=True, text=True, check=True).stdout
        self.assertNotIn(HOOK_SECRET, dump)
        providers = self.manager_property('Providers')
        self.assertEqual(len(providers), 1)
        self.assertEqual(self.rig.call(BUS_NAME, providers[0], 'org.freedesktop.DBus.Properties',
                                       'Get', GLib.Variant('(ss)', ('io.github.saldo.Saldo1.Provider',
                                                                     'Id')), '(v)')[0], 'pay')


if __name__ == '__main__':
    main()
