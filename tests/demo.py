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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from saldo_rig import Rig  # noqa: E402
from saldo_testcase import BUS_NAME, CLARO, MOVISTAR  # noqa: E402


def say(text):
    print('\n\033[1m== %s\033[0m' % text, flush=True)


def run(rig, argv):
    print('$ ' + ' '.join(os.path.basename(a) if i == 0 else a for i, a in enumerate(argv)),
          flush=True)
    subprocess.run(argv, env=rig.env, check=False)


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
        with open(rig.path('saldo.conf'), 'w') as f:
            f.write('[Daemon]\n')
        proc = rig.spawn('saldod', [saldod, '--verbose', '--state-dir', state,
                                    '--config', rig.path('saldo.conf')])
        rig.wait_bus_name(BUS_NAME, 15, proc=proc)
        rig.wait_for(lambda: active_lines() == 2, 20, 'two active lines')
        run(rig, [saldoctl, 'status'])
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

        say('what a script sees')
        run(rig, ['busctl', '--address', rig.env['DBUS_SYSTEM_BUS_ADDRESS'], 'tree', BUS_NAME])
        run(rig, ['busctl', '--address', rig.env['DBUS_SYSTEM_BUS_ADDRESS'], 'get-property',
                  BUS_NAME, '/io/github/saldo/Saldo1/Line/1', 'io.github.saldo.Saldo1.Line',
                  'Iccid', 'OperatorCode', 'Active'])
        say('demo over; everything is shut down and removed')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print('\ninterrupted; everything is shut down and removed')
        sys.exit(130)
