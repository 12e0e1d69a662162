#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Providers on the bus and what they need of their owner: a real saldod,
ModemManager with a simulated Claro modem, and the HTTPS fake provider
(tests/fakeprovider.py) as Reloadly and as an http backend, each failure
class for real; rules that pause and resume; warnings; saldoctl providers."""

import datetime
import os
import time

from saldo_testcase import (BUS_NAME, CLARO, MANAGER_IFACE, ROOT, SaldoTestCase, main)
from gi.repository import GLib
from test_topup import HOOK_SECRET, FakeProvider

PROVIDER_IFACE = 'io.github.saldo.Saldo1.Provider'
RULE_IFACE = 'io.github.saldo.Saldo1.Rule'
CLARO_WITH_NUMBER = dict(CLARO, own_number='+51987654321')


def month_after(today, months):
    index = today.year * 12 + today.month - 1 + months
    return '%04d-%02d' % (index // 12, index % 12 + 1)


class ProvidersTest(SaldoTestCase):

    def setUp(self):
        super().setUp()
        self.fake = FakeProvider(self.rig)
        self.addCleanup(self.fake.close)
        self.providers_dir = os.path.join(os.path.dirname(self.config_path), 'providers.d')
        os.makedirs(self.providers_dir, exist_ok=True)
        self.write_private('pay.secret', HOOK_SECRET)
        self.write_private('rl.secret', 'test-secret')
        # Health checks come quickly, so a test sees them.
        self.write_config(ProviderCheckInterval='1')
        self.rig.start_mm()
        self.start_polkit()
        self.sim = self.add_registered_modem('claro', **CLARO_WITH_NUMBER)
        self.seen = self.collect_signals()

    # ---- helpers --------------------------------------------------------------

    def write_private(self, name, text):
        path = os.path.join(self.providers_dir, name)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as f:
            f.write(text + '\n')

    def add_provider(self, name, text):
        with open(os.path.join(self.providers_dir, name + '.conf'), 'w') as f:
            f.write('[Provider]\n' + text)

    def add_http(self, name='pay', account=True, port=None, extra=''):
        port = port or self.fake.port
        self.add_provider(name, 'Type=http\nUrl=https://127.0.0.1:%d/hook/topup\n'
                          'StatusUrl=https://127.0.0.1:%d/hook/status/{reference}\n'
                          '%sSecretFile=pay.secret\nCaFile=%s\nTimeoutSec=3\n%s'
                          % (port, port, 'AccountUrl=https://127.0.0.1:%d/hook/account\n' % port
                             if account else '', self.fake.ca, extra))

    def add_reloadly(self, extra=''):
        self.add_provider('rl', 'Type=reloadly\nClientId=test-client\nClientSecretFile=rl.secret\n'
                          'AuthUrl=https://127.0.0.1:%d/oauth/token\nApiUrl=https://127.0.0.1:%d\n'
                          'CaFile=%s\nTimeoutSec=3\n%s'
                          % (self.fake.port, self.fake.port, self.fake.ca, extra))

    def provider(self, provider_id):
        for path in self.manager_property('Providers'):
            props = self.rig.call(BUS_NAME, path, 'org.freedesktop.DBus.Properties', 'GetAll',
                                  GLib.Variant('(s)', (PROVIDER_IFACE,)), '(a{sv})')[0]
            if props['Id'] == provider_id:
                return path, props
        self.fail('no provider %s' % provider_id)

    def wait_provider(self, provider_id, what, **expected):
        return self.pump(lambda: self.provider(provider_id)
                         if all(self.provider(provider_id)[1].get(k) == v
                                for k, v in expected.items()) else None, what)

    def rule(self, path):
        return self.rig.call(BUS_NAME, path, 'org.freedesktop.DBus.Properties', 'GetAll',
                             GLib.Variant('(s)', (RULE_IFACE,)), '(a{sv})')[0]

    def topups(self):
        return self.rig.call(BUS_NAME, ROOT, MANAGER_IFACE, 'GetTopUps',
                             GLib.Variant('(a{sv})', ({},)), '(aa{sv})', 30)[0]

    def signals(self, name):
        return [args for member, args in self.seen if member == name]

    def ready_line(self, reply):
        self.sim.set_ussd('*777#', reply)
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        self.refresh(path)
        return path

    def add_rule(self, path, provider):
        return self.rig.call(BUS_NAME, ROOT, MANAGER_IFACE, 'AddRule', GLib.Variant('(a{sv})', ({
            'line': GLib.Variant('o', path), 'kind': GLib.Variant('s', 'threshold'),
            'below': GLib.Variant('x', 500), 'amount': GLib.Variant('x', 2000),
            'provider': GLib.Variant('s', provider), 'cooldown': GLib.Variant('u', 0)},)),
            '(o)', 30)[0]

    # ---- tests ----------------------------------------------------------------

    def test_funds_warnings_and_saldoctl(self):
        today = datetime.date.today()
        self.add_reloadly('FundsWarnBelow=50.00 USD\nPaymentExpires=%s\n' % month_after(today, 12))
        self.add_http(extra='PaymentExpires=%s\n' % month_after(today, -1))
        self.start_saldod()
        path, rl = self.wait_provider('rl', 'Reloadly funds', FundsKnown=True)
        self.assertTrue(path.startswith(ROOT + '/Provider/'))
        self.assertEqual((rl['Type'], rl['State'], rl['Funds'], rl['FundsCurrency']),
                         ('reloadly', 'ok', 100000, 'USD'))
        self.assertGreater(rl['LastSuccess'], 0)
        self.assertEqual(rl['Warnings'], [])
        _, pay = self.wait_provider('pay', 'the backend funds', FundsKnown=True)
        self.assertEqual((pay['Funds'], pay['FundsCurrency']), (100000, 'PEN'))
        # A card that expired last month is a warning, with its signal.
        self.assertEqual(pay['Warnings'], ['payment-expired'])
        self.assertEqual(pay['PaymentExpires'], month_after(today, -1))
        self.pump(lambda: self.signals('ProviderWarning'), 'ProviderWarning')
        self.assertEqual(self.signals('ProviderWarning')[0][1], 'payment-expired')

        # The account runs low: Check () reads it at once, the warning comes.
        self.fake.command({'op': 'config', 'funds': 20.5})
        out = self.saldoctl('providers', 'check', 'rl').stdout
        self.assertIn('funds-low', out)
        _, rl = self.provider('rl')
        self.assertEqual((rl['Funds'], rl['Warnings']), (2050, ['funds-low']))
        self.pump(lambda: len(self.signals('ProviderWarning')) == 2, 'the funds-low warning')
        self.assertIn('USD 20.50', self.signals('ProviderWarning')[1][2])

        listing = self.saldoctl_json('providers')
        self.assertEqual(sorted((p['id'], p['type'], p['state']) for p in listing),
                         [('pay', 'http', 'ok'), ('rl', 'reloadly', 'ok')])
        rl_json = [p for p in listing if p['id'] == 'rl'][0]
        self.assertEqual((rl_json['funds'], rl_json['funds_currency']), ('20.50', 'USD'))
        # Check () asks for configure: a caller without it is refused.
        self.polkit_allow(['io.github.saldo.Saldo1.refresh'])
        self.assert_dbus_error('org.freedesktop.DBus.Error.AccessDenied', self.rig.call, BUS_NAME,
                               self.provider('rl')[0], PROVIDER_IFACE, 'Check', None, None, 30)

    def test_insufficient_funds_pauses_and_resumes(self):
        """Reloadly's account runs dry: one signal, the rule waits (not
        disabled, not retried), and resumes by itself after a refill."""
        self.add_reloadly()
        self.fake.command({'op': 'config', 'funds': 1.0})
        self.start_saldod()
        line = self.ready_line('Saldo: S/ 2.00')
        rule = self.add_rule(line, 'rl')
        self.pump(lambda: self.signals('ProviderNeedsAttention'), 'ProviderNeedsAttention')
        provider_path, props = self.provider('rl')
        self.assertEqual(self.signals('ProviderNeedsAttention')[0][0], provider_path)
        self.assertIn('balance is too low', self.signals('ProviderNeedsAttention')[0][1])
        self.assertEqual((props['State'], props['Attention']), ('needs-attention', 'insufficient-funds'))
        failed = [t for t in self.topups() if t['state'] == 'failed']
        self.assertEqual(len(failed), 1)
        # Readings keep coming; the rule waits, says why, and stays enabled.
        for _ in range(3):
            self.refresh(line)
        time.sleep(1)
        self.assertEqual(len(self.topups()), 1)
        self.assertIn('paused', self.rule(rule)['LastDecision'])
        self.assertIn('insufficient-funds', self.rule(rule)['LastDecision'])
        self.assertTrue(self.rule(rule)['Enabled'])
        self.assertEqual(self.signals('RuleDisabled'), [])
        self.assertIn('provider rl needs attention', self.saldod_text())
        # A health check that finds the same funds keeps it waiting.
        self.pump(lambda: 'waiting for a refill' in self.provider('rl')[1]['LastError'],
                  'a health check without a refill')
        self.assertEqual(len(self.signals('ProviderNeedsAttention')), 1)

        # The owner refills: the next health check brings it back, the rule
        # tops up at once.
        self.sim.set_ussd('*777#', 'Saldo: S/ 22.00')
        self.fake.command({'op': 'config', 'funds': 100.0})
        self.wait_provider('rl', 'the provider back to ok', State='ok', Attention='')
        self.pump(lambda: [t for t in self.topups() if t['state'] == 'verified'],
                  'the resumed top-up, verified')
        self.assertEqual(len(self.fake.charges()), 1)
        self.assertIn('works again', self.saldod_text())
        self.assertTrue(self.rule(rule)['Enabled'])

    def test_rejected_credentials_and_check(self):
        """The backend refuses saldod's signature (HTTP 401): needs attention;
        the owner fixes the secret and asks for a check."""
        self.add_http()
        self.start_saldod()
        line = self.ready_line('Saldo: S/ 2.00')
        self.wait_provider('pay', 'the backend answering', State='ok')
        self.fake.command({'op': 'config', 'hmac_secret': 'rotated-on-the-server'})
        self.rig.call(BUS_NAME, line, 'io.github.saldo.Saldo1.Line', 'TopUp',
                      GLib.Variant('(xa{sv})', (1000, {})), '(s)', 30)
        _, props = self.wait_provider('pay', 'needs attention', State='needs-attention')
        self.assertEqual(props['Attention'], 'credentials-rejected')
        self.assertIn('signature', props['LastError'])
        row = [t for t in self.topups()][0]
        self.assertEqual(row['state'], 'failed')
        self.assertEqual(self.fake.charges(), [])
        # Still refused: a check keeps it waiting.
        out = self.saldoctl('providers', 'check', 'pay').stdout
        self.assertIn('needs attention', out)
        self.fake.command({'op': 'config', 'hmac_secret': HOOK_SECRET})
        self.saldoctl('providers', 'check', 'pay')
        _, props = self.provider('pay')
        self.assertEqual((props['State'], props['Attention'], props['LastError']), ('ok', '', ''))

    def test_declined_card_without_account_and_restart(self):
        """An expired card, from a backend that cannot tell its funds: the
        rule waits across a restart until the owner says it is fixed."""
        self.add_http(account=False)
        self.start_saldod()
        line = self.ready_line('Saldo: S/ 2.00')
        self.fake.command({'op': 'fault', 'path': '/hook/topup', 'action': 'failed',
                           'error_code': 'expired_card'})
        rule = self.add_rule(line, 'pay')
        _, props = self.wait_provider('pay', 'needs attention', State='needs-attention')
        self.assertEqual(props['Attention'], 'payment-expired')
        self.assertFalse(props['FundsKnown'])
        # Nothing to ask it: the error says how to bring it back.
        self.pump(lambda: 'saldoctl providers check pay' in self.provider('pay')[1]['LastError'],
                  'the hint to check it')
        self.stop_saldod()
        self.start_saldod()
        self.wait_line(CLARO['iccid'], Active=True)
        _, props = self.provider('pay')
        self.assertEqual((props['State'], props['Attention']), ('needs-attention', 'payment-expired'))
        self.refresh(line)
        self.assertEqual(len(self.topups()), 1)
        self.assertIn('paused', self.rule(rule)['LastDecision'])
        # The owner replaced the card and says so.
        self.sim.set_ussd('*777#', 'Saldo: S/ 22.00')
        out = self.saldoctl('providers', 'check', 'pay').stdout
        self.assertNotIn('needs attention', out)
        self.pump(lambda: len(self.fake.charges()) == 1, 'the resumed top-up')
        self.wait_provider('pay', 'ok after the top-up', State='ok')

    def test_unreachable_is_not_attention(self):
        """A provider that cannot be reached is unreachable, not the owner's
        problem: its rules are not paused."""
        self.add_http(port=1)
        self.start_saldod()
        _, props = self.wait_provider('pay', 'unreachable', State='unreachable')
        self.assertEqual(props['Attention'], '')
        line = self.ready_line('Saldo: S/ 2.00')
        rule = self.add_rule(line, 'pay')
        self.pump(lambda: [t for t in self.topups() if t['state'] == 'failed'], 'the failed top-up')
        self.assertNotIn('paused', self.rule(rule)['LastDecision'])
        self.assertEqual(self.provider('pay')[1]['State'], 'unreachable')
        self.assertEqual(self.signals('ProviderNeedsAttention'), [])


if __name__ == '__main__':
    main()
