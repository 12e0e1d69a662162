#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A development build run by hand, as the README says: `meson devenv`
gives the uninstalled saldod the source tree's carrier files and the built
provider modules, with a configuration file that names neither, and it
reads a balance."""

import os

from saldo_testcase import BUS_NAME, CLARO, SaldoTestCase, main
from gi.repository import GLib

BUILD = os.environ.get('SALDO_BUILD_ROOT')


class DevenvTest(SaldoTestCase):

    def test_uninstalled_saldod_reads_a_balance(self):
        self.write_config(CarrierDataDirectory=None, ProviderPluginDirectory=None)
        providers = os.path.join(os.path.dirname(self.config_path), 'providers.d')
        os.makedirs(providers)
        secret = os.path.join(providers, 'pay.secret')
        with open(os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as f:
            f.write('not used here\n')
        # An http provider: a module, which only the build tree has.
        with open(os.path.join(providers, 'pay.conf'), 'w') as f:
            f.write('[Provider]\nType=http\nUrl=https://127.0.0.1:9/topup\nSecretFile=pay.secret\n')
        self.rig.start_mm()
        self.start_polkit()
        # Nothing of the test's own environment points saldod at the trees.
        env = {k: v for k, v in self.rig.env.items()
               if k not in ('SALDO_CARRIERS_DIR', 'SALDO_PROVIDER_PLUGIN_DIR')}
        env['G_MESSAGES_DEBUG'] = 'all'
        saldod = self.rig.spawn('saldod-devenv', [
            'meson', 'devenv', '-C', BUILD, 'saldod', '--verbose', '--config', self.config_path,
            '--state-dir', self.state_dir], env=env)
        self.rig.wait_bus_name(BUS_NAME, 30.0, proc=saldod)
        providers = self.manager_property('Providers')
        self.assertEqual([self.rig.call(BUS_NAME, path, 'org.freedesktop.DBus.Properties', 'Get',
                                        GLib.Variant('(ss)', ('io.github.saldo.Saldo1.Provider',
                                                              'Id')), '(v)')[0]
                          for path in providers], ['pay'])

        sim = self.add_registered_modem('claro', **CLARO)
        sim.set_ussd('*777#', 'Claro: Tu saldo es S/ 12.50, vence el 30/12/2026.')
        path, props = self.wait_line(CLARO['iccid'], Active=True)
        # The carrier file from the source tree: its code, its words.
        self.assertEqual(props['Carrier'], 'claro-pe')
        self.refresh(path)
        _, props = self.line_by_iccid(CLARO['iccid'])
        self.assertEqual(props['Balance'], 1250)
        self.assertEqual(props['Currency'], 'PEN')
        self.assertEqual(props['LastError'], '')


if __name__ == '__main__':
    main()
