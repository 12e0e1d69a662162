#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The money paths tried as an unlucky owner and as a hostile sender would:
confirmations that must decide again, rows that must settle, replies and
messages that must not move money.  Same rig as test_topup.py: a real
ModemManager with a simulated modem, saldod, and a real HTTPS provider on
loopback (tests/sim/fakeprovider.py)."""

import datetime
import os
import time

from saldo_testcase import BUS_NAME, CLARO, SOURCE_ROOT, main
from gi.repository import GLib
from test_topup import TopUpTest


class MoneyPathsTest(TopUpTest):

    def voucher_setup(self, pins, success='(?i)recarga exitosa'):
        """A voucher provider with `pins` (PIN -> amount) and an admin copy of
        Claro's carrier file with its voucher code and words for success."""
        config_dir = os.path.dirname(self.config_path)
        providers = os.path.join(config_dir, 'providers.d')
        with open(os.open(os.path.join(providers, 'vouchers'), os.O_WRONLY | os.O_CREAT, 0o600),
                  'w') as f:
            f.write(''.join('%s %s\n' % (pin, amount) for pin, amount in pins.items()))
        with open(os.path.join(providers, 'voucher.conf'), 'w') as f:
            f.write('[Provider]\nType=ussd-voucher\nVoucherFile=vouchers\n')
        carriers = os.path.join(config_dir, 'carriers.d')
        os.makedirs(carriers, exist_ok=True)
        with open(os.path.join(SOURCE_ROOT, 'plugin', 'carriers', 'claro-pe.conf')) as f:
            shipped = f.read()
        with open(os.path.join(carriers, 'claro-pe.conf'), 'w') as f:
            f.write(shipped + '\nVoucherUssd=*123*{pin}#\n' +
                    ('VoucherSuccess=%s\n' % success if success else ''))

    def dialled(self, prefix='*123*'):
        return [s['code'] for s in self.sim.ussd_sessions_seen if s['code'].startswith(prefix)]

    def confirm(self, topup_id):
        return self.manager_call('ConfirmTopUp', GLib.Variant('(s)', (topup_id,)))

    def test_confirm_decides_again(self):
        """Two confirm-mode rules with max-per-day S/ 10 on one line: the
        owner says yes to everything, and S/ 10 is all that is spent."""
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 1.00')
        self.add_rule(line=path, kind='threshold', below=500, amount=1000, provider='pay',
                      confirm=True, max_per_day=1000, cooldown=0)
        self.add_rule(line=path, kind='threshold', below=600, amount=1000, provider='pay',
                      confirm=True, max_per_day=1000, cooldown=0)
        self.refresh(path)
        time.sleep(0.5)
        # The provider credits the line: the next reading shows it.
        self.sim.set_ussd('*777#', 'Saldo: S/ 11.00')
        for row in [t for t in self.topups() if t['state'] == 'planned']:
            try:
                self.confirm(row['id'])
            except GLib.Error as e:
                self.assertIn('LimitReached', e.message)
        self.wait_state('verified')
        time.sleep(1)
        self.assertEqual(len(self.fake.charges()), 1)
        # The first top-up is spent now; the next one waits for tomorrow.
        out = self.manager_call('Simulate', GLib.Variant('(a{sv})', ({
            'line': GLib.Variant('o', path), 'balance': GLib.Variant('x', 100)},)),
            '(a{sv})')[0]
        self.assertEqual(out['decision'], 'blocked')
        self.assertEqual(out['limit'], 'max-per-day')

    def test_confirm_respects_cooldown_and_unconfirmed_rows_expire(self):
        # Long enough for the manual top-up and its verification below on a
        # loaded ASan build, short enough to wait for the expiry.
        self.write_config(ConfirmationTimeout='8')
        self.start_saldod()
        seen = self.collect_signals()
        path = self.ready_line('Saldo: S/ 1.00')
        self.add_rule(line=path, kind='threshold', below=1000, amount=1000, provider='pay',
                      confirm=True, max_per_day=1500, cooldown=600)
        planned = self.wait_state('planned')[0]
        # The planned S/ 10 is reserved: a manual S/ 10 would pass max-per-day
        # S/ 15 only by ignoring it.
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.LimitReached',
                                     self.top_up, path, 1000)
        self.assertTrue(msg.split('LimitReached: ')[1].startswith('max-per-day'), msg)
        self.sim.set_ussd('*777#', 'Saldo: S/ 6.00')
        self.top_up(path, 500)
        self.wait_state('verified')
        # Confirming now would skip the rule's cooldown after that top-up.
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.LimitReached',
                                     self.confirm, planned['id'])
        self.assertIn('cooldown', msg)
        self.assertEqual(len(self.fake.charges()), 1)
        # Nobody confirms: the row expires, is announced, and stays unsent.
        expired = self.wait_state('expired', timeout=20)[0]
        self.assertEqual(expired['id'], planned['id'])
        self.pump(lambda: any(m == 'TopUpFinished' and p[0] == planned['id'] and
                              p[2] == 'expired' for m, p in seen), 'TopUpFinished expired')
        self.assertIn('expired', self.saldod_text())
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.InvalidArgument',
                                     self.confirm, planned['id'])
        self.assertIn('expired', msg)
        self.assertEqual(len(self.fake.charges()), 1)

    def test_every_topup_has_caps(self):
        """No rule on the line, so nothing but the defaults stands between a
        typo and the provider."""
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 30.00')
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.InvalidArgument',
                                     self.top_up, path, 4600000000000000000)
        self.assertIn('amount', msg)
        self.assert_dbus_error('io.github.saldo.Saldo1.Error.InvalidArgument',
                               self.top_up, path, 9223372036854775807)
        # Claro's carrier file: at most S/ 50.00 per top-up.
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.LimitReached',
                                     self.top_up, path, 5001)
        self.assertTrue(msg.split('LimitReached: ')[1].startswith('max-per-topup'), msg)
        self.assertIn('MaxPerTopup in the carrier file claro-pe.conf', msg)
        self.assertEqual(self.fake.charges(), [])
        self.assertEqual(self.topups(), [])
        self.assertIsNone(self.saldod.poll(), 'saldod died')

    def test_saldo_conf_caps_and_per_day(self):
        self.write_config(DefaultMaxPerTopup='1000', DefaultMaxPerDay='1500',
                          DefaultCapCurrency='PEN')
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 30.00')
        # A rule without caps of its own (disabled, no cooldown) leaves the
        # defaults in force.
        self.add_rule(line=path, kind='threshold', below=1, amount=100, provider='pay',
                      enabled=False, cooldown=0)
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.LimitReached',
                                     self.top_up, path, 1001)
        self.assertIn('DefaultMaxPerTopup in ', msg)
        self.top_up(path, 1000)
        self.wait_state('succeeded')
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.LimitReached',
                                     self.top_up, path, 600)
        self.assertTrue(msg.split('LimitReached: ')[1].startswith('max-per-day'), msg)
        self.assertIn('DefaultMaxPerDay in ', msg)
        self.top_up(path, 500)
        self.wait_state('succeeded', count=2)
        self.assertEqual(len(self.fake.charges()), 2)

    def test_voucher_refusal_is_not_success(self):
        self.voucher_setup({'11111111111111': '10.00', '22222222222222': '10.00'})
        self.sim.set_ussd('*123*11111111111111#', 'Su recarga no ha sido realizada')
        self.sim.set_ussd('*123*22222222222222#', 'Recarga exitosa. Tu saldo es S/ 15.00')
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 5.00')
        self.add_rule(line=path, kind='threshold', below=1, amount=100, provider='pay',
                      enabled=False, cooldown=0)
        self.top_up(path, 1000, provider='voucher')
        failed = self.wait_state('failed')[0]
        self.assertIn('refused', failed['error'])
        # The carrier's own words for success (its file's VoucherSuccess=).
        self.top_up(path, 1000, provider='voucher')
        self.wait_state('succeeded')
        self.assertEqual(len(self.dialled()), 2)
        self.assertEqual(len(set(self.dialled())), 2)

    def rule_property(self, rule, name):
        return self.rig.call(BUS_NAME, rule, 'org.freedesktop.DBus.Properties', 'Get',
                             GLib.Variant('(ss)', ('io.github.saldo.Saldo1.Rule', name)),
                             '(v)')[0]

    def test_unknown_rows_settle_by_the_balance(self):
        """A voucher code the network never answers: the row is unknown and
        blocks the line, says so, then the balance settles it either way."""
        self.write_config(UnknownSettleDelay='2', UnknownSettleWindow='4')
        self.voucher_setup({'11111111111111': '10.00', '22222222222222': '10.00'})
        self.sim.set_ussd('*123*11111111111111#', no_reply=True)
        self.sim.set_ussd('*123*22222222222222#', no_reply=True)
        self.start_saldod()
        seen = self.collect_signals()
        path = self.ready_line('Saldo: S/ 5.00')
        rule = self.add_rule(line=path, kind='threshold', below=100, amount=500, provider='pay',
                             cooldown=0)
        first = self.top_up(path, 1000, provider='voucher')
        self.wait_state('unknown', timeout=20)
        # Nothing waits silently: the line's rules say what holds them.
        note = self.rig.wait_for(lambda: self.rule_property(rule, 'LastDecision')
                                 if 'unknown' in self.rule_property(rule, 'LastDecision')
                                 else None, 10, 'LastDecision naming the unknown top-up')
        self.assertIn('top-up %s' % first, note)
        self.assertIn('resolve', note)
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.LimitReached',
                                     self.top_up, path, 500, provider='pay')
        self.assertIn('in-flight', msg)
        # The voucher arrived after all: the next reading shows it.
        self.sim.set_ussd('*777#', 'Saldo: S/ 15.00')
        verified = self.wait_state('verified', timeout=20)[0]
        self.assertEqual(verified['id'], first)
        self.assertEqual(verified['balance-after'], 1500)
        self.pump(lambda: any(m == 'TopUpFinished' and p[0] == first and p[2] == 'verified'
                              for m, p in seen), 'TopUpFinished verified')
        # The second one never does: the balance stays, and after the window
        # the row fails; its PIN is spent all the same.
        second = self.top_up(path, 1000, provider='voucher')
        failed = self.wait_state('failed', timeout=30)[0]
        self.assertEqual(failed['id'], second)
        self.assertIn('did not rise', failed['error'])
        self.assertEqual(len(self.dialled()), 2)
        self.top_up(path, 1000, provider='voucher')
        self.wait_state('failed', count=2)
        self.assertEqual(len(self.dialled()), 2)
        # The line is free again.
        self.top_up(path, 500, provider='pay')
        self.wait_state('succeeded')
        self.assertNotIn('11111111111111', self.saldod_text())

    def test_owner_resolves_an_unknown_topup(self):
        self.voucher_setup({'11111111111111': '10.00'})
        self.sim.set_ussd('*123*11111111111111#', no_reply=True)
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 5.00')
        topup_id = self.top_up(path, 1000, provider='voucher')
        self.wait_state('unknown', timeout=20)
        resolve = ('ResolveTopUp', GLib.Variant('(ssa{sv})', (topup_id, 'failed', {})))
        self.polkit_allow(['io.github.saldo.Saldo1.refresh'])
        msg = self.assert_dbus_error('org.freedesktop.DBus.Error.AccessDenied',
                                     self.manager_call, *resolve)
        self.assertIn('top-up', msg)
        self.polkit_allow(['io.github.saldo.Saldo1.top-up'])
        for args, field in (((topup_id, 'refunded', {}), 'outcome'),
                            (('x1', 'failed', {}), 'id'),
                            ((topup_id, 'failed', {'color': GLib.Variant('s', 'red')}), 'color'),
                            ((topup_id, 'failed', {'note': GLib.Variant('u', 1)}), 'note'),
                            ((topup_id, 'failed', {'note': GLib.Variant('s', 'a\x1bb')}), 'note')):
            msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.InvalidArgument',
                                         self.manager_call, 'ResolveTopUp',
                                         GLib.Variant('(ssa{sv})', args))
            self.assertIn(field, msg)
        self.saldoctl('topup', 'resolve', topup_id, 'failed', '--note', 'the shop refunded it')
        row = [t for t in self.topups() if t['id'] == topup_id][0]
        self.assertEqual(row['state'], 'failed')
        self.assertIn('uid %d' % os.getuid(), row['error'])
        self.assertIn('the shop refunded it', row['error'])
        res = self.saldoctl('topup', 'resolve', topup_id, 'succeeded', check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn('is failed', res.stderr)

    def ussd_reads(self):
        return len([c for c in self.sim.ussd_sessions_seen if c['code'] == '*777#'])

    def test_sms_never_moves_money(self):
        """A sender id like "Claro" can be spoofed and a message can be old:
        an SMS shows a balance at most, and only the network's own answer
        moves money."""
        self.write_config(RegistrationRefreshMinInterval='0')
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 6.00')
        self.rig.wait_for(lambda: 'watching SMS' in self.saldod_text(), 20, 'SMS watching')
        self.add_rule(line=path, kind='threshold', below=500, amount=1000, provider='pay',
                      cooldown=0)
        peru = datetime.timezone(datetime.timedelta(hours=-5))
        three_days_ago = datetime.datetime.now(peru).replace(microsecond=0) - \
            datetime.timedelta(days=3)
        self.sim.inject_sms('Claro', 'Claro: Tu saldo es S/ 0.40', timestamp=three_days_ago)
        self.rig.wait_for(lambda: len(self.history(path)) >= 2, 20, 'the old SMS recorded')
        old = [r for r in self.history(path) if r['source'] == 'sms'][0]
        self.assertLess(old['time'], time.time() - 2 * 86400)
        props = self.line_by_iccid(CLARO['iccid'])[1]
        self.assertEqual(props['Balance'], 600)
        self.assertEqual(props['BalanceSource'], 'ussd')
        # A fresh one is shown, but the rules wait for the network's word.
        reads = self.ussd_reads()
        self.sim.inject_sms('Claro', 'Claro: Tu saldo es S/ 0.40')
        self.rig.wait_for(lambda: self.ussd_reads() > reads, 20, 'a USSD reading asked by the SMS')
        self.rig.wait_for(lambda: self.line_by_iccid(CLARO['iccid'])[1]['BalanceSource'] == 'ussd',
                          20, 'the USSD reading applied')
        time.sleep(1)
        self.assertEqual(self.fake.charges(), [])
        self.assertEqual(self.topups(), [])
        # When the network says the balance is low, the rule tops up.
        self.sim.set_ussd('*777#', 'Saldo: S/ 4.50')
        self.sim.inject_sms('Claro', 'Claro: Tu saldo es S/ 4.50')
        self.wait_state('succeeded')
        self.assertEqual(len(self.fake.charges()), 1)

    def test_roaming_override_and_money_settings_need_more_than_refresh(self):
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 20.00')
        self.polkit_allow(['io.github.saldo.Saldo1.refresh', 'io.github.saldo.Saldo1.configure'])
        # Settings that redirect or spend money need the top-up action.
        for settings in ({'balance_code': '*999*1#'}, {'own_number': '+51987654321'},
                         {'balance_menu': '2'}, {'refresh_interval': 3600, 'balance_code': '*222#'}):
            msg = self.assert_dbus_error('org.freedesktop.DBus.Error.AccessDenied',
                                         self.configure, path, **settings)
            self.assertIn('top-up', msg)
        self.assertEqual(self.lines()[path]['BalanceCode'], '')
        self.assertEqual(self.lines()[path]['RefreshInterval'], 0)
        # The carrier's own code, and settings that spend nothing, need configure only.
        self.configure(path, balance_code='*777#')
        self.configure(path, refresh_interval=3600)
        self.configure(path, balance_code='')
        self.polkit_allow(['io.github.saldo.Saldo1.refresh', 'io.github.saldo.Saldo1.configure',
                           'io.github.saldo.Saldo1.top-up'])
        self.configure(path, own_number='+51987654321')
        # Roaming: overriding the owner's allow-roaming=false is configuring.
        self.polkit_allow(['io.github.saldo.Saldo1.refresh'])
        self.sim.set_registration('roaming')

        def roaming_refused():
            try:
                self.refresh(path)
            except GLib.Error as e:
                return 'Error.Roaming' in e.message
            return False
        self.rig.wait_for(roaming_refused, 20, 'saldod to see the line roaming')
        reads = self.ussd_reads()
        msg = self.assert_dbus_error('org.freedesktop.DBus.Error.AccessDenied', self.refresh, path,
                                     allow_roaming=True)
        self.assertIn('configure', msg)
        self.assertEqual(self.ussd_reads(), reads)
        self.polkit_allow(['io.github.saldo.Saldo1.refresh', 'io.github.saldo.Saldo1.configure'])
        self.refresh(path, allow_roaming=True)
        self.assertEqual(self.ussd_reads(), reads + 1)

if __name__ == '__main__':
    main()
