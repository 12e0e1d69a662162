#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""D-Bus calls made by an unprivileged local user, for Saldo's tests.

    caller = Caller(rig, uid=4242)          # a worker process running as 4242
    reply = caller.call(BUS, path, iface, 'GetTopUps', GLib.Variant('(a{sv})', ({},)))
    reply.ok, reply.value, reply.error, reply.message, reply.seconds
    replies = caller.call_many([(BUS, path, iface, method, args), ...])
    stats = caller.load(clients=64, calls=200, plan=[(BUS, path, iface, method, args), ...])

The worker (this file run as a program, through setpriv) owns its own
connections to the rig's bus, so the bus and saldod see that uid and the
bus policy applies to it.  Arguments and replies cross the pipe as GVariant
text (g_variant_print with types), one JSON object a line.  Every call has
its own timeout; one that runs out is reported as timed out, not raised.
"""

import json
import os
import subprocess
import sys
import time

import gi
gi.require_version('Gio', '2.0')
gi.require_version('GLib', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

WORKER = os.path.abspath(__file__)
TIMED_OUT = 'saldo.test.TimedOut'


class Reply:
    def __init__(self, record):
        self.ok = record['ok']
        self.error = record.get('error')
        self.message = record.get('message', '')
        self.seconds = record['seconds']
        text = record.get('value')
        self.variant = GLib.Variant.parse(None, text, None, None) if text else None
        self.value = self.variant.unpack() if text else None

    def __repr__(self):
        if self.ok:
            return '<ok %.3fs>' % self.seconds
        return '<%s %.3fs: %s>' % (self.error, self.seconds, self.message[:200])


def _encode(dest, path, iface, method, args, timeout):
    return {'dest': dest, 'path': path, 'iface': iface, 'method': method,
            'signature': args.get_type_string() if args is not None else None,
            'args': args.print_(True) if args is not None else None,
            'timeout': timeout}


class Caller:
    def __init__(self, rig, uid):
        self.uid = uid
        self.proc = rig.popen_as(uid, ['/usr/bin/python3', WORKER],
                                 env={'PYTHONDONTWRITEBYTECODE': '1'},
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def _ask(self, request):
        self.proc.stdin.write(json.dumps(request) + '\n')
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError('the caller running as uid %d exited (%s)' % (self.uid, self.proc.poll()))
        return json.loads(line)

    def call(self, dest, path, iface, method, args=None, timeout=5.0):
        return self.call_many([(dest, path, iface, method, args)], timeout)[0]

    def call_many(self, calls, timeout=5.0):
        """Calls one after the other; a Reply for each."""
        answer = self._ask({'op': 'calls', 'calls': [_encode(*c, timeout) for c in calls]})
        return [Reply(r) for r in answer['replies']]

    def load(self, clients, calls, plan, timeout=30.0):
        """clients connections, each making `calls` calls (cycling through
        plan) one at a time, all at once.  Returns {'calls', 'seconds',
        'worst', 'failures': {error name: count}, 'examples': [...]}."""
        return self._ask({'op': 'load', 'clients': clients, 'count': calls,
                          'plan': [_encode(*c, timeout) for c in plan]})

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


# ---- the worker -------------------------------------------------------------

def _connect():
    return Gio.DBusConnection.new_for_address_sync(
        os.environ['DBUS_SYSTEM_BUS_ADDRESS'],
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)


def _decode(call):
    args = None
    if call['args'] is not None:
        args = GLib.Variant.parse(GLib.VariantType.new(call['signature']), call['args'], None, None)
    return args


def _error_record(error, started):
    name = Gio.DBusError.get_remote_error(error)
    if name is None and error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT):
        name = TIMED_OUT
    Gio.DBusError.strip_remote_error(error)
    message = error.message
    return {'ok': False, 'error': name or 'local:' + error.message, 'message': message,
            'seconds': time.monotonic() - started}


def _run_calls(bus, calls):
    replies = []
    for call in calls:
        started = time.monotonic()
        try:
            res = bus.call_sync(call['dest'], call['path'], call['iface'], call['method'],
                                _decode(call), None, Gio.DBusCallFlags.NONE,
                                int(call['timeout'] * 1000), None)
            replies.append({'ok': True, 'value': res.print_(True) if res is not None else None,
                            'seconds': time.monotonic() - started})
        except GLib.Error as e:
            replies.append(_error_record(e, started))
    return {'replies': replies}


def _run_load(clients, count, plan):
    """Each client keeps one call in flight; all on one main loop."""
    loop = GLib.MainLoop()
    args = [_decode(c) for c in plan]
    buses = [_connect() for _ in range(clients)]
    state = {'left': clients, 'worst': 0.0, 'failures': {}, 'examples': [], 'calls': 0}

    def issue(i, n):
        if n == count:
            state['left'] -= 1
            if state['left'] == 0:
                loop.quit()
            return
        call = plan[(i + n) % len(plan)]
        started = time.monotonic()

        def done(bus, result):
            try:
                bus.call_finish(result)
            except GLib.Error as e:
                record = _error_record(e, started)
                state['failures'][record['error']] = state['failures'].get(record['error'], 0) + 1
                if len(state['examples']) < 5:
                    state['examples'].append('%s: %s' % (call['method'], record['message']))
            state['worst'] = max(state['worst'], time.monotonic() - started)
            state['calls'] += 1
            issue(i, n + 1)
        buses[i].call(call['dest'], call['path'], call['iface'], call['method'],
                      args[(i + n) % len(plan)], None, Gio.DBusCallFlags.NONE,
                      int(call['timeout'] * 1000), None, done)

    started = time.monotonic()
    for i in range(clients):
        issue(i, 0)
    loop.run()
    seconds = time.monotonic() - started
    for bus in buses:
        bus.close_sync(None)
    return {'calls': state['calls'], 'seconds': seconds, 'worst': state['worst'],
            'failures': state['failures'], 'examples': state['examples']}


def worker():
    bus = _connect()
    for line in sys.stdin:
        request = json.loads(line)
        if request['op'] == 'calls':
            answer = _run_calls(bus, request['calls'])
        else:
            answer = _run_load(request['clients'], request['count'], request['plan'])
        sys.stdout.write(json.dumps(answer) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    worker()
