#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""saldoctl monitor and saldoctl status --format: what scripts and status
bars read, against the real saldod on the rig."""

import json
import os
import select
import signal
import subprocess
import time
import unittest

from saldo_testcase import CLARO, main
from saldo_rig import RigError
from test_topup import TopUpTest


class Stream:
    """A saldoctl that keeps printing; lines are read as they come."""

    def __init__(self, test, *args):
        self.proc = subprocess.Popen([test.saldoctl_binary] + list(args), env=test.rig.env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        test.addCleanup(self.close)
        self.lines = []
        self.partial = b''
        self.eof = False

    def _read(self, timeout):
        """Raw reads: a buffered reader would hide lines select() cannot see."""
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return
        chunk = os.read(self.proc.stdout.fileno(), 65536)
        if not chunk:
            self.eof = True
            return
        *whole, self.partial = (self.partial + chunk).split(b'\n')
        self.lines.extend(line.decode() for line in whole)

    def read_until(self, predicate, timeout=30.0, what='a line'):
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines:
                if predicate(line):
                    return line
            left = deadline - time.monotonic()
            if left <= 0:
                raise RigError('no %s; got: %s' % (what, self.lines))
            if self.eof:
                raise RigError('saldoctl ended (%s) before %s: %s' % (
                    self.proc.wait(), what, self.proc.stderr.read()))
            self._read(min(left, 0.2))

    def rest(self):
        """What is left once the process ended."""
        while not self.eof:
            self._read(10)
        return self.partial

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


class MonitorTest(TopUpTest):

    def listening(self, mon, path):
        """Until the monitor shows a change made now, it may not have
        subscribed yet (a loaded machine, an ASan build): change a setting
        back and forth until one shows, instead of sleeping and hoping."""
        for attempt in range(60):
            self.configure(path, refresh_interval=3600 + attempt)
            try:
                mon.read_until(lambda x: 'RefreshInterval' in x, timeout=0.5)
                return
            except RigError:
                continue
        self.fail('saldoctl monitor never showed a change')

    def test_monitor_json_streams_events_until_saldod_leaves(self):
        self.start_saldod()
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        mon = Stream(self, '--json', 'monitor')
        self.listening(mon, path)
        # A rule: its object appears (the line was never read: nothing else).
        rule = self.add_rule(line=path, kind='threshold', below=500, amount=2000, provider='pay')
        mon.read_until(lambda x: '"InterfacesAdded"' in x and rule in x, what='the new rule')
        # A low reading: the balance changes, LowBalance, a top-up, verified.
        self.sim.set_ussd('*777#', 'Saldo: S/ 2.00')
        self.refresh(path)
        self.sim.set_ussd('*777#', 'Saldo: S/ 22.00')
        events = lambda: [json.loads(x) for x in mon.lines]   # noqa: E731
        mon.read_until(lambda x: '"Balance"' in x, what='the balance change')
        changed = [e for e in events() if e['event'] == 'PropertiesChanged'
                   and 'Balance' in e['changed']][0]
        self.assertEqual(changed['path'], path)
        self.assertEqual(changed['interface'], 'io.github.saldo.Saldo1.Line')
        self.assertEqual(changed['changed']['Balance'], 200)
        mon.read_until(lambda x: '"TopUpFinished"' in x and '"verified"' in x, what='verified')
        started = [e for e in events() if e['event'] == 'TopUpStarted'][0]
        self.assertEqual(started['interface'], 'io.github.saldo.Saldo1')
        self.assertEqual(started['args'], {'id': started['args']['id'], 'line': path,
                                           'amount': 2000, 'currency': 'PEN'})
        low = [e for e in events() if e['event'] == 'LowBalance'][0]
        self.assertEqual(low['args'], {'line': path, 'balance': 200, 'currency': 'PEN'})
        # saldod leaves: the stream ends, cleanly, with a last line saying so.
        self.stop_saldod()
        mon.read_until(lambda x: '"Vanished"' in x, what='the end')
        self.assertEqual(mon.proc.wait(timeout=10), 0)
        self.assertEqual(mon.rest(), b'')
        for line in mon.lines:
            json.loads(line)

    def test_monitor_for_people_and_ctrl_c(self):
        self.start_saldod()
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        mon = Stream(self, 'monitor')
        self.listening(mon, path)
        self.sim.set_ussd('*777#', 'Saldo: S/ 2.50')
        self.refresh(path)
        line = mon.read_until(lambda x: 'Balance' in x, what='the balance')
        self.assertRegex(line, r'^\d\d:\d\d:\d\d line 1:.* Balance 2\.50 PEN')
        self.add_rule(line=path, kind='threshold', below=500, amount=1000, provider='pay',
                      confirm=True)
        ask = mon.read_until(lambda x: 'waits for your answer' in x, what='the confirmation')
        self.assertRegex(ask, r'top-up \d+ of line 1 waits for your answer: 10\.00 PEN \(.+\)$')
        mon.proc.send_signal(signal.SIGINT)
        self.assertEqual(mon.proc.wait(timeout=10), 0)

    def test_status_bar_formats(self):
        # saldod away: still one valid object, for the bar to show.
        res = self.saldoctl('status', '--format', 'waybar')
        self.assertEqual(json.loads(res.stdout), {'text': '', 'tooltip': 'saldod is not running',
                                                  'class': 'unavailable', 'alt': 'unavailable'})
        self.start_saldod()
        path = self.wait_line(CLARO['iccid'], Active=True)[0]
        bar = json.loads(self.saldoctl('status', '--format', 'waybar').stdout)
        self.assertEqual((bar['text'], bar['class']), ('?', 'unknown'))
        self.assertEqual(bar['tooltip'], 'Claro PE (…0011): never read')
        self.sim.set_ussd('*777#', 'Saldo: S/ 12.50')
        self.refresh(path)
        out = self.saldoctl('status', '--format', 'waybar').stdout
        self.assertEqual(out.count('\n'), 1)
        bar = json.loads(out)
        self.assertEqual((bar['text'], bar['class']), ('12.50 PEN', 'ok'))
        self.assertEqual(self.saldoctl('status', '--format', 'text').stdout, '12.50 PEN\n')
        # Streaming for a bar: a line at start, another when it changes.
        stream = Stream(self, 'monitor', '--format', 'waybar')
        first = json.loads(stream.read_until(lambda x: True))
        self.assertEqual(first['class'], 'ok')
        self.add_rule(line=path, kind='threshold', below=2000, amount=1000, provider='pay',
                      confirm=True)
        asking = json.loads(stream.read_until(lambda x: '"confirm"' in x, what='confirm'))
        self.assertIn('1 top-up waits for your answer', asking['tooltip'])
        self.assertEqual(asking['text'], '12.50 PEN')
        bad = self.saldoctl('status', '--format', 'lemonbar', check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("'lemonbar' is not waybar or text", bad.stderr)


def load_tests(loader, tests, pattern):
    return unittest.TestSuite(MonitorTest(name) for name in vars(MonitorTest)
                              if name.startswith('test_'))


if __name__ == '__main__':
    main()
