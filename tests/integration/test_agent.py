#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""saldo-agent end to end: the real saldod on the rig (real ModemManager,
simulated modem, loopback HTTPS provider, polkit mock), the agent on a
private session bus, and python-dbusmock's notification_daemon as the
desktop's notification server.  Each event must give the expected
notification (summary, body, actions), replacing rather than stacking."""

import json
import os
import subprocess
import time

import unittest

from saldo_testcase import BUS_NAME, main
from saldo_rig import RigError
from gi.repository import Gio, GLib
from saldo_session import (AGENT_NAME, NotificationMock, SessionBus, agent_env,
                           set_agent_settings, start_agent)
from test_topup import TopUpTest

BUILD = os.environ.get('SALDO_BUILD_ROOT', os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), '_build'))
LABEL = 'Claro PE (…0011)'


class BusRecorder:
    """busctl monitor on the rig's bus: what really went over the wire
    (method calls with their header flags), to count ConfirmTopUp and the
    polkit checks it caused."""

    def __init__(self, rig, address=None, name='monitor'):
        self.path = rig.path(name + '.json')
        self.out = open(self.path, 'w')
        address = address or rig.env['DBUS_SYSTEM_BUS_ADDRESS']
        self.proc = subprocess.Popen(['busctl', '--address', address, 'monitor', '--json=short'],
                                     stdout=self.out, stderr=subprocess.DEVNULL)
        # Recording once a call made now shows up (no fixed sleep: a loaded
        # machine may take longer to start busctl).
        probe = 'io.github.saldo.Probe%d' % os.getpid()
        bus = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        for _ in range(200):
            bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                          'NameHasOwner', GLib.Variant('(s)', (probe,)), None,
                          Gio.DBusCallFlags.NONE, 5000, None)
            self.out.flush()
            with open(self.path) as f:
                if probe in f.read():
                    break
            time.sleep(0.05)
        else:
            raise RigError('busctl monitor never started recording')
        bus.close_sync(None)

    def messages(self):
        found = []
        with open(self.path) as f:
            for line in f:
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue
        return found

    def answered(self, call):
        """Whether the reply to call went over the bus."""
        return any(m.get('reply_cookie') == call['cookie'] and m.get('destination') == call['sender']
                   for m in self.messages() if m.get('type') in ('method_return', 'error'))

    def calls(self, member):
        found = []
        with open(self.path) as f:
            for line in f:
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if msg.get('type') == 'method_call' and msg.get('member') == member:
                    found.append(msg)
        return found

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.out.close()


class AgentTest(TopUpTest):
    """TopUpTest's rig (modem, polkit mock, loopback provider "pay") plus the
    session: a session bus and a notification server."""

    def setUp(self):
        super().setUp()
        self.session = SessionBus(self.rig)

    # ---- helpers ----------------------------------------------------------

    def start_notifications(self, capabilities='body body-markup actions'):
        self.notes = NotificationMock(self.rig, self.session, capabilities)
        return self.notes

    def start_agent(self, args=(), name='saldo-agent', wait=True, **env):
        """Starts the agent; with wait and saldod running, returns once the
        agent follows it (its log says so), so no event falls before."""
        following = self.rig.log_text(name).count('following saldod')
        proc = start_agent(self.rig, self.session, BUILD, args, name, wait,
                           env=agent_env(self.rig, self.session, BUILD, **env))
        if wait and self.rig.name_has_owner(BUS_NAME):
            self.rig.wait_for(lambda: self.rig.log_text(name).count('following saldod') > following
                              or proc.poll() is not None, 30, 'the agent to follow saldod')
        return proc

    def reading(self, path, reply):
        self.sim.set_ussd('*777#', reply)
        self.refresh(path)

    def rule(self, path, **keys):
        return self.add_rule(line=path, kind='threshold', provider='pay', **keys)

    def settle(self, seconds=1.5):
        """Time for a notification that must NOT come to show up anyway."""
        time.sleep(seconds)

    def confirmation(self, since=0):
        return self.notes.wait_for(lambda n: n.summary == 'Top up %s?' % LABEL,
                                   what='the confirmation', since=since)

    # ---- tests ------------------------------------------------------------

    def test_low_balance_once_per_balance_replaced_then_withdrawn(self):
        self.start_saldod()
        self.start_notifications()
        self.start_agent()
        path = self.ready_line('Saldo: S/ 30.00')
        # A rule that watches but never spends (disabled): LowBalance only.
        self.rule(path, below=500, amount=2000, enabled=False)
        self.reading(path, 'Saldo: S/ 2.00')
        first = self.notes.wait_for(lambda n: n.summary.startswith('Low balance'))
        self.assertEqual(first.summary, 'Low balance: ' + LABEL)
        self.assertEqual(first.body, '2.00 PEN left, below 5.00 PEN.')
        self.assertEqual(first.app, 'Saldo')
        self.assertEqual(first.action_list, [])
        self.assertEqual(first.replaces, 0)
        # saldod re-reads the same balance: LowBalance again, nothing shown.
        self.reading(path, 'Saldo: S/ 2.00')
        self.reading(path, 'Saldo: S/ 2.00')
        self.settle()
        self.assertEqual(len(self.notes.notifications()), 1, self.notes.notifications())
        # Lower still: the same notification, replaced.
        self.reading(path, 'Saldo: S/ 1.50')
        second = self.notes.wait_for(lambda n: '1.50 PEN' in n.body)
        self.assertEqual(second.replaces, first.id)
        self.assertEqual(len(self.notes.notifications()), 2)
        # Topped up by hand elsewhere: the warning is stale and goes.
        self.reading(path, 'Saldo: S/ 25.00')
        self.notes.wait_closed(first.id)

    def test_top_up_confirms_through_polkit_exactly_once(self):
        self.start_saldod()
        self.start_notifications()
        # The user's monetary locale is Peru's, messages English: the
        # button reads exactly as the issue asks.
        self.start_agent(LC_MONETARY='es_PE.UTF-8', LOCPATH=self.locales())
        path = self.ready_line('Saldo: S/ 1.00')
        self.sim.set_ussd('*777#', 'Saldo: S/ 21.00')
        self.rule(path, below=500, amount=2000, confirm=True)
        n = self.confirmation()
        self.assertEqual(n.action_list, ['confirm', 'Top up S/ 20.00', 'reject', 'Not now'])
        self.assertEqual(n.body, 'The balance is S/ 1.00, below S/ 5.00. '
                                 'Saldo asks before spending S/ 20.00 through pay.')
        self.assertEqual(n.timeout, 0)
        self.assertEqual(self.fake.charges(), [])
        monitor = BusRecorder(self.rig)
        self.addCleanup(monitor.close)
        # A double click: the second must spend nothing.
        self.notes.invoke(n.id, 'confirm')
        self.notes.invoke(n.id, 'confirm')
        self.notes.wait_closed(n.id)
        started = self.notes.wait_for(lambda n: n.summary == 'Topping up ' + LABEL)
        self.assertEqual(started.body, 'S/ 20.00 through pay. Saldo reads the balance afterwards '
                                       'to check that it arrived.')
        verified = self.notes.wait_for(lambda n: n.summary == 'Top-up arrived: ' + LABEL)
        self.assertEqual(verified.body, 'S/ 20.00 arrived; the balance is now S/ 21.00.')
        # One slot per event and line: started → sent → arrived replace each other.
        sent = self.notes.wait_for(lambda n: n.summary == 'Top-up sent: ' + LABEL)
        self.assertEqual(sent.replaces, started.id)
        self.assertEqual(verified.replaces, started.id)
        self.assertEqual(len(self.fake.charges()), 1)
        confirms = monitor.calls('ConfirmTopUp')
        self.assertEqual(len(confirms), 1, confirms)
        # Header flag 0x4: ALLOW_INTERACTIVE_AUTHORIZATION, so the session's
        # polkit agent may ask for the password.
        self.assertTrue(confirms[0]['flags'] & 0x4, confirms[0])
        checks = [c for c in monitor.calls('CheckAuthorization')
                  if c['payload']['data'][1] == 'io.github.saldo.Saldo1.top-up']
        self.assertEqual(len(checks), 1, checks)
        self.assertEqual(checks[0]['payload']['data'][3], 1)   # AllowUserInteraction
        self.assertEqual([t['state'] for t in self.topups()], ['verified'])

    def test_not_now_rejects(self):
        self.start_saldod()
        self.start_notifications()
        self.start_agent()
        path = self.ready_line('Saldo: S/ 1.00')
        self.rule(path, below=500, amount=1000, confirm=True)
        n = self.confirmation()
        self.assertEqual(n.actions['confirm'], 'Top up 10.00 PEN')
        self.notes.invoke(n.id, 'reject')
        self.notes.wait_closed(n.id)
        row = self.wait_state('failed')[0]
        self.assertIn('rejected', row['error'])
        self.settle()
        # Rejected is not a failure to report: nothing else was shown.
        self.assertEqual([x.summary for x in self.notes.notifications()], [n.summary])
        self.assertEqual(self.fake.charges(), [])

    def test_denied_password_keeps_the_request_open(self):
        self.start_saldod()
        self.start_notifications()
        self.start_agent()
        path = self.ready_line('Saldo: S/ 1.00')
        self.sim.set_ussd('*777#', 'Saldo: S/ 11.00')
        self.rule(path, below=500, amount=1000, confirm=True)
        n = self.confirmation()
        # The owner cancels the password dialog: polkit says no.
        self.polkit_allow(['io.github.saldo.Saldo1.refresh'])
        self.notes.invoke(n.id, 'confirm')
        again = self.notes.wait_for(lambda x: x.replaces == n.id and 'Not authorised' in x.body)
        self.assertEqual(again.action_list, n.action_list)
        self.assertEqual(self.fake.charges(), [])
        self.assertEqual([t['state'] for t in self.topups()], ['planned'])
        # The second try goes through, once.
        self.polkit_allow(['io.github.saldo.Saldo1.refresh', 'io.github.saldo.Saldo1.top-up'])
        self.notes.invoke(again.id, 'confirm')
        self.wait_state('verified')
        self.assertEqual(len(self.fake.charges()), 1)

    def test_answered_elsewhere_or_while_away_is_withdrawn(self):
        self.start_saldod()
        self.start_notifications()
        agent = self.start_agent()
        path = self.ready_line('Saldo: S/ 1.00')
        self.rule(path, below=500, amount=1000, confirm=True, cooldown=0)
        n = self.confirmation()
        planned = self.wait_state('planned')[0]
        # Answered with saldoctl: the notification goes, no other appears.
        self.saldoctl('topup', 'reject', planned['id'])
        self.notes.wait_closed(n.id)
        # A request made while no agent runs is shown when it starts ...
        self.rig.stop(agent.name)
        self.reading(path, 'Saldo: S/ 0.50')
        planned = self.wait_state('planned')[0]
        since = self.notes.checkpoint()
        agent = self.start_agent()
        shown = self.confirmation(since)
        # ... and one answered while the agent was away is withdrawn at its start.
        self.rig.stop(agent.name)
        self.saldoctl('topup', 'reject', planned['id'])
        self.start_agent()
        self.notes.wait_closed(shown.id)

    def test_server_without_actions_says_how_to_answer(self):
        self.start_saldod()
        self.start_notifications(capabilities='body')
        self.start_agent()
        path = self.ready_line('Saldo: S/ 1.00')
        self.rule(path, below=500, amount=1000, confirm=True)
        n = self.confirmation()
        planned = self.wait_state('planned')[0]
        self.assertEqual(n.action_list, [])
        self.assertIn('“saldoctl topup confirm %s” or “saldoctl topup reject %s”'
                      % (planned['id'], planned['id']), n.body)

    def test_failures_then_rule_disabled(self):
        self.start_saldod()
        self.start_notifications()
        self.start_agent()
        path = self.ready_line('Saldo: S/ 1.00')
        # The payment backend refuses every request (nothing is charged) for a
        # reason about the request, so the rule's own failure.
        self.fake.command({'op': 'fault', 'path': '/hook/topup', 'action': 'failed',
                           'error_code': 'invalid_amount', 'count': 10})
        self.rule(path, below=500, amount=1000, cooldown=0)
        failed = self.notes.wait_for(lambda n: n.summary == 'Top-up failed: ' + LABEL)
        self.assertEqual(failed.body, 'The top-up of 10.00 PEN was not made: The amount is not '
                                      'accepted for this line. '
                                      'The rule tries again later; three failures in a row turn it off.')
        self.assertEqual(failed.hints['urgency'], 2)
        for _ in range(4):
            if [n for n in self.notes.notifications() if n.summary.startswith('Automatic top-up off')]:
                break
            self.refresh(path)
            time.sleep(1)
        off = self.notes.wait_for(lambda n: n.summary == 'Automatic top-up off: ' + LABEL)
        self.assertRegex(off.body, r'^Rule 1 turned itself off: .*fail.*\. Turn it back on with '
                                   r'“saldoctl rules enable 1” once the cause is fixed\.$')
        # Each failure replaced the last: one top-up notification, not three.
        top_up_ids = {n.id for n in self.notes.notifications() if n.summary.startswith('Top')}
        self.assertEqual(len(top_up_ids), 1, self.notes.notifications())
        # Turned back on: the warning goes.
        self.saldoctl('rules', 'enable', '1')
        self.notes.wait_closed(off.id)

    def test_expiry_and_which_events_notify(self):
        self.start_saldod()
        self.start_notifications()
        set_agent_settings(self.rig, notify="['expiry', 'top-up', 'confirmation']",
                           expiry_days='3')
        self.start_agent()
        soon = time.gmtime(time.time() + 2 * 86400)
        date = time.strftime('%d/%m/%Y', soon)
        iso = time.strftime('%Y-%m-%d', soon)
        path = self.ready_line('Claro: Tu saldo recarga es S/ 5.00 y vence el %s.' % date)
        n = self.notes.wait_for(lambda n: n.summary == 'Balance expires soon: ' + LABEL)
        self.assertEqual(n.body, '5.00 PEN expires on %s (in 2 days). Top up before then to keep it.'
                         % iso)
        # Low balance is off in the settings: a low reading shows nothing.
        self.rule(path, below=1000, amount=1000, enabled=False)
        self.reading(path, 'Claro: Tu saldo recarga es S/ 5.00 y vence el %s.' % date)
        self.settle()
        self.assertEqual([x.summary for x in self.notes.notifications()], [n.summary])
        # A later expiry (further than 3 days): withdrawn.
        later = time.strftime('%d/%m/%Y', time.gmtime(time.time() + 30 * 86400))
        self.reading(path, 'Claro: Tu saldo recarga es S/ 5.00 y vence el %s.' % later)
        self.notes.wait_closed(n.id)
        # Back within the window, then expiry turned off: shown, then withdrawn.
        self.reading(path, 'Claro: Tu saldo recarga es S/ 5.00 y vence el %s.' % date)
        again = self.notes.wait_for(lambda x: x.summary == n.summary and x.id != n.id)
        set_agent_settings(self.rig, notify="['top-up', 'confirmation']")
        self.notes.wait_closed(again.id)

    def test_provider_needs_attention_and_deactivation(self):
        # The carrier cuts Claro lines 3 days after the last recharge here.
        carriers = os.path.join(os.path.dirname(self.config_path), 'carriers.d')
        os.makedirs(carriers, exist_ok=True)
        with open(os.path.join(os.environ['SALDO_SOURCE_ROOT'], 'plugin', 'carriers',
                               'claro-pe.conf')) as f:
            claro = f.read()
        with open(os.path.join(carriers, 'claro-pe.conf'), 'w') as f:
            f.write(claro.replace('DeactivationDays=270', 'DeactivationDays=3'))
        self.start_saldod()
        self.start_notifications()
        self.start_agent()
        path = self.ready_line('Saldo: S/ 5.00')
        # A recharge seen in the balance: the line is cut in 3 days unless
        # recharged again.
        self.reading(path, 'Saldo: S/ 25.00')
        cut = self.notes.wait_for(lambda n: n.summary == 'Line about to be cut off: ' + LABEL)
        self.assertIn('Without a recharge the carrier deactivates it on', cut.body)
        self.assertIn('(in 3 days)', cut.body)

        # The payment backend declines the card: the provider needs its owner.
        self.fake.command({'op': 'fault', 'path': '/hook/topup', 'action': 'failed',
                           'error_code': 'card_declined'})
        self.top_up(path, 1000)
        n = self.notes.wait_for(lambda n: n.summary == 'Top-up provider needs you: pay')
        self.assertIn('Its payment method was declined.', n.body)
        self.assertIn('saldoctl providers check pay', n.body)
        # Fixed; the owner says so: the notification goes.
        self.saldoctl('providers', 'check', 'pay')
        self.notes.wait_closed(n.id)

    def test_agent_follows_saldod(self):
        self.start_notifications()
        # Without saldod the agent waits --wait seconds, then exits cleanly.
        lone = self.start_agent(['--wait', '1'], name='agent-alone', wait=False)
        self.assertEqual(lone.wait(timeout=15), 0)
        self.start_saldod()
        path = self.ready_line('Saldo: S/ 1.00')
        self.rule(path, below=500, amount=1000, confirm=True)
        agent = self.start_agent()
        follower = self.start_agent(['--follow'], name='agent-follow', wait=False)
        # One agent per session: the second start hands over and exits.
        self.assertEqual(follower.wait(timeout=15), 0)
        n = self.confirmation()
        # saldod leaves: the request can no longer be answered, the agent
        # withdraws it and exits.
        self.stop_saldod()
        self.notes.wait_closed(n.id)
        self.assertEqual(agent.wait(timeout=15), 0)
        # --follow stays, and picks saldod up again with the open request.
        follower = self.start_agent(['--follow'], name='agent-follow')
        self.settle()
        self.assertIsNone(follower.poll())
        since = self.notes.checkpoint()
        self.start_saldod()
        self.confirmation(since)
        self.stop_saldod()
        self.assertIsNone(follower.poll())
        self.rig.stop('agent-follow')
        self.session.wait_name(AGENT_NAME, gone=True)

    def locales(self):
        """es_PE.UTF-8 for LOCPATH: the build tree's (tests/meson.build), else
        compiled here; the system's locales stay untouched."""
        if os.environ.get('SALDO_TEST_LOCPATH'):
            return os.environ['SALDO_TEST_LOCPATH']
        path = self.rig.path('locales')
        if not os.path.isdir(os.path.join(path, 'es_PE.UTF-8')):
            os.makedirs(path, exist_ok=True)
            subprocess.run(['localedef', '-i', 'es_PE', '-f', 'UTF-8',
                            os.path.join(path, 'es_PE.UTF-8')], check=True)
        return path


def load_tests(loader, tests, pattern):
    """This module's own tests, not the TopUpTest ones it inherits."""
    return unittest.TestSuite(AgentTest(name) for name in vars(AgentTest)
                              if name.startswith('test_'))


if __name__ == '__main__':
    main()
