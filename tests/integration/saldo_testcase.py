# SPDX-License-Identifier: GPL-2.0-or-later
"""Base class for Saldo's integration tests: a Rig (private bus, real
ModemManager, simulated modems) plus the saldod and saldoctl under test.

meson passes the binaries in SALDOD and SALDOCTL; each test method is
registered as its own meson test (see tests/meson.build)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'sim'))
from saldo_rig import Rig, RigError  # noqa: E402

from gi.repository import Gio, GLib  # noqa: E402

SOURCE_ROOT = os.environ.get('SALDO_SOURCE_ROOT',
                             os.path.dirname(os.path.dirname(os.path.dirname(
                                 os.path.abspath(__file__)))))
BUS_NAME = 'io.github.saldo.Saldo1'
ROOT = '/io/github/saldo/Saldo1'
LINE_IFACE = 'io.github.saldo.Saldo1.Line'
MANAGER_IFACE = 'io.github.saldo.Saldo1'
# The bus policy saldod installs: every test's bus enforces it.
BUS_POLICY = os.path.join(SOURCE_ROOT, 'dbus', 'io.github.saldo.Saldo1.conf')

# ICCIDs and IMSIs of the simulated Peruvian lines used across tests.
CLARO = dict(iccid='8951100000000000011', imsi='716100000000011',
             operator_code='71610', operator_name='Claro PE', imei='356938035640001')
MOVISTAR = dict(iccid='8951060000000000022', imsi='716060000000022',
                operator_code='71606', operator_name='Movistar PE', imei='356938035640002')


class SaldoTestCase(unittest.TestCase):
    saldod_binary = os.environ.get('SALDOD', 'saldod')
    saldoctl_binary = os.environ.get('SALDOCTL', 'saldoctl')

    def setUp(self):
        self.rig = Rig()
        self.rig.__enter__()
        self.addCleanup(self._close_rig)
        self.rig.start_bus(policy=BUS_POLICY)
        self.state_dir = self.rig.path('state')
        self.config_path = self.rig.path('saldo.conf')
        self.write_config()
        self._saldod_runs = 0
        self.polkit = None

    def state_in_memory(self):
        """saldo.db on tmpfs, for tests that time calls: a shared disk's
        fsync latency is not what they measure (the ledger's durability is
        tested by test-ledger and TopUpTest, on disk)."""
        if os.path.isdir('/dev/shm'):
            self.state_dir = tempfile.mkdtemp(prefix='saldo-state-', dir='/dev/shm')
            self.addCleanup(shutil.rmtree, self.state_dir, True)

    # Short timeouts keep failure cases fast; checks on registration are off
    # unless a test turns them on, so every USSD session is the test's own.
    CONFIG_DEFAULTS = {
        'UssdTimeout': '3',
        'UssdAttempts': '2',
        'UssdRetryDelay': '0.2',
        'AuthorizationTimeout': '2',
        'RefreshOnRegistration': 'false',
        'RefreshInterval': '0',
        'VerifyDelay': '1',
        'CarrierDataDirectory': os.path.join(SOURCE_ROOT, 'plugin', 'carriers'),
        # The provider modules as built, not as installed.
        'ProviderPluginDirectory': os.environ.get('SALDO_PROVIDER_PLUGIN_DIR'),
    }

    def write_config(self, **overrides):
        settings = dict(self.CONFIG_DEFAULTS, **overrides)
        with open(self.config_path, 'w') as f:
            f.write('[Daemon]\n')
            for key, value in settings.items():
                if value is not None:
                    f.write('%s=%s\n' % (key, value))

    def start_polkit(self, allowed=('io.github.saldo.Saldo1.refresh',
                                    'io.github.saldo.Saldo1.configure',
                                    'io.github.saldo.Saldo1.top-up',
                                    'io.github.saldo.Saldo1.manage-rules')):
        """python-dbusmock's polkitd template on the rig's bus (the only mock:
        nothing real can run polkitd here), extended to check the subject
        (tests/sim/polkitd_subject.py)."""
        self.polkit = self.rig.spawn('polkitd-mock', [
            '/usr/bin/python3', '-m', 'dbusmock', '--system', '--template',
            os.path.join(SOURCE_ROOT, 'tests', 'sim', 'polkitd_subject.py')])
        self.rig.wait_bus_name('org.freedesktop.PolicyKit1', 15, proc=self.polkit)
        self.polkit_allow(allowed)

    def polkit_call(self, method, args=None):
        return self.rig.call('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority',
                             'org.freedesktop.DBus.Mock', method, args)

    def polkit_allow(self, actions):
        self.polkit_call('SetAllowed', GLib.Variant('(as)', (list(actions),)))

    def polkit_allow_uids(self, rules):
        """{action: [uid, ...]}: each action allowed for those uids only."""
        self.polkit_call('SetAllowedUids', GLib.Variant('(a{sau})', (rules,)))

    def polkit_checks(self):
        """[(action, subject kind, uid)] of every check polkit was asked."""
        return [tuple(c) for c in self.polkit_call('GetChecks')[0]]

    def _close_rig(self):
        failed = any(err for _, err in getattr(self._outcome, 'errors', []) if err) \
            if hasattr(self, '_outcome') else False
        if failed:
            self.rig.dump_logs()
        self.rig.__exit__(None, None, None)

    # ---- saldod ---------------------------------------------------------------

    @property
    def saldod_log(self):
        return 'saldod-%d' % self._saldod_runs

    def start_saldod(self, wait=True, extra_args=(), extra_env=None):
        self._saldod_runs += 1
        env = dict(self.rig.env, **(extra_env or {}))
        env.setdefault('G_MESSAGES_DEBUG', 'all')
        wrapper = os.environ.get('SALDO_TEST_WRAPPER', '').split()
        self.saldod = self.rig.spawn(self.saldod_log, wrapper + [
            self.saldod_binary, '--verbose', '--config', self.config_path,
            '--state-dir', self.state_dir] + list(extra_args), env=env)
        if wait:
            self.rig.wait_bus_name(BUS_NAME, 60.0 if wrapper else 15.0, proc=self.saldod)
        return self.saldod

    def stop_saldod(self):
        status = self.rig.stop(self.saldod_log)
        self.assertEqual(status, 0, 'saldod did not exit cleanly on SIGTERM')
        self.rig.wait_bus_name_gone(BUS_NAME)

    def saldod_text(self):
        return self.rig.log_text(self.saldod_log)

    # ---- bus helpers ----------------------------------------------------------

    def managed_objects(self):
        return self.rig.call(BUS_NAME, ROOT, 'org.freedesktop.DBus.ObjectManager',
                             'GetManagedObjects', None, '(a{oa{sa{sv}}})')[0]

    def lines(self):
        """{path: properties} of every line object."""
        return {path: ifaces[LINE_IFACE] for path, ifaces in self.managed_objects().items()
                if LINE_IFACE in ifaces}

    def line_by_iccid(self, iccid):
        for path, props in self.lines().items():
            if props['Iccid'] == iccid:
                return path, props
        return None, None

    def collect_signals(self):
        """The root's signals from now on, as (member, args), as they arrive
        (while the main context is iterated, as pump () does)."""
        seen = []
        self.rig.bus.signal_subscribe(BUS_NAME, MANAGER_IFACE, None, ROOT, None, 0,
                                      lambda c, snd, p, i, member, params:
                                      seen.append((member, params.unpack())))
        return seen

    def pump(self, predicate, what, timeout=30):
        """Waits for predicate () while signals are dispatched."""
        ctx = GLib.MainContext.default()

        def check():
            while ctx.iteration(False):
                pass
            return predicate()
        return self.rig.wait_for(check, timeout, what)

    def manager_property(self, name):
        return self.rig.call(BUS_NAME, ROOT, 'org.freedesktop.DBus.Properties', 'Get',
                             GLib.Variant('(ss)', (MANAGER_IFACE, name)), '(v)')[0]

    def wait_line(self, iccid, timeout=20.0, **expected):
        """Wait until the line with iccid exists and has the expected property
        values; returns (path, properties)."""
        def check():
            path, props = self.line_by_iccid(iccid)
            if path is None:
                return None
            if all(props.get(k) == v for k, v in expected.items()):
                return path, props
            return None
        try:
            return self.rig.wait_for(check, timeout, 'line %s with %s' % (iccid, expected))
        except RigError:
            self.fail('line %s never reached %s; lines now: %s' % (iccid, expected, self.lines()))

    def line_call(self, path, method, args=None, reply_type=None, timeout=60.0):
        return self.rig.call(BUS_NAME, path, LINE_IFACE, method, args, reply_type, timeout)

    def refresh(self, path, **options):
        opts = {k.replace('_', '-'): GLib.Variant('b', v) for k, v in options.items()}
        return self.line_call(path, 'Refresh', GLib.Variant('(a{sv})', (opts,)))

    def configure(self, path, **settings):
        def wrap(v):
            if isinstance(v, bool):
                return GLib.Variant('b', v)
            if isinstance(v, int):
                return GLib.Variant('u', v)
            return GLib.Variant('s', v)
        opts = {k.replace('_', '-'): wrap(v) for k, v in settings.items()}
        return self.line_call(path, 'Configure', GLib.Variant('(a{sv})', (opts,)))

    def history(self, path, **options):
        return self.line_call(path, 'GetBalanceHistory', GLib.Variant('(a{sv})', ({},)),
                              '(aa{sv})')[0]

    def assert_dbus_error(self, name, func, *args, **kwargs):
        with self.assertRaises(GLib.Error) as ctx:
            func(*args, **kwargs)
        self.assertIn('GDBus.Error:' + name, ctx.exception.message)
        return ctx.exception.message

    # ---- saldoctl -------------------------------------------------------------

    def saldoctl(self, *args, check=True):
        res = subprocess.run([self.saldoctl_binary] + list(args), env=self.rig.env,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=60)
        if check:
            self.assertEqual(res.returncode, 0, 'saldoctl %s: %s%s' % (args, res.stdout, res.stderr))
        return res

    def saldoctl_json(self, *args):
        res = self.saldoctl('--json', *args)
        return json.loads(res.stdout)

    # ---- modems ---------------------------------------------------------------

    def add_ready_modem(self, name, **kwargs):
        sim = self.rig.add_modem(name, **kwargs)
        self.rig.wait_modem_path(sim)
        return sim

    def add_registered_modem(self, name, **kwargs):
        """A modem enabled and registered on its network."""
        sim = self.add_ready_modem(name, **kwargs)
        self.rig.enable_modem(sim)
        self.rig.wait_modem_state(sim, 'registered')
        return sim


def main():
    unittest.main(verbosity=2)
