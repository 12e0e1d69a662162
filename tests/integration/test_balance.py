#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Balances read through a real ModemManager: USSD (menus, retries, stale
sessions, releases, undecoded hex) and carrier SMS, with polkit."""

import json
import time

from saldo_testcase import (CLARO, MOVISTAR, SaldoTestCase, main)

ENTEL = dict(iccid='8951170000000000033', imsi='716170000000033', operator_code='71617',
             operator_name='Entel PE', imei='356938035640003')
BITEL = dict(iccid='8951150000000000044', imsi='716150000000044', operator_code='71615',
             operator_name='Bitel', imei='356938035640004')


# Networks Saldo has no carrier file for: mobile-broadband-provider-info
# (Debian's package, installed by tests/install-deps.sh) has their codes.
SAFARICOM = dict(iccid='8925402000000000055', imsi='639020000000055', operator_code='63902',
                 operator_name='Safaricom', imei='356938035640005')
GIFFGAFF = dict(iccid='8944110000000000066', imsi='234100000000066', operator_code='23410',
                operator_name='giffgaff', imei='356938035640006')
UNNAMED_UK = dict(iccid='8944110000000000077', imsi='234100000000077', operator_code='23410',
                  operator_name='Mystery Mobile', imei='356938035640007')


def ucs2_hex(text):
    return text.encode('utf-16-be').hex().upper()


class BalanceTest(SaldoTestCase):

    def setUp(self):
        super().setUp()
        self.rig.start_mm()
        self.start_polkit()

    def line_up(self, name, ident, **sim_kwargs):
        sim = self.add_ready_modem(name, **ident, **sim_kwargs)
        self.rig.enable_modem(sim)
        self.rig.wait_modem_state(sim, 'registered')
        return sim

    def active_line(self, ident):
        return self.wait_line(ident['iccid'], Active=True)[0]

    def test_each_peruvian_carrier(self):
        cases = [
            ('claro', CLARO, '*777#', 'Claro: Tu saldo es S/ 12.50, vence el 30/12/2026.',
             1250, 'claro-pe', '2026-12-30'),
            ('movistar', MOVISTAR, '*515#',
             'Movistar: Saldo S/. 8.40. Datos: 1.5 GB hasta el 15/01/2027', 840, 'movistar-pe',
             '2027-01-15'),
            ('entel', ENTEL, '*144#', 'Entel: tu saldo es S/ 3.00', 300, 'entel-pe', None),
            ('bitel', BITEL, '*122#', 'Bitel: Saldo principal S/ 5.20, bono S/ 1.00',
             520, 'bitel-pe', None),
        ]
        sims = {}
        for name, ident, code, reply, *_ in cases:
            sims[name] = self.line_up(name, ident)
            sims[name].set_ussd(code, reply)
        self.start_saldod()
        for name, ident, code, reply, amount, carrier, expiry in cases:
            path = self.active_line(ident)
            self.refresh(path)
            _, props = self.line_by_iccid(ident['iccid'])
            self.assertEqual(props['Carrier'], carrier)
            self.assertEqual(props['Balance'], amount, reply)
            self.assertEqual(props['Currency'], 'PEN')
            self.assertEqual(props['BalanceSource'], 'ussd')
            self.assertEqual(props['LastError'], '')
            self.assertEqual(props['LastReply'], reply)
            self.assertGreater(props['LastUpdated'], time.time() - 60)
            if expiry:
                got = time.strftime('%Y-%m-%d', time.gmtime(props['Expiry']))
                self.assertEqual(got, expiry)
            self.assertEqual([s['code'] for s in sims[name].ussd_sessions_seen], [code])
        _, props = self.line_by_iccid(MOVISTAR['iccid'])
        self.assertTrue(props['DataKnown'])
        self.assertEqual(props['DataRemaining'], 1610612736)

    def test_multistep_menu(self):
        sim = self.line_up('entel', ENTEL)
        sim.set_ussd('*144#', 'Entel\n1. Saldo\n2. Paquetes\n3. Recargas', menu={
            '1': ('Saldo\n1. Saldo principal\n2. Saldo de datos', {
                '1': 'Tu saldo principal es S/ 7.35 y vence el 05/02/2027'}),
        })
        self.start_saldod()
        path = self.active_line(ENTEL)
        self.configure(path, balance_code='*144#', balance_menu='1;1')
        self.refresh(path)
        _, props = self.line_by_iccid(ENTEL['iccid'])
        self.assertEqual(props['Balance'], 735)
        self.assertEqual(props['BalanceCode'], '*144#')
        self.assertEqual(sim.ussd_sessions_seen[-1]['answers'], ['1', '1'])

    def test_timeout_then_success_on_retry(self):
        sim = self.line_up('claro', CLARO)
        sim.set_ussd('*777#', 'Saldo: S/ 4.10', fail_times=1, fail_with='no_reply')
        self.start_saldod()
        path = self.active_line(CLARO)
        self.refresh(path)
        _, props = self.line_by_iccid(CLARO['iccid'])
        self.assertEqual(props['Balance'], 410)
        kinds = [r['kind'] for r in self.history(path)]
        self.assertEqual(kinds, ['balance'], 'a retried attempt is one reading')
        self.assertGreaterEqual(len(sim.ussd_sessions_seen), 2)

    def test_no_reply_times_out_with_error(self):
        sim = self.line_up('claro', CLARO)
        sim.set_ussd('*777#', no_reply=True)
        self.start_saldod()
        path = self.active_line(CLARO)
        self.assert_dbus_error('io.github.saldo.Saldo1.Error.TimedOut', self.refresh, path)
        _, props = self.line_by_iccid(CLARO['iccid'])
        self.assertIn('no reply', props['LastError'])
        self.assertEqual(props['LastUpdated'], 0)
        self.assertEqual(self.history(path)[0]['kind'], 'failed')
        # The stale session was cancelled: the next check works at once.
        sim.set_ussd('*777#', 'Saldo S/ 1.00')
        self.refresh(path)
        self.assertEqual(self.line_by_iccid(CLARO['iccid'])[1]['Balance'], 100)

    def test_busy_session_recovered(self):
        sim = self.line_up('claro', CLARO)
        sim.set_ussd('*100#', no_reply=True)
        sim.set_ussd('*777#', 'Saldo S/ 2.00')
        # Another client leaves a session open on the modem.
        index = self.rig.mm_modem_index(sim)
        self.rig.mmcli('-m', index, '--3gpp-ussd-initiate=*100#', '--timeout=2', check=False)
        self.rig.wait_for(lambda: 'active' in self.rig.mmcli('-m', index, '--3gpp-ussd-status'),
                          10, 'an active USSD session')
        self.start_saldod()
        path = self.active_line(CLARO)
        self.refresh(path)
        self.assertEqual(self.line_by_iccid(CLARO['iccid'])[1]['Balance'], 200)
        self.assertTrue(any(c.startswith('+CUSD=2') for c in sim.commands),
                        [str(c) for c in sim.commands if 'CUSD' in c])

    def test_interim_release_then_reply(self):
        sim = self.line_up('movistar', MOVISTAR)
        sim.set_ussd('*515#', 'Su saldo es S/. 6.70', interim_release=True)
        self.start_saldod()
        path = self.active_line(MOVISTAR)
        self.refresh(path)
        self.assertEqual(self.line_by_iccid(MOVISTAR['iccid'])[1]['Balance'], 670)

    def test_undecoded_ucs2_hex_reply(self):
        sim = self.line_up('claro', CLARO)
        text = 'Tu saldo es S/ 9.90 ñ'
        # ModemManager decodes one layer; the modem left another.
        sim.set_ussd('*777#', ucs2_hex(ucs2_hex(text)), raw=True)
        self.start_saldod()
        path = self.active_line(CLARO)
        self.refresh(path)
        _, props = self.line_by_iccid(CLARO['iccid'])
        self.assertEqual(props['Balance'], 990)
        self.assertEqual(props['LastReply'], text)

    def test_codes_from_provider_info(self):
        kenya = self.line_up('safaricom', SAFARICOM)
        kenya.set_ussd('*144#', 'Your airtime balance is Ksh 55.30. Valid until 30/06/2027')
        uk = self.line_up('giffgaff', GIFFGAFF)
        uk.set_ussd('*100#', 'Your balance is \u00a34.20')
        self.line_up('mystery', UNNAMED_UK)
        claro = self.line_up('claro', CLARO)
        claro.set_ussd('*777#', 'Saldo: S/ 7.00')
        self.start_saldod()

        for ident, balance, currency in ((SAFARICOM, 5530, 'KES'), (GIFFGAFF, 420, 'GBP'),
                                         (CLARO, 700, 'PEN')):
            path = self.active_line(ident)
            self.refresh(path)
            _, props = self.line_by_iccid(ident['iccid'])
            self.assertEqual((props['Balance'], props['Currency']), (balance, currency))
            self.assertEqual(props['BalanceCodeSource'],
                             'carrier' if ident is CLARO else 'provider-info')
            self.assertEqual(props['Carrier'], 'claro-pe' if ident is CLARO else 'generic')
        _, props = self.line_by_iccid(SAFARICOM['iccid'])
        self.assertEqual(props['Expiry'], 1814313600)   # 2027-06-30, read as day first in KE

        # O2 and giffgaff share 234 10 with different codes: a SIM naming
        # neither is not dialled with a guess.
        path = self.active_line(UNNAMED_UK)
        _, props = self.line_by_iccid(UNNAMED_UK['iccid'])
        self.assertEqual(props['BalanceCodeSource'], '')
        err = self.assert_dbus_error('io.github.saldo.Saldo1.Error.NotSupported', self.refresh, path)
        self.assertIn('*100#', str(err))
        self.assertIn('*#10#', str(err))
        # The owner's code wins.
        self.saldoctl('line', 'set', path.rsplit('/', 1)[1], 'balance-code=*101#')
        self.rig.wait_for(lambda: self.line_by_iccid(UNNAMED_UK['iccid'])[1]['BalanceCodeSource']
                          == 'owner', 10, 'BalanceCodeSource owner')

        lines = {l['iccid']: l for l in self.saldoctl_json('lines')}
        self.assertEqual(lines[SAFARICOM['iccid']]['balance_code_source'], 'provider-info')
        self.assertEqual(lines[CLARO['iccid']]['balance_code_source'], 'carrier')
        self.assertEqual(lines[UNNAMED_UK['iccid']]['balance_code_source'], 'owner')
        text = self.saldoctl('lines').stdout
        self.assertIn('CODE FROM', text)
        self.assertIn('provider-info', text)

    def test_menu_or_error_reply_keeps_balance(self):
        sim = self.line_up('claro', CLARO)
        sim.set_ussd('*777#', 'Saldo S/ 5.00')
        self.start_saldod()
        path = self.active_line(CLARO)
        self.refresh(path)
        self.assertEqual(self.line_by_iccid(CLARO['iccid'])[1]['Balance'], 500)

        sim.set_ussd('*777#', '1. 1GB S/5\n2. 3GB S/10\n0. Salir')
        self.assert_dbus_error('io.github.saldo.Saldo1.Error.ParseFailed', self.refresh, path)
        _, props = self.line_by_iccid(CLARO['iccid'])
        self.assertEqual(props['Balance'], 500)
        self.assertIn('menu', props['LastError'])

        sim.set_ussd('*777#', 'Servicio no disponible, intente mas tarde')
        self.assert_dbus_error('io.github.saldo.Saldo1.Error.NetworkRejected', self.refresh, path)
        _, props = self.line_by_iccid(CLARO['iccid'])
        self.assertEqual(props['Balance'], 500)
        self.assertNotEqual(props['LastError'], '')
        kinds = [r['kind'] for r in self.history(path)]
        self.assertEqual(kinds[:2], ['error', 'menu'])
        self.assertEqual(kinds[-1], 'balance')

    def test_sms_from_listed_sender_only(self):
        sim = self.line_up('movistar', MOVISTAR)
        self.start_saldod()
        path = self.active_line(MOVISTAR)
        self.rig.wait_for(lambda: 'watching SMS' in self.saldod_text(), 20, 'SMS watching')
        sim.inject_sms('+51999888777', 'Saldo S/ 99.00 (a friend, not the carrier)')
        sim.inject_sms('515', 'Movistar: Tu saldo es S/ 3.75. Vence el 28/02/2027')
        self.rig.wait_for(lambda: self.line_by_iccid(MOVISTAR['iccid'])[1]['Balance'] == 375,
                          20, 'balance from SMS')
        _, props = self.line_by_iccid(MOVISTAR['iccid'])
        self.assertEqual(props['BalanceSource'], 'sms')
        sim.wait_sms_read()
        texts = [r['text'] for r in self.history(path)]
        self.assertEqual(len(texts), 1, texts)
        self.assertIn('3.75', texts[0])
        # Never deletes the owner's messages.
        self.assertFalse(any(c.startswith('+CMGD') for c in sim.commands))

    def test_restart_keeps_last_balance(self):
        sim = self.line_up('claro', CLARO)
        sim.set_ussd('*777#', 'Saldo S/ 11.00')
        self.start_saldod()
        path = self.active_line(CLARO)
        self.refresh(path)
        sim.set_ussd('*777#', 'Sistema ocupado, intente luego')
        self.assert_dbus_error('io.github.saldo.Saldo1.Error.NetworkRejected', self.refresh, path)
        before = self.line_by_iccid(CLARO['iccid'])[1]
        self.stop_saldod()
        self.start_saldod()
        after = self.wait_line(CLARO['iccid'])[1]
        for key in ('Balance', 'Currency', 'LastUpdated', 'LastReply', 'LastError',
                    'BalanceSource', 'Carrier'):
            self.assertEqual(after[key], before[key], key)
        self.assertEqual(after['Balance'], 1100)

    def test_roaming_needs_permission(self):
        sim = self.line_up('claro', CLARO, registration='roaming')
        sim.set_ussd('*777#', 'Saldo S/ 2.50')
        self.start_saldod()
        path = self.active_line(CLARO)
        self.assert_dbus_error('io.github.saldo.Saldo1.Error.Roaming', self.refresh, path)
        self.assertEqual(sim.ussd_sessions_seen, [])
        self.refresh(path, allow_roaming=True)
        self.assertEqual(self.line_by_iccid(CLARO['iccid'])[1]['Balance'], 250)

    def test_polkit_denies_refresh_and_configure(self):
        sim = self.line_up('claro', CLARO)
        sim.set_ussd('*777#', 'Saldo S/ 2.50')
        self.start_saldod()
        path = self.active_line(CLARO)
        self.polkit_allow([])
        msg = self.assert_dbus_error('org.freedesktop.DBus.Error.AccessDenied', self.refresh, path)
        self.assertIn('io.github.saldo.Saldo1.refresh', msg)
        self.assert_dbus_error('org.freedesktop.DBus.Error.AccessDenied', self.configure, path,
                               balance_code='*1#')
        self.assertEqual(sim.ussd_sessions_seen, [])
        # Reads keep working.
        self.assertEqual(self.history(path), [])
        self.assertEqual(self.line_by_iccid(CLARO['iccid'])[1]['BalanceCode'], '')

    def test_hung_polkit_gives_timely_error(self):
        self.line_up('claro', CLARO)
        self.start_saldod()
        path = self.active_line(CLARO)
        self.polkit_call('SimulateHang', GLib.Variant('(b)', (True,)))
        start = time.monotonic()
        self.assert_dbus_error('io.github.saldo.Saldo1.Error.TimedOut', self.refresh, path)
        self.assertLess(time.monotonic() - start, 15)
        self.assertEqual(len(self.lines()), 1, 'reads keep working')

    def test_absent_polkit_gives_clear_error(self):
        self.line_up('claro', CLARO)
        self.start_saldod()
        path = self.active_line(CLARO)
        self.rig.stop('polkitd-mock')
        self.rig.wait_bus_name_gone('org.freedesktop.PolicyKit1')
        start = time.monotonic()
        msg = self.assert_dbus_error('org.freedesktop.DBus.Error.AccessDenied', self.refresh, path)
        self.assertIn('polkit', msg)
        self.assertLess(time.monotonic() - start, 15)
        self.assertEqual(len(self.lines()), 1, 'reads keep working')

    def test_configure_validates(self):
        self.line_up('claro', CLARO)
        self.start_saldod()
        path = self.active_line(CLARO)
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.InvalidArgument',
                                     self.configure, path, balance_code='*77; rm -rf #')
        self.assertIn('balance-code', msg)
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.InvalidArgument',
                                     self.configure, path, refresh_interval=5)
        self.assertIn('refresh-interval', msg)
        msg = self.assert_dbus_error('io.github.saldo.Saldo1.Error.InvalidArgument',
                                     self.configure, path, own_number='12345', allow_roaming=True)
        self.assertIn('own-number', msg)
        props = self.line_by_iccid(CLARO['iccid'])[1]
        self.assertFalse(props['AllowRoaming'], 'nothing applied from a rejected call')
        self.configure(path, own_number='+51987654321', refresh_interval=3600)
        props = self.line_by_iccid(CLARO['iccid'])[1]
        self.assertEqual(props['OwnNumber'], '+51987654321')
        self.assertEqual(props['RefreshInterval'], 3600)

    def test_refresh_when_modem_registers(self):
        self.write_config(RefreshOnRegistration='true')
        sim = self.add_ready_modem('claro', **CLARO)
        sim.set_ussd('*777#', 'Saldo S/ 15.00')
        self.start_saldod()
        self.rig.enable_modem(sim)
        self.rig.wait_for(lambda: self.line_by_iccid(CLARO['iccid'])[1] and
                          self.line_by_iccid(CLARO['iccid'])[1]['Balance'] == 1500,
                          30, 'balance read on registration')

    def test_saldoctl_balance_and_history(self):
        sim = self.line_up('claro', CLARO)
        sim.set_ussd('*777#', 'Saldo S/ 21.30, vence 31/12/2026')
        self.start_saldod()
        self.active_line(CLARO)
        out = self.saldoctl_json('balance', '--refresh', '1')
        self.assertEqual(out[0]['balance'], '21.30', (out, self.saldod_text()[-3000:]))
        self.assertEqual(out[0]['currency'], 'PEN')
        self.assertEqual(out[0]['expiry'], '2026-12-31')
        text = self.saldoctl('balance').stdout
        self.assertIn('21.30', text)
        hist = self.saldoctl_json('history', '--balance')
        self.assertEqual(hist[0]['kind'], 'balance')
        self.assertEqual(hist[0]['amount'], '21.30')
        self.saldoctl('line', 'set', '1', 'balance-code=*888#')
        self.assertEqual(self.line_by_iccid(CLARO['iccid'])[1]['BalanceCode'], '*888#')
        res = self.saldoctl('--json', 'line', 'set', '1', 'refresh-interval=3', check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertEqual(json.loads(res.stderr)['error']['name'],
                         'io.github.saldo.Saldo1.Error.InvalidArgument')

    def test_saldoctl_parse(self):
        out = self.saldoctl_json('parse', '--country', 'PE',
                                 'Tu plan de S/ 29.90 se renueva el 05/01. Saldo: S/ 12.50, '
                                 'vence el 30/12/2026. Datos: 1,5 GB')
        buckets = out.pop('buckets')
        self.assertEqual(out, {'kind': 'balance', 'amount': '12.50', 'currency': 'PEN',
                               'expiry': '2026-12-30', 'data_bytes': 1610612736,
                               'ambiguity': None})
        self.assertEqual([(b['label'], b['main']) for b in buckets],
                         [('balance', True), ('data', False)])
        self.assertEqual((buckets[0]['amount'], buckets[0]['currency'], buckets[0]['expiry']),
                         ('12.50', 'PEN', '2026-12-30'))
        self.assertEqual(buckets[1]['data_bytes'], 1610612736)
        # Two balances and none named main: no amount, the buckets and why.
        out = self.saldoctl_json('parse', '--country', 'DE',
                                 'Guthaben: 3,00 EUR Aufladeguthaben, 2,00 EUR Bonusguthaben')
        self.assertEqual(out['kind'], 'ambiguous')
        self.assertIsNone(out['amount'])
        self.assertIn('parts', out['ambiguity'])
        self.assertEqual([(b['label'], b['amount']) for b in out['buckets']],
                         [('balance', '3.00'), ('bonus', '2.00')])
        text = self.saldoctl('parse', '--country', 'PE', '--explain',
                             'Saldo principal S/ 3.00, saldo promocional S/ 2.50').stdout
        self.assertIn('* main      PEN 3.00', text)
        self.assertIn('promotion PEN 2.50', text)
        out = self.saldoctl_json('parse', '--carrier', 'movistar-pe', '--explain',
                                 'Usted no tiene saldo en sus cuentas')
        self.assertEqual(out['amount'], '0.00')
        self.assertIsInstance(out['explanation'], list)
        out = self.saldoctl_json('parse', '1. 1GB S/5\n2. 3GB S/10\n0. Salir')
        self.assertEqual(out['kind'], 'menu')
        self.assertIsNone(out['amount'])
        res = self.saldoctl('--json', 'parse', '--carrier', 'nope', 'x', check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn('--carrier', json.loads(res.stderr)['error']['message'])


from gi.repository import GLib  # noqa: E402

if __name__ == '__main__':
    main()
