#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The forecast on the bus (SpendPerDay, RunsOutOn, DeactivationOn,
UnusualSpending, forecast rules) and the monthly report, from a history the
test writes into saldod's database: weeks of readings and a ledger built
row by row, then a real saldod, ModemManager and simulated Claro modem."""

import calendar
import csv
import datetime
import io
import os
import sqlite3
import time

from saldo_testcase import CLARO, SaldoTestCase, main
from test_topup import FakeProvider, add_http_provider

DAY = 86400
CLARO_DEACTIVATION_DAYS = 270   # plugin/carriers/claro-pe.conf


def add_reading(db, time_, amount):
    """A USSD reading of line 1 in saldod's database (PEN, minor units)."""
    db.execute("INSERT INTO readings (line_id, time, source, kind, raw_text, amount_minor,"
               " currency) VALUES (1, ?, 'ussd', 'balance', 'Saldo: S/ %.2f', ?, 'PEN')"
               % (amount / 100), (time_, amount))


def add_topup(db, ref, created, state, amount, error='', failure=''):
    """A ledger row of line 1 through provider 'pay'."""
    db.execute("INSERT INTO topups (reference, line_id, origin, provider, amount, currency,"
               " state, created, updated, finished, error, failure) VALUES"
               " (?, 1, 'manual', 'pay', ?, 'PEN', ?, ?, ?, ?, ?, ?)",
               ('saldo-test-%s' % ref, amount, state, created, created, created, error, failure))


class ForecastReportTest(SaldoTestCase):

    def setUp(self):
        super().setUp()
        self.fake = FakeProvider(self.rig)
        self.addCleanup(self.fake.close)
        add_http_provider(self.config_path, self.fake)
        self.rig.start_mm()
        self.start_polkit()
        self.sim = self.add_registered_modem('claro', **CLARO)
        self.seen = self.collect_signals()
        self.env = {'TZ': 'UTC'}

    def start(self):
        self.start_saldod(extra_env=self.env)
        return self.wait_line(CLARO['iccid'], Active=True)[0]

    def first_line(self, reply):
        """saldod makes the line and reads it once, then stops so the test
        can write the history it wants."""
        self.sim.set_ussd('*777#', reply)
        path = self.start()
        self.refresh(path)
        read_at = self.line_by_iccid(CLARO['iccid'])[1]['LastUpdated']
        self.stop_saldod()
        return path, read_at

    def db(self):
        db = sqlite3.connect(os.path.join(self.state_dir, 'saldo.db'))
        self.addCleanup(db.close)
        return db

    def signals(self, name):
        return [args for member, args in self.seen if member == name]

    # ---- tests ----------------------------------------------------------------

    def test_forecast_on_the_bus(self):
        path, now0 = self.first_line('Saldo: S/ 12.00')
        db = self.db()
        # Two weeks of S/ 2.00 a day, read every 6 hours, up to S/ 12.00 now;
        # a top-up 10 days ago (its pair is left out of the spending).
        for k in range(1, 57):
            add_reading(db, now0 - k * 6 * 3600, 1200 + 50 * k)
        topped_up = now0 - 10 * DAY + 1800
        add_topup(db, '0001', topped_up, 'verified', 2000)
        db.commit()

        path = self.start()
        props = self.line_by_iccid(CLARO['iccid'])[1]
        self.assertAlmostEqual(props['SpendPerDay'], 200, delta=2)
        self.assertAlmostEqual(props['RunsOutOn'], now0 + 6 * DAY, delta=DAY)
        self.assertEqual(props['DeactivationOn'], topped_up + CLARO_DEACTIVATION_DAYS * DAY)
        out = self.saldoctl('balance', '1').stdout
        self.assertIn('a day', out)
        self.assertIn('runs out', out)
        self.assertIn('cut off', out)
        js = self.saldoctl_json('balance', '1')[0]
        self.assertEqual(js['spend_per_day'], '2.00')
        self.assertEqual(js['deactivation_on'], props['DeactivationOn'])

        # A forecast rule asks before S/ 12.00 at S/ 2.00 a day falls below
        # S/ 5.00 within a week, where a threshold rule would wait.
        self.saldoctl('rules', 'add', '1', '--kind', 'forecast', '--below', '5', '--days', '7',
                      '--amount', '20', '--confirm')
        self.pump(lambda: self.signals('ConfirmationRequired'), 'ConfirmationRequired')
        reason = self.signals('ConfirmationRequired')[0][4]
        self.assertIn('would fall below PEN 5.00 within 7 days', reason)
        rules = self.saldoctl_json('rules')
        self.assertEqual((rules[0]['kind'], rules[0]['days']), ('forecast', 7))
        self.saldoctl('topup', 'reject', self.signals('ConfirmationRequired')[0][0])

        # S/ 10.00 gone in a moment: far above the usual S/ 2.00 a day.
        self.sim.set_ussd('*777#', 'Saldo: S/ 2.00')
        self.refresh(path)
        self.pump(lambda: self.signals('UnusualSpending'), 'UnusualSpending')
        line, per_day, usual = self.signals('UnusualSpending')[0]
        self.assertEqual(line, path)
        self.assertAlmostEqual(per_day, 1200, delta=60)
        self.assertAlmostEqual(usual, 200, delta=2)
        # Once a day: the next reading does not repeat it.
        self.refresh(path)
        time.sleep(0.5)
        self.pump(lambda: True, 'signals in flight')
        self.assertEqual(len(self.signals('UnusualSpending')), 1)
        self.assertEqual(self.fake.charges(), [])

    def test_report_against_a_built_ledger(self):
        today = datetime.datetime.now(datetime.timezone.utc)
        last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        month = '%04d-%02d' % (last.year, last.month)
        days = calendar.monthrange(last.year, last.month)[1]

        def at(day, hour):
            return int(last.replace(day=day, hour=hour, minute=0, second=0,
                                    microsecond=0).timestamp())

        self.first_line('Saldo: S/ 30.00')
        db = self.db()
        # S/ 1.00 a day from S/ 30.00, read daily at noon from the 1st to
        # the 28th; S/ 20.00 topped up on the 3rd, seen on the 4th.
        for d in range(1, 29):
            add_reading(db, at(d, 12), 3000 - 100 * (d - 1) + (2000 if d >= 4 else 0))
        add_topup(db, '0001', at(3, 15), 'verified', 2000)
        add_topup(db, '0002', at(10, 9), 'failed', 2000,
                       'The top-up account has insufficient funds', 'insufficient-funds')
        add_topup(db, '0003', at(10, 10), 'failed', 2000,
                       'The top-up account has insufficient funds', 'insufficient-funds')
        add_topup(db, '0004', at(11, 9), 'failed', 2000, 'did not answer within 3.0 s',
                       'unreachable')
        add_topup(db, '0005', at(12, 15), 'succeeded', 1500)
        # Neither the month before nor this month is in the report.
        add_topup(db, '0006', at(1, 0) - DAY, 'verified', 900)
        add_topup(db, '0007', int(today.timestamp()) - 60, 'verified', 700)
        db.commit()

        self.start()
        self.saldoctl('rules', 'add', '1', '--below', '25', '--amount', '20',
                      '--max-per-day', '30', '--max-per-month', '50')
        report = self.saldoctl_json('report', '--month', month)
        self.assertEqual(report['month'], month)
        line = report['lines'][0]
        self.assertEqual((line['line'], line['currency'], line['attempts'], line['spent']),
                         (1, 'PEN', 5, '35.00'))
        self.assertEqual(line['states']['failed'], {'count': 3, 'sum': '60.00'})
        self.assertEqual(line['states']['succeeded'], {'count': 1, 'sum': '15.00'})
        self.assertEqual(line['failures'],
                         [{'reason': 'The top-up account has insufficient funds', 'count': 2},
                          {'reason': 'did not answer within 3.0 s', 'count': 1}])
        # 27 pairs of readings, less the two that hold a top-up.
        self.assertEqual(line['consumption'], '25.00')
        # Below S/ 25.00 from the 27th (S/ 24.00) to the month's end.
        self.assertEqual(line['threshold'], '25.00')
        self.assertEqual(line['days_below'], days - 26)
        self.assertEqual((line['max_per_day'], line['max_day_spent'], line['max_per_month']),
                         ('30.00', '20.00', '50.00'))
        self.assertEqual(line['max_day'], at(3, 0))
        self.assertEqual([(p['id'], p['currency'], p['attempts'], p['spent'], p['state'])
                          for p in report['providers']],
                         [('pay', 'PEN', 5, '35.00', 'unknown')])

        text = self.saldoctl('report', '--month', month, '1').stdout
        self.assertTrue(text.startswith('Report for %s %d\n' % (calendar.month_name[last.month],
                                                                last.year)), text)
        self.assertIn('2 × The top-up account has insufficient funds', text)
        self.assertIn('providers:', text)
        rows = list(csv.DictReader(io.StringIO(self.saldoctl('report', '--month', month,
                                                             '--csv').stdout)))
        self.assertEqual([(r['kind'], r['spent'], r['failed']) for r in rows],
                         [('line', '35.00', '3'), ('provider', '35.00', '')])
        # This month holds only the newest row; a bad month is refused.
        this_month = self.saldoctl_json('report')
        self.assertEqual(this_month['lines'][0]['spent'], '7.00')
        err = self.saldoctl('--json', 'report', '--month', '2026-13', check=False)
        self.assertNotEqual(err.returncode, 0)
        self.assertIn('InvalidArgument', err.stderr)


if __name__ == '__main__':
    main()
