#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Time from a modem's appearance to all of its eSIM profiles on the bus.

A simulated modem (AT side for ModemManager, QMI side through the real
qmi-proxy: tests/sim/simmodem.py + tests/sim/simqmi.py) is attached N times; each
run measures from ModemManager's Test.SetProfile to the moment saldod's
Euicc object lists every profile as a line, and counts the APDUs and
channels of the read.  The same run times ModemManager's own part (attach
to the modem object being exported) as the named reference.

    sudo /usr/bin/python3 bench/bench-esim.py --build _build [--runs 10]
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'sim'))
from saldo_rig import Rig  # noqa: E402
from simqmi import SimQmi  # noqa: E402
from gi.repository import GLib  # noqa: E402

BUS_NAME = 'io.github.saldo.Saldo1'
EUICC_IFACE = 'io.github.saldo.Saldo1.Euicc'
IMEI = '356938035649999'
PROFILES = [
    {'iccid': '8951100000000000055', 'state': 'enabled', 'nickname': 'Claro',
     'spn': 'Claro PE', 'name': 'Claro Prepago', 'class': 'operational'},
    {'iccid': '8944100000000000017', 'state': 'disabled', 'nickname': 'Travel',
     'spn': 'Roam Mobile', 'name': 'Roam Global 5GB', 'class': 'operational'},
    {'iccid': '89012608822220000009', 'state': 'disabled', 'nickname': 'Work',
     'spn': 'Operator A', 'name': 'Operator A Business', 'class': 'operational'},
]


def euicc_lines(rig):
    objects = rig.call(BUS_NAME, '/io/github/saldo/Saldo1', 'org.freedesktop.DBus.ObjectManager',
                       'GetManagedObjects', None, '(a{oa{sa{sv}}})')[0]
    for ifaces in objects.values():
        props = ifaces.get(EUICC_IFACE)
        if props and props.get('Modem', '/') != '/' and len(props['Lines']) == len(PROFILES):
            return True
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--build', required=True)
    parser.add_argument('--runs', type=int, default=10)
    args = parser.parse_args()
    saldod = os.path.join(args.build, 'daemon', 'saldod')

    to_bus, to_modem, apdus, channels = [], [], [], []
    with Rig() as rig:
        qmi = SimQmi(profiles=PROFILES, link=rig.path('cdc-wdm0'))
        qmi.start()
        rig.start_bus()
        with open(rig.path('saldo.conf'), 'w') as f:
            f.write('[Daemon]\nRefreshOnRegistration=false\nRefreshInterval=0\n'
                    '[Modem %s]\nControlPort=%s\nControlProtocol=qmi\n' % (IMEI, qmi.path))
        rig.add_modem('esim', iccid=PROFILES[0]['iccid'], imsi='716100000000055', imei=IMEI)
        proc = rig.spawn('saldod', [saldod, '--config', rig.path('saldo.conf'),
                                    '--state-dir', rig.path('state')])
        rig.wait_bus_name(BUS_NAME, 15, proc=proc)
        for run in range(args.runs):
            rig.stop_mm()
            rig.wait_for(lambda: not euicc_lines(rig), 20, 'eUICC gone from its modem')
            before = qmi.get_counters()
            rig.start_mm(modems=[])
            start = time.monotonic()
            rig.call('org.freedesktop.ModemManager1', '/org/freedesktop/ModemManager1',
                     'org.freedesktop.ModemManager1.Test', 'SetProfile',
                     GLib.Variant('(ssas)', ('sim-esim', 'generic',
                                             [rig.modem('esim').socket_path])))
            rig.wait_for(lambda: rig.mm_modem_paths(), 20, 'modem exported')
            to_modem.append(time.monotonic() - start)
            rig.wait_for(lambda: euicc_lines(rig), 20, 'profiles on the bus')
            to_bus.append(time.monotonic() - start)
            after = qmi.get_counters()
            apdus.append(after['apdu_total'] - before['apdu_total'])
            channels.append(after['channels_opened'] - before['channels_opened'])
        qmi.close()

    print('modem appearance → all %d profiles on the bus, %d runs:' % (len(PROFILES), args.runs))
    print('  saldod (incl. ModemManager)     median %.0f ms   mean %.0f ms' %
          (statistics.median(to_bus) * 1000, statistics.mean(to_bus) * 1000))
    print('  ModemManager alone (exported)   median %.0f ms   mean %.0f ms' %
          (statistics.median(to_modem) * 1000, statistics.mean(to_modem) * 1000))
    print('  APDUs per read: %s   channels opened per read: %s   (target: 2 APDUs, 1 channel)'
          % (sorted(set(apdus)), sorted(set(channels))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
