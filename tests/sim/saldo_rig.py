# SPDX-License-Identifier: GPL-2.0-or-later
"""Saldo test rig: a private D-Bus, a real ModemManager and simulated modems.

    from saldo_rig import Rig
    with Rig() as rig:
        rig.start_bus()
        rig.start_mm()
        claro = rig.add_modem('claro', iccid='8951100000000000011',
                              imsi='716100000000011')
        rig.enable_modem(claro)
        rig.wait_modem_state(claro, 'registered', timeout=20)
        claro.set_ussd('*777#', 'Tu saldo es S/ 5.20')
        print(rig.mmcli('-m', rig.mm_modem_index(claro), '--3gpp-ussd-initiate=*777#'))
        rig.restart_mm(modems=[claro])       # "unplug" every other modem

How it works
  * Everything lives in a private temp dir (bus socket, modem sockets, logs)
    that is removed on exit unless keep=True or SALDO_RIG_KEEP=1 is set.
  * start_bus() runs one dbus-daemon with a permissive session-type config;
    its address is exported in `env` as both DBUS_SESSION_BUS_ADDRESS and
    DBUS_SYSTEM_BUS_ADDRESS, so libmm-glib clients (saldod, mmcli) that use
    the system bus find the same bus as ModemManager.  start_bus(policy=FILE)
    runs a system-bus-like one instead (SYSTEM_BUS_CONFIG: Debian's default
    system policy, deny unless a service's file allows) that includes FILE,
    e.g. dbus/io.github.saldo.Saldo1.conf; root (the rig and its stand-ins
    for other services: ModemManager, polkitd) may own and call anything,
    so the policy meets every other uid as installed.  Its socket is
    reachable by every uid: run_as() and popen_as() make calls as an
    unprivileged user.
  * start_mm() runs ModemManager in --test-session mode with no udev and no
    auto-scan; modems only appear when attached through the Test interface
    (SetProfile) with the modem's socket as its single AT port.  Per-modem
    methods skip polkit in this mode.
  * add_modem() starts a tests/sim/simmodem.py SimModem in this process (served
    by background threads) and attaches it when ModemManager runs.
    ModemManager leaves modems disabled until a client enables them:
    enable_modem() does that, or let the code under test do it.
  * ModemManager cannot drop a virtual modem, so unplug/re-plug is done with
    restart_mm(modems=[...]): stop ModemManager, start it again and attach
    only the listed simulators, power-cycled (they accept the new
    connection and keep their SIM data and stored SMS).
  * Modems are found in ModemManager by their socket (mm_modem_path(),
    mm_modem_index() for mmcli); mmcli() runs mmcli on the rig's bus.
  * spawn() runs any other process (saldod, a client) with the rig's env and
    its output in <tmp>/<name>.log; log_text(name) reads it back.
  * dbus-daemon and ModemManager run through symlinks named saldo-rig-dbus
    and saldo-rig-mm in the temp dir, so their process names differ: a
    `killall ModemManager` or `pkill dbus-daemon` run by someone else on the
    same machine (this killed the rig's bus mid-test while other jobs ran)
    does not take the rig down.  When one of them exits anyway, the next
    D-Bus call or wait raises RigError saying so.
  * On exit every process started here is terminated and reaped (SIGTERM,
    then SIGKILL), also when the block raises; on an exception all logs are
    printed to stderr first (dump_logs()).  SIGTERM (e.g. a meson test
    timeout) is turned into an exception while the rig is active so that the
    cleanup still runs.  started_pids lists every process spawned, so a
    test can check that none outlived the rig.

Waits poll with short intervals and always have a timeout; nothing sleeps
for a fixed long time.  Requires /usr/bin/python3 with python3-gi.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import gi
gi.require_version('Gio', '2.0')
gi.require_version('GLib', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simmodem import SimModem  # noqa: E402

__all__ = ['Rig', 'RigError', 'MM_STATES', 'SimModem']

MM_BUS_NAME = 'org.freedesktop.ModemManager1'
MM_PATH = '/org/freedesktop/ModemManager1'
MM_MODEM_IFACE = 'org.freedesktop.ModemManager1.Modem'

# MMModemState values.
MM_STATES = {
    'failed': -1, 'unknown': 0, 'initializing': 1, 'locked': 2, 'disabled': 3,
    'disabling': 4, 'enabling': 5, 'enabled': 6, 'searching': 7,
    'registered': 8, 'disconnecting': 9, 'connecting': 10, 'connected': 11,
}
MM_STATE_NAMES = {v: k for k, v in MM_STATES.items()}

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow receive_type="*"/>
    <allow user="*"/>
  </policy>
</busconfig>
"""

# The system bus as Debian configures it (/usr/share/dbus-1/system.conf:
# nothing may be owned or called unless a service's policy file allows it;
# the same default limits), plus the policy file under test.
SYSTEM_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Debug.Stats"/>
  </policy>
  <!-- Root runs the rig's stand-ins for other services (ModemManager,
       polkitd, monitors): their own policy files are not under test.
       Only callers of other uids meet the policy as it is installed. -->
  <policy user="root">
    <allow own="*"/>
    <allow send_destination="*"/>
  </policy>
  <include>{policy}</include>
</busconfig>
"""

POLL = 0.05


class RigError(Exception):
    pass


class _Terminated(SystemExit):
    """Raised from the SIGTERM handler so that `with Rig()` cleans up (and
    dumps the logs: a test killed for running too long wants them)."""

    def __init__(self):
        super().__init__(128 + signal.SIGTERM)


class _Process:
    def __init__(self, name, popen, log_path):
        self.name = name
        self.popen = popen
        self.log_path = log_path

    @property
    def pid(self):
        return self.popen.pid

    def poll(self):
        return self.popen.poll()

    def wait(self, timeout=None):
        return self.popen.wait(timeout)


class Rig:
    def __init__(self, keep=None, dump_on_error=True, mm_binary='ModemManager'):
        if keep is None:
            keep = os.environ.get('SALDO_RIG_KEEP', '') not in ('', '0')
        self.keep = keep
        self.dump_on_error = dump_on_error
        self.mm_binary = mm_binary
        self.tmpdir = tempfile.mkdtemp(prefix='saldo-rig-')
        self.env = dict(os.environ)
        for var in ('DBUS_SESSION_BUS_ADDRESS', 'DBUS_SYSTEM_BUS_ADDRESS',
                    'DBUS_STARTER_ADDRESS', 'DBUS_STARTER_BUS_TYPE'):
            self.env.pop(var, None)
        self.bus_address = None
        self._bus = None
        self._procs = {}          # name -> _Process, in start order
        self.started_pids = []    # every pid spawned, for leak checks
        self._log_names = []
        self._sims = {}           # name -> SimModem
        self._sim_names = {}      # id(SimModem) -> name
        self._attached = []       # names attached to the running ModemManager
        self._mm = None
        self._bus_proc = None
        self._old_sigterm = None
        self._closed = False
        self._as_users = []       # Popen of popen_as ()
        self._shm_logs = []       # log files kept on tmpfs (_tmpfs_log ())

    # ---- context manager ------------------------------------------------------

    def __enter__(self):
        try:
            self._old_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)
        except ValueError:        # not in the main thread
            self._old_sigterm = None
        return self

    def _on_sigterm(self, signum, frame):
        raise _Terminated()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and self.dump_on_error:
            try:
                self.dump_logs()
            except Exception as e:    # never hide the original failure
                print('dump_logs failed: %s' % e, file=sys.stderr)
        self.close()
        return False

    def close(self):
        if self._closed:
            return
        self._closed = True
        self._bus = None
        # Newest first: clients, ModemManager, then the bus they talk to.
        for popen in self._as_users:
            self._terminate(_Process('as-user', popen, None))
        for name in reversed(list(self._procs)):
            self._terminate(self._procs[name])
        if self._bus_proc is not None and self._bus_proc.popen.stdout:
            self._bus_proc.popen.stdout.close()
        for sim in self._sims.values():
            sim.close()
        if self._old_sigterm is not None:
            signal.signal(signal.SIGTERM, self._old_sigterm)
            self._old_sigterm = None
        if self.keep:
            print('saldo_rig: kept %s' % ' '.join([self.tmpdir] + self._shm_logs), file=sys.stderr)
        else:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            for path in self._shm_logs:
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass

    # ---- processes ----------------------------------------------------------------

    def path(self, *parts):
        return os.path.join(self.tmpdir, *parts)

    def spawn(self, name, argv, env=None, stdout=None):
        """Start argv with the rig's env (or env), output to <name>.log.
        Names must be unique among running processes; a finished process's
        name may be reused (its log is appended to)."""
        old = self._procs.get(name)
        if old is not None and old.poll() is None:
            raise RigError('process %r is already running' % name)
        log_path = self.path(name + '.log')
        log = open(log_path, 'ab')
        try:
            popen = subprocess.Popen(argv, env=env if env is not None else self.env,
                                     stdin=subprocess.DEVNULL,
                                     stdout=stdout if stdout is not None else log,
                                     stderr=log, start_new_session=True)
        finally:
            log.close()
        proc = _Process(name, popen, log_path)
        self.started_pids.append(popen.pid)
        self._procs.pop(name, None)
        self._procs[name] = proc
        if name not in self._log_names:
            self._log_names.append(name)
        return proc

    def _terminate(self, proc, timeout=5.0):
        if proc.poll() is not None:
            return proc.popen.returncode
        # Each child leads its own process group (start_new_session), so the
        # group holds only what we started and its descendants.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                return proc.wait(timeout)
            except subprocess.TimeoutExpired:
                continue
        return proc.wait()

    def stop(self, name, timeout=5.0):
        """Terminate a spawned process and return its exit status."""
        return self._terminate(self._procs[name], timeout)

    def _tmpfs_log(self, name):
        """<tmp>/<name>.log as a link to a file on tmpfs (when there is
        one), for a program that fsyncs each line it logs: a disk's flush
        per line is not what a test is waiting for."""
        path = self.path(name + '.log')
        if not os.path.lexists(path) and os.path.isdir('/dev/shm'):
            fd, target = tempfile.mkstemp(prefix='saldo-rig-%s-' % name, suffix='.log',
                                          dir='/dev/shm')
            os.close(fd)
            self._shm_logs.append(target)
            os.symlink(target, path)
        return path

    def log_text(self, name):
        path = self.path(name + '.log')
        if not os.path.exists(path):
            return ''
        with open(path, 'r', encoding='utf-8', errors='replace') as f:
            return f.read()

    def dump_logs(self, out=None):
        out = out or sys.stderr
        for name in self._log_names:
            print('===== %s (%s) =====' % (name, self.path(name + '.log')), file=out)
            print(self.log_text(name), file=out)
        for name, sim in self._sims.items():
            print('===== simulator %s (%s) =====' % (name, sim.socket_path), file=out)
            print(sim.log_text(), file=out)
        out.flush()

    # ---- bus ---------------------------------------------------------------------

    def _private_binary(self, name, program):
        """A symlink <tmp>/bin/name -> program: the kernel names the process
        after the link, so broad kills by program name elsewhere miss it."""
        target = shutil.which(program, path=os.environ.get('PATH', '') + ':/usr/sbin:/sbin')
        if target is None:
            raise RigError('%s not found' % program)
        bindir = self.path('bin')
        os.makedirs(bindir, exist_ok=True)
        link = os.path.join(bindir, name)
        if not os.path.exists(link):
            os.symlink(target, link)
        return link

    def start_bus(self, timeout=10.0, policy=None):
        if self.bus_address:
            return self.bus_address
        conf = self.path('bus.conf')
        with open(conf, 'w') as f:
            if policy is None:
                f.write(BUS_CONFIG.format(socket=self.path('bus.sock')))
            else:
                f.write(SYSTEM_BUS_CONFIG.format(socket=self.path('bus.sock'),
                                                 policy=os.path.abspath(policy)))
                # Other uids reach the socket (dbus-daemon makes it 0777),
                # not the files beside it.
                os.chmod(self.tmpdir, 0o711)
        binary = self._private_binary('saldo-rig-dbus', 'dbus-daemon')
        proc = self.spawn('dbus-daemon', [binary, '--config-file=' + conf,
                                          '--print-address', '--nofork'],
                          stdout=subprocess.PIPE)
        address = self._read_line(proc, timeout)
        if not address:
            raise RigError('dbus-daemon printed no address')
        # The pipe stays open until close(): a write to a closed pipe would
        # kill dbus-daemon with SIGPIPE.
        self.bus_address = address
        self._bus_proc = proc
        self.env['DBUS_SESSION_BUS_ADDRESS'] = address
        self.env['DBUS_SYSTEM_BUS_ADDRESS'] = address
        self._bus = Gio.DBusConnection.new_for_address_sync(
            address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        return address

    def _as_user(self, uid, argv, env):
        """argv and env to run as uid (an existing account: dbus-daemon looks
        its groups up; its own gid, no groups, no capabilities) with the
        rig's env: an unprivileged local user."""
        import pwd
        gid = pwd.getpwuid(uid).pw_gid
        prefix = ['setpriv', '--reuid=%d' % uid, '--regid=%d' % gid, '--clear-groups',
                  '--inh-caps=-all', '--bounding-set=-all', '--']
        return prefix + list(argv), dict(self.env, HOME='/', **(env or {}))

    def run_as(self, uid, argv, env=None, **kwargs):
        """subprocess.run of argv as uid."""
        argv, env = self._as_user(uid, argv, env)
        kwargs.setdefault('stdin', subprocess.DEVNULL)
        return subprocess.run(argv, env=env, **kwargs)

    def popen_as(self, uid, argv, env=None, **kwargs):
        """subprocess.Popen of argv as uid; terminated by close()."""
        argv, env = self._as_user(uid, argv, env)
        popen = subprocess.Popen(argv, env=env, start_new_session=True, **kwargs)
        self.started_pids.append(popen.pid)
        self._as_users.append(popen)
        return popen

    @staticmethod
    def _read_line(proc, timeout):
        import select
        deadline = time.monotonic() + timeout
        fd = proc.popen.stdout
        data = b''
        while b'\n' not in data:
            left = deadline - time.monotonic()
            if left <= 0 or proc.poll() is not None:
                break
            ready, _, _ = select.select([fd], [], [], min(left, POLL))
            if ready:
                chunk = os.read(fd.fileno(), 4096)
                if not chunk:
                    break
                data += chunk
        return data.decode().strip().splitlines()[0] if data.strip() else None

    @property
    def bus(self):
        if self._bus is None:
            raise RigError('start_bus() first')
        if self._bus_proc.poll() is not None:
            raise RigError('dbus-daemon exited unexpectedly (status %s)' % self._bus_proc.poll())
        return self._bus

    def call(self, dest, path, iface, method, args=None, reply_type=None, timeout=10.0):
        """Synchronous D-Bus call on the rig's bus; returns the unpacked reply."""
        bus = self.bus
        try:
            res = bus.call_sync(dest, path, iface, method, args,
                                GLib.VariantType.new(reply_type) if reply_type else None,
                                Gio.DBusCallFlags.NONE, int(timeout * 1000), None)
        except GLib.Error as e:
            # Say so when the failure is a dead bus or ModemManager.
            if self._bus_proc.poll() is not None:
                raise RigError('dbus-daemon exited unexpectedly (status %s)' %
                               self._bus_proc.poll()) from e
            if dest == MM_BUS_NAME:
                self._check_mm()
            raise
        return res.unpack() if res is not None else None

    def name_has_owner(self, name):
        return self.call('org.freedesktop.DBus', '/org/freedesktop/DBus',
                         'org.freedesktop.DBus', 'NameHasOwner',
                         GLib.Variant('(s)', (name,)), '(b)')[0]

    def wait_bus_name(self, name, timeout=10.0, proc=None):
        """Wait until name is owned; fail early if proc (a process that should
        own it) exits."""
        deadline = time.monotonic() + timeout
        while True:
            if self.name_has_owner(name):
                return
            if proc is not None and proc.poll() is not None:
                raise RigError('%s exited (%s) before owning %s' % (proc.name, proc.poll(), name))
            if time.monotonic() > deadline:
                raise RigError('timed out waiting for bus name %s' % name)
            time.sleep(POLL)

    def wait_bus_name_gone(self, name, timeout=10.0):
        deadline = time.monotonic() + timeout
        while self.name_has_owner(name):
            if time.monotonic() > deadline:
                raise RigError('bus name %s still owned' % name)
            time.sleep(POLL)

    # ---- ModemManager --------------------------------------------------------------

    @property
    def mm_running(self):
        return self._mm is not None and self._mm.poll() is None

    def start_mm(self, modems=None, timeout=15.0):
        """Start ModemManager and attach simulators: those named in modems
        (names or SimModem objects), or all added ones when modems is None."""
        if self.mm_running:
            raise RigError('ModemManager already running')
        self.start_bus()
        binary = self.mm_binary
        if os.path.basename(binary) == 'ModemManager':
            binary = self._private_binary('saldo-rig-mm', binary)
        # Without --log-file ModemManager logs through syslog(3), which with
        # no syslog daemon writes each line to /dev/console as well: on a VM
        # a serial port, where most of a test's CPU time went.  It fsyncs
        # each line of the file: the file is on tmpfs.
        self._mm = self.spawn('ModemManager', [
            binary, '--test-session', '--test-enable', '--no-auto-scan',
            '--test-no-udev', '--test-no-suspend-resume', '--debug',
            '--log-file=' + self._tmpfs_log('ModemManager')])
        self.wait_bus_name(MM_BUS_NAME, timeout, proc=self._mm)
        self._attached = []
        names = list(self._sims) if modems is None else [self._name_of(m) for m in modems]
        for name in names:
            self._attach(name)
        return self._mm

    def stop_mm(self, timeout=5.0):
        if self._mm is None:
            return None
        status = self._terminate(self._mm, timeout)
        self._mm = None
        self._attached = []
        if self._bus is not None:
            self.wait_bus_name_gone(MM_BUS_NAME, timeout)
        return status

    def restart_mm(self, modems=None, timeout=15.0):
        """Stop ModemManager and start it again with only `modems` attached
        (all added simulators when None): the way to unplug / re-plug."""
        self.stop_mm()
        return self.start_mm(modems=modems, timeout=timeout)

    def _name_of(self, sim):
        if isinstance(sim, str):
            if sim not in self._sims:
                raise RigError('unknown modem %r' % sim)
            return sim
        name = self._sim_names.get(id(sim))
        if name is None:
            raise RigError('modem not added to this rig')
        return name

    def _profile_id(self, name):
        return 'sim-%s' % name

    def _attach(self, name):
        sim = self._sims[name]
        sim.power_cycle()
        count = sim.connections
        self.call(MM_BUS_NAME, MM_PATH, 'org.freedesktop.ModemManager1.Test', 'SetProfile',
                  GLib.Variant('(ssas)', (self._profile_id(name), 'generic', [sim.socket_path])))
        self._attached.append(name)
        if not sim.wait_connected(timeout=10.0, count=count + 1):
            raise RigError('ModemManager did not connect to modem %s' % name)

    def add_modem(self, name, **kwargs):
        """Create a SimModem on <tmp>/<name>.sock (log in <tmp>/sim-<name>.log);
        attach it now if ModemManager runs."""
        if name in self._sims:
            raise RigError('modem %r exists' % name)
        sock = kwargs.pop('socket_path', self.path(name + '.sock'))
        kwargs.setdefault('log_path', self.path('sim-%s.log' % name))
        sim = SimModem(sock, **kwargs)
        self._sims[name] = sim
        self._sim_names[id(sim)] = name
        if self.mm_running:
            self._attach(name)
        return sim

    def modem(self, name):
        return self._sims[name]

    @property
    def attached(self):
        return list(self._attached)

    def mm_objects(self):
        """GetManagedObjects of ModemManager: {path: {iface: {prop: value}}}."""
        return self.call(MM_BUS_NAME, MM_PATH, 'org.freedesktop.DBus.ObjectManager',
                         'GetManagedObjects', None, '(a{oa{sa{sv}}})')[0]

    def mm_modem_paths(self):
        return sorted(p for p, ifaces in self.mm_objects().items() if MM_MODEM_IFACE in ifaces)

    def mm_modem_path(self, sim):
        """Object path of the modem ModemManager made from sim, or None."""
        name = self._name_of(sim)
        sock = self._sims[name].socket_path
        pid = self._profile_id(name)
        for path, ifaces in self.mm_objects().items():
            props = ifaces.get(MM_MODEM_IFACE)
            if not props:
                continue
            ports = [p[0] for p in props.get('Ports', [])]
            if props.get('Device') == pid or sock in ports or os.path.basename(sock) in ports:
                return path
        return None

    def mm_modem_index(self, sim):
        path = self.mm_modem_path(sim)
        if path is None:
            raise RigError('modem %s not exported' % self._name_of(sim))
        return path.rsplit('/', 1)[1]

    def modem_props(self, sim, iface=MM_MODEM_IFACE):
        path = self.mm_modem_path(sim)
        if path is None:
            return None
        return self.mm_objects().get(path, {}).get(iface)

    def wait_modem_path(self, sim, timeout=15.0):
        deadline = time.monotonic() + timeout
        while True:
            path = self.mm_modem_path(sim)
            if path:
                return path
            self._check_mm()
            if time.monotonic() > deadline:
                raise RigError('modem %s not exported by ModemManager' % self._name_of(sim))
            time.sleep(POLL)

    def _check_mm(self):
        if self._mm is not None and self._mm.poll() is not None:
            raise RigError('ModemManager exited unexpectedly (status %s)' % self._mm.poll())

    def modem_state(self, sim):
        props = self.modem_props(sim)
        if props is None:
            return None
        return MM_STATE_NAMES.get(props.get('State'), props.get('State'))

    def wait_modem_state(self, sim, state, timeout=20.0):
        """Wait until the modem's State is state (a name from MM_STATES or a
        list of names); returns the state reached."""
        want = {state} if isinstance(state, (str, int)) else set(state)
        want = {MM_STATE_NAMES.get(s, s) if isinstance(s, int) else s for s in want}
        deadline = time.monotonic() + timeout
        last = None
        while True:
            last = self.modem_state(sim)
            if last in want:
                return last
            self._check_mm()
            if time.monotonic() > deadline:
                raise RigError('modem %s: state %s, wanted %s' %
                               (self._name_of(sim), last, sorted(map(str, want))))
            time.sleep(POLL)

    def enable_modem(self, sim, timeout=30.0):
        """Enable the modem (ModemManager leaves modems disabled until a
        client asks), waiting first until it is ready to be enabled."""
        self.wait_modem_state(sim, ['disabled', 'enabling', 'enabled', 'searching',
                                    'registered', 'connected'], timeout)
        self.call(MM_BUS_NAME, self.mm_modem_path(sim), MM_MODEM_IFACE, 'Enable',
                  GLib.Variant('(b)', (True,)), None, timeout)

    def wait_for(self, predicate, timeout=10.0, what='condition'):
        """Poll predicate() until it returns a true value, which is returned."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise RigError('timed out waiting for %s' % what)
            time.sleep(POLL)

    # ---- mmcli ------------------------------------------------------------------

    def mmcli(self, *args, check=True, timeout=40.0):
        """Run mmcli on the rig's bus; returns stdout (raises on failure when
        check is set, with stderr in the message)."""
        res = subprocess.run(['mmcli'] + [str(a) for a in args], env=self.env,
                             stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=timeout)
        if check and res.returncode != 0:
            raise RigError('mmcli %s failed (%d): %s%s' % (' '.join(map(str, args)),
                           res.returncode, res.stdout, res.stderr))
        return res.stdout if check else res
