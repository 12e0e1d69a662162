#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""eSIM profiles through the real qmi-proxy to a simulated QMI modem
(tests/sim/simqmi.py), next to a real ModemManager with the modem's AT side."""

import time

from saldo_testcase import BUS_NAME, ROOT, SaldoTestCase, main
from simqmi import SimQmi

EUICC_IFACE = 'io.github.saldo.Saldo1.Euicc'
EID = '89049032123451234512345678901235'
IMEI = '356938035640099'
CLARO_ESIM = '8951100000000000055'
TRAVEL = '8944100000000000017'
PROFILES = [
    {'iccid': CLARO_ESIM, 'state': 'enabled', 'nickname': 'Claro prepago',
     'spn': 'Claro PE', 'name': 'Claro Prepago', 'class': 'operational'},
    {'iccid': TRAVEL, 'state': 'disabled', 'nickname': 'Travel',
     'spn': 'Roam Mobile', 'name': 'Roam Global 5GB', 'class': 'operational'},
]


class EsimTest(SaldoTestCase):

    def setUp(self):
        super().setUp()
        self.qmi = SimQmi(profiles=PROFILES, eid=EID, chunk=64, link=self.rig.path('cdc-wdm0'))
        self.qmi.start()
        self.addCleanup(self.qmi.close)
        with open(self.config_path, 'a') as f:
            f.write('\n[Modem %s]\nControlPort=%s\nControlProtocol=qmi\n'
                    % (IMEI, self.qmi.path))
        self.rig.start_mm()
        self.modem = self.add_ready_modem('esim', iccid=CLARO_ESIM, imsi='716100000000055',
                                          operator_code='71610', operator_name='Claro PE',
                                          imei=IMEI)

    def euiccs(self):
        return {path: ifaces[EUICC_IFACE] for path, ifaces in self.managed_objects().items()
                if EUICC_IFACE in ifaces}

    def wait_euicc(self, predicate, what):
        def check():
            for path, props in self.euiccs().items():
                if predicate(props):
                    return path, props
            return None
        return self.rig.wait_for(check, 20, what)

    def test_every_profile_is_a_line(self):
        self.start_saldod()
        path, euicc = self.wait_euicc(lambda p: len(p['Lines']) == 2, 'eUICC with two lines')
        self.assertEqual(path, ROOT + '/Euicc/1')
        self.assertEqual(euicc['Eid'], EID)
        self.assertEqual(euicc['Slot'], 1)
        self.assertEqual(euicc['LastError'], '')
        self.assertEqual(euicc['Modem'], self.rig.mm_modem_path(self.modem))

        _, enabled = self.wait_line(CLARO_ESIM, Active=True, ProfileState='enabled')
        self.assertEqual(enabled['ProfileNickname'], 'Claro prepago')
        self.assertEqual(enabled['ProfileName'], 'Claro Prepago')
        self.assertEqual(enabled['ServiceProvider'], 'Claro PE')
        self.assertEqual(enabled['ProfileClass'], 'operational')
        self.assertEqual(enabled['Eid'], EID)
        self.assertEqual(enabled['SimType'], 'esim')
        _, disabled = self.wait_line(TRAVEL, ProfileState='disabled')
        self.assertFalse(disabled['Active'])
        self.assertEqual(disabled['Modem'], '/')
        self.assertEqual(sorted(euicc['Lines']), sorted(self.lines()))

        # Read-only and minimal: one channel, opened and closed, one GetEID and
        # one GetProfilesInfo per read.
        counters = self.qmi.get_counters()
        self.assertEqual(counters['channels_opened'], counters['channels_closed'])
        self.assertEqual(counters['channels_open'], 0)
        self.assertEqual(counters['es10_get_eid'], counters['channels_opened'])
        self.assertEqual(counters['es10_get_profiles_info'], counters['channels_opened'])
        self.assertEqual(counters['es10_other'], 0)

        out = self.saldoctl_json('profiles')
        self.assertEqual(out[0]['eid'], EID)
        self.assertEqual({p['iccid']: p['state'] for p in out[0]['profiles']},
                         {CLARO_ESIM: 'enabled', TRAVEL: 'disabled'})

    def test_profile_switch_lines_follow(self):
        self.start_saldod()
        claro_path, _ = self.wait_line(CLARO_ESIM, Active=True, ProfileState='enabled')
        travel_path, _ = self.wait_line(TRAVEL, ProfileState='disabled')

        # The card switches; the slot status indication makes saldod re-read.
        self.qmi.switch_profile(TRAVEL)
        self.wait_line(TRAVEL, ProfileState='enabled')
        self.wait_line(CLARO_ESIM, ProfileState='disabled')
        # ModemManager re-probes the modem and now reports the new ICCID.
        self.modem.iccid = TRAVEL
        self.modem.imsi = '214010000000017'
        self.rig.restart_mm()
        p, _ = self.wait_line(TRAVEL, Active=True, ProfileState='enabled')
        self.assertEqual(p, travel_path)
        p, props = self.wait_line(CLARO_ESIM, Active=False)
        self.assertEqual(p, claro_path)
        self.assertEqual(len(self.lines()), 2, 'nothing lost or duplicated')
        self.assertEqual(len(self.euiccs()), 1)
        # A read the restart started may still be under way: every channel
        # opened is closed once it ends.
        self.rig.wait_for(lambda: (lambda c: c['channels_opened'] == c['channels_closed'])(
            self.qmi.get_counters()), 10, 'every logical channel closed')

    def test_euicc_survives_restart(self):
        self.start_saldod()
        path, _ = self.wait_euicc(lambda p: len(p['Lines']) == 2, 'eUICC with two lines')
        self.stop_saldod()
        self.rig.stop_mm()
        self.start_saldod()
        again, euicc = self.wait_euicc(lambda p: len(p['Lines']) == 2, 'eUICC restored')
        self.assertEqual(again, path)
        self.assertEqual(euicc['Modem'], '/')
        self.assertEqual(euicc['Eid'], EID)
        _, travel = self.wait_line(TRAVEL, ProfileState='disabled')
        self.assertEqual(travel['ProfileNickname'], 'Travel')
        self.rig.start_mm()
        self.wait_euicc(lambda p: p['Modem'] != '/', 'eUICC back on its modem')
        self.assertEqual(len(self.euiccs()), 1)

    def test_refused_channel_is_last_error(self):
        self.qmi.set_refuse_channel('access-denied')
        self.start_saldod()
        _, euicc = self.wait_euicc(lambda p: p['LastError'] != '', 'LastError')
        self.assertIn('AccessDenied', euicc['LastError'])
        self.assertEqual(euicc['Eid'], EID, 'the EID from slot status is still known')
        # The rest of Saldo keeps working: the SIM's line is there.
        self.wait_line(CLARO_ESIM, Active=True)
        # And nothing retries in a loop.
        refused = self.qmi.get_counters()['channels_refused']
        time.sleep(2)
        self.assertEqual(self.qmi.get_counters()['channels_refused'], refused)
        self.assertLessEqual(refused, 2)
        self.assertIsNone(self.saldod.poll())


class EsimMbimTest(EsimTest):
    """The same eUICC behind an MBIM control port, through the real mbim-proxy
    (libmbim accepts a pty; tests/sim/simmbim.py answers MBIM and the ISD-R)."""

    def setUp(self):
        SaldoTestCase.setUp(self)
        from simmbim import SimMbim
        self.qmi = SimMbim(profiles=PROFILES, eid=EID, chunk=64, link=self.rig.path('cdc-wdm0'))
        self.qmi.start()
        self.addCleanup(self.qmi.close)
        with open(self.config_path, 'a') as f:
            f.write('\n[Modem %s]\nControlPort=%s\nControlProtocol=mbim\n'
                    % (IMEI, self.qmi.path))
        self.rig.start_mm()
        self.modem = self.add_ready_modem('esim', iccid=CLARO_ESIM, imsi='716100000000055',
                                          operator_code='71610', operator_name='Claro PE',
                                          imei=IMEI)

    def test_every_profile_is_a_line_over_mbim(self):
        self.start_saldod()
        path, euicc = self.wait_euicc(lambda p: len(p['Lines']) == 2, 'eUICC with two lines')
        self.assertEqual(euicc['Eid'], EID)
        self.assertEqual(euicc['LastError'], '')
        _, enabled = self.wait_line(CLARO_ESIM, Active=True, ProfileState='enabled')
        self.assertEqual(enabled['ProfileNickname'], 'Claro prepago')
        _, disabled = self.wait_line(TRAVEL, ProfileState='disabled')
        self.assertFalse(disabled['Active'])
        counters = self.qmi.get_counters()
        self.assertEqual(counters['channels_opened'], counters['channels_closed'])
        self.assertEqual(counters['es10_get_eid'], counters['channels_opened'])


if __name__ == '__main__':
    main()
