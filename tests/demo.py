#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Saldo demo: a private bus, a real ModemManager, two simulated Peruvian
modems (Claro 716 10, Movistar 716 06), saldod, and saldoctl showing them
live.  Plays its scenario and ends by itself (or on Ctrl-C), leaving no
process or file behind.

    demo.py --build BUILDDIR
"""

import argparse
import json
import os
import subprocess
import sys
import time

for sub in ('sim', 'integration'):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), sub))
from saldo_rig import Rig  # noqa: E402
from saldo_testcase import BUS_NAME, CLARO, MOVISTAR  # noqa: E402

from gi.repository import GLib  # noqa: E402
from test_topup import HOOK_SECRET, FakeProvider  # noqa: E402
from saldo_session import NotificationMock, SessionBus, agent_env, start_agent  # noqa: E402


CARRIERS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        'plugin', 'carriers')


def say(text):
    print('\n\033[1m== %s\033[0m' % text, flush=True)


def run(rig, argv, **env):
    shown = [os.path.basename(a) if i == 0 else (repr(a) if ' ' in a else a)
             for i, a in enumerate(argv)]
    print('$ ' + ''.join('%s=%s ' % kv for kv in env.items() if kv[0] == 'LANG') + ' '.join(shown),
          flush=True)
    subprocess.run(argv, env=dict(rig.env, SALDO_CARRIERS_DIR=CARRIERS, **env), check=False)


class Desktop:
    """The user's session: a session bus, a notification server (python-
    dbusmock's, which records what it is asked to show) and saldo-agent;
    show() prints the notifications that arrived since the last call."""

    def __init__(self, rig, build):
        self.session = SessionBus(rig)
        self.mock = NotificationMock(rig, self.session)
        env = agent_env(rig, self.session, build, LC_MONETARY='es_PE.UTF-8',
                        LOCPATH=os.path.join(build, 'tests'))
        env.pop('G_MESSAGES_DEBUG', None)
        start_agent(rig, self.session, build, env=env)
        self.seen = 0

    def show(self, wait_for=None, timeout=30):
        if wait_for is not None:
            self.mock.wait_for(lambda n: wait_for in n.summary, timeout, since=self.seen)
        shown = self.mock.notifications()
        for n in shown[self.seen:]:
            buttons = ''.join('  [%s]' % label for label in n.actions.values())
            print('  \033[36m[notification %d%s] %s\033[0m\n      %s%s' % (
                n.id, ', replaces %d' % n.replaces if n.replaces else '', n.summary,
                n.body.replace('\n', '\n      '), buttons), flush=True)
        self.seen = len(shown)
        return shown


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--build', required=True, help='meson build directory')
    parser.add_argument('--pause', type=float, default=1.5, help='seconds between steps')
    args = parser.parse_args()
    saldod = os.path.join(args.build, 'daemon', 'saldod')
    saldoctl = os.path.join(args.build, 'cli', 'saldoctl')

    with Rig() as rig:
        say('private D-Bus, real ModemManager %s, two simulated modems' %
            subprocess.run(['ModemManager', '--version'], capture_output=True,
                           text=True).stdout.split()[1])
        rig.start_bus()
        rig.start_mm()
        claro = rig.add_modem('claro', **CLARO)
        movistar = rig.add_modem('movistar', **MOVISTAR)
        for sim in (claro, movistar):
            rig.enable_modem(sim)
        for sim in (claro, movistar):
            rig.wait_modem_state(sim, 'registered')
        run(rig, ['mmcli', '-L'])

        def active_lines():
            out = subprocess.run([saldoctl, '--json', 'lines'], env=rig.env,
                                 capture_output=True, text=True).stdout
            return sum(1 for line in json.loads(out or '[]') if line['active'])

        say('saldod starts on the (private) system bus')
        state = rig.path('state')
        source_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        with open(rig.path('saldo.conf'), 'w') as f:
            f.write('[Daemon]\nRefreshOnRegistration=false\nVerifyDelay=2\nProviderCheckInterval=2\n'
                    'CarrierDataDirectory=%s\nProviderPluginDirectory=%s\n'
                    % (os.path.join(source_root, 'plugin', 'carriers'),
                       os.path.join(os.path.abspath(args.build), 'plugin')))
        # The owner's payment backend: a real HTTPS server on loopback
        # (tests/sim/fakeprovider.py) with a CA made for this run.
        pay = FakeProvider(rig)
        os.makedirs(rig.path('providers.d'))
        secret = rig.path('providers.d', 'demo-pay.secret')
        with open(os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as f:
            f.write(HOOK_SECRET + '\n')
        with open(rig.path('providers.d', 'demo-pay.conf'), 'w') as f:
            f.write('[Provider]\nType=http\nUrl=https://127.0.0.1:%d/hook/topup\n'
                    'StatusUrl=https://127.0.0.1:%d/hook/status/{reference}\n'
                    'AccountUrl=https://127.0.0.1:%d/hook/account\n'
                    'SecretFile=demo-pay.secret\nCaFile=%s\nFundsWarnBelow=50.00\n'
                    % (pay.port, pay.port, pay.port, pay.ca))
        # polkitd cannot run on a private bus: python-dbusmock's polkitd
        # template stands in for it, allowing Saldo's actions.
        polkit = rig.spawn('polkitd-mock', ['/usr/bin/python3', '-m', 'dbusmock', '--system',
                                            '--template', 'polkitd'])
        rig.wait_bus_name('org.freedesktop.PolicyKit1', 15, proc=polkit)
        rig.call('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority',
                 'org.freedesktop.DBus.Mock', 'SetAllowed',
                 GLib.Variant('(as)', (['io.github.saldo.Saldo1.refresh',
                                        'io.github.saldo.Saldo1.configure',
                                        'io.github.saldo.Saldo1.top-up',
                                        'io.github.saldo.Saldo1.manage-rules'],)))
        proc = rig.spawn('saldod', [saldod, '--verbose', '--state-dir', state,
                                    '--config', rig.path('saldo.conf')])
        rig.wait_bus_name(BUS_NAME, 15, proc=proc)
        rig.wait_for(lambda: active_lines() == 2, 20, 'two active lines')
        run(rig, [saldoctl, 'status'])
        say('the owner\'s desktop: saldo-agent on a session bus, notifications printed as shown')
        desktop = Desktop(rig, os.path.abspath(args.build))
        time.sleep(args.pause)

        say('read both balances by USSD (Claro *777#, Movistar *515#) through ModemManager')
        claro.set_ussd('*777#', 'Claro: Tu plan de S/ 29.90 se renueva el 05/01. '
                       'Saldo: S/ 12.50, vence el 30/12/2026. Datos: 1.5 GB')
        movistar.set_ussd('*515#', 'Movistar: Su saldo es S/. 4.20 hasta el 15/01/2027')
        run(rig, [saldoctl, 'balance', '--refresh'])
        time.sleep(args.pause)

        say('Movistar texts a new balance from 515 (an SMS from anyone else is ignored)')
        movistar.inject_sms('+51999888777', 'Tu saldo es S/ 99.00')
        movistar.inject_sms('515', 'Movistar: Bono de S/ 1 recibido. Tu saldo es S/ 5.20')
        rig.wait_for(lambda: '5.20' in subprocess.run(
            [saldoctl, 'balance', '2'], env=rig.env, capture_output=True, text=True).stdout,
            30, 'the SMS balance')
        run(rig, [saldoctl, 'balance', '2'])
        run(rig, [saldoctl, 'history', '--balance'])
        run(rig, [saldoctl, 'parse', '--carrier', 'claro-pe', '--explain',
                  'Tu plan de S/ 29.90 se renueva el 05/01. Saldo: S/ 12.50'])
        time.sleep(args.pause)

        say('the owner\'s rule: below S/ 20, top up S/ 20, at most S/ 100 a month')
        run(rig, [saldoctl, 'rules', 'add', '1', '--kind', 'threshold', '--below', '20',
                  '--amount', '20', '--provider', 'demo-pay', '--max-per-month', '100',
                  '--cooldown', '0'])
        claro.set_ussd('*777#', 'Claro: Saldo: S/ 32.50, vence el 30/01/2027.')
        say('Claro\'s S/ 12.50 is below S/ 20: one top-up, then the balance is read again')
        rig.wait_for(lambda: '"verified"' in subprocess.run(
            [saldoctl, '--json', 'history'], env=rig.env, capture_output=True, text=True).stdout,
            60, 'the top-up verified')
        run(rig, [saldoctl, 'history'])
        run(rig, [saldoctl, 'balance', '1'])
        print('payment backend saw %d charge(s)' % len(pay.charges()), flush=True)
        desktop.show('Top-up arrived')
        run(rig, [saldoctl, 'rules', 'test', '1', '--balance', '3'])
        time.sleep(args.pause)

        say('Movistar\'s rule asks first: below S/ 30, top up S/ 10 once the owner says yes')
        movistar.set_ussd('*515#', 'Movistar: Su saldo es S/. 15.20 hasta el 15/01/2027')
        run(rig, [saldoctl, 'rules', 'add', '2', '--below', '30', '--amount', '10',
                  '--provider', 'demo-pay', '--confirm'])
        question = [n for n in desktop.show('Top up') if n.actions][-1]
        print('the owner clicks [%s] (polkit asks for the password on a real desktop)'
              % question.actions['confirm'], flush=True)
        desktop.mock.invoke(question.id, 'confirm')
        desktop.show('Top-up arrived')
        time.sleep(args.pause)

        say('the payment backend\'s account runs dry: S/ 5.00 left, and Claro needs S/ 20')
        pay.command({'op': 'config', 'hook_funds': 5.0})
        claro.set_ussd('*777#', 'Claro: Saldo: S/ 18.00, vence el 30/01/2027.')
        run(rig, [saldoctl, 'balance', '--refresh', '1'])

        def provider_state():
            out = subprocess.run([saldoctl, '--json', 'providers'], env=rig.env,
                                 capture_output=True, text=True).stdout
            return json.loads(out or '[]')[0]['state'] if out else None
        rig.wait_for(lambda: provider_state() == 'needs-attention', 30, 'needs attention')
        run(rig, [saldoctl, 'providers'])
        desktop.show('Top-up provider needs you')
        run(rig, [saldoctl, 'rules'])
        say('the owner adds funds; the next health check finds them, and the rule resumes')
        claro.set_ussd('*777#', 'Claro: Saldo: S/ 38.00, vence el 30/01/2027.')
        pay.command({'op': 'config', 'hook_funds': 500.0})
        rig.wait_for(lambda: provider_state() == 'ok', 60, 'the provider back to ok')
        rig.wait_for(lambda: subprocess.run(
            [saldoctl, '--json', 'history'], env=rig.env, capture_output=True,
            text=True).stdout.count('"verified"') >= 3, 60, 'the resumed top-up verified')
        run(rig, [saldoctl, 'providers'])
        run(rig, [saldoctl, 'balance', '1'])
        run(rig, [saldoctl, 'report'])
        time.sleep(args.pause)

        say('unplug the Claro modem (ModemManager restarts without it)')
        rig.restart_mm(modems=['movistar'])
        rig.wait_for(lambda: active_lines() == 1, 20, 'Claro inactive')
        run(rig, [saldoctl, 'status'])
        time.sleep(args.pause)

        say('plug it back in')
        rig.restart_mm()
        rig.wait_for(lambda: active_lines() == 2, 20, 'both active')
        run(rig, [saldoctl, 'status'])

        say('the same in Spanish, as a Peruvian owner sees it (es_PE: S/ 32.50, 30/01/2027)')
        build = os.path.abspath(args.build)
        spanish = dict(LANG='es_PE.UTF-8', LC_ALL='', LANGUAGE='',
                       LOCPATH=os.path.join(build, 'tests'), SALDO_LOCALEDIR=os.path.join(build, 'po'))
        run(rig, [saldoctl, 'status'], **spanish)
        run(rig, [saldoctl, 'balance'], **spanish)

        say('what a script sees')
        run(rig, ['busctl', '--address', rig.env['DBUS_SYSTEM_BUS_ADDRESS'], 'tree', BUS_NAME])
        run(rig, ['busctl', '--address', rig.env['DBUS_SYSTEM_BUS_ADDRESS'], 'get-property',
                  BUS_NAME, '/io/github/saldo/Saldo1/Line/1', 'io.github.saldo.Saldo1.Line',
                  'Iccid', 'OperatorCode', 'Active'])
        pay.close()
        say('demo over; everything is shut down and removed')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print('\ninterrupted; everything is shut down and removed')
        sys.exit(130)
