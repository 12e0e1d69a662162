# SPDX-License-Identifier: GPL-2.0-or-later
"""polkitd stand-in for Saldo's tests: python-dbusmock's polkitd template
that also looks at the subject.

    python3 -m dbusmock --system --template tests/sim/polkitd_subject.py

Everything of the stock template works as before (SetAllowed, AllowUnknown,
SetDelay, SimulateHang...).  In addition, on org.freedesktop.DBus.Mock:

  SetAllowedUids(a{sau} rules)  an action listed here is allowed only for a
                                subject whose uid is in its list, whatever
                                SetAllowed says ("allowed for uid X only")
  GetChecks() -> a(ssi)         every CheckAuthorization so far: action,
                                subject kind, the subject's uid (-1 unknown)
  ClearChecks()

A subject of kind system-bus-name (what saldod passes: the caller's unique
name) is resolved to a uid by asking the bus, as polkitd does; unix-process
by its uid detail or /proc.  Nothing real can run polkitd here: it needs
its own system bus policy, logind and an agent.
"""

import dbus

# The stock template's names (BUS_NAME, MAIN_OBJ, MAIN_IFACE, SYSTEM_BUS,
# load and its Mock methods) become this template's; two are replaced.
from dbusmock.templates.polkitd import *  # noqa: F401,F403
from dbusmock.templates import polkitd as stock
from dbusmock import MOCK_IFACE

MAIN_IFACE = stock.MAIN_IFACE


def load(mock, parameters):
    stock.load(mock, parameters)
    mock.uid_rules = {}
    mock.checks = []


def subject_uid(mock, kind, details):
    try:
        if kind == 'system-bus-name':
            bus = mock.connection
            return int(bus.call_blocking('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                         'org.freedesktop.DBus', 'GetConnectionUnixUser',
                                         's', [str(details['name'])]))
        if kind == 'unix-process':
            if 'uid' in details and int(details['uid']) >= 0:
                return int(details['uid'])
            with open('/proc/%d/status' % int(details['pid'])) as f:
                for line in f:
                    if line.startswith('Uid:'):
                        return int(line.split()[1])
    except (dbus.exceptions.DBusException, KeyError, OSError, ValueError):
        pass
    return None


@dbus.service.method(MAIN_IFACE,
                     in_signature='(sa{sv})sa{ss}us',
                     out_signature='(bba{ss})',
                     async_callbacks=('ok_cb', '_err_cb'))
def CheckAuthorization(self, subject, action_id, _details, _flags,
                       _cancellation_id, ok_cb, _err_cb):
    kind, details = str(subject[0]), subject[1]
    uid = subject_uid(self, kind, details)
    self.checks.append((str(action_id), kind, -1 if uid is None else uid))
    if action_id in self.uid_rules:
        allowed = uid is not None and uid in self.uid_rules[action_id]
    else:
        allowed = action_id in self.allowed or self.allow_unknown
    ret = (allowed, False, {'test': 'test'})
    stock.time.sleep(self.delay)
    if self.simulate_hang or action_id in self.hanging_actions:
        self.hanging_calls.append((ok_cb, ret))
    else:
        ok_cb(ret)


@dbus.service.method(MOCK_IFACE, in_signature='a{sau}', out_signature='')
def SetAllowedUids(self, rules):
    '''Allow each action only for the uids listed with it'''
    self.uid_rules = {str(action): [int(u) for u in uids] for action, uids in rules.items()}


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='a(ssi)')
def GetChecks(self):
    '''Every authorization check so far: action, subject kind, uid (-1: unknown)'''
    return dbus.Array(self.checks, signature='(ssi)')


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='')
def ClearChecks(self):
    '''Forget the checks recorded so far'''
    self.checks = []
