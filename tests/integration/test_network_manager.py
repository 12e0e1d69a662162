#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""NetworkManager and saldod: the join of lines to NetworkManager's devices
(through the modem's object path, NetworkManager's Device.Udi), and the
dispatcher script.

Three NetworkManager pieces:
  * the real NetworkManager 1.42 (Debian's) on the rig's bus, reading the
    simulated modems from the rig's real ModemManager, in a network
    namespace of its own (only lo: no interface of the machine is touched)
    and a mount namespace whose /run, /var/lib/NetworkManager and
    /etc/NetworkManager are empty (nothing of the machine's NetworkManager
    is read or written).  It makes the modem's device as on a laptop; it
    cannot bring a connection up on it, since a simulated AT modem has no
    data path (no PPP), so
  * python-dbusmock's networkmanager template plays NetworkManager where a
    connection must come up and go down, with a modem device whose Udi is
    the simulated modem's real path;
  * the real nm-dispatcher (Debian's) runs the dispatcher script as
    NetworkManager has it run: asked over D-Bus with what NetworkManager
    sends for a modem's connection, it checks the script's owner and mode
    and runs it as root with NetworkManager's argv and environment.
"""

import os
import re
import shutil
import time

from saldo_testcase import CLARO, SOURCE_ROOT, SaldoTestCase, main
from saldo_rig import RigError
from gi.repository import GLib
from test_agent import AgentTest

NM = 'org.freedesktop.NetworkManager'
NM_PATH = '/org/freedesktop/NetworkManager'
NM_DEVICE = 'org.freedesktop.NetworkManager.Device'
NM_ACTIVE = 'org.freedesktop.NetworkManager.Connection.Active'
MOCK = 'org.freedesktop.DBus.Mock'
PROPS = 'org.freedesktop.DBus.Properties'
DEVICE_TYPE_MODEM = 8
STATE_DISCONNECTED, STATE_ACTIVATED = 30, 100
BUILD = os.environ.get('SALDO_BUILD_ROOT', os.path.join(SOURCE_ROOT, '_build'))


class NetworkManagerMock:
    """python-dbusmock's networkmanager template, with modem devices."""

    def __init__(self, rig, name='nm-mock'):
        self.rig = rig
        self.name = name
        self.proc = rig.spawn(name, ['/usr/bin/python3', '-m', 'dbusmock', '--system',
                                     '--template', 'networkmanager'])
        rig.wait_bus_name(NM, 15, proc=self.proc)
        self.connections = 0

    def call(self, path, iface, method, args=None, reply_type=None):
        return self.rig.call(NM, path, iface, method, args, reply_type)

    def set(self, path, name, value):
        self.call(path, PROPS, 'Set', GLib.Variant('(ssv)', (NM_DEVICE, name, value)))

    def add_modem(self, name, udi, interface):
        path = NM_PATH + '/Devices/' + name
        self.call('/org/freedesktop', MOCK, 'AddObject', GLib.Variant('(ssa{sv}a(ssss))', (
            path, NM_DEVICE, {
                'DeviceType': GLib.Variant('u', DEVICE_TYPE_MODEM),
                'Udi': GLib.Variant('s', udi),
                'Interface': GLib.Variant('s', interface),
                'IpInterface': GLib.Variant('s', ''),
                'Driver': GLib.Variant('s', 'qmi_wwan'),
                'State': GLib.Variant('u', STATE_DISCONNECTED),
                'ActiveConnection': GLib.Variant('o', '/'),
            }, [])))
        self.call(NM_PATH, MOCK, 'EmitSignal', GLib.Variant('(sssav)', (
            NM, 'DeviceAdded', 'o', [GLib.Variant('o', path)])))
        return path

    def add_wifi(self, name, interface):
        return self.call('/org/freedesktop', MOCK, 'AddWiFiDevice',
                         GLib.Variant('(ssi)', (name, interface, STATE_DISCONNECTED)), '(s)')[0]

    def remove_device(self, path):
        self.call(NM_PATH, MOCK, 'EmitSignal', GLib.Variant('(sssav)', (
            NM, 'DeviceRemoved', 'o', [GLib.Variant('o', path)])))
        self.call('/org/freedesktop', MOCK, 'RemoveObject', GLib.Variant('(s)', (path,)))

    def connect(self, device, connection_id, ip_interface):
        """A connection comes up on device, as NetworkManager shows it:
        the active connection first, then the device's properties."""
        self.connections += 1
        active = NM_PATH + '/ActiveConnection/%d' % self.connections
        self.call('/org/freedesktop', MOCK, 'AddObject', GLib.Variant('(ssa{sv}a(ssss))', (
            active, NM_ACTIVE, {
                'Id': GLib.Variant('s', connection_id),
                'Uuid': GLib.Variant('s', '5b1c0b7e-0000-4000-8000-%012d' % self.connections),
                'Type': GLib.Variant('s', 'gsm'),
                'State': GLib.Variant('u', 2),
                'Devices': GLib.Variant('ao', [device]),
            }, [])))
        self.set(device, 'ActiveConnection', GLib.Variant('o', active))
        self.set(device, 'IpInterface', GLib.Variant('s', ip_interface))
        self.set(device, 'State', GLib.Variant('u', STATE_ACTIVATED))
        return active

    def disconnect(self, device, active):
        self.set(device, 'State', GLib.Variant('u', STATE_DISCONNECTED))
        self.set(device, 'IpInterface', GLib.Variant('s', ''))
        self.set(device, 'ActiveConnection', GLib.Variant('o', '/'))
        self.call('/org/freedesktop', MOCK, 'RemoveObject', GLib.Variant('(s)', (active,)))

    def stop(self):
        self.rig.stop(self.name)
        self.rig.wait_bus_name_gone(NM)


class RealNetworkManager:
    """Debian's NetworkManager on the rig's bus, in namespaces of its own
    (see the module's docstring)."""

    def __init__(self, rig, name='NetworkManager'):
        self.rig = rig
        self.name = name
        base = rig.path('nm')
        for sub in ('conf.d', 'system-conf.d', 'connections'):
            os.makedirs(os.path.join(base, sub), exist_ok=True)
        config = os.path.join(base, 'NetworkManager.conf')
        with open(config, 'w') as f:
            f.write('[main]\nplugins=keyfile\ndns=none\nrc-manager=unmanaged\nauth-polkit=false\n'
                    'no-auto-default=*\n[keyfile]\npath=%s\n[connectivity]\nenabled=false\n'
                    '[logging]\nlevel=INFO\n' % os.path.join(base, 'connections'))
        hide = ' '.join(d for d in ('/var/lib/NetworkManager', '/etc/NetworkManager')
                        if os.path.isdir(d))
        script = ('mount -t tmpfs tmpfs /run; for d in %s; do mount -t tmpfs tmpfs "$d"; done; '
                  'exec "$@"' % hide)
        self.proc = rig.spawn(name, [
            'unshare', '--net', '--mount', '--propagation', 'private', 'sh', '-ec', script, 'sh',
            shutil.which('NetworkManager', path='/usr/sbin:/sbin:/usr/bin') or 'NetworkManager',
            # --debug: its log on stderr, in the rig's log (syslog goes
            # nowhere here).
            '--no-daemon', '--debug', '--config=' + config,
            '--config-dir=' + os.path.join(base, 'conf.d'),
            '--system-config-dir=' + os.path.join(base, 'system-conf.d'),
            '--intern-config=' + os.path.join(base, 'intern.conf'),
            '--state-file=' + os.path.join(base, 'NetworkManager.state'),
            '--pid-file=' + os.path.join(base, 'NetworkManager.pid')])
        rig.wait_bus_name(NM, 30, proc=self.proc)

    def modem_device(self, modem_path):
        """NetworkManager's own (path, Interface) of the modem's device, or
        None (none yet; or NetworkManager owns its name but has not exported
        its objects yet, as it does while starting)."""
        try:
            for path in self.rig.call(NM, NM_PATH, NM, 'GetDevices', None, '(ao)')[0]:
                props = self.rig.call(NM, path, PROPS, 'GetAll', GLib.Variant('(s)', (NM_DEVICE,)),
                                      '(a{sv})')[0]
                if props.get('Udi') == modem_path:
                    return path, props['Interface']
        except GLib.Error:
            pass
        return None

    def modem_manager_seen(self):
        """How many times NetworkManager has connected to a ModemManager."""
        return len(re.findall(r'modem-manager: ModemManager (now )?available',
                              self.rig.log_text(self.name)))

    def stop(self):
        self.rig.stop(self.name)
        self.rig.wait_bus_name_gone(NM)


class NetworkManagerTest(SaldoTestCase):

    def setUp(self):
        super().setUp()
        self.rig.start_mm()
        self.sim = self.add_registered_modem('claro', **CLARO)

    def network(self, path):
        props = self.lines()[path]
        return (props['NetworkDevice'], props['NetworkInterface'], props['NetworkConnection'])

    def wait_network(self, path, expected, timeout=20):
        try:
            self.rig.wait_for(lambda: self.network(path) == expected, timeout,
                              'line %s on %s' % (path, expected))
        except RigError:
            self.fail('line %s: %s, not %s' % (path, self.network(path), expected))

    def test_real_networkmanager_names_the_modem_device(self):
        self.start_saldod()
        path, props = self.wait_line(CLARO['iccid'], Active=True)
        modem = props['Modem']
        self.assertEqual(self.network(path), ('', '', ''))     # NetworkManager absent
        nm = RealNetworkManager(self.rig)
        found = self.rig.wait_for(lambda: nm.modem_device(modem), 30,
                                  'NetworkManager to make a device of the modem')
        device, interface = found
        self.assertTrue(interface)
        self.wait_network(path, (interface, '', ''))
        lines = self.saldoctl_json('lines')
        self.assertEqual(lines[0]['network_device'], interface)
        self.assertIn(interface, self.saldoctl('lines').stdout)
        # NetworkManager stops, and comes back with the device again.
        nm.stop()
        self.wait_network(path, ('', '', ''))
        nm = RealNetworkManager(self.rig)
        self.wait_network(path, (interface, '', ''), timeout=30)
        # saldod started after NetworkManager finds the device at once.
        self.stop_saldod()
        self.start_saldod()
        self.wait_network(path, (interface, '', ''))
        # ModemManager restarts without the modem (unplugged): NetworkManager
        # drops the device, the line is inactive and on no device; plugged
        # back, NetworkManager makes a new device of it, joined again.
        seen = nm.modem_manager_seen()
        self.rig.restart_mm(modems=[])
        self.wait_line(CLARO['iccid'], Active=False)
        self.wait_network(path, ('', '', ''))
        # Not while NetworkManager still connects to the ModemManager that
        # just came: one that goes away then leaves NetworkManager 1.42
        # without ModemManager until NetworkManager itself restarts.
        self.rig.wait_for(lambda: nm.modem_manager_seen() > seen, 30,
                          'NetworkManager to see the new ModemManager')
        self.rig.restart_mm()
        path, props = self.wait_line(CLARO['iccid'], Active=True)
        found = self.rig.wait_for(lambda: nm.modem_device(props['Modem']), 30,
                                  'NetworkManager to make a device of the modem again')
        self.assertNotEqual(found[0], device)
        self.wait_network(path, (found[1], '', ''), timeout=30)

    def test_join_follows_devices_connections_and_restarts(self):
        nm = NetworkManagerMock(self.rig)
        # A Wi-Fi device is no modem: asked about once, never joined.
        nm.add_wifi('wlan0', 'wlan0')
        self.start_saldod()
        path, props = self.wait_line(CLARO['iccid'], Active=True)
        modem = props['Modem']
        self.assertEqual(self.network(path), ('', '', ''))
        device = nm.add_modem('cdc0', modem, 'cdc-wdm0')
        self.wait_network(path, ('cdc-wdm0', '', ''))
        active = nm.connect(device, 'Claro Internet', 'wwan0')
        self.wait_network(path, ('cdc-wdm0', 'wwan0', 'Claro Internet'))
        text = self.saldoctl('lines').stdout
        self.assertIn('NETWORK', text)
        self.assertIn('wwan0 (Claro Internet)', text)
        line = self.saldoctl_json('lines')[0]
        self.assertEqual((line['network_device'], line['network_interface'], line['network_connection']),
                         ('cdc-wdm0', 'wwan0', 'Claro Internet'))
        # saldoctl names the line by its device or interface too.
        for name in ('wwan0', 'cdc-wdm0'):
            self.assertEqual(self.saldoctl_json('balance', name)[0]['iccid'], CLARO['iccid'])
        self.assertEqual(self.saldoctl_json('balance', '--device', 'wlan0'), [])
        # saldod restarted while the connection is up: read from the start.
        self.stop_saldod()
        self.start_saldod()
        self.wait_network(path, ('cdc-wdm0', 'wwan0', 'Claro Internet'))
        nm.disconnect(device, active)
        self.wait_network(path, ('cdc-wdm0', '', ''))
        nm.remove_device(device)
        self.wait_network(path, ('', '', ''))
        device = nm.add_modem('cdc1', modem, 'cdc-wdm0')
        nm.connect(device, 'Claro Internet', 'wwan0')
        self.wait_network(path, ('cdc-wdm0', 'wwan0', 'Claro Internet'))
        # NetworkManager leaves (crash, restart): nothing is left joined.
        nm.stop()
        self.wait_network(path, ('', '', ''))
        nm = NetworkManagerMock(self.rig)
        device = nm.add_modem('cdc2', modem, 'cdc-wdm1')
        self.wait_network(path, ('cdc-wdm1', '', ''))
        # Text from NetworkManager (a connection anyone named) is escaped.
        nm.connect(device, 'Claro\x1b[31m', 'wwan1')
        self.wait_network(path, ('cdc-wdm1', 'wwan1', 'Claro\x1b[31m'))
        self.assertIn('wwan1 (Claro\\x1b[31m)', self.saldoctl('lines').stdout)
        self.assertNotIn('ERROR', self.saldod_text())


class DispatcherTest(SaldoTestCase):
    """The dispatcher script, run by the real nm-dispatcher."""

    def setUp(self):
        super().setUp()
        self.rig.start_mm()
        self.sim = self.add_registered_modem('claro', **CLARO)
        # polkitd authorises root whatever the action's defaults say; the
        # stand-in is told so, and nobody else may refresh.
        self.start_polkit(allowed=())
        self.polkit_allow_uids({'io.github.saldo.Saldo1.refresh': [0]})
        self.write_config(RefreshInterval='21600', RegistrationRefreshMinInterval='600')

    def start_dispatcher(self):
        """nm-dispatcher in a mount namespace where NetworkManager's
        dispatcher.d holds only the script as built (run as installed:
        root's, mode 0755), the system bus is the rig's, and /run/saldo
        exists as it does while saldod runs.  The script calls the saldoctl
        just built instead of the installed one."""
        binary = next(p for p in ('/usr/lib/NetworkManager/nm-dispatcher',
                                  '/usr/libexec/nm-dispatcher') if os.path.exists(p))
        scripts = self.rig.path('dispatcher.d')
        os.makedirs(scripts, mode=0o755)
        with open(os.path.join(BUILD, 'dbus', '90-saldo')) as f:
            text = f.read()
        installed = re.findall(r'^exec (\S+/saldoctl) ', text, re.M)
        self.assertEqual(len(installed), 1, text)
        script = os.path.join(scripts, '90-saldo')
        with open(script, 'w') as f:
            f.write(text.replace(installed[0], os.environ['SALDOCTL']))
        os.chmod(script, 0o755)
        run = self.rig.path('run')
        os.makedirs(os.path.join(run, 'dbus'))
        open(os.path.join(run, 'dbus', 'system_bus_socket'), 'w').close()
        self.run_saldo = os.path.join(run, 'saldo')
        os.makedirs(self.run_saldo)
        setup = ('mount --bind "$0" /run; mount --bind "$1" /run/dbus/system_bus_socket; '
                 'mount --bind "$2" /usr/lib/NetworkManager/dispatcher.d; '
                 '[ ! -d /etc/NetworkManager/dispatcher.d ] || '
                 'mount -t tmpfs tmpfs /etc/NetworkManager/dispatcher.d; shift 2; exec "$@"')
        env = dict(self.rig.env, PATH='/usr/sbin:/usr/bin:/sbin:/bin')
        env.pop('DBUS_SYSTEM_BUS_ADDRESS')
        self.dispatcher = self.rig.spawn('nm-dispatcher', [
            'unshare', '--mount', '--propagation', 'private', 'sh', '-ec', setup,
            run, self.rig.path('bus.sock'), scripts, binary, '--persist', '--debug'], env=env)
        self.rig.wait_bus_name('org.freedesktop.nm_dispatcher', 15, proc=self.dispatcher)

    def dispatch(self, action, interface, ip_interface, device_type=DEVICE_TYPE_MODEM):
        """What NetworkManager sends its dispatcher for a device's action;
        returns what the script printed."""
        a = GLib.Variant
        before = len(self.rig.log_text('nm-dispatcher'))
        connection = {'connection': {'id': a('s', 'Claro Internet'),
                                     'uuid': a('s', '5b1c0b7e-0000-4000-8000-000000000001'),
                                     'type': a('s', 'gsm')},
                      'gsm': {'apn': a('s', 'claro.pe')}}
        device = {'interface': a('s', interface), 'ip-interface': a('s', ip_interface),
                  'type': a('u', device_type), 'state': a('u', STATE_ACTIVATED),
                  'path': a('o', NM_PATH + '/Devices/7')}
        args = GLib.Variant('(sa{sa{sv}}a{sv}a{sv}a{sv}a{sv}a{sv}a{sv}a{sv}ssa{sv}a{sv}a{sv}b)', (
            action, connection, {'path': a('o', NM_PATH + '/Settings/1')}, device,
            {}, {}, {}, {}, {}, 'UNKNOWN', '', {}, {}, {}, False))
        results = self.rig.call('org.freedesktop.nm_dispatcher', '/org/freedesktop/nm_dispatcher',
                                'org.freedesktop.nm_dispatcher', 'Action', args, '(a(sus))', 60)[0]
        # 1: DISPATCH_RESULT_SUCCESS, the script ran and exited with 0.
        self.assertEqual([(os.path.basename(r[0]), r[1]) for r in results], [('90-saldo', 1)],
                         '%s %s: %s\n%s' % (action, interface, results,
                                             self.rig.log_text('nm-dispatcher')))
        return self.rig.log_text('nm-dispatcher')[before:]

    def if_stale(self, path):
        return self.line_call(path, 'RefreshIfStale', GLib.Variant('(a{sv})', ({},)), '(s)')[0]

    def test_dispatcher_reads_stale_lines_once(self):
        # A scheduled line never read is due at once: the schedule reads it
        # as saldod starts; the carrier's reply is no balance, so the line
        # stays stale (LastUpdated 0).
        self.sim.set_ussd('*777#', 'Servicio no disponible por el momento')
        self.start_saldod()
        path, props = self.wait_line(CLARO['iccid'], Active=True)
        self.rig.wait_for(lambda: self.lines()[path]['LastError'] != '', 30, 'the scheduled check')
        # (its sessions: the carrier's error is tried again once)
        sessions = len(self.sim.ussd_sessions_seen)
        nm = NetworkManagerMock(self.rig)
        nm.add_modem('cdc0', props['Modem'], 'cdc-wdm0')
        self.rig.wait_for(lambda: self.lines()[path]['NetworkDevice'] == 'cdc-wdm0', 20, 'the join')
        self.start_dispatcher()
        # Other actions and other devices (a Wi-Fi interface): nothing asked.
        self.assertNotIn('line 1', self.dispatch('down', 'cdc-wdm0', 'wwan0'))
        self.assertNotIn('line 1', self.dispatch('up', 'wlan0', 'wlan0', device_type=2))
        # The modem's connection comes up on the stale line, but a check
        # (the schedule's) was made moments ago.  The limit is saldod's: the
        # script, or root calling saldod directly, gets no more.
        self.sim.set_ussd('*777#', 'Saldo: S/ 4.10')
        self.assertIn('line 1: a check was asked for moments ago; not read again yet',
                      self.dispatch('up', 'cdc-wdm0', 'wwan0'))
        for _ in range(5):
            self.assertEqual(self.if_stale(path), 'rate-limited')
        self.assertEqual(len(self.sim.ussd_sessions_seen), sessions)
        # The same line once RegistrationRefreshMinInterval is over (0 here;
        # the attempt before the restart counts, it is in the history): the
        # connection coming up reads it, and returns before the network does.
        self.stop_saldod()
        self.write_config(RefreshInterval='21600', RegistrationRefreshMinInterval='0')
        self.start_saldod()
        self.rig.wait_for(lambda: self.lines()[path]['NetworkDevice'] == 'cdc-wdm0', 20, 'the join')
        self.assertIn('line 1: checking the balance', self.dispatch('up', 'cdc-wdm0', 'wwan0'))
        self.rig.wait_for(lambda: self.lines()[path]['Balance'] == 410, 30, 'the reading')
        self.assertEqual(len(self.sim.ussd_sessions_seen), sessions + 1)
        # Up again (a flapping connection): the reading is fresh.
        self.assertIn("line 1: the last reading is younger than the line's interval",
                      self.dispatch('up', 'cdc-wdm0', 'wwan0'))
        self.assertEqual(len(self.sim.ussd_sessions_seen), sessions + 1)
        # Anyone but root is refused by polkit (the policy here).
        res = self.rig.run_as(65534, [os.environ['SALDOCTL'], 'balance', '--if-stale', '1'],
                              capture_output=True, text=True)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn('not authorized to perform action io.github.saldo.Saldo1.refresh', res.stderr)
        # saldod not running (/run/saldo goes with it): nothing is asked,
        # the script succeeds.
        self.stop_saldod()
        os.rmdir(self.run_saldo)
        self.assertNotIn('saldoctl', self.dispatch('up', 'cdc-wdm0', 'wwan0'))
        self.assertEqual(len(self.sim.ussd_sessions_seen), sessions + 1)


class NetworkAgentTest(AgentTest):
    """saldo-agent's notifications name where NetworkManager has the line."""

    def test_notification_names_the_network_interface(self):
        self.start_saldod()
        path, props = self.wait_line(CLARO['iccid'], Active=True)
        nm = NetworkManagerMock(self.rig)
        device = nm.add_modem('cdc0', props['Modem'], 'cdc-wdm0')
        nm.connect(device, 'Claro Internet', 'wwan0')
        self.rig.wait_for(lambda: self.lines()[path]['NetworkInterface'] == 'wwan0', 20, 'the join')
        self.start_notifications()
        self.start_agent()
        self.reading(path, 'Saldo: S/ 30.00')
        self.rule(path, below=500, amount=2000, enabled=False)
        self.reading(path, 'Saldo: S/ 2.00')
        n = self.notes.wait_for(lambda n: n.summary.startswith('Low balance'))
        self.assertEqual(n.summary, 'Low balance: Claro PE (…0011) · wwan0')


if __name__ == '__main__':
    main()
