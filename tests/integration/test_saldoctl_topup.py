#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""saldoctl rules, topup and history against a real saldod, ModemManager with
a simulated Claro modem, and the HTTPS fake provider (tests/sim/fakeprovider.py)."""

import csv
import datetime
import io
import json
import os
import subprocess

from saldo_testcase import (BUS_NAME, CLARO, MANAGER_IFACE, ROOT, SaldoTestCase, main)
from gi.repository import GLib
from test_topup import HOOK_SECRET, FakeProvider

RULE_IFACE = 'io.github.saldo.Saldo1.Rule'

# What a hostile or careless provider could send back: a formula, a comma,
# quotes and a line break, all of which a CSV export must carry safely.
EVIL_MESSAGE = '=HYPERLINK("http://example.invalid/x","click"), then "call"\nsecond line'
EVIL_PROVIDER = '''import json, os
print(json.dumps({"status": "succeeded", "transaction_id": "=2+3",
                  "delivered_amount": os.environ.get("SALDO_AMOUNT", ""),
                  "message": %r}))
''' % EVIL_MESSAGE

CSV_HEADER = ['id', 'time', 'line', 'iccid', 'provider', 'state', 'amount', 'currency',
              'reference', 'transaction_id', 'delivered_amount', 'delivered_currency',
              'balance_before', 'balance_after', 'message', 'error']


class SaldoctlTopUpTest(SaldoTestCase):

    def setUp(self):
        super().setUp()
        self.fake = FakeProvider(self.rig)
        self.addCleanup(self.fake.close)
        self.providers_dir = os.path.join(os.path.dirname(self.config_path), 'providers.d')
        os.makedirs(self.providers_dir, exist_ok=True)
        secret = os.path.join(self.providers_dir, 'pay.secret')
        with open(os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as f:
            f.write(HOOK_SECRET + '\n')
        with open(os.path.join(self.providers_dir, 'pay.conf'), 'w') as f:
            f.write('[Provider]\nType=http\nUrl=https://127.0.0.1:%d/hook/topup\n'
                    'StatusUrl=https://127.0.0.1:%d/hook/status/{reference}\n'
                    'SecretFile=pay.secret\nCaFile=%s\nTimeoutSec=5\n'
                    % (self.fake.port, self.fake.port, self.fake.ca))
        self.rig.start_mm()
        self.start_polkit()
        self.sim = self.add_ready_modem('claro', **CLARO)
        self.rig.enable_modem(self.sim)
        self.rig.wait_modem_state(self.sim, 'registered')

    # ---- helpers --------------------------------------------------------------

    def add_evil_provider(self):
        script = self.rig.path('evil-provider.py')
        with open(script, 'w') as f:
            f.write(EVIL_PROVIDER)
        with open(os.path.join(self.providers_dir, 'evil.conf'), 'w') as f:
            f.write('[Provider]\nType=command\nProgram=/usr/bin/python3\nArguments=%s\n'
                    'TimeoutSec=10\n' % script)

    def ready_line(self, reply):
        self.sim.set_ussd('*777#', reply)
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        self.refresh(path)
        return path

    def topups(self):
        return self.rig.call(BUS_NAME, ROOT, MANAGER_IFACE, 'GetTopUps',
                             GLib.Variant('(a{sv})', ({},)), '(aa{sv})', 30)[0]

    def wait_topups_done(self, count):
        busy = ('planned', 'intent', 'sent')
        return self.rig.wait_for(
            lambda: self.topups() if len(self.topups()) >= count and
            not [t for t in self.topups() if t['state'] in busy] else None,
            30, '%d finished top-ups' % count)

    def rule_props(self, path):
        return self.rig.call(BUS_NAME, path, 'org.freedesktop.DBus.Properties', 'GetAll',
                             GLib.Variant('(s)', (RULE_IFACE,)), '(a{sv})')[0]

    def fails(self, *args):
        """Runs saldoctl expecting failure; returns its stderr."""
        res = self.saldoctl(*args, check=False)
        self.assertNotEqual(res.returncode, 0, 'saldoctl %s succeeded: %s' % (args, res.stdout))
        self.assertTrue(res.stderr.strip(), args)
        return res.stderr

    def fails_json(self, *args):
        res = self.saldoctl('--json', *args, check=False)
        self.assertNotEqual(res.returncode, 0, args)
        self.assertEqual(res.stdout, '', args)
        return json.loads(res.stderr)['error']

    # ---- tests ----------------------------------------------------------------

    def test_rules_round_trip(self):
        self.start_saldod()
        line = self.ready_line('Saldo: S/ 30.00')
        out = self.saldoctl('rules', 'add', '1', '--kind', 'threshold', '--below', '5',
                            '--amount', '20', '--provider', 'pay', '--max-per-month', '100',
                            '--cooldown', '600', '--disabled').stdout.strip()
        self.assertTrue(out.startswith(ROOT + '/Rule/'), out)
        rule = out
        props = self.rule_props(rule)
        self.assertEqual(props['Line'], line)
        self.assertEqual(props['Kind'], 'threshold')
        self.assertEqual(props['Amount'], 2000)
        self.assertEqual(props['Below'], 500)
        self.assertEqual(props['Currency'], 'PEN')
        self.assertEqual(props['Provider'], 'pay')
        self.assertEqual(props['MaxPerMonth'], 10000)
        self.assertEqual(props['Cooldown'], 600)
        self.assertFalse(props['Enabled'])
        self.assertFalse(props['Confirm'])
        self.assertEqual(self.manager_property('Rules'), [rule])

        listed = self.saldoctl_json('rules', 'list')
        self.assertEqual(len(listed), 1)
        self.assertEqual(listed[0]['path'], rule)
        self.assertEqual(listed[0]['line'], 1)
        self.assertEqual(listed[0]['amount'], '20.00')
        self.assertEqual(listed[0]['below'], '5.00')
        self.assertEqual(listed[0]['currency'], 'PEN')
        self.assertEqual(listed[0]['max_per_month'], '100.00')
        self.assertIsNone(listed[0]['max_per_day'])
        self.assertEqual(listed[0]['cooldown'], 600)
        self.assertFalse(listed[0]['enabled'])
        text = self.saldoctl('rules', 'list').stdout
        self.assertIn('20.00 PEN', text)
        self.assertIn('balance < 5.00', text)

        number = rule.rsplit('/', 1)[1]
        self.assertEqual(self.saldoctl_json('rules', 'update', number, '--amount', '7.5',
                                            '--below', '2.50', '--confirm'),
                         {'rule': rule, 'updated': True})
        props = self.rule_props(rule)
        self.assertEqual((props['Amount'], props['Below'], props['Confirm']), (750, 250, True))
        self.assertEqual(props['MaxPerMonth'], 10000)

        self.saldoctl('rules', 'enable', rule)
        self.assertTrue(self.rule_props(rule)['Enabled'])
        self.assertEqual(self.saldoctl_json('rules', 'disable', number),
                         {'rule': rule, 'enabled': False})
        self.assertFalse(self.rule_props(rule)['Enabled'])

        data_rule = self.saldoctl_json('rules', 'add', '1', '--data-below', '500MB',
                                       '--amount', '10', '--provider', 'pay',
                                       '--disabled')['rule']
        props = self.rule_props(data_rule)
        self.assertEqual((props['Kind'], props['Below'], props['Amount']),
                         ('data', 500 * 1024 * 1024, 1000))
        listed = self.saldoctl_json('rules', 'list', '1')
        self.assertEqual([r['path'] for r in listed], [rule, data_rule])
        self.assertEqual(listed[1]['data_below_bytes'], 500 * 1024 * 1024)
        self.assertIsNone(listed[1]['below'])
        self.assertIn('data < 500 MB', self.saldoctl('rules', 'list').stdout)

        self.assertEqual(self.saldoctl_json('rules', 'remove', number),
                         {'rule': rule, 'removed': True})
        self.assertEqual(self.manager_property('Rules'), [data_rule])
        self.assertEqual([r['path'] for r in self.saldoctl_json('rules', 'list')], [data_rule])
        self.assertIn('no rule', self.fails('rules', 'remove', number))
        self.assertEqual(self.fake.charges(), [])

    def test_rules_test_spends_nothing(self):
        self.start_saldod()
        self.ready_line('Saldo: S/ 50.00')
        rule = self.saldoctl('rules', 'add', '1', '--below', '5', '--amount', '20',
                             '--provider', 'pay').stdout.strip()
        text = self.saldoctl('rules', 'test', '1', '--balance', '1').stdout
        self.assertIn('decision: top-up', text)
        self.assertIn('20.00 PEN', text)
        out = self.saldoctl_json('rules', 'test', '1', '--balance', '1.00')
        self.assertEqual(out['decision'], 'top-up')
        self.assertEqual(out['amount'], '20.00')
        self.assertEqual(out['currency'], 'PEN')
        self.assertEqual(out['rule'], rule)
        self.assertEqual(out['provider'], 'pay')
        self.assertTrue(out['reason'])
        # The real balance (50.00) is above the threshold.
        self.assertEqual(self.saldoctl_json('rules', 'test', '1')['decision'], 'nothing')
        self.assertEqual(self.saldoctl_json('rules', 'test', '1', '--data', '1.5GB')['decision'],
                         'nothing')
        self.assertEqual(self.fake.charges(), [])
        self.assertEqual(self.topups(), [])

    def test_topup_charges_once(self):
        self.start_saldod()
        line = self.ready_line('Saldo: S/ 30.00')
        topup_id = self.saldoctl('topup', '1', '10', '--provider', 'pay').stdout.strip()
        self.assertTrue(topup_id)
        rows = self.wait_topups_done(1)
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]['id'], topup_id)
        self.assertEqual(rows[0]['amount'], 1000)
        self.assertEqual(rows[0]['line'], line)
        charges = self.fake.charges()
        self.assertEqual(len(charges), 1)
        self.assertEqual(charges[0]['amount'], '10.00')
        self.assertEqual(charges[0]['currency'], 'PEN')
        # The cooldown refuses a second one; the D-Bus error keeps its name.
        err = self.fails_json('topup', '1', '5')
        self.assertEqual(err['name'], 'io.github.saldo.Saldo1.Error.LimitReached')
        self.assertIn('cooldown', err['message'])
        # Nothing waits for confirmation under that id.
        self.fails('topup', 'confirm', 'no-such-id')
        self.assertEqual(len(self.fake.charges()), 1)

    def test_history_json_and_csv(self):
        self.add_evil_provider()
        self.start_saldod()
        self.ready_line('Saldo: S/ 30.00')
        self.assertEqual(sorted(p['id'] for p in json.loads(self.saldoctl('--json', 'providers').stdout)),
                         ['evil', 'pay'])
        self.assertIn('no top-ups', self.saldoctl('history').stdout)
        # A disabled rule lends its limits: no cooldown between the two.
        self.saldoctl('rules', 'add', '1', '--below', '1', '--amount', '1', '--provider', 'pay',
                      '--disabled', '--cooldown', '0')
        pay_id = self.saldoctl('topup', '1', '10', '--provider', 'pay').stdout.strip()
        self.wait_topups_done(1)
        evil_id = self.saldoctl('topup', '1', '2.5', '--provider', 'evil').stdout.strip()
        self.wait_topups_done(2)

        rows = self.saldoctl_json('history')
        self.assertEqual([r['id'] for r in rows], [evil_id, pay_id])
        evil, pay = rows
        self.assertEqual((pay['amount'], pay['currency'], pay['provider']), ('10.00', 'PEN', 'pay'))
        self.assertEqual((pay['line'], pay['iccid']), (1, CLARO['iccid']))
        self.assertTrue(pay['reference'].startswith('saldo-'))
        self.assertEqual(pay['balance_before'], '30.00')
        self.assertEqual(evil['amount'], '2.50')
        self.assertEqual(evil['message'], EVIL_MESSAGE)
        self.assertEqual(evil['transaction_id'], '=2+3')
        for row in rows:
            when = datetime.datetime.fromisoformat(row['time'])
            self.assertEqual(when.utcoffset(), datetime.timedelta(0))
            self.assertLess(abs(datetime.datetime.now(datetime.timezone.utc) - when),
                            datetime.timedelta(hours=1))
        self.assertEqual(self.saldoctl_json('history', '1'), rows)

        # Bytes, not text mode, which would fold the CRLF record ends.
        raw = subprocess.run([self.saldoctl_binary, 'history', '--csv'], env=self.rig.env,
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                             check=True).stdout.decode('utf-8')
        self.assertTrue(raw.endswith('\r\n'))
        self.assertEqual(raw.count('\r\n'), 3)
        table = list(csv.reader(io.StringIO(raw, newline='')))
        self.assertEqual(table[0], CSV_HEADER)
        self.assertEqual(len(table), 3)
        records = [dict(zip(CSV_HEADER, r)) for r in table[1:]]
        self.assertEqual([r['id'] for r in records], [evil_id, pay_id])
        # Formulas are neutralised; commas, quotes and newlines survive quoting.
        self.assertEqual(records[0]['message'], "'" + EVIL_MESSAGE)
        self.assertEqual(records[0]['transaction_id'], "'=2+3")
        self.assertEqual(records[0]['amount'], '2.50')
        self.assertEqual(records[1]['amount'], '10.00')
        self.assertEqual(records[1]['iccid'], CLARO['iccid'])
        self.assertEqual(records[1]['line'], '1')
        self.assertEqual(records[1]['time'], pay['time'])
        self.assertEqual(records[1]['balance_before'], '30.00')

        text = self.saldoctl('history').stdout
        self.assertIn(pay_id, text)
        self.assertIn('10.00 PEN', text)
        # One line per top-up on a terminal, whatever the provider sent:
        # its control characters shown as escapes.
        self.assertEqual(len(text.splitlines()), 3)
        self.assertIn('then "call"\\nsecond line', text)
        # The balance history is still there, behind --balance.
        readings = self.saldoctl_json('history', '--balance', '1')
        self.assertTrue(readings)
        self.assertEqual(readings[0]['amount'], '30.00')
        self.fails('history', '--json', '--csv')

    def test_invalid_inputs(self):
        self.start_saldod()
        self.sim.set_ussd('*777#', 'Saldo: S/ 30.00')
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        # No balance read yet: no currency to read "10" in.
        self.assertIn('read the balance first', self.fails('topup', '1', '10'))
        self.refresh(path)

        cases = [
            (('topup', '1', 'abc'), 'not an amount'),
            (('topup', '1', '-5'), 'negative'),
            (('topup', '1', '1.234'), 'PEN amounts have at most 2 decimals'),
            (('topup', '1', '1,50'), 'not an amount'),
            (('topup', '1', '0'), 'greater than zero'),
            (('topup', '1', '99999999999999999999'), 'too large'),
            (('topup', '1'), 'usage'),
            (('topup', '7', '10'), "no line '7'"),
            (('rules', 'add', '1', '--amount', '1.234', '--provider', 'pay'), '--amount'),
            (('rules', 'add', '1', '--amount', '20', '--below', 'x', '--provider', 'pay'),
             'not an amount'),
            (('rules', 'add', '1', '--amount', '20', '--data-below', '5XB', '--provider', 'pay'),
             'not a data size'),
            (('rules', 'add', '1', '--amount', '20', '--cooldown', 'soon', '--provider', 'pay'),
             'whole number'),
            (('rules', 'add', '1', '--amount', '20', '--confirm', '--no-confirm',
              '--provider', 'pay'), 'exclude'),
            (('rules', 'add', '1', '--below', '5'), 'usage'),
            (('rules', 'update', '9', '--amount', '5'), 'no rule'),
            (('rules', 'frobnicate'), 'unknown command'),
            (('rules', 'test', '1', '--balance', '1.005'), 'at most 2 decimals'),
        ]
        for args, fragment in cases:
            self.assertIn(fragment, self.fails(*args), args)
            err = self.fails_json(*args)
            self.assertEqual(err['name'], 'io.github.saldo.Saldo1.Error.InvalidArgument', args)
            self.assertIn(fragment, err['message'], args)
        # saldod's own refusals arrive with their D-Bus names and the key.
        err = self.fails_json('rules', 'add', '1', '--amount', '20', '--provider', 'nope')
        self.assertEqual(err['name'], 'io.github.saldo.Saldo1.Error.InvalidArgument')
        self.assertIn('provider', err['message'])
        err = self.fails_json('rules', 'add', '1', '--amount', '20', '--provider', 'pay',
                              '--day', '31', '--kind', 'schedule')
        self.assertIn('day', err['message'])
        self.assertEqual(self.manager_property('Rules'), [])
        self.assertEqual(self.topups(), [])
        self.assertEqual(self.fake.charges(), [])


if __name__ == '__main__':
    main()
