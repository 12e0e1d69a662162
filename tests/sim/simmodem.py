#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A simulated 3GPP AT modem for driving a real ModemManager in tests.

SimModem listens on a unix socket (a filesystem path, or "abstract:NAME")
and speaks enough of 27.007/27.005 for ModemManager's generic plugin to
probe, enable and register the modem, export its SIM, run USSD sessions
and receive SMS.  ModemManager attaches to the socket through its Test
interface (SetProfile); see saldo_rig.py.

One connection is served at a time; when it closes (ModemManager closes
the port between probing and enabling, or stops) the simulator waits for
the next one.  Settings survive a reconnection as on a real modem;
power_cycle() resets them (echo on, charset IRA, unsolicited codes off) and
keeps what the SIM keeps: identity and stored SMS.

Tests script it while it runs: set_ussd(), network_notification(),
inject_sms(), set_registration(), set_operator().  Every command is
logged with a timestamp in `commands` (and in log_path when given).

Standalone use, for manual experiments:
  python3 tests/sim/simmodem.py --socket /tmp/m0.sock --iccid 8951100000000000001 \
      --imsi 716100000000001 --ussd '*777#=Tu saldo es S/ 5.20'
"""

import argparse
import datetime
import os
import signal
import socket
import sys
import threading
import time

__all__ = ['SimModem', 'LoggedCommand', 'build_deliver_pdus',
           'gsm7_encode', 'ucs2_hex', 'REGISTRATION_STAT']

# 27.007 <stat> values for +CREG/+CGREG/+CEREG.
REGISTRATION_STAT = {
    'idle': 0,
    'home': 1,
    'searching': 2,
    'denied': 3,
    'unknown': 4,
    'roaming': 5,
}

# Access technology for +COPS? (7 = E-UTRAN) so MM reports LTE.
COPS_ACT_LTE = 7

PERU_TZ = datetime.timezone(datetime.timedelta(hours=-5))

# GSM 03.38 default alphabet (index = septet value) and extension table.
GSM7_BASIC = ('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
              '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà')
GSM7_EXT = {'\f': 0x0A, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2F,
            '[': 0x3C, '~': 0x3D, ']': 0x3E, '|': 0x40, '€': 0x65}
_GSM7_INDEX = {c: i for i, c in enumerate(GSM7_BASIC) if c != '\x1b'}

CME_SIM_NOT_INSERTED = 10
CME_SIM_PIN_REQUIRED = 11
CME_INCORRECT_PASSWORD = 16
CME_INVALID_INDEX = 21
CME_NOT_FOUND = 22
CME_NOT_SUPPORTED = 4


class LoggedCommand(str):
    """A received command line (without "AT" prefix and CR) that also
    carries its arrival time, so `'+CUSD=2' in sim.commands` just works."""

    def __new__(cls, text, when):
        obj = super().__new__(cls, text)
        obj.time = when
        return obj


def gsm7_septets(text):
    """Septets for text, or None when some character is not in GSM7."""
    out = []
    for ch in text:
        if ch in _GSM7_INDEX:
            out.append(_GSM7_INDEX[ch])
        elif ch in GSM7_EXT:
            out.extend((0x1B, GSM7_EXT[ch]))
        else:
            return None
    return out


def gsm7_pack(septets, fill_bits=0):
    """Pack septets LSB-first, starting after fill_bits zero bits."""
    acc = 0
    for i, s in enumerate(septets):
        acc |= (s & 0x7F) << (fill_bits + 7 * i)
    nbits = fill_bits + 7 * len(septets)
    return acc.to_bytes((nbits + 7) // 8, 'little')


def gsm7_encode(text):
    septets = gsm7_septets(text)
    if septets is None:
        raise ValueError('text is not representable in GSM7: %r' % text)
    return gsm7_pack(septets)


def ucs2_hex(text):
    """UTF-16BE hex, the way a modem in +CSCS="UCS2" sends text."""
    return text.encode('utf-16-be').hex().upper()


def swapped_bcd(digits):
    """Semi-octets with swapped nibbles, padded with F.  Any characters
    are accepted on purpose so that malformed SIM data can be simulated."""
    if len(digits) % 2:
        digits += 'F'
    return ''.join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2))


def _encode_address(addr):
    """TP-OA: length in useful semi-octets, type of address, value."""
    if addr.startswith('+') and addr[1:].isdigit():
        digits = addr[1:]
        return bytes([len(digits), 0x91]) + bytes.fromhex(swapped_bcd(digits))
    if addr.isdigit():
        return bytes([len(addr), 0x81]) + bytes.fromhex(swapped_bcd(addr))
    septets = gsm7_septets(addr)
    if septets is None or len(septets) > 11:
        raise ValueError('alphanumeric sender must be GSM7, at most 11 septets: %r' % addr)
    packed = gsm7_pack(septets)
    return bytes([(len(septets) * 7 + 3) // 4, 0xD0]) + packed


def _encode_smsc(addr):
    digits = addr.lstrip('+')
    value = bytes.fromhex(swapped_bcd(digits))
    return bytes([len(value) + 1, 0x91 if addr.startswith('+') else 0x81]) + value


def _encode_scts(ts):
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=PERU_TZ)
    quarters = int(ts.utcoffset().total_seconds() // 900)
    fields = [ts.year % 100, ts.month, ts.day, ts.hour, ts.minute, ts.second]
    out = bytearray(int(swapped_bcd('%02d' % v), 16) for v in fields)
    tz = int(swapped_bcd('%02d' % abs(quarters)), 16)
    if quarters < 0:
        tz |= 0x08
    out.append(tz)
    return bytes(out)


def _split_gsm7(text, limit):
    """Split text into chunks of at most limit septets, never splitting an
    escape sequence."""
    chunks, cur, used = [], '', 0
    for ch in text:
        n = 2 if ch in GSM7_EXT else 1
        if used + n > limit:
            chunks.append(cur)
            cur, used = '', 0
        cur += ch
        used += n
    chunks.append(cur)
    return chunks


def _split_ucs2(text, limit_units):
    """Split into chunks of at most limit_units UTF-16 code units, never
    splitting a surrogate pair."""
    chunks, cur, used = [], '', 0
    for ch in text:
        n = 2 if ord(ch) > 0xFFFF else 1
        if used + n > limit_units:
            chunks.append(cur)
            cur, used = '', 0
        cur += ch
        used += n
    chunks.append(cur)
    return chunks


def build_deliver_pdus(sender, text, timestamp=None, encoding='auto',
                       smsc='+51197000000', ref=0):
    """SMS-DELIVER PDUs (with SMSC prefix) as bytes, one per part.

    encoding: 'auto' (GSM7 when possible, else UCS2), 'gsm7' or 'ucs2'.
    Texts longer than one SMS become concatenated parts (8-bit reference).
    Returns a list of (pdu_bytes, tpdu_length)."""
    if timestamp is None:
        timestamp = datetime.datetime.now(PERU_TZ).replace(microsecond=0)
    septets = gsm7_septets(text)
    if encoding == 'auto':
        encoding = 'gsm7' if septets is not None else 'ucs2'
    if encoding == 'gsm7' and septets is None:
        raise ValueError('text is not representable in GSM7')
    if encoding == 'gsm7':
        parts = [text] if len(septets) <= 160 else _split_gsm7(text, 153)
    elif encoding == 'ucs2':
        units = len(text.encode('utf-16-be')) // 2
        parts = [text] if units <= 70 else _split_ucs2(text, 67)
    else:
        raise ValueError('unknown encoding %r' % encoding)

    smsc_bytes = _encode_smsc(smsc)
    oa = _encode_address(sender)
    scts = _encode_scts(timestamp)
    out = []
    for seq, part in enumerate(parts, 1):
        udh = b''
        if len(parts) > 1:
            udh = bytes([5, 0x00, 0x03, ref & 0xFF, len(parts), seq])
        first = 0x04 | (0x40 if udh else 0)  # SMS-DELIVER, no more messages
        if encoding == 'gsm7':
            dcs = 0x00
            ps = gsm7_septets(part)
            fill = (7 - (len(udh) * 8) % 7) % 7
            ud = udh + gsm7_pack(ps, fill)
            udl = (len(udh) * 8 + fill) // 7 + len(ps)
        else:
            dcs = 0x08
            ud = udh + part.encode('utf-16-be')
            udl = len(ud)
        tpdu = bytes([first]) + oa + bytes([0x00, dcs]) + scts + bytes([udl]) + ud
        out.append((smsc_bytes + tpdu, len(tpdu)))
    return out


class _UssdSession:
    """A USSD request in progress: the public record kept in
    ussd_sessions_seen plus the script and the menu level it is at."""

    def __init__(self, record, script=None):
        self.record = record
        self.script = script
        self.next = None


class _UssdScript:
    def __init__(self, code, reply, menu, delay, no_reply, release,
                 interim_release, raw, error, fail_times, fail_with, dcs):
        self.code = code
        self.reply = reply
        self.menu = menu
        self.delay = delay
        self.no_reply = no_reply
        self.release = release
        self.interim_release = interim_release
        self.raw = raw
        self.error = error
        self.fail_times = fail_times
        self.fail_with = fail_with
        self.dcs = dcs
        self.attempts = 0
        self.failed_at = None


class SimModem:
    """A simulated AT modem served on a unix socket in background threads."""

    # Seconds to wait for the +CMGR of an announced message before it is
    # announced again, and how often; after that the next one goes out.
    CMTI_READ_TIMEOUT = 1.0
    CMTI_ANNOUNCE_TRIES = 3
    # Seconds between a +CMGR of one message and the +CMTI of the next.
    CMTI_GAP = 0.2
    # Seconds within which a repeated USSD request after an ERROR counts as
    # ModemManager's own retry of the same attempt.
    USSD_RETRY_WINDOW = 1.0

    def __init__(self, socket_path, imei='356938035643809',
                 iccid='8951100000000000001', imsi='716100000000001',
                 operator_code='71610', operator_name='Claro PE',
                 registration='home', own_number=None, sim='ready',
                 manufacturer='Saldo Sim', model='SIMMODEM-1',
                 revision='1.0', pin='1234', smsc='+51197000000',
                 log_path=None):
        if registration not in REGISTRATION_STAT:
            raise ValueError('unknown registration %r' % registration)
        if sim not in ('ready', 'pin', 'absent'):
            raise ValueError('unknown sim state %r' % sim)
        self.socket_path = socket_path
        self.imei = imei
        self.iccid = iccid
        self.imsi = imsi
        self.operator_code = operator_code
        self.operator_name = operator_name
        self.registration = registration
        self.own_number = own_number
        self.sim = sim
        self.manufacturer = manufacturer
        self.model = model
        self.revision = revision
        self.pin = pin
        self.smsc = smsc

        self.commands = []
        self.ussd_sessions_seen = []
        self.connections = 0
        self._log_lines = []
        self._log_file = open(log_path, 'a', encoding='utf-8') if log_path else None

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._ussd = {}
        self._session = None          # dict for the USSD session in progress
        self._timers = []
        self._storage = {'SM': {}, 'ME': {}}   # index -> [stat, pdu_hex, tpdu_len]
        self._sms_capacity = 30
        self._sms_ref = 0
        # New-message indications go out one at a time: ModemManager handles
        # one +CMTI while it holds its storage lock and drops the ones that
        # arrive meanwhile, and a real network delivers one SMS at a time.
        self._cmti_queue = []
        self._cmti_waiting = None
        self._cmti_timer = None
        self._cmti_token = 0
        self._reg_timer = None
        self._conn = None
        self._closed = False
        self._reset_modem_state()

        if socket_path.startswith('abstract:'):
            bind_addr = '\0' + socket_path[len('abstract:'):]
        else:
            bind_addr = socket_path
            if os.path.exists(socket_path):
                os.unlink(socket_path)
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(bind_addr)
        self._listener.listen(2)
        self._thread = threading.Thread(target=self._accept_loop,
                                        name='simmodem-' + os.path.basename(socket_path),
                                        daemon=True)
        self._thread.start()

    # ---- lifecycle -------------------------------------------------------

    def power_cycle(self):
        """Reset what a real modem forgets when it is unplugged: echo,
        charset, unsolicited result code settings, the USSD session.  The
        SIM (identity, stored SMS) is kept.  The rig calls this before it
        attaches the modem to a freshly started ModemManager."""
        with self._lock:
            self._reset_modem_state()

    def _reset_modem_state(self):
        self.echo = True
        self.charset = 'IRA'
        self.creg_mode = 0
        self.cgreg_mode = 0
        self.cereg_mode = 0
        self.cusd_enabled = False
        self.cmgf = 0
        self.cnmi = None
        self.mem = ['SM', 'SM', 'SM']
        self.cfun = 1
        self.ws46 = 25
        self._session = None
        self._cancel_timers()

    def close(self):
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._cancel_timers()
            for timer in (self._cmti_timer, self._reg_timer):
                if timer is not None:
                    timer.cancel()
            self._cmti_timer = self._reg_timer = None
            conn, self._conn = self._conn, None
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        if conn is not None:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        self._thread.join(timeout=5)
        if not self.socket_path.startswith('abstract:'):
            try:
                os.unlink(self.socket_path)
            except FileNotFoundError:
                pass
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def connected(self):
        return self._conn is not None

    def wait_connected(self, timeout=10.0, count=1):
        """Wait until at least `count` connections have been accepted (the
        last one may already be closed again: ModemManager closes the port
        between probing and enabling)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.connections < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def wait_command(self, needle, timeout=10.0, start=0):
        """Wait for a logged command containing needle (from index start);
        returns the command or None."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for cmd in self.commands[start:]:
                    if needle in cmd:
                        return cmd
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(min(left, 0.2))

    def log_text(self):
        with self._lock:
            return '\n'.join(self._log_lines)

    def _log(self, direction, text):
        stamp = datetime.datetime.now().strftime('%H:%M:%S.%f')[:-3]
        line = '%s %s %s' % (stamp, direction, text.replace('\r', '\\r').replace('\n', '\\n'))
        with self._lock:
            self._log_lines.append(line)
            if self._log_file:
                self._log_file.write(line + '\n')
                self._log_file.flush()

    def _accept_loop(self):
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._cond:
                if self._closed:
                    conn.close()
                    return
                old, self._conn = self._conn, conn
                # Reopening a port keeps the modem's settings (ModemManager
                # closes and reopens it after probing); only a pending USSD
                # request dies with the old client.
                self._session = None
                self._cancel_timers()
                self.connections += 1
                self._cond.notify_all()
            if old is not None:
                old.close()
            self._log('**', 'connection %d accepted' % self.connections)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        buf = b''
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                data = b''
            if not data:
                break
            buf += data
            while True:
                # ModemManager ends commands with CR; tolerate LF too.
                cut = min((i for i in (buf.find(b'\r'), buf.find(b'\n')) if i >= 0), default=-1)
                if cut < 0:
                    break
                line, buf = buf[:cut], buf[cut + 1:]
                text = line.decode('latin-1').strip()
                if not text:
                    continue
                self._handle_line(conn, text)
        with self._cond:
            if self._conn is conn:
                self._conn = None
                self._session = None
                self._cancel_timers()
            self._cond.notify_all()
        try:
            conn.close()
        except OSError:
            pass
        self._log('**', 'connection closed')

    # ---- output -----------------------------------------------------------

    def _write(self, conn, data):
        with self._lock:
            if conn is None or conn is not self._conn:
                return False
            try:
                conn.sendall(data.encode('latin-1') if isinstance(data, str) else data)
            except OSError:
                return False
        return True

    def _send_lines(self, conn, lines, final):
        out = ''.join('\r\n%s\r\n' % l for l in lines)
        if final is not None:
            out += '\r\n%s\r\n' % final
        for l in lines:
            self._log('<-', l)
        if final is not None:
            self._log('<-', final)
        self._write(conn, out)

    def unsolicited(self, line):
        """Send an unsolicited result code now (if a client is connected)."""
        with self._lock:
            conn = self._conn
        self._log('<~', line)
        return self._write(conn, '\r\n%s\r\n' % line)

    def _cancel_timers(self):
        for t in self._timers:
            t.cancel()
        self._timers = []

    def _later(self, delay, func, *args):
        if delay <= 0:
            func(*args)
            return
        t = threading.Timer(delay, func, args)
        t.daemon = True
        with self._lock:
            self._timers.append(t)
        t.start()

    # ---- command parsing ----------------------------------------------------

    @staticmethod
    def _split_chain(body):
        """Split 'X;+Y;+Z' on semicolons outside quotes."""
        parts, cur, quoted = [], '', False
        for ch in body:
            if ch == '"':
                quoted = not quoted
            if ch == ';' and not quoted:
                parts.append(cur)
                cur = ''
            else:
                cur += ch
        parts.append(cur)
        return [p.strip() for p in parts if p.strip()]

    @staticmethod
    def _args(s):
        """Parse a comma list with optional quoted strings."""
        out, cur, quoted, was_quoted = [], '', False, False
        for ch in s:
            if ch == '"':
                quoted = not quoted
                was_quoted = True
            elif ch == ',' and not quoted:
                out.append(cur if was_quoted else cur.strip())
                cur, was_quoted = '', False
            else:
                cur += ch
        out.append(cur if was_quoted else cur.strip())
        return out

    def _handle_line(self, conn, text):
        when = time.time()
        with self._cond:
            echo = self.echo
        if echo:
            self._write(conn, text + '\r')
        upper = text.upper()
        if not upper.startswith('AT'):
            self._log('->', text)
            self._send_lines(conn, [], 'ERROR')
            return
        body = text[2:]
        with self._cond:
            self.commands.append(LoggedCommand(body, when))
            self._cond.notify_all()
        self._log('->', text)
        if body == '':
            self._send_lines(conn, [], 'OK')
            return
        lines = []
        after = []
        for part in self._split_chain(body):
            if part[0] in '+%$^*':
                res = self._extended(part, after)
            else:
                res = self._basic(part)
            if isinstance(res, str):
                # An error ends the chain, as on real modems.
                self._send_lines(conn, lines, res)
                return
            lines.extend(res)
        self._send_lines(conn, lines, 'OK')
        for func in after:
            func(conn)

    def _basic(self, part):
        """Basic commands like 'E0 V1', 'Z', '&C1', 'I'."""
        s = part.replace(' ', '').upper()
        out = []
        i = 0
        while i < len(s):
            c = s[i]
            if c == '&':
                c = s[i:i + 2]
                i += 2
            else:
                i += 1
            num = ''
            while i < len(s) and s[i].isdigit():
                num += s[i]
                i += 1
            if c == 'E':
                with self._lock:
                    self.echo = num != '0'
            elif c == 'Z':
                with self._lock:
                    self.echo = True
            elif c == 'I':
                out.extend([self.manufacturer, self.model, 'Revision: ' + self.revision])
            elif c in ('V', 'Q', 'X', '&C', '&D', '&F', 'S'):
                if c == 'S':
                    # S-registers: ATS0=0 or ATS0?
                    while i < len(s) and s[i] in '=?0123456789':
                        i += 1
            else:
                return 'ERROR'
        return out

    def _cme(self, n):
        return '+CME ERROR: %d' % n

    def _sim_error(self):
        if self.sim == 'absent':
            return self._cme(CME_SIM_NOT_INSERTED)
        if self.sim == 'pin':
            return self._cme(CME_SIM_PIN_REQUIRED)
        return None

    def _extended(self, part, after):
        # Split name and suffix: '+CREG=2' -> ('+CREG', '=', '2')
        i = 1
        while i < len(part) and (part[i].isalnum()):
            i += 1
        name = part[:i].upper()
        rest = part[i:]
        if rest.startswith('=?'):
            op, arg = '=?', ''
        elif rest.startswith('?'):
            op, arg = '?', ''
        elif rest.startswith('='):
            op, arg = '=', rest[1:]
        elif rest == '':
            op, arg = '', ''
        else:
            return 'ERROR'
        # Only standard (+) and the %IPSYS-style (%) prefixes are served;
        # vendor commands ($, ^, *) get ERROR like on a plain 3GPP modem.
        prefix = {'+': '_cmd_', '%': '_cmd_pct_'}.get(name[0])
        handler = getattr(self, prefix + name[1:], None) if prefix and len(name) > 1 else None
        if handler is None:
            return 'ERROR'
        with self._lock:
            return handler(op, arg, after)

    # ---- identity / status ----------------------------------------------------

    def _cmd_CGMI(self, op, arg, after):
        return [self.manufacturer] if op == '' else []

    def _cmd_GMI(self, op, arg, after):
        return [self.manufacturer]

    def _cmd_CGMM(self, op, arg, after):
        return [self.model] if op == '' else []

    def _cmd_GMM(self, op, arg, after):
        return [self.model]

    def _cmd_CGMR(self, op, arg, after):
        return [self.revision] if op == '' else []

    def _cmd_GMR(self, op, arg, after):
        return [self.revision]

    def _cmd_CGSN(self, op, arg, after):
        return [self.imei] if op == '' else []

    def _cmd_GSN(self, op, arg, after):
        return [self.imei]

    def _cmd_GCAP(self, op, arg, after):
        return ['+GCAP: +CGSM,+DS,+ES']

    def _cmd_CMEE(self, op, arg, after):
        if op == '?':
            return ['+CMEE: 1']
        if op == '=?':
            return ['+CMEE: (0-2)']
        return []

    def _cmd_CFUN(self, op, arg, after):
        if op == '?':
            return ['+CFUN: %d' % self.cfun]
        if op == '=?':
            return ['+CFUN: (0,1,4),(0,1)']
        if op == '=':
            try:
                self.cfun = int(self._args(arg)[0])
            except ValueError:
                return 'ERROR'
            return []
        return 'ERROR'

    def _cmd_CPIN(self, op, arg, after):
        if op == '?':
            if self.sim == 'absent':
                return self._cme(CME_SIM_NOT_INSERTED)
            return ['+CPIN: ' + ('SIM PIN' if self.sim == 'pin' else 'READY')]
        if op == '=':
            if self.sim == 'absent':
                return self._cme(CME_SIM_NOT_INSERTED)
            if self.sim == 'ready':
                return []
            if self._args(arg)[0] == self.pin:
                self.sim = 'ready'
                return []
            return self._cme(CME_INCORRECT_PASSWORD)
        if op == '=?':
            return []
        return 'ERROR'

    def _cmd_CIMI(self, op, arg, after):
        err = self._sim_error()
        if err:
            return err
        return [self.imsi] if op == '' else []

    def _cmd_CCID(self, op, arg, after):
        err = self._sim_error()
        if err:
            return err
        return ['+CCID: ' + self.iccid] if op == '' else []

    def _cmd_CNUM(self, op, arg, after):
        err = self._sim_error()
        if err:
            return err
        if self.own_number:
            kind = 145 if self.own_number.startswith('+') else 129
            return ['+CNUM: "","%s",%d' % (self.own_number, kind)]
        return []

    def _spn_hex(self):
        septets = gsm7_septets(self.operator_name or '') or []
        data = bytes([0x00]) + bytes(septets[:16]) + b'\xff' * (16 - min(16, len(septets)))
        return data.hex().upper()

    def _cmd_CRSM(self, op, arg, after):
        if op == '=?':
            return []
        if op != '=':
            return 'ERROR'
        err = self._sim_error()
        if err:
            return err
        a = self._args(arg)
        try:
            command, fileid = int(a[0]), int(a[1])
        except (ValueError, IndexError):
            return 'ERROR'
        if command != 176:              # only READ BINARY
            return ['+CRSM: 106,129']
        if fileid == 0x2FE2:            # EF_ICCID
            return ['+CRSM: 144,0,"%s"' % swapped_bcd(self.iccid)]
        if fileid == 0x6FAD:            # EF_AD: 4th byte is the MNC length
            return ['+CRSM: 144,0,"000000%02X"' % max(0, len(self.operator_code) - 3)]
        if fileid == 0x6F46:            # EF_SPN
            return ['+CRSM: 144,0,"%s"' % self._spn_hex()]
        return ['+CRSM: 106,130']       # file not found

    # ---- network ----------------------------------------------------------------

    def _reg_line(self, name, mode):
        stat = REGISTRATION_STAT[self.registration]
        if mode == 2 and stat in (1, 5):
            return '%s: %d,%d,"1A2B","00C0FFEE",7' % (name, mode, stat)
        return '%s: %d,%d' % (name, mode, stat)

    def _reg_unsolicited(self, name, mode):
        stat = REGISTRATION_STAT[self.registration]
        if mode == 2 and stat in (1, 5):
            return '%s: %d,"1A2B","00C0FFEE",7' % (name, stat)
        return '%s: %d' % (name, stat)

    def _reg_cmd(self, name, attr, op, arg):
        if op == '?':
            return [self._reg_line(name, getattr(self, attr))]
        if op == '=?':
            return ['%s: (0-2)' % name]
        if op == '=':
            try:
                setattr(self, attr, int(self._args(arg)[0] or '0'))
            except ValueError:
                return 'ERROR'
            return []
        return 'ERROR'

    def _cmd_CREG(self, op, arg, after):
        return self._reg_cmd('+CREG', 'creg_mode', op, arg)

    def _cmd_CGREG(self, op, arg, after):
        return self._reg_cmd('+CGREG', 'cgreg_mode', op, arg)

    def _cmd_CEREG(self, op, arg, after):
        return self._reg_cmd('+CEREG', 'cereg_mode', op, arg)

    def _cmd_COPS(self, op, arg, after):
        if op == '=':
            a = self._args(arg)
            if a[0] == '3' and len(a) > 1:
                self.cops_format = int(a[1])
            return []
        if op == '?':
            if self.registration not in ('home', 'roaming'):
                return ['+COPS: 0']
            fmt = getattr(self, 'cops_format', 0)
            value = self.operator_code if fmt == 2 else self.operator_name
            return ['+COPS: 0,%d,"%s",%d' % (fmt, value, COPS_ACT_LTE)]
        if op == '=?':
            return ['+COPS: (2,"%s","%s","%s",%d),,(0-4),(0-2)' %
                    (self.operator_name, self.operator_name[:8], self.operator_code, COPS_ACT_LTE)]
        return 'ERROR'

    def _cmd_WS46(self, op, arg, after):
        # 12 GSM, 22 UMTS, 28 LTE, 25 any of them: makes the modem LTE-capable
        # so that ModemManager also tracks +CEREG.
        if op == '=?':
            return ['+WS46: (12,22,25,28)']
        if op == '?':
            return ['+WS46: %d' % self.ws46]
        if op == '=':
            try:
                value = int(arg.strip())
            except ValueError:
                return 'ERROR'
            if value not in (12, 22, 25, 28):
                return self._cme(CME_NOT_SUPPORTED)
            self.ws46 = value
            return []
        return 'ERROR'

    def _cmd_CSQ(self, op, arg, after):
        if op == '=?':
            return ['+CSQ: (0-31,99),(0-7,99)']
        return ['+CSQ: %d,99' % (20 if self.registration in ('home', 'roaming') else 99)]

    def _cmd_pct_IPSYS(self, op, arg, after):
        return []

    def _cmd_CGDCONT(self, op, arg, after):
        if op == '=?':
            return ['+CGDCONT: (1-10),"IP",,,(0-2),(0-4)',
                    '+CGDCONT: (1-10),"IPV6",,,(0-2),(0-4)',
                    '+CGDCONT: (1-10),"IPV4V6",,,(0-2),(0-4)']
        if op == '?':
            return ['+CGDCONT: 1,"IP","internet","0.0.0.0",0,0']
        return []

    def _cmd_CGACT(self, op, arg, after):
        if op == '?':
            return ['+CGACT: 1,0']
        return []

    def _cmd_CGATT(self, op, arg, after):
        if op == '?':
            return ['+CGATT: %d' % (1 if self.registration in ('home', 'roaming') else 0)]
        return []

    def _cmd_CSCS(self, op, arg, after):
        if op == '=?':
            return ['+CSCS: ("IRA","GSM","UCS2")']
        if op == '?':
            return ['+CSCS: "%s"' % self.charset]
        if op == '=':
            cs = self._args(arg)[0].upper()
            if cs not in ('IRA', 'GSM', 'UCS2'):
                return self._cme(CME_NOT_SUPPORTED)
            self.charset = cs
            return []
        return 'ERROR'

    # ---- USSD ------------------------------------------------------------------

    def _encode_text(self, text):
        if self.charset == 'UCS2':
            return ucs2_hex(text)
        return text

    def _decode_text(self, text):
        if self.charset == 'UCS2':
            try:
                return bytes.fromhex(text).decode('utf-16-be')
            except ValueError:
                return text
        return text

    def set_ussd(self, code, reply=None, *, menu=None, delay=0.0, no_reply=False,
                 release=False, interim_release=False, raw=False, error=None,
                 fail_times=0, fail_with='no_reply', dcs=15):
        """Script the answer to a USSD request `code` (e.g. '*777#').

        reply: text of the answer (status 0, or 1 when a menu follows).
        menu: what the user's answers lead to, either
          - a dict {answer: step}, where step is a final text (status 0) or a
            (text, dict) pair for a deeper menu level (status 1); the key '*'
            matches any other answer; an answer that matches nothing makes the
            network release the session (+CUSD: 2); or
          - a list of steps consumed in order whatever the answers are; every
            step but the last is sent with status 1.
        delay: seconds between OK and the +CUSD reply (for every step).
        no_reply: answer OK and then nothing (the request stays pending).
        release: answer '+CUSD: 2' without text.
        interim_release: send a '+CUSD: 2' line before the real reply.
        raw: send reply text as is instead of encoding it for +CSCS.
        error: instead of OK, answer 'ERROR' (error=True), '+CME ERROR: n'
          (an int) or the given string.
        fail_times: the first N requests fail (fail_with 'no_reply' or 'error')
          and later ones follow the script.
        """
        with self._lock:
            self._ussd[code] = _UssdScript(code, reply, menu, delay, no_reply, release,
                                           interim_release, raw, error, fail_times,
                                           fail_with, dcs)

    def clear_ussd(self, code=None):
        with self._lock:
            if code is None:
                self._ussd.clear()
            else:
                self._ussd.pop(code, None)

    def network_notification(self, text, status=0, dcs=15):
        """Unsolicited +CUSD with no pending request (status 0 notification,
        1 network request)."""
        with self._lock:
            payload = self._encode_text(text)
        return self.unsolicited('+CUSD: %d,"%s",%d' % (status, payload, dcs))

    def _ussd_send(self, conn, status, text, raw, dcs, session):
        with self._lock:
            if session is not None and self._session is not session:
                return          # cancelled or superseded in the meantime
            if text is None:
                line = '+CUSD: %d' % status
            else:
                line = '+CUSD: %d,"%s",%d' % (status, text if raw else self._encode_text(text), dcs)
            if session is not None and status != 1:
                self._session = None
                session.record['ended'] = 'released' if status == 2 else 'completed'
            if session is not None:
                session.record['replies'].append((status, text))
        self.unsolicited(line)

    def _ussd_reply(self, conn, session, script, status, text):
        def emit(c):
            if script.release:
                self._ussd_send(c, 2, None, False, script.dcs, session)
                return
            if script.interim_release:
                self.unsolicited('+CUSD: 2')
            self._ussd_send(c, status, text, script.raw, script.dcs, session)
        self._later(script.delay, emit, conn)

    def _menu_step(self, step, is_last_in_list):
        """(status, text, next_menu) for a menu step."""
        if isinstance(step, tuple):
            return 1, step[0], step[1]
        return (0 if is_last_in_list else 1), step, None

    def _cmd_CUSD(self, op, arg, after):
        if op == '=?':
            return ['+CUSD: (0-2)']
        if op == '?':
            return ['+CUSD: %d' % (1 if self.cusd_enabled else 0)]
        if op != '=':
            return 'ERROR'
        a = self._args(arg)
        mode = a[0]
        if mode == '2':
            if self._session is not None:
                self._session.record['ended'] = 'cancelled'
                self._session = None
            self._cancel_timers()
            return []
        if mode not in ('0', '1'):
            return 'ERROR'
        self.cusd_enabled = mode == '1'
        if len(a) < 2:
            return []
        text = self._decode_text(a[1])
        session = self._session
        if session is not None and session.next is not None:
            return self._ussd_answer(session, text, after)
        return self._ussd_start(text, after)

    def _ussd_start(self, code, after):
        record = {'code': code, 'answers': [], 'replies': [], 'ended': None,
                  'time': time.time(), 'attempt': 0}
        self.ussd_sessions_seen.append(record)
        script = self._ussd.get(code)
        session = _UssdSession(record, script)
        if script is None:
            # Unknown service code: the network reports "operation not supported".
            record['ended'] = 'unsupported'
            after.append(lambda c: self.unsolicited('+CUSD: 4'))
            return []
        # ModemManager repeats a request that got ERROR at once, unencoded;
        # that retry belongs to the same attempt and fails the same way.
        now = time.monotonic()
        if script.failed_at is not None and now - script.failed_at < self.USSD_RETRY_WINDOW:
            script.failed_at = None
            record['attempt'] = script.attempts
            record['ended'] = 'error'
            return 'ERROR'
        script.failed_at = None
        script.attempts += 1
        record['attempt'] = script.attempts
        if script.attempts <= script.fail_times:
            if script.fail_with == 'error':
                record['ended'] = 'error'
                script.failed_at = now
                return 'ERROR'
            self._session = session
            return []
        if script.error is not None:
            record['ended'] = 'error'
            if script.error is True:
                return 'ERROR'
            if isinstance(script.error, int):
                return self._cme(script.error)
            return str(script.error)
        self._session = session
        if script.no_reply:
            return []
        menu = script.menu
        if menu is None:
            after.append(lambda c: self._ussd_reply(c, session, script, 0, script.reply))
        else:
            session.next = menu
            after.append(lambda c: self._ussd_reply(c, session, script, 1, script.reply))
        return []

    def _ussd_answer(self, session, answer, after):
        session.record['answers'].append(answer)
        script = session.script
        menu = session.next
        if isinstance(menu, list):
            if not menu:
                step, last = None, True
            else:
                step, last = menu[0], len(menu) == 1
                session.next = menu[1:]
        else:
            step = menu.get(answer, menu.get('*'))
            last = True
        if step is None:
            session.next = None
            after.append(lambda c: self._ussd_send(c, 2, None, False, script.dcs, session))
            return []
        status, text, deeper = self._menu_step(step, last)
        if isinstance(menu, dict):
            session.next = deeper
        elif status == 0:
            session.next = None
        after.append(lambda c: self._ussd_reply(c, session, script, status, text))
        return []

    # ---- SMS -------------------------------------------------------------------

    def _cmd_CSMS(self, op, arg, after):
        if op == '?':
            return ['+CSMS: 0,1,1,1']
        if op == '=?':
            return ['+CSMS: (0,1)']
        return ['+CSMS: 1,1,1']

    def _cmd_CMGF(self, op, arg, after):
        if op == '=?':
            return ['+CMGF: (0,1)']
        if op == '?':
            return ['+CMGF: %d' % self.cmgf]
        if op == '=':
            if arg.strip() not in ('0', '1'):
                return 'ERROR'
            self.cmgf = int(arg.strip())
            return []
        return 'ERROR'

    def _cmd_CNMI(self, op, arg, after):
        if op == '=?':
            return ['+CNMI: (0-2),(0-3),(0-3),(0-2),(0,1)']
        if op == '?':
            return ['+CNMI: %s' % (self.cnmi or '0,0,0,0,0')]
        if op == '=':
            self.cnmi = arg
            return []
        return 'ERROR'

    def _cmd_CSCA(self, op, arg, after):
        if op == '?':
            return ['+CSCA: "%s",%d' % (self.smsc, 145 if self.smsc.startswith('+') else 129)]
        return []

    def _cpms_counts(self, mem):
        return '%d,%d' % (len(self._storage[mem]), self._sms_capacity)

    def _cmd_CPMS(self, op, arg, after):
        err = self._sim_error()
        if err:
            return err
        if op == '=?':
            return ['+CPMS: ("SM","ME"),("SM","ME"),("SM","ME")']
        if op == '?':
            return ['+CPMS: ' + ','.join('"%s",%s' % (m, self._cpms_counts(m)) for m in self.mem)]
        if op == '=':
            mems = [m.upper() for m in self._args(arg) if m]
            if not mems or any(m not in self._storage for m in mems):
                return '+CMS ERROR: 302'
            for i, m in enumerate(mems[:3]):
                self.mem[i] = m
            return ['+CPMS: ' + ','.join(self._cpms_counts(m) for m in self.mem)]
        return 'ERROR'

    def _cmd_CMGR(self, op, arg, after):
        if op != '=':
            return 'ERROR'
        try:
            idx = int(arg.strip())
        except ValueError:
            return 'ERROR'
        store = self._storage[self.mem[0]]
        if idx not in store:
            return '+CMS ERROR: 321'
        entry = store[idx]
        lines = ['+CMGR: %d,,%d' % (entry[0], entry[2]), entry[1]]
        if entry[0] == 0:
            entry[0] = 1
        if self._cmti_waiting == (self.mem[0], idx):
            after.append(lambda c: self._cmti_read())
        return lines

    def _cmd_CMGL(self, op, arg, after):
        if op == '=?':
            return ['+CMGL: (0-4)']
        want = arg.strip() if op == '=' else '0'
        try:
            want = int(want)
        except ValueError:
            return 'ERROR'
        lines = []
        for idx, entry in sorted(self._storage[self.mem[0]].items()):
            if want == 4 or entry[0] == want:
                lines.append('+CMGL: %d,%d,,%d' % (idx, entry[0], entry[2]))
                lines.append(entry[1])
                if entry[0] == 0:
                    entry[0] = 1
        return lines

    def _cmd_CMGD(self, op, arg, after):
        if op == '=?':
            return ['+CMGD: (%s),(0-4)' % ','.join(str(i) for i in sorted(self._storage[self.mem[0]]))]
        if op != '=':
            return 'ERROR'
        a = self._args(arg)
        try:
            idx = int(a[0])
            flag = int(a[1]) if len(a) > 1 and a[1] else 0
        except ValueError:
            return 'ERROR'
        store = self._storage[self.mem[0]]
        if flag == 4:
            store.clear()
        elif idx in store:
            del store[idx]
        return []

    def inject_sms(self, sender, text, timestamp=None, encoding='auto', storage='SM'):
        """Store an incoming SMS (split into parts when long) and announce each
        part with +CMTI.  Returns the list of storage indexes used."""
        with self._lock:
            self._sms_ref = (self._sms_ref + 1) & 0xFF
            pdus = build_deliver_pdus(sender, text, timestamp, encoding, self.smsc, self._sms_ref)
            store = self._storage[storage]
            indexes = []
            for pdu, tpdu_len in pdus:
                idx = next(i for i in range(self._sms_capacity + 1000) if i not in store)
                store[idx] = [0, pdu.hex().upper(), tpdu_len]
                indexes.append(idx)
            self._cmti_queue.extend((storage, idx) for idx in indexes)
            if not self._cmti_busy():
                self._cmti_next()
        return indexes

    def _cmti_set_timer(self, delay, func, *args):
        """(Re)arm the one +CMTI timer; a callback from a timer that was
        replaced or cancelled meanwhile finds a newer token and does nothing."""
        self._cmti_token += 1
        token = self._cmti_token
        if self._cmti_timer is not None:
            self._cmti_timer.cancel()

        def fire():
            with self._lock:
                if token != self._cmti_token or self._closed:
                    return
                self._cmti_timer = None
                func(*args)
        self._cmti_timer = threading.Timer(delay, fire)
        self._cmti_timer.daemon = True
        self._cmti_timer.start()

    def _cmti_cancel_timer(self):
        self._cmti_token += 1
        if self._cmti_timer is not None:
            self._cmti_timer.cancel()
            self._cmti_timer = None

    def _cmti_busy(self):
        return self._cmti_waiting is not None or self._cmti_timer is not None

    def _cmti_read(self):
        """The announced message was read: announce the next one shortly
        (ModemManager still holds its storage lock for a moment)."""
        with self._lock:
            self._cmti_waiting = None
            self._cmti_cancel_timer()
            if self._cmti_queue:
                self._cmti_set_timer(self.CMTI_GAP, self._cmti_next)

    def _cmti_next(self):
        if not self._cmti_queue:
            return
        storage, idx = self._cmti_queue.pop(0)
        self._cmti_waiting = (storage, idx)
        self._cmti_announce(storage, idx, self.CMTI_ANNOUNCE_TRIES)

    def _cmti_announce(self, storage, idx, tries):
        """Send +CMTI; while the message stays unread, announce it again
        (an indication that reached ModemManager during its storage lock is
        dropped), then give up on it and go on with the next one."""
        if tries == 0:
            self._cmti_waiting = None
            self._log('**', 'message %s/%d never read' % (storage, idx))
            self._cmti_next()
            return
        self._cmti_set_timer(self.CMTI_READ_TIMEOUT, self._cmti_announce, storage, idx, tries - 1)
        self.unsolicited('+CMTI: "%s",%d' % (storage, idx))

    def wait_sms_read(self, timeout=10.0):
        """Wait until every injected message has been announced and read."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if not self._cmti_busy() and not self._cmti_queue:
                    return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def stored_sms(self, storage='SM'):
        with self._lock:
            return {i: tuple(e) for i, e in self._storage[storage].items()}

    # ---- scripted network changes -------------------------------------------

    def _emit_registration(self):
        for name, attr in (('+CREG', 'creg_mode'), ('+CGREG', 'cgreg_mode'),
                           ('+CEREG', 'cereg_mode')):
            mode = getattr(self, attr)
            if mode:
                self.unsolicited(self._reg_unsolicited(name, mode))

    def set_registration(self, registration):
        if registration not in REGISTRATION_STAT:
            raise ValueError('unknown registration %r' % registration)
        with self._lock:
            self.registration = registration
            self._emit_registration()

    def set_operator(self, operator_code, operator_name, reannounce_after=0.5):
        """Change the serving operator.  ModemManager reloads operator code
        and name only when the modem registers, so a registered modem drops
        to searching and registers again reannounce_after seconds later (a
        flip within the same read is not noticed by ModemManager)."""
        with self._lock:
            self.operator_code = operator_code
            self.operator_name = operator_name
            current = self.registration
            if current not in ('home', 'roaming'):
                return
            self.registration = 'searching'
            self._emit_registration()
            if self._reg_timer is not None:
                self._reg_timer.cancel()
            self._reg_timer = threading.Timer(reannounce_after, self.set_registration, (current,))
            self._reg_timer.daemon = True
            self._reg_timer.start()


def _main(argv=None):
    p = argparse.ArgumentParser(description='Simulated AT modem for ModemManager tests')
    p.add_argument('--socket', required=True, help='unix socket path or abstract:NAME')
    p.add_argument('--imei', default='356938035643809')
    p.add_argument('--iccid', default='8951100000000000001')
    p.add_argument('--imsi', default='716100000000001')
    p.add_argument('--operator-code', default='71610')
    p.add_argument('--operator-name', default='Claro PE')
    p.add_argument('--registration', default='home', choices=sorted(REGISTRATION_STAT))
    p.add_argument('--own-number')
    p.add_argument('--sim', default='ready', choices=('ready', 'pin', 'absent'))
    p.add_argument('--manufacturer', default='Saldo Sim')
    p.add_argument('--model', default='SIMMODEM-1')
    p.add_argument('--log', dest='log_path')
    p.add_argument('--ussd', action='append', default=[], metavar='CODE=REPLY',
                   help='plain USSD reply (repeatable)')
    p.add_argument('--sms', action='append', default=[], metavar='SENDER=TEXT',
                   help='SMS injected once a client connects (repeatable)')
    args = p.parse_args(argv)

    sim = SimModem(args.socket, imei=args.imei, iccid=args.iccid, imsi=args.imsi,
                   operator_code=args.operator_code, operator_name=args.operator_name,
                   registration=args.registration, own_number=args.own_number,
                   sim=args.sim, manufacturer=args.manufacturer, model=args.model,
                   log_path=args.log_path)
    for spec in args.ussd:
        code, _, reply = spec.partition('=')
        sim.set_ussd(code, reply)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    print('listening on %s' % args.socket, flush=True)
    pending_sms = list(args.sms)
    while not stop.wait(0.2):
        if pending_sms and sim.cnmi is not None:
            for spec in pending_sms:
                sender, _, text = spec.partition('=')
                sim.inject_sms(sender, text)
            pending_sms = []
    sim.close()
    return 0


if __name__ == '__main__':
    sys.exit(_main())
