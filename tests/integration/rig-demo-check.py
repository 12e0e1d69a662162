#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Self-check of the test rig: a real ModemManager with two simulated modems.

Proves that tests/sim/saldo_rig.py and tests/sim/simmodem.py work end to end, using
only mmcli as the client: identity and registration, every scripted USSD
behaviour saldod relies on, SMS delivery (GSM7, UCS2, multipart; number,
short code and alphanumeric senders), unplug by restarting ModemManager,
and that nothing is left behind.  Prints one line per check, then
"N passed, N failed" and the elapsed time; exits 1 on any failure.
"""

import codecs
import datetime
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'sim'))
from saldo_rig import Rig, RigError  # noqa: E402

PERU = datetime.timezone(datetime.timedelta(hours=-5))

CLARO = dict(imei='356938035640010', iccid='8951100012345678901', imsi='716100123456789',
             operator_code='71610', operator_name='Claro PE', own_number='+51987654321')
MOVISTAR = dict(imei='356938035640020', iccid='8951060098765432109', imsi='716060987654321',
                operator_code='71606', operator_name='Movistar PE')

results = {'passed': 0, 'failed': 0}


def check(what, ok, detail=''):
    if ok:
        results['passed'] += 1
        print('ok - %s' % what, flush=True)
    else:
        results['failed'] += 1
        print('not ok - %s%s' % (what, (': ' + detail) if detail else ''), flush=True)
    return ok


def keyvals(text):
    """Parse `mmcli -K` output into a dict; mmcli escapes non-ASCII bytes of
    values as octal (C string escapes), so those are decoded back."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(':')
        if sep:
            value = value.strip()
            if '\\' in value:
                value = codecs.escape_decode(value.encode('utf-8'))[0].decode('utf-8')
            out[key.strip()] = value
    return out


def reply_of(text):
    m = re.search(r"new reply from network: '(.*)'\s*$", text, re.S)
    return m.group(1) if m else None


def check_identity(rig, sim, spec, label):
    idx = rig.mm_modem_index(sim)
    modem = keyvals(rig.mmcli('-m', idx, '-K'))
    check('%s: operator code %s' % (label, spec['operator_code']),
          modem.get('modem.3gpp.operator-code') == spec['operator_code'],
          modem.get('modem.3gpp.operator-code'))
    check('%s: operator name %s' % (label, spec['operator_name']),
          modem.get('modem.3gpp.operator-name') == spec['operator_name'],
          modem.get('modem.3gpp.operator-name'))
    check('%s: IMEI' % label, modem.get('modem.3gpp.imei') == spec['imei'], modem.get('modem.3gpp.imei'))
    check('%s: registered home' % label, modem.get('modem.3gpp.registration-state') == 'home',
          modem.get('modem.3gpp.registration-state'))
    if 'own_number' in spec:
        check('%s: own number' % label, modem.get('modem.generic.own-numbers.value[1]') == spec['own_number'],
              str(modem.get('modem.generic.own-numbers.value[1]')))
    sim_path = modem.get('modem.generic.sim', '')
    sim_idx = sim_path.rsplit('/', 1)[-1]
    simkv = keyvals(rig.mmcli('-i', sim_idx, '-K'))
    check('%s: ICCID' % label, simkv.get('sim.properties.iccid') == spec['iccid'], simkv.get('sim.properties.iccid'))
    check('%s: IMSI' % label, simkv.get('sim.properties.imsi') == spec['imsi'], simkv.get('sim.properties.imsi'))
    return idx


def check_ussd(rig, sim, m):
    sim.set_ussd('*777#', 'Tu saldo es S/ 5.20. Vence el 30/12/2026')
    out = rig.mmcli('-m', m, '--3gpp-ussd-initiate=*777#')
    check('USSD plain reply', reply_of(out) == 'Tu saldo es S/ 5.20. Vence el 30/12/2026', out)
    check('USSD request arrived UCS2-encoded',
          sim.wait_command('+CUSD=1,"002A0037003700370023",15', timeout=1) is not None)

    sim.set_ussd('*222#', 'Claro:\n1 Saldo\n2 Pasa saldo',
                 menu={'1': 'Saldo S/ 5.20',
                       '2': ('Ingrese numero', {'*': 'Transferencia de S/ 3.00 realizada'})})
    out = rig.mmcli('-m', m, '--3gpp-ussd-initiate=*222#')
    check('USSD menu first level', reply_of(out) == 'Claro:\n1 Saldo\n2 Pasa saldo', out)
    status = keyvals(rig.mmcli('-m', m, '--3gpp-ussd-status', '-K'))
    check('USSD menu waits for user', status.get('modem.3gpp.ussd.status') == 'user-response', str(status))
    out = rig.mmcli('-m', m, '--3gpp-ussd-respond=2')
    check('USSD menu second level', reply_of(out) == 'Ingrese numero', out)
    out = rig.mmcli('-m', m, '--3gpp-ussd-respond=987654321')
    check('USSD menu final reply', reply_of(out) == 'Transferencia de S/ 3.00 realizada', out)
    check('USSD menu answers recorded', sim.ussd_sessions_seen[-1]['answers'] == ['2', '987654321'],
          str(sim.ussd_sessions_seen[-1]))

    sim.set_ussd('*100#', 'Saldo tardio S/ 1.00', delay=1.5)
    t0 = time.monotonic()
    out = rig.mmcli('-m', m, '--3gpp-ussd-initiate=*100#')
    took = time.monotonic() - t0
    # The time is only reported: a slow machine must not fail the check.
    check('USSD delayed reply (arrived after %.1f s)' % took, reply_of(out) == 'Saldo tardio S/ 1.00', out)

    sim.set_ussd('*200#', no_reply=True)
    res = rig.mmcli('--timeout=2', '-m', m, '--3gpp-ussd-initiate=*200#', check=False)
    check('USSD without reply times out in the client', res.returncode != 0, res.stdout)
    status = keyvals(rig.mmcli('-m', m, '--3gpp-ussd-status', '-K'))
    check('USSD session still active', status.get('modem.3gpp.ussd.status') == 'active', str(status))
    n = len(sim.commands)
    rig.mmcli('-m', m, '--3gpp-ussd-cancel')
    check('USSD cancel reaches the modem', sim.wait_command('+CUSD=2', timeout=2, start=n) is not None)
    status = keyvals(rig.mmcli('-m', m, '--3gpp-ussd-status', '-K'))
    check('USSD idle after cancel', status.get('modem.3gpp.ussd.status') == 'idle', str(status))

    sim.set_ussd('*300#', 'Saldo S/ 7.00', interim_release=True)
    res = rig.mmcli('-m', m, '--3gpp-ussd-initiate=*300#', check=False)
    check('USSD interim release ends the request', res.returncode != 0 and 'terminated by network' in res.stderr,
          res.stderr)
    got = rig.wait_for(lambda: keyvals(rig.mmcli('-m', m, '--3gpp-ussd-status', '-K'))
                       .get('modem.3gpp.ussd.network-notification'), 5, 'network notification')
    check('USSD reply after release lands in NetworkNotification', got == 'Saldo S/ 7.00', got)

    sim.set_ussd('*515#', 'Saldo S/ 3.00', fail_times=1, fail_with='error')
    first = rig.mmcli('-m', m, '--3gpp-ussd-initiate=*515#', check=False)
    second = rig.mmcli('-m', m, '--3gpp-ussd-initiate=*515#', check=False)
    check('USSD fail_times: first attempt fails, second succeeds',
          first.returncode != 0 and reply_of(second.stdout) == 'Saldo S/ 3.00',
          '%s / %s' % (first.stderr, second.stdout))


def check_sms(rig, sim, m):
    ts = datetime.datetime(2026, 11, 26, 9, 30, 5, tzinfo=PERU)
    messages = [
        ('+51999888777', 'Tu saldo es S/ 5.20. Vence el 30/12/2026'),       # GSM7
        ('515', 'Año nuevo: bono de 5€ {ok}'),                              # GSM7 + extension table
        ('Claro', 'Recarga válida por 30 días: S/ 10.00 ¡Gracias!'),        # UCS2, alphanumeric sender
        ('600', 'Saldo principal S/ 12.50. ' * 8),                          # multipart GSM7
    ]
    for sender, text in messages:
        sim.inject_sms(sender, text, timestamp=ts)
    check('SMS all read by ModemManager', sim.wait_sms_read(timeout=15))

    def listed():
        kv = keyvals(rig.mmcli('-m', m, '--messaging-list-sms', '-K'))
        paths = [v for k, v in kv.items() if k.startswith('modem.messaging.sms.value')]
        return paths if len(paths) >= len(messages) else None
    try:
        paths = rig.wait_for(listed, 10, 'SMS listed')
    except RigError:
        print(rig.mmcli('-m', m, '--messaging-list-sms', '-K'))
        raise
    check('SMS count', len(paths) == len(messages), str(paths))
    got = {}
    for p in paths:
        kv = keyvals(rig.mmcli('-s', p.rsplit('/', 1)[-1], '-K'))
        got[kv.get('sms.content.number')] = (kv.get('sms.content.text'), kv.get('sms.properties.timestamp'))
    for sender, text in messages:
        # mmcli -K strips surrounding blanks of values.
        text_got, ts_got = got.get(sender, (None, None))
        check('SMS from %s: exact text' % sender, text_got == text.strip(), repr(text_got))
        check('SMS from %s: timestamp' % sender, ts_got == '2026-11-26T09:30:05-05', repr(ts_got))


def main():
    t_start = time.monotonic()
    pids = []
    tmpdir = None
    try:
        with Rig() as rig:
            tmpdir = rig.tmpdir
            pids = rig.started_pids
            rig.start_bus()
            rig.start_mm()
            claro = rig.add_modem('claro', **CLARO)
            movistar = rig.add_modem('movistar', **MOVISTAR)
            for sim in (claro, movistar):
                rig.enable_modem(sim)
            for sim in (claro, movistar):
                rig.wait_modem_state(sim, 'registered', timeout=20)
            check('both modems registered', True)

            listing = rig.mmcli('-L')
            check('mmcli -L lists two modems', len(re.findall(r'/Modem/\d+', listing)) == 2, listing)
            mc = check_identity(rig, claro, CLARO, 'claro')
            check_identity(rig, movistar, MOVISTAR, 'movistar')

            check_ussd(rig, claro, mc)
            check_sms(rig, claro, mc)

            rig.restart_mm(modems=[movistar])
            rig.wait_modem_path(movistar)
            listing = rig.mmcli('-L')
            check('after unplug: mmcli -L lists one modem', len(re.findall(r'/Modem/\d+', listing)) == 1, listing)
            check('after unplug: claro is gone', rig.mm_modem_path(claro) is None)
            rig.enable_modem(movistar)
            rig.wait_modem_state(movistar, 'registered', timeout=20)
            check_identity(rig, movistar, MOVISTAR, 'movistar after restart')

            rig.restart_mm()
            for sim in (claro, movistar):
                rig.wait_modem_path(sim)
            listing = rig.mmcli('-L')
            check('after re-plug: two modems again', len(re.findall(r'/Modem/\d+', listing)) == 2, listing)

            if results['failed']:
                rig.dump_logs()
    except RigError as e:
        check('rig', False, str(e))

    def alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    leftover = [p for p in pids if alive(p)]
    check('no process left behind', pids and not leftover, str(leftover))
    check('temp dir removed', tmpdir is not None and not os.path.exists(tmpdir), str(tmpdir))

    elapsed = time.monotonic() - t_start
    print('%d passed, %d failed' % (results['passed'], results['failed']))
    print('elapsed: %.1f s' % elapsed)
    return 1 if results['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
