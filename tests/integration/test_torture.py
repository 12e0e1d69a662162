#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The API torture test, generated from dbus/io.github.saldo.Saldo1.xml.

Every method of every interface is called on objects in every state a user
meets — a line seen a moment ago with no reading, a line with a balance, a
line whose SIM is gone, a line whose USSD session is in flight, a disabled
eSIM profile's line, an enabled, a disabled and a removed rule, an eUICC
with LastError, all of it with ModemManager stopped — and on objects that
do not exist.  The arguments come from the XML's types and its
io.github.saldo.Saldo1.Keys annotations: valid values, each integer at 0,
-1, its minimum and maximum, strings empty, 64 KiB long and unusual but
valid UTF-8, unknown keys, values of the wrong type, a wrong signature.
Each pass runs twice under the real bus policy, from non-root callers: one
polkit denies everything, one it allows everything (the polkit stand-in
decides by the uid of the subject saldod passes).  A method added to the
XML later is covered without changing this file.

Every call answers within ANSWER_WITHIN seconds with a result or an error
name the README lists; a caller polkit denies never succeeds with an
authorised method; polkit is asked exactly for the methods annotated with
an action, about the caller; every property of every object reads with its
declared type; afterwards saldod is still on the bus, PRAGMA
integrity_check says ok and its RSS is within RSS_BOUND."""

import os
import pwd
import re
import sqlite3
import time
import xml.etree.ElementTree as ET

from saldo_testcase import (BUS_NAME, CLARO, MOVISTAR, ROOT, SOURCE_ROOT, SaldoTestCase, main)
from saldo_caller import Caller
from gi.repository import GLib
from simqmi import SimQmi
from test_topup import FakeProvider, add_http_provider

API_XML = os.path.join(SOURCE_ROOT, 'dbus', 'io.github.saldo.Saldo1.xml')
README = os.path.join(SOURCE_ROOT, 'README.md')
ACTION = 'io.github.saldo.Saldo1.Action'
# Actions some options add to the method's own (asked only after it, so a
# caller the method's action refuses is never asked about them).
EXTRA_ACTIONS = 'io.github.saldo.Saldo1.ExtraActions'
KEYS = 'io.github.saldo.Saldo1.Keys'

# Two local accounts every Debian system has, neither privileged: polkit
# denies the first everything and allows the second everything.
DENIED = pwd.getpwnam('nobody').pw_uid
ALLOWED = pwd.getpwnam('www-data').pw_uid
ANSWER_WITHIN = 5.0
MIB = 1 << 20
# saldod's RSS after both passes (a few thousand calls, 64 KiB strings):
# it idles at about 12 MiB.  Under ASan, shadow memory and the allocator's
# quarantine (kept at 64 MiB here) come on top.
RSS_BOUND = 48 * MIB
RSS_BOUND_SANITIZED = 320 * MIB

ENTEL = dict(iccid='8951170000000000033', imsi='716170000000033', operator_code='71617',
             operator_name='Entel PE', imei='356938035640003')
BITEL = dict(iccid='8951150000000000044', imsi='716150000000044', operator_code='71615',
             operator_name='Bitel', imei='356938035640004')
EID = '89049032123451234512345678901235'
ESIM_IMEI = '356938035640099'
PROFILES = [
    {'iccid': '8951100000000000055', 'state': 'enabled', 'nickname': 'Claro prepago',
     'spn': 'Claro PE', 'name': 'Claro Prepago', 'class': 'operational'},
    {'iccid': '8944100000000000017', 'state': 'disabled', 'nickname': 'Travel',
     'spn': 'Roam Mobile', 'name': 'Roam Global 5GB', 'class': 'operational'},
]

LONG = 'x' * 65536
ODD = 'Saldo \u202eLP/ S\u202c ñandú 𝄞 e\u0301 \ufeff \U0010fffd'
MISSING = ROOT + '/Line/999999'
INT_EDGES = {
    'y': [0, 255], 'n': [0, -1, -2 ** 15, 2 ** 15 - 1], 'q': [0, 2 ** 16 - 1],
    'i': [0, -1, -2 ** 31, 2 ** 31 - 1], 'u': [0, 2 ** 32 - 1],
    'x': [0, -1, -2 ** 63, 2 ** 63 - 1], 't': [0, 2 ** 64 - 1],
}
# Realistic values by key; a key not listed gets a plain value of its type.
REALISTIC = {
    'kind': 'threshold', 'amount': 100, 'below': 500, 'days-before': 3, 'day': '1', 'hour': 9,
    'enabled': False, 'confirm': True, 'currency': 'PEN', 'max-per-topup': 1000,
    'max-per-day': 2000, 'max-per-month': 5000, 'max-attempts-24h': 3, 'cooldown': 300,
    'balance': 100, 'data': 10 * MIB, 'limit': 10, 'since': 0, 'before': '1',
    'allow-roaming': False, 'balance-code': '*777#', 'balance-menu': '1',
    'refresh-interval': 3600, 'own-number': '+51987654321', 'sms-senders': 'Claro',
}


def annotation(element, name):
    for a in element.findall('annotation'):
        if a.get('name') == name:
            return a.get('value')
    return None


def load_api():
    """{interface: ({method: (action or None, [(arg, type, {key: type})], [extra action])},
    {property: type})} from the XML."""
    api = {}
    for iface in ET.parse(API_XML).getroot().iter('interface'):
        methods = {}
        for method in iface.findall('method'):
            args = []
            for arg in method.findall('arg'):
                if arg.get('direction', 'in') != 'in':
                    continue
                keys = annotation(arg, KEYS) or ''
                args.append((arg.get('name'), arg.get('type'),
                             dict(k.split(':', 1) for k in keys.split())))
            extra = (annotation(method, EXTRA_ACTIONS) or '').split()
            methods[method.get('name')] = (annotation(method, ACTION), args, extra)
        api[iface.get('name')] = (methods, {p.get('name'): p.get('type')
                                            for p in iface.findall('property')})
    return api


def readme_errors():
    with open(README) as f:
        text = f.read()
    names = re.search(r'io\.github\.saldo\.Saldo1\.Error\.\{([^}]*)\}', text).group(1)
    return {'io.github.saldo.Saldo1.Error.' + n.strip() for n in names.split(',')}


def listed(name, saldo_errors):
    """The README's list: Saldo's own names and the standard D-Bus ones."""
    return name in saldo_errors or (name or '').startswith('org.freedesktop.DBus.Error.')


def variant(sig, value):
    return GLib.Variant(sig, value)


def wrong_type(sig):
    """A value of another type than sig."""
    return variant('ay', b'\xff' * 16) if sig == 's' else variant('s', ODD)


class ArgFactory:
    """Arguments for one call site: needs a line path, a provider id and a
    top-up id that exist, and the time."""

    def __init__(self, line, provider, topup_id):
        self.line = line
        self.provider = provider
        self.topup_id = topup_id

    def plain(self, sig, key=None):
        if key == 'line' or sig == 'o':
            return self.line
        if key == 'provider':
            return self.provider
        if key in ('before', 'id'):
            return self.topup_id
        if key == 'time':
            return int(time.time())
        if key in REALISTIC:
            return REALISTIC[key]
        return {'s': 'x', 'b': False, 'd': 1.0}.get(sig, 1)

    def edges(self, sig):
        """Hostile values of a basic type."""
        if sig in INT_EDGES:
            return INT_EDGES[sig]
        if sig == 's':
            return ['', LONG, ODD, '-1', '99999999999999999999999']
        if sig == 'o':
            return [MISSING, '/']
        if sig == 'b':
            return [True, False]
        if sig == 'd':
            return [0.0, -1.0, float('inf'), float('nan')]
        return []

    def dicts(self, keys):
        """a{sv} values: empty, every key valid, each key alone, each key at
        its edges and with a wrong type among the valid others, an unknown
        key."""
        full = {k: variant(t, self.plain(t, k)) for k, t in keys.items()}
        out = [{}, dict(full)]
        for k, t in keys.items():
            out.append({k: full[k]})
            for edge in self.edges(t):
                out.append(dict(full, **{k: variant(t, edge)}))
            out.append(dict(full, **{k: wrong_type(t)}))
        out.append(dict(full, **{'saldo-torture-unknown': variant('s', 'x')}))
        return out

    def values(self, sig, keys):
        if sig == 'a{sv}':
            return self.dicts(keys)
        return [self.plain(sig)] + self.edges(sig)

    def calls(self, args):
        """Argument tuples: one argument varied at a time, the others valid,
        then a wrong signature."""
        if not args:
            return [None, variant('(s)', ('x',))]
        base = [self.plain(t) if t != 'a{sv}' else {} for _, t, _ in args]
        sig = '(' + ''.join(t for _, t, _ in args) + ')'
        out = []
        for i, (_, t, keys) in enumerate(args):
            for value in self.values(t, keys):
                values = list(base)
                values[i] = value
                out.append(variant(sig, tuple(values)))
        out.append(None)
        out.append(variant('(s)', ('x',)) if sig != '(s)' else variant('(x)', (1,)))
        return out


class TortureTest(SaldoTestCase):

    def setUp(self):
        super().setUp()
        self.state_in_memory()
        self.api = load_api()
        self.errors = readme_errors()
        self.fake = FakeProvider(self.rig)
        self.addCleanup(self.fake.close)
        add_http_provider(self.config_path, self.fake, timeout=3)
        # One USSD attempt of at most 3 s: every Refresh answers in time.
        self.write_config(UssdAttempts='1', UssdTimeout='3')
        self.start_polkit(allowed=())
        self.allow_root(True)
        self.callers = {uid: Caller(self.rig, uid) for uid in (DENIED, ALLOWED)}
        for caller in self.callers.values():
            self.addCleanup(caller.close)
        self.hooks = {}       # object path -> callable run before its calls

    def actions(self):
        return {a for methods, _ in self.api.values()
                for own, _, extra in methods.values() for a in [own] + extra if a}

    def allow_root(self, root):
        """Every action for the allowed caller only, and for root (the
        test itself setting states up) while root is true."""
        self.polkit_allow_uids({action: [ALLOWED] + ([0] if root else [])
                                for action in self.actions()})

    # ---- states ---------------------------------------------------------------

    def root_call(self, path, iface, method, args=None, reply_type=None):
        return self.rig.call(BUS_NAME, path, iface, method, args, reply_type, 30)

    def add_rule(self, line, **keys):
        keys = {k.replace('_', '-'): v for k, v in keys.items()}
        wrapped = {k: variant(self.api['io.github.saldo.Saldo1'][0]['AddRule'][1][0][2][k], v)
                   for k, v in dict(line=line, provider='pay', **keys).items()}
        return self.root_call(ROOT, 'io.github.saldo.Saldo1', 'AddRule',
                              variant('(a{sv})', (wrapped,)), '(o)')[0]

    def modem_states(self, modems=('claro', 'movistar', 'entel', 'bitel')):
        """Lines never read, with a balance, with the SIM gone and with a
        USSD session in flight; an enabled, a disabled and a removed rule."""
        idents = {'claro': CLARO, 'movistar': MOVISTAR, 'entel': ENTEL, 'bitel': BITEL}
        sims = {name: self.add_registered_modem(name, **idents[name]) for name in modems}
        sims['claro'].set_ussd('*777#', 'Saldo: S/ 3.00')
        sims['movistar'].set_ussd('*515#', 'Movistar: Saldo S/. 8.40')
        if 'bitel' in sims:
            sims['bitel'].set_ussd('*122#', 'Bitel: Saldo principal S/ 5.20', delay=1.5)
        self.start_saldod()
        paths = {name: self.wait_line(idents[name]['iccid'], Active=True)[0] for name in modems}
        self.refresh(paths['movistar'])
        self.add_rule(paths['movistar'], kind='threshold', below=100, amount=500, enabled=True)
        self.add_rule(paths['movistar'], kind='threshold', below=100, amount=500, enabled=False,
                      confirm=True)
        removed = self.add_rule(paths['movistar'], kind='threshold', below=100, amount=700)
        self.root_call(removed, 'io.github.saldo.Saldo1.Rule', 'Remove')
        if 'entel' in sims:
            # Entel's SIM is gone: ModemManager comes back without it.
            present = [sims[name] for name in modems if name != 'entel']
            self.rig.restart_mm(modems=present)
            self.wait_line(ENTEL['iccid'], Active=False)
            for sim in present:
                self.rig.enable_modem(sim)
            for name in modems:
                if name != 'entel':
                    self.wait_line(idents[name]['iccid'], Active=True)
        if 'bitel' in sims:
            self.hooks[paths['bitel']] = lambda: self.start_ussd(paths['bitel'])
        return paths, [(removed, 'io.github.saldo.Saldo1.Rule'),
                       (MISSING, 'io.github.saldo.Saldo1.Line'),
                       (ROOT + '/Euicc/999999', 'io.github.saldo.Saldo1.Euicc'),
                       (ROOT, 'io.github.saldo.Saldo1.Line')]

    def line_by_path(self, path):
        return self.lines()[path]

    def start_ussd(self, path):
        """A USSD session in flight on the line while its calls run."""
        self.allow_root(True)
        self.rig.bus.call(BUS_NAME, path, 'io.github.saldo.Saldo1.Line', 'Refresh',
                          variant('(a{sv})', ({},)), None, 0, 10000, None, None)
        self.rig.wait_for(lambda: self.line_by_path(path)['Refreshing'], 5, 'a USSD session')
        self.allow_root(False)

    # ---- the passes --------------------------------------------------------------

    def check_reply(self, uid, path, iface, method, action, args, reply, problems):
        outcome = 'ok' if reply.ok else reply.error
        self.tally[(uid, outcome)] = self.tally.get((uid, outcome), 0) + 1
        what = '%s %s.%s%s as uid %d' % (path, iface, method,
                                         (' ' + args.print_(True)[:120]) if args else '', uid)
        if reply.seconds >= ANSWER_WITHIN:
            problems.append('%s: answered after %.1f s' % (what, reply.seconds))
        if not reply.ok and not listed(reply.error, self.errors):
            problems.append('%s: %s is not an error the README lists (%s)'
                            % (what, reply.error, reply.message[:200]))
        if reply.ok and action and uid == DENIED:
            problems.append('%s: succeeded for a caller polkit denies %s' % (what, action))

    def check_polkit(self, uid, path, iface, method, action, extra, problems):
        asked_own = False
        for checked, kind, subject_uid in self.polkit_checks():
            if checked == action:
                asked_own = True
            elif checked not in extra:
                problems.append('%s %s.%s asked polkit about %s; the XML says %s'
                                % (path, iface, method, checked, action or 'nothing'))
            elif not asked_own:
                problems.append('%s %s.%s asked polkit about %s before its own %s'
                                % (path, iface, method, checked, action))
            if (kind, subject_uid) != ('system-bus-name', uid):
                problems.append('%s %s.%s asked polkit about %s uid %d, not the caller (uid %d)'
                                % (path, iface, method, kind, subject_uid, uid))
        self.polkit_call('ClearChecks')

    def torture(self, targets, line, uid, problems):
        """Every method of every interface of each (path, interface)."""
        caller = self.callers[uid]
        factory = ArgFactory(line, 'pay', '1')
        last = []
        for path, iface in targets:
            methods, _ = self.api[iface]
            if path in self.hooks:
                self.hooks[path]()
            self.polkit_call('ClearChecks')
            for method, (action, args, extra) in methods.items():
                # Methods without arguments (Remove) end an object's life: last.
                if not args:
                    last.append((path, iface, method, action, args, extra))
                    continue
                self.run_method(caller, uid, path, iface, method, action, args, extra, factory,
                                problems)
        for path, iface, method, action, args, extra in last:
            self.run_method(caller, uid, path, iface, method, action, args, extra, factory, problems)

    def run_method(self, caller, uid, path, iface, method, action, args, extra, factory,
                   problems):
        calls = factory.calls(args)
        replies = caller.call_many([(BUS_NAME, path, iface, method, a) for a in calls],
                                   timeout=ANSWER_WITHIN + 1)
        for a, reply in zip(calls, replies):
            self.check_reply(uid, path, iface, method, action, a, reply, problems)
        self.check_polkit(uid, path, iface, method, action, extra, problems)
        self.assert_alive('%s.%s on %s as uid %d' % (iface, method, path, uid))

    def read_properties(self, targets, uid, problems):
        """Every property of every interface: GetAll, Get each, Get one that
        does not exist, Set (refused by the bus policy)."""
        caller = self.callers[uid]
        for path, iface in targets:
            _, props = self.api[iface]
            calls = [(BUS_NAME, path, 'org.freedesktop.DBus.Properties', 'GetAll',
                      variant('(s)', (iface,)))]
            calls += [(BUS_NAME, path, 'org.freedesktop.DBus.Properties', 'Get',
                       variant('(ss)', (iface, p))) for p in props]
            calls += [(BUS_NAME, path, 'org.freedesktop.DBus.Properties', 'Get',
                       variant('(ss)', (iface, 'NoSuchProperty'))),
                      (BUS_NAME, path, 'org.freedesktop.DBus.Properties', 'Set',
                       variant('(ssv)', (iface, next(iter(props)), variant('s', LONG))))]
            replies = caller.call_many(calls, timeout=ANSWER_WITHIN + 1)
            for (_, _, _, method, args), reply in zip(calls, replies):
                self.check_reply(uid, path, iface, method, None, args, reply, problems)
            if replies[0].ok:
                got = {}
                values = replies[0].variant.get_child_value(0)
                for i in range(values.n_children()):
                    entry = values.get_child_value(i)
                    got[entry.get_child_value(0).get_string()] = \
                        entry.get_child_value(1).get_variant().get_type_string()
                if got != props:
                    problems.append('%s %s: GetAll gave %s, the XML says %s'
                                    % (path, iface, got, props))
                for name, reply in zip(props, replies[1:]):
                    if not reply.ok:
                        problems.append('%s %s.%s: %s' % (path, iface, name, reply.error))
            if replies[-1].ok:
                problems.append('%s: Set succeeded as uid %d' % (path, uid))
        standard = [(BUS_NAME, ROOT, 'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects', None),
                    (BUS_NAME, ROOT, 'org.freedesktop.DBus.Introspectable', 'Introspect', None),
                    (BUS_NAME, ROOT, 'org.freedesktop.DBus.Peer', 'Ping', None)]
        for call, reply in zip(standard, caller.call_many(standard)):
            if not reply.ok:
                problems.append('%s as uid %d: %s' % (call[3], uid, reply))

    def assert_alive(self, after):
        self.assertIsNone(self.saldod.poll(), 'saldod exited after %s' % after)
        self.assertTrue(self.rig.name_has_owner(BUS_NAME), 'saldod left the bus after %s' % after)

    def targets(self, extra):
        out = []
        for path, ifaces in self.managed_objects().items():
            out += [(path, iface) for iface in ifaces if iface in self.api]
        return sorted(out) + extra

    def passes(self, extra, line):
        self.allow_root(False)
        self.tally = {}
        problems = []
        for uid in (DENIED, ALLOWED):
            started = time.monotonic()
            targets = self.targets(extra)
            self.torture(targets, line, uid, problems)
            # Afterwards, so the objects the calls made are read too.
            self.read_properties(self.targets(extra), uid, problems)
            print('uid %d: %d objects in %.1f s' % (uid, len(targets), time.monotonic() - started))
        for (uid, outcome), count in sorted(self.tally.items()):
            print('uid %d: %5d × %s' % (uid, count, outcome))
        self.assertEqual(problems[:40], [], '%d problems' % len(problems))
        self.assert_alive('the passes')
        # Logs carry ICCIDs shortened, whatever the calls provoked.
        log = self.saldod_text()
        for props in self.lines().values():
            self.assertNotIn(props['Iccid'], log)
        db = sqlite3.connect(os.path.join(self.state_dir, 'saldo.db'), timeout=10)
        try:
            self.assertEqual(db.execute('PRAGMA integrity_check').fetchall(), [('ok',)])
        finally:
            db.close()
        bound = RSS_BOUND_SANITIZED if os.environ.get('ASAN_OPTIONS') else RSS_BOUND
        with open('/proc/%d/status' % self.saldod.pid) as f:
            rss = [int(ln.split()[1]) * 1024 for ln in f if ln.startswith('VmRSS:')][0]
        self.assertLess(rss, bound, 'saldod RSS %.1f MiB' % (rss / MIB))
        # A clean exit (and, in the ASan build, no leak at exit).
        self.stop_saldod()
        return rss

    def start_saldod(self, **kwargs):
        # The quarantine keeps freed memory resident; a bounded one keeps
        # use-after-free detection and makes the RSS bound meaningful.
        asan = os.environ.get('ASAN_OPTIONS')
        if asan:
            kwargs['extra_env'] = dict(kwargs.get('extra_env') or {},
                                       ASAN_OPTIONS=asan + ':quarantine_size_mb=64')
        return super().start_saldod(**kwargs)

    # ---- the tests ---------------------------------------------------------------

    def test_modem_states(self):
        self.rig.start_mm()
        paths, extra = self.modem_states()
        self.passes(extra, paths['movistar'])

    def test_modemmanager_stopped(self):
        """Every line detached at once; one of them was read before."""
        self.rig.start_mm()
        paths, extra = self.modem_states(modems=('claro', 'movistar'))
        self.rig.stop_mm()
        self.rig.wait_for(lambda: not self.manager_property('ModemManagerRunning'), 10,
                          'ModemManagerRunning false')
        self.passes(extra, paths['movistar'])

    def test_esim_states(self):
        """A disabled profile's line and an eUICC whose ISD-R channel is
        refused (LastError), restored from the database at start."""
        qmi = SimQmi(profiles=PROFILES, eid=EID, chunk=64, link=self.rig.path('cdc-wdm0'))
        qmi.start()
        self.addCleanup(qmi.close)
        with open(self.config_path, 'a') as f:
            f.write('\n[Modem %s]\nControlPort=%s\nControlProtocol=qmi\n' % (ESIM_IMEI, qmi.path))
        self.rig.start_mm()
        sim = self.add_registered_modem('esim', iccid=PROFILES[0]['iccid'], imsi='716100000000055',
                                        operator_code='71610', operator_name='Claro PE',
                                        imei=ESIM_IMEI)
        sim.set_ussd('*777#', 'Saldo: S/ 3.00')
        self.start_saldod()
        path = self.wait_line(PROFILES[0]['iccid'], Active=True)[0]
        self.wait_line(PROFILES[1]['iccid'], ProfileState='disabled')
        self.stop_saldod()
        qmi.set_refuse_channel('access-denied')
        self.start_saldod()
        self.rig.wait_for(lambda: any(i.get('io.github.saldo.Saldo1.Euicc', {}).get('LastError')
                                      for i in self.managed_objects().values()), 20, 'LastError')
        self.passes([(ROOT + '/Euicc/999999', 'io.github.saldo.Saldo1.Euicc')], path)


if __name__ == '__main__':
    main()
