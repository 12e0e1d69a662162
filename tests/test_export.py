#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Saldo's lines in the engines fleets already run: the real
prometheus-node-exporter reads saldod's metrics file, promtool checks it."""

import calendar
import os
import re
import socket
import subprocess
import time
import urllib.request

from saldo_testcase import CLARO, MOVISTAR, SaldoTestCase, main

NODE_EXPORTER = '/usr/bin/prometheus-node-exporter'
PROMTOOL = '/usr/bin/promtool'
# Names come from the network: quotes and backslashes must reach
# Prometheus as text, never break the file.
# (Control characters are checked in test-export.c: ModemManager's AT
# parser cannot carry them together with a quote.)
HOSTILE_NAME = 'Movi"star\\PE'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def samples(text, name):
    """{frozenset(labels): value} of every sample of metric `name`."""
    found = {}
    for line in text.splitlines():
        m = re.match(r'^%s\{(.*)\} (\S+)$' % re.escape(name), line)
        if m:
            labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(1)))
            found[labels] = m.group(2)
    return found


def value_for(text, name, **labels):
    want = set(labels.items())
    values = [v for k, v in samples(text, name).items() if want <= k]
    return values[0] if len(values) == 1 else None


class ExportTest(SaldoTestCase):

    def inode(self, path):
        try:
            return os.stat(path).st_ino
        except FileNotFoundError:
            return None

    def wait_metrics(self, path, predicate, what, timeout=15.0):
        def check():
            try:
                with open(path) as f:
                    text = f.read()
            except FileNotFoundError:
                return None
            return text if predicate(text) else None
        return self.rig.wait_for(check, timeout, what)

    def promtool_check(self, path):
        with open(path, 'rb') as f:
            res = subprocess.run([PROMTOOL, 'check', 'metrics'], stdin=f, capture_output=True,
                                 text=True, timeout=60)
        self.assertEqual(res.returncode, 0, 'promtool check metrics: %s%s' % (res.stdout, res.stderr))
        self.assertEqual(res.stdout.strip() + res.stderr.strip(), '', 'promtool lint findings')

    def test_metrics_file_through_node_exporter(self):
        textfile_dir = self.rig.path('textfile')
        os.mkdir(textfile_dir)
        metrics = os.path.join(textfile_dir, 'saldo.prom')
        self.write_config(MetricsFile=metrics)
        self.rig.start_mm()
        self.start_polkit()
        claro = self.add_ready_modem('claro', **CLARO)
        self.rig.enable_modem(claro)
        self.rig.wait_modem_state(claro, 'registered')
        claro.set_ussd('*777#', 'Claro: Tu saldo es S/ 12.50, vence el 30/12/2026.')
        movistar = self.add_ready_modem('movistar', **dict(MOVISTAR, operator_name=HOSTILE_NAME),
                                        registration='roaming')
        self.rig.enable_modem(movistar)
        self.start_saldod()
        claro_path, _ = self.wait_line(CLARO['iccid'], Active=True)
        self.wait_line(MOVISTAR['iccid'], Active=True, OperatorName=HOSTILE_NAME)

        # Two lines, neither read: no balance is claimed for either.
        text = self.wait_metrics(metrics, lambda t: t.count('saldo_line_active{') == 2 and
                                 value_for(t, 'saldo_line_roaming', iccid_suffix='0022') == '1',
                                 'both lines, Movistar roaming')
        self.assertNotIn('saldo_line_balance{', text)
        self.assertNotIn('saldo_line_last_reading_timestamp_seconds{', text)
        self.assertNotIn(CLARO['iccid'], text, 'the whole ICCID is not exported unless asked for')
        self.assertIn('operator_name="Movi\\"star\\\\PE"', text)
        self.assertEqual(value_for(text, 'saldo_line_roaming', iccid_suffix='0011'), '0')
        self.assertEqual(value_for(text, 'saldo_line_topups_total', iccid_suffix='0011',
                                   state='succeeded'), '0')
        self.promtool_check(metrics)

        # A reading is in the file within the coalescing interval.
        self.refresh(claro_path)
        text = self.wait_metrics(metrics, lambda t: 'saldo_line_balance{' in t, 'the balance', 10)
        self.assertEqual(value_for(text, 'saldo_line_balance', line='1', currency='PEN',
                                   operator='71610', carrier='claro-pe'), '12.50')
        self.assertEqual(value_for(text, 'saldo_line_balance_expiry_timestamp_seconds', line='1'),
                         str(calendar.timegm((2026, 12, 30, 0, 0, 0))))
        read_at = int(value_for(text, 'saldo_line_last_reading_timestamp_seconds', line='1'))
        self.assertLessEqual(abs(read_at - time.time()), 60)
        self.promtool_check(metrics)

        # Nothing changes, nothing is written: no timer runs.
        inode = self.inode(metrics)
        time.sleep(3)
        self.assertEqual(self.inode(metrics), inode)

        # A failed check counts, and the last balance stays.
        claro.set_ussd('*777#', no_reply=True)
        self.assert_dbus_error('io.github.saldo.Saldo1.Error.TimedOut', self.refresh, claro_path)
        text = self.wait_metrics(metrics, lambda t: value_for(
            t, 'saldo_line_refresh_failures_total', line='1') == '1', 'one failure', 10)
        self.assertEqual(value_for(text, 'saldo_line_balance', line='1'), '12.50')
        self.assertEqual(value_for(text, 'saldo_line_last_check_failed', line='1'), '1')

        # The real node_exporter reads the file and serves the series.
        port = free_port()
        exporter = self.rig.spawn('node-exporter', [
            NODE_EXPORTER, '--web.listen-address=127.0.0.1:%d' % port,
            '--collector.disable-defaults', '--collector.textfile',
            '--collector.textfile.directory=' + textfile_dir])

        def scrape():
            try:
                with urllib.request.urlopen('http://127.0.0.1:%d/metrics' % port, timeout=5) as r:
                    return r.read().decode()
            except OSError:
                if exporter.poll() is not None:
                    self.fail('node_exporter exited: %s' % self.rig.log_text('node-exporter'))
                return None
        scraped = self.rig.wait_for(scrape, 20, 'node_exporter on port %d' % port)
        self.assertIn('node_textfile_scrape_error 0', scraped)
        self.assertEqual(float(value_for(scraped, 'saldo_line_balance', line='1', currency='PEN')),
                         12.5)
        self.assertEqual(value_for(scraped, 'saldo_line_active', line='2',
                                   operator_name='Movi\\"star\\\\PE'), '1')
        self.assertEqual(value_for(scraped, 'saldo_line_refresh_failures_total', line='1'), '1')
        self.assertRegex(scraped, r'(?m)^saldo_modem_manager_running 1$')


if __name__ == '__main__':
    main()
