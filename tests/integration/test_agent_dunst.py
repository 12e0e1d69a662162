#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""saldo-agent with a real notification server: dunst (Debian's) on a
virtual X display (Xvfb), driven as a user would: the confirmation shows,
its context menu (dmenu) lists both actions, "Top up" is chosen with the
keyboard, and saldod tops up once.  A screenshot of the notification with
its two actions is kept with the test logs (meson-logs/)."""

import json
import os
import subprocess
import time
import unittest

from saldo_testcase import main
from saldo_rig import Rig, RigError
from saldo_session import NOTIFY
from test_agent import LABEL, AgentTest, BusRecorder

SCREENSHOT = 'saldo-agent-dunst-confirmation.png'

DUNSTRC = """[global]
    font = DejaVu Sans 11
    width = 520
    height = 200
    origin = top-right
    offset = 10x90
    frame_width = 2
    format = "<b>%s</b>\\n%b"
    markup = full
    show_indicators = yes
    dmenu = /usr/bin/dmenu -l 5 -p Saldo
    idle_threshold = 0
[urgency_normal]
    timeout = 0
"""


class AgentDunstTest(AgentTest):

    def setUp(self):
        super().setUp()
        # Xvfb picks a free display and writes its number to stdout.
        self.xvfb = self.rig.spawn('xvfb', ['Xvfb', '-displayfd', '1', '-screen', '0', '1024x600x24',
                                            '-nolisten', 'tcp'], stdout=subprocess.PIPE)
        number = Rig._read_line(self.xvfb, 15.0)
        if not number:
            raise RigError('Xvfb printed no display')
        self.display = ':' + number
        conf = self.rig.path('dunstrc')
        with open(conf, 'w') as f:
            f.write(DUNSTRC)
        self.x_env = dict(self.session.env, DISPLAY=self.display)
        self.dunst = self.rig.spawn('dunst', ['dunst', '-config', conf], env=self.x_env)
        self.session.wait_name(NOTIFY[0], proc=self.dunst)

    def x(self, *argv, check=True):
        return subprocess.run(list(argv), env=self.x_env, capture_output=True, text=True,
                              timeout=30, check=check)

    def displayed(self):
        return int(self.x('dunstctl', 'count', 'displayed').stdout.strip() or 0)

    def wait(self, predicate, what, timeout=30.0):
        return self.rig.wait_for(predicate, timeout, what)

    def test_confirm_with_dunst(self):
        self.start_saldod()
        self.start_agent(LC_MONETARY='es_PE.UTF-8', LOCPATH=self.locales())
        path = self.ready_line('Saldo: S/ 1.00')
        self.sim.set_ussd('*777#', 'Saldo: S/ 21.00')
        self.rule(path, below=500, amount=2000, confirm=True)
        self.wait(lambda: self.displayed() == 1, 'dunst to show the confirmation')
        monitor = BusRecorder(self.rig)
        self.addCleanup(monitor.close)
        session = BusRecorder(self.rig, self.session.address, 'session-monitor')
        self.addCleanup(session.close)
        # The context menu lists the notification's actions (dunst has no
        # buttons): open it, photograph both, choose "Top up".
        menu = subprocess.Popen(['dunstctl', 'context'], env=self.x_env)
        self.addCleanup(menu.wait, 30)
        self.wait(lambda: self.x('xdotool', 'search', '--classname', 'dmenu', check=False).stdout.strip(),
                  'the context menu')
        time.sleep(0.5)
        logs = os.environ.get('SALDO_TEST_LOG_DIR') or self.rig.path()
        os.makedirs(logs, exist_ok=True)
        shot = os.path.join(logs, SCREENSHOT)
        self.x('import', '-window', 'root', shot)
        print('screenshot: %s' % shot)
        # A picture with something on it, not a blank screen.
        deviation = float(self.x('/usr/bin/identify', '-format', '%[fx:standard_deviation]',
                                 shot).stdout)
        self.assertGreater(deviation, 0.01)
        self.x('xdotool', 'type', '--delay', '20', 'Top up S')
        self.x('xdotool', 'key', 'Return')
        self.wait(lambda: [t for t in self.topups() if t['state'] == 'verified'], 'verified', 60)
        self.assertEqual(len(self.fake.charges()), 1)
        self.assertEqual(len(monitor.calls('ConfirmTopUp')), 1)
        # The confirmation went when answered; the top-up's notifications
        # replaced each other: closing all leaves these two in the history.
        # dunst answers Notify once it holds the notification.
        self.wait(lambda: [c for c in session.calls('Notify')
                           if c['payload']['data'][3] == 'Top-up arrived: ' + LABEL
                           and session.answered(c)], 'the verified top-up')
        self.x('dunstctl', 'close-all')
        self.assertEqual(sorted(self.summaries()), ['Top up %s?' % LABEL, 'Top-up arrived: ' + LABEL])

    def summaries(self):
        """Summaries in dunst's history (what was closed)."""
        history = json.loads(self.x('dunstctl', 'history').stdout)
        return [n['summary']['data'] for n in history['data'][0]]


def load_tests(loader, tests, pattern):
    return unittest.TestSuite(AgentDunstTest(name) for name in vars(AgentDunstTest)
                              if name.startswith('test_'))


if __name__ == '__main__':
    main()
