# SPDX-License-Identifier: GPL-2.0-or-later
"""The user's side of the rig: a private session bus, a notification server
(python-dbusmock's notification_daemon template, or a real one), and
saldo-agent from the build tree.

    session = SessionBus(rig)                  # a second dbus-daemon
    mock = NotificationMock(rig, session)      # org.freedesktop.Notifications
    agent = start_agent(rig, session, build)   # saldo-agent on both buses
    mock.wait_for(lambda n: n.summary.startswith('Low balance'))
    mock.invoke(n.id, 'confirm')               # as if the user clicked

saldod stays on the rig's bus, which plays the system bus; the agent gets
DBUS_SYSTEM_BUS_ADDRESS for that one and DBUS_SESSION_BUS_ADDRESS for this
one, so a call on the wrong bus fails the test instead of passing by luck."""

import json
import os
import subprocess
import time

from gi.repository import Gio, GLib

from saldo_rig import BUS_CONFIG, POLL, Rig, RigError

NOTIFY = ('org.freedesktop.Notifications', '/org/freedesktop/Notifications',
          'org.freedesktop.Notifications')
MOCK_IFACE = 'org.freedesktop.DBus.Mock'
AGENT_NAME = 'io.github.saldo.Agent'


class SessionBus:
    def __init__(self, rig, name='session-bus'):
        self.rig = rig
        conf = rig.path(name + '.conf')
        with open(conf, 'w') as f:
            f.write(BUS_CONFIG.format(socket=rig.path(name + '.sock')))
        binary = rig._private_binary('saldo-rig-dbus', 'dbus-daemon')
        # stdout stays open for the bus's life (see Rig.start_bus).
        self.proc = rig.spawn(name, [binary, '--config-file=' + conf, '--print-address',
                                     '--nofork'], stdout=subprocess.PIPE)
        self.address = Rig._read_line(self.proc, 10.0)
        if not self.address:
            raise RigError('session dbus-daemon printed no address')
        self.env = dict(rig.env, DBUS_SESSION_BUS_ADDRESS=self.address)
        self.bus = Gio.DBusConnection.new_for_address_sync(
            self.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def call(self, dest, path, iface, method, args=None, reply_type=None, timeout=10.0):
        res = self.bus.call_sync(dest, path, iface, method, args,
                                 GLib.VariantType.new(reply_type) if reply_type else None,
                                 Gio.DBusCallFlags.NONE, int(timeout * 1000), None)
        return res.unpack() if res is not None else None

    def has_owner(self, name):
        return self.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                         'NameHasOwner', GLib.Variant('(s)', (name,)), '(b)')[0]

    def wait_name(self, name, timeout=15.0, proc=None, gone=False):
        deadline = time.monotonic() + timeout
        while self.has_owner(name) == gone:
            if proc is not None and proc.poll() is not None and not gone:
                raise RigError('%s exited (%s) before owning %s' % (proc.name, proc.poll(), name))
            if time.monotonic() > deadline:
                raise RigError('timed out waiting for %s %s' % (name, 'to go' if gone else ''))
            time.sleep(POLL)


class Notification:
    """One Notify call, with the id the server gave it."""

    def __init__(self, id, args):
        (self.app, self.replaces, self.icon, self.summary, self.body, actions,
         self.hints, self.timeout) = args
        self.id = id
        self.actions = dict(zip(actions[0::2], actions[1::2]))
        self.action_list = list(actions)

    def __repr__(self):
        return 'Notification(id=%d, replaces=%d, %r, %r, %r)' % (
            self.id, self.replaces, self.summary, self.body, self.action_list)


class NotificationMock:
    """python-dbusmock's notification_daemon on the session bus.  It records
    every call; ids are handed out as the template does (replaces_id, else
    the next number)."""

    def __init__(self, rig, session, capabilities='body body-markup actions', name='notifications'):
        self.session = session
        self.proc = rig.spawn(name, ['/usr/bin/python3', '-m', 'dbusmock', '--session',
                                     '--template', 'notification_daemon', '-p',
                                     json.dumps({'capabilities': capabilities})],
                              env=session.env)
        session.wait_name(NOTIFY[0], proc=self.proc)

    def _mock(self, method, args=None, reply_type=None):
        return self.session.call(NOTIFY[0], NOTIFY[1], MOCK_IFACE, method, args, reply_type)

    def calls(self, method=None):
        calls = self._mock('GetCalls', None, '(a(tsav))')[0]
        return [(name, args) for _, name, args in calls if method is None or name == method]

    def notifications(self):
        shown, next_id = [], 1
        for name, args in self.calls():
            if name != 'Notify':
                continue
            if args[1]:
                nid = args[1]
            else:
                nid, next_id = next_id, next_id + 1
            shown.append(Notification(nid, args))
        return shown

    def closed_ids(self):
        return [args[0] for name, args in self.calls('CloseNotification')]

    def checkpoint(self):
        """For wait_for(since=...): only what is shown from now on."""
        return len(self.notifications())

    def wait_for(self, predicate, timeout=30.0, what='a notification', since=0):
        """The first notification (in order) for which predicate is true."""
        deadline = time.monotonic() + timeout
        while True:
            for n in self.notifications()[since:]:
                if predicate(n):
                    return n
            if time.monotonic() > deadline:
                raise RigError('timed out waiting for %s; shown: %s' % (what, self.notifications()))
            time.sleep(POLL)

    def wait_closed(self, nid, timeout=30.0):
        deadline = time.monotonic() + timeout
        while nid not in self.closed_ids():
            if time.monotonic() > deadline:
                raise RigError('notification %d never closed; closed: %s' % (nid, self.closed_ids()))
            time.sleep(POLL)

    def invoke(self, nid, key):
        """The user clicks an action (the server then closes it, as most do)."""
        self._mock('EmitSignal', GLib.Variant('(sssav)', (NOTIFY[2], 'ActionInvoked', 'us', [
            GLib.Variant('u', nid), GLib.Variant('s', key)])))

    def dismiss(self, nid):
        self._mock('EmitSignal', GLib.Variant('(sssav)', (NOTIFY[2], 'NotificationClosed', 'uu', [
            GLib.Variant('u', nid), GLib.Variant('u', 2)])))



def agent_env(rig, session, build, **extra):
    """The agent's environment: both buses, its GSettings schema from the
    build tree with a key file backend, its own state and config dirs."""
    home = rig.path('home')
    for sub in ('config', 'state'):
        os.makedirs(os.path.join(home, sub), exist_ok=True)
    env = dict(session.env,
               GSETTINGS_SCHEMA_DIR=os.path.join(build, 'cli', 'agent'),
               GSETTINGS_BACKEND='keyfile',
               XDG_CONFIG_HOME=os.path.join(home, 'config'),
               XDG_STATE_HOME=os.path.join(home, 'state'),
               SALDO_LOCALEDIR=os.path.join(build, 'po'),
               G_MESSAGES_DEBUG='all')
    env.update(extra)
    return env


def agent_settings_file(rig):
    return os.path.join(rig.path('home'), 'config', 'glib-2.0', 'settings', 'keyfile')


def set_agent_settings(rig, **keys):
    """Writes the key file GSettings' keyfile backend reads (and watches)."""
    path = agent_settings_file(rig)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + '.tmp', 'w') as f:
        f.write('[io/github/saldo/Agent]\n')
        for key, value in keys.items():
            f.write('%s=%s\n' % (key.replace('_', '-'), value))
    os.rename(path + '.tmp', path)


def start_agent(rig, session, build, args=(), name='saldo-agent', wait=True, env=None, wrapper=()):
    agent = os.environ.get('SALDO_AGENT', os.path.join(build, 'cli', 'agent', 'saldo-agent'))
    proc = rig.spawn(name, list(wrapper) + [agent] + list(args),
                     env=env if env is not None else agent_env(rig, session, build))
    if wait:
        session.wait_name(AGENT_NAME, proc=proc)
    return proc
