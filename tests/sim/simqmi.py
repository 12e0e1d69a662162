#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Simulated QMI modem with an eUICC, served on a pseudo-terminal.

libqmi (and qmi-proxy) open the slave side of the pty as if it were a
/dev/cdc-wdm port; this module answers on the master side.  It speaks QMUX
framing, the CTL messages libqmi needs to open a port and allocate clients,
and the UIM messages used to read an eUICC: card status, slot status (with
the eUICC flag and EID), event registration with slot status indications,
and logical channels carrying APDUs to an ISD-R that answers the ES10c
GetEID and GetProfilesInfo STORE DATA commands.

Use it from Python tests as ``SimQmi(...)`` (a background thread), or run it
standalone; standalone it prints ``READY <path>`` and then reads one command
per line on stdin (see ``SimQmi.command``), answering one line per command on
stdout.  End of stdin stops it, so a test that dies does not leave it behind.
"""

import argparse
import json
import os
import select
import signal
import struct
import sys
import termios
import threading
import tty

ISDR_AID = bytes.fromhex('A0000005591010FFFFFFFF8900000100')

SVC_CTL = 0x00
SVC_UIM = 0x0B

# QMI protocol error codes (libqmi's QmiProtocolError)
ERR_NONE = 0
ERR_MALFORMED_MESSAGE = 1
ERR_INTERNAL = 3
ERR_CLIENT_IDS_EXHAUSTED = 5
ERR_INVALID_CLIENT_ID = 7
ERR_MISSING_ARGUMENT = 17
ERR_INVALID_SERVICE_TYPE = 31
ERR_DEVICE_NOT_READY = 52
ERR_INVALID_ARGUMENT = 48
ERR_INSUFFICIENT_RESOURCES = 68
ERR_INVALID_QMI_COMMAND = 71
ERR_ACCESS_DENIED = 82
ERR_NOT_SUPPORTED = 94

ERROR_NAMES = {
    'access-denied': ERR_ACCESS_DENIED,
    'not-supported': ERR_NOT_SUPPORTED,
    'internal': ERR_INTERNAL,
    'device-not-ready': ERR_DEVICE_NOT_READY,
    'insufficient-resources': ERR_INSUFFICIENT_RESOURCES,
}

# Service versions reported by CTL Get Version Info: (service, major, minor)
SERVICE_VERSIONS = [(SVC_CTL, 1, 5), (SVC_UIM, 1, 46)]

UIM_EVENT_CARD_STATUS = 1 << 0
UIM_EVENT_EXTENDED_CARD_STATUS = 1 << 2
UIM_EVENT_PHYSICAL_SLOT_STATUS = 1 << 4
UIM_EVENTS_SUPPORTED = (UIM_EVENT_CARD_STATUS | UIM_EVENT_EXTENDED_CARD_STATUS |
                        UIM_EVENT_PHYSICAL_SLOT_STATUS)

# Like most eUICCs: the basic channel plus three logical channels.
MAX_LOGICAL_CHANNELS = 3

DEFAULT_EID = '89049032123451234512345678901235'
DEFAULT_ATR = bytes.fromhex('3B9F96801FC78031E073FE211B63F100AD830F9000D3')

# The profile list of es10c-vectors.txt
DEFAULT_PROFILES = [
    {'iccid': '8944100000000000017', 'state': 'enabled', 'nickname': 'Work',
     'spn': 'Operator A', 'name': 'Operator A Business', 'class': 'operational'},
    {'iccid': '89012608822220000009', 'state': 'disabled', 'nickname': 'Travel',
     'spn': 'Roam Mobile', 'name': 'Roam Global 5GB', 'class': 'operational'},
]

PROFILE_CLASSES = {'test': 0, 'provisioning': 1, 'operational': 2}

# Tags a GetProfilesInfo without tag list answers with (the card's default).
DEFAULT_PROFILE_TAGS = [b'\x5A', b'\x4F', b'\x9F\x70', b'\x90', b'\x91', b'\x92', b'\x95']


# --------------------------------------------------------------------------
# BER/DER helpers

def der_length(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(body)]) + body


def der_tlv(tag, value):
    return tag + der_length(len(value)) + value


def der_int(n):
    return n.to_bytes(max(1, (n.bit_length() + 8) // 8), 'big', signed=True)


def ber_read_tag(buf, pos):
    if pos >= len(buf):
        raise ValueError('truncated tag')
    start = pos
    pos += 1
    if buf[start] & 0x1F == 0x1F:
        while True:
            if pos >= len(buf):
                raise ValueError('truncated tag')
            pos += 1
            if not buf[pos - 1] & 0x80:
                break
    return bytes(buf[start:pos]), pos


def ber_read_tlv(buf, pos):
    """Return (tag, value, next position) of the TLV at pos."""
    tag, pos = ber_read_tag(buf, pos)
    if pos >= len(buf):
        raise ValueError('truncated length')
    first = buf[pos]
    pos += 1
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 3 or pos + count > len(buf):
            raise ValueError('bad length')
        length = int.from_bytes(buf[pos:pos + count], 'big')
        pos += count
    if pos + length > len(buf):
        raise ValueError('truncated value')
    return tag, bytes(buf[pos:pos + length]), pos + length


def ber_children(buf):
    pos = 0
    out = []
    while pos < len(buf):
        tag, value, pos = ber_read_tlv(buf, pos)
        out.append((tag, value))
    return out


def ber_split_tags(buf):
    """Split a tag list (5C contents) into tags."""
    pos = 0
    tags = []
    while pos < len(buf):
        tag, pos = ber_read_tag(buf, pos)
        tags.append(tag)
    return tags


def iccid_to_bcd(iccid):
    digits = iccid + 'F' * (20 - len(iccid))
    return bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, 20, 2))


# --------------------------------------------------------------------------
# QMI message helpers

def tlv(tlv_type, value):
    return struct.pack('<BH', tlv_type, len(value)) + value


def result_tlv(error):
    return tlv(0x02, struct.pack('<HH', 1 if error else 0, error))


def parse_tlvs(buf):
    tlvs = {}
    pos = 0
    while pos + 3 <= len(buf):
        tlv_type, length = struct.unpack_from('<BH', buf, pos)
        pos += 3
        if pos + length > len(buf):
            raise ValueError('truncated TLV')
        tlvs[tlv_type] = bytes(buf[pos:pos + length])
        pos += length
    if pos != len(buf):
        raise ValueError('trailing bytes after TLVs')
    return tlvs


class QmiError(Exception):
    def __init__(self, code, extra=b''):
        super().__init__(code)
        self.code = code
        self.extra = extra


class Profile:
    def __init__(self, index, spec):
        self.iccid = spec['iccid']
        if not self.iccid.isdigit() or not 18 <= len(self.iccid) <= 20:
            raise ValueError('bad ICCID %r' % self.iccid)
        self.enabled = spec.get('state', 'disabled') in ('enabled', 1, True)
        self.nickname = spec.get('nickname')
        self.spn = spec.get('spn')
        self.name = spec.get('name')
        pclass = spec.get('class', 'operational')
        self.pclass = PROFILE_CLASSES[pclass] if isinstance(pclass, str) else int(pclass)
        aid = spec.get('isdp_aid')
        self.isdp_aid = (bytes.fromhex(aid) if aid else
                         bytes.fromhex('A0000005591010FFFFFFFF890000%02X00' % (0x10 + index)))

    def field(self, tag):
        if tag == b'\x5A':
            return iccid_to_bcd(self.iccid)
        if tag == b'\x4F':
            return self.isdp_aid
        if tag == b'\x9F\x70':
            return der_int(1 if self.enabled else 0)
        if tag == b'\x90' and self.nickname is not None:
            return self.nickname.encode('utf-8')
        if tag == b'\x91' and self.spn is not None:
            return self.spn.encode('utf-8')
        if tag == b'\x92' and self.name is not None:
            return self.name.encode('utf-8')
        if tag == b'\x95':
            return der_int(self.pclass)
        return None

    def encode(self, tags):
        body = b''
        for tag in tags:
            value = self.field(tag)
            if value is not None:
                body += der_tlv(tag, value)
        return der_tlv(b'\xE3', body)


class Channel:
    def __init__(self, number, owner):
        self.number = number
        self.owner = owner
        self.store_data = b''
        self.next_block = 0
        self.pending = b''


class SimQmi:
    """A simulated QMI modem on a pty, served from a background thread."""

    def __init__(self, profiles=None, eid=DEFAULT_EID, chunk=255, link=None,
                 empty_slots=1, log=None):
        self.eid = eid
        self.chunk = chunk
        self.link = link
        self.empty_slots = empty_slots
        self.log = log
        self.profiles = [Profile(i, p) for i, p in enumerate(profiles or DEFAULT_PROFILES)]
        if sum(p.enabled for p in self.profiles) > 1:
            raise ValueError('more than one enabled profile')
        self.lock = threading.RLock()
        self.master = -1
        self.slave = -1
        self.slave_path = None
        self.thread = None
        self.wake_r, self.wake_w = -1, -1
        self.rx = bytearray()
        # cid -> event registration mask, per service
        self.clients = {SVC_UIM: {}}
        self.next_cid = 1
        self.channels = {}
        self.refuse_channel = ERR_NONE
        self.sw_error = None
        self.sw_error_count = 0
        self.counters = {
            'channels_opened': 0,
            'channels_closed': 0,
            'channels_reclaimed': 0,
            'channels_refused': 0,
            'apdu_total': 0,
            'apdu_store_data': 0,
            'apdu_get_response': 0,
            'apdu_select': 0,
            'apdu_other': 0,
            'apdu_sw_error': 0,
            'es10_get_eid': 0,
            'es10_get_profiles_info': 0,
            'es10_other': 0,
            'indications_sent': 0,
            'qmi_unknown': 0,
        }

    # ---------------------------------------------------------------- API

    @property
    def path(self):
        return self.link or self.slave_path

    def start(self):
        self.master, self.slave = os.openpty()
        # Raw mode: QMUX is binary, no line discipline may touch it.  We keep
        # our own slave fd open so the master never reads EIO when libqmi
        # closes and reopens the port.
        tty.setraw(self.slave, termios.TCSANOW)
        self.slave_path = os.ttyname(self.slave)
        if self.link:
            try:
                os.unlink(self.link)
            except FileNotFoundError:
                pass
            os.symlink(self.slave_path, self.link)
        self.wake_r, self.wake_w = os.pipe()
        self.thread = threading.Thread(target=self._run, name='simqmi', daemon=True)
        self.thread.start()
        return self.path

    def close(self):
        if self.thread:
            os.write(self.wake_w, b'x')
            self.thread.join()
            self.thread = None
        for fd in (self.master, self.slave, self.wake_r, self.wake_w):
            if fd >= 0:
                os.close(fd)
        self.master = self.slave = self.wake_r = self.wake_w = -1
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)

    def set_refuse_channel(self, error):
        """Make Open Logical Channel fail with error (name or code; None clears)."""
        if error in (None, '', 'none', 0):
            code = ERR_NONE
        elif isinstance(error, str) and not error.isdigit():
            code = ERROR_NAMES[error]
        else:
            code = int(error)
        with self.lock:
            self.refuse_channel = code

    def set_sw_error(self, sw, count=1):
        """Answer the next count APDUs with status word sw (hex string or int)."""
        if isinstance(sw, str):
            sw = int(sw, 16)
        with self.lock:
            self.sw_error = sw if count else None
            self.sw_error_count = count

    def set_chunk(self, chunk):
        with self.lock:
            self.chunk = chunk

    def switch_profile(self, iccid):
        """Enable the profile iccid (disabling the current one) and notify clients."""
        with self.lock:
            target = [p for p in self.profiles if p.iccid == iccid]
            if not target:
                raise KeyError(iccid)
            for p in self.profiles:
                p.enabled = p is target[0]
            status = self._slot_status_tlvs()
            card = self._card_status_tlv()
            for cid, mask in self.clients[SVC_UIM].items():
                if mask & UIM_EVENT_PHYSICAL_SLOT_STATUS:
                    self._send_indication(SVC_UIM, cid, 0x0048, status)
                if mask & UIM_EVENT_CARD_STATUS:
                    self._send_indication(SVC_UIM, cid, 0x0032, card)

    def get_counters(self):
        with self.lock:
            out = dict(self.counters)
            out['channels_open'] = len(self.channels)
            out['uim_clients'] = len(self.clients[SVC_UIM])
            return out

    def command(self, line):
        """Run one control command; returns the reply line ('OK...' or 'ERROR ...').

        ping | refuse-channel NAME|CODE|none | sw-error SW [COUNT] | chunk N |
        switch-profile ICCID | counters (-> 'OK name=value ...')
        """
        words = line.split()
        if not words:
            return 'ERROR empty command'
        cmd, args = words[0], words[1:]
        try:
            if cmd == 'ping':
                return 'OK'
            if cmd == 'refuse-channel':
                self.set_refuse_channel(args[0] if args else None)
                return 'OK'
            if cmd == 'sw-error':
                self.set_sw_error(args[0], int(args[1]) if len(args) > 1 else 1)
                return 'OK'
            if cmd == 'chunk':
                self.set_chunk(int(args[0]))
                return 'OK'
            if cmd == 'switch-profile':
                self.switch_profile(args[0])
                return 'OK'
            if cmd == 'counters':
                return 'OK ' + ' '.join('%s=%d' % kv for kv in sorted(self.get_counters().items()))
        except (IndexError, KeyError, ValueError) as e:
            return 'ERROR %s: %r' % (cmd, e)
        return 'ERROR unknown command %s' % cmd

    # ----------------------------------------------------------- plumbing

    def _log(self, fmt, *args):
        if self.log:
            self.log.write('simqmi: ' + (fmt % args) + '\n')
            self.log.flush()

    def _run(self):
        while True:
            ready, _, _ = select.select([self.master, self.wake_r], [], [])
            if self.wake_r in ready:
                return
            try:
                data = os.read(self.master, 65536)
            except OSError:
                continue
            self.rx += data
            self._drain()

    def _drain(self):
        while self.rx:
            if self.rx[0] != 0x01:
                # Resynchronise on the next QMUX marker
                idx = self.rx.find(b'\x01')
                self._log('dropping %d bytes of garbage', len(self.rx) if idx < 0 else idx)
                del self.rx[:len(self.rx) if idx < 0 else idx]
                continue
            if len(self.rx) < 3:
                return
            length = struct.unpack_from('<H', self.rx, 1)[0]
            if len(self.rx) < 1 + length:
                return
            frame = bytes(self.rx[:1 + length])
            del self.rx[:1 + length]
            try:
                self._handle_frame(frame)
            except (ValueError, struct.error) as e:
                self._log('malformed frame %s: %s', frame.hex(), e)

    def _write(self, data):
        self._log('>> %s', data.hex())
        os.write(self.master, data)

    def _send(self, service, cid, qmi_flags, tid, msg_id, payload):
        if service == SVC_CTL:
            header = struct.pack('<BBHH', qmi_flags, tid, msg_id, len(payload))
        else:
            header = struct.pack('<BHHH', qmi_flags, tid, msg_id, len(payload))
        body = struct.pack('<BBB', 0x80, service, cid) + header + payload
        with self.lock:
            self._write(b'\x01' + struct.pack('<H', len(body) + 2) + body)

    def _send_indication(self, service, cid, msg_id, payload):
        self.counters['indications_sent'] += 1
        self._send(service, cid, 0x02 if service == SVC_CTL else 0x04, 0, msg_id, payload)

    def _handle_frame(self, frame):
        self._log('<< %s', frame.hex())
        _, _, flags, service, cid = struct.unpack_from('<BHBBB', frame, 0)
        if flags & 0x80:
            raise ValueError('frame sent by a service')
        if service == SVC_CTL:
            qmi_flags, tid, msg_id, tlv_len = struct.unpack_from('<BBHH', frame, 6)
            body = frame[12:]
        else:
            qmi_flags, tid, msg_id, tlv_len = struct.unpack_from('<BHHH', frame, 6)
            body = frame[13:]
        if qmi_flags != 0 or tlv_len != len(body):
            raise ValueError('not a request')
        tlvs = parse_tlvs(body)
        with self.lock:
            if service == SVC_CTL:
                handler = self.CTL_HANDLERS.get(msg_id)
            elif service == SVC_UIM and cid in self.clients[SVC_UIM]:
                handler = self.UIM_HANDLERS.get(msg_id)
            else:
                self._log('request for unknown client %d of service %d', cid, service)
                self._send(service, cid, 0x02, tid, msg_id, result_tlv(ERR_INVALID_CLIENT_ID))
                return
            if handler is None:
                self.counters['qmi_unknown'] += 1
                self._log('unknown message 0x%04x for service %d', msg_id, service)
                reply = result_tlv(ERR_INVALID_QMI_COMMAND)
            else:
                try:
                    reply = result_tlv(ERR_NONE) + handler(self, cid, tlvs)
                except QmiError as e:
                    reply = result_tlv(e.code) + e.extra
                except (KeyError, ValueError, struct.error, IndexError) as e:
                    self._log('bad request 0x%04x: %r', msg_id, e)
                    reply = result_tlv(ERR_MALFORMED_MESSAGE)
            self._send(service, cid, 0x01 if service == SVC_CTL else 0x02, tid, msg_id, reply)

    # ---------------------------------------------------------------- CTL

    def _ctl_get_version_info(self, cid, tlvs):
        body = bytes([len(SERVICE_VERSIONS)])
        for svc, major, minor in SERVICE_VERSIONS:
            body += struct.pack('<BHH', svc, major, minor)
        return tlv(0x01, body)

    def _ctl_allocate_cid(self, cid, tlvs):
        service = tlvs[0x01][0]
        if service not in self.clients:
            raise QmiError(ERR_INVALID_SERVICE_TYPE)
        used = self.clients[service]
        for _ in range(254):
            candidate = self.next_cid
            self.next_cid = self.next_cid % 254 + 1
            if candidate not in used:
                used[candidate] = 0
                return tlv(0x01, bytes([service, candidate]))
        raise QmiError(ERR_CLIENT_IDS_EXHAUSTED)

    def _ctl_release_cid(self, cid, tlvs):
        service, released = tlvs[0x01][0], tlvs[0x01][1]
        if released not in self.clients.get(service, {}):
            raise QmiError(ERR_INVALID_CLIENT_ID)
        del self.clients[service][released]
        # Like modem firmware: a released client loses its channels, but
        # these are counted apart so tests still see leaks.
        for number in [n for n, ch in self.channels.items() if ch.owner == released]:
            del self.channels[number]
            self.counters['channels_reclaimed'] += 1
        return tlv(0x01, bytes([service, released]))

    def _ctl_sync(self, cid, tlvs):
        for service in self.clients:
            self.clients[service].clear()
        self.counters['channels_reclaimed'] += len(self.channels)
        self.channels.clear()
        return b''

    CTL_HANDLERS = {
        0x0021: _ctl_get_version_info,
        0x0022: _ctl_allocate_cid,
        0x0023: _ctl_release_cid,
        0x0027: _ctl_sync,
    }

    # ---------------------------------------------------------------- UIM

    def _active_profile(self):
        for p in self.profiles:
            if p.enabled:
                return p
        return None

    def _card_status_tlv(self):
        active = self._active_profile()
        body = struct.pack('<HHHH', 0x0000 if active else 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF)
        slots = 1 + self.empty_slots
        body += bytes([slots])
        # card state, UPIN state, UPIN retries, UPUK retries, error code
        body += bytes([1, 0, 0, 0, 0])
        if active:
            usim_aid = bytes.fromhex('A0000000871002FF49FF0589')
            body += bytes([1, 2, 7, 2, 0, 0, 0, len(usim_aid)]) + usim_aid
            # UPIN replaces PIN1, PIN1 disabled 3/10, PIN2 not verified 3/10
            body += bytes([0, 3, 3, 10, 1, 3, 10])
        else:
            body += bytes([0])
        for _ in range(self.empty_slots):
            body += bytes([0, 0, 0, 0, 0, 0])
        return tlv(0x10, body)

    def _slot_status_tlvs(self):
        active = self._active_profile()
        iccid = iccid_to_bcd(active.iccid) if active else b''
        status = bytes([1 + self.empty_slots])
        status += struct.pack('<IIB', 2, 1, 1) + bytes([len(iccid)]) + iccid
        info = bytes([1 + self.empty_slots])
        info += struct.pack('<IB', 2, 1 if active else 0) + bytes([len(DEFAULT_ATR)]) + DEFAULT_ATR + b'\x01'
        eid = bytes.fromhex(self.eid)
        eids = bytes([1 + self.empty_slots]) + bytes([len(eid)]) + eid
        for _ in range(self.empty_slots):
            status += struct.pack('<IIBB', 1, 0, 0, 0)
            info += struct.pack('<IBBB', 0, 0, 0, 0)
            eids += b'\x00'
        return tlv(0x10, status) + tlv(0x11, info) + tlv(0x12, eids)

    def _uim_register_events(self, cid, tlvs):
        mask = struct.unpack('<I', tlvs[0x01])[0] & UIM_EVENTS_SUPPORTED
        self.clients[SVC_UIM][cid] = mask
        return tlv(0x10, struct.pack('<I', mask))

    def _uim_get_card_status(self, cid, tlvs):
        return self._card_status_tlv()

    def _uim_get_slot_status(self, cid, tlvs):
        return self._slot_status_tlvs()

    def _check_slot(self, tlvs):
        slot = tlvs[0x01][0]
        if slot == 1:
            return
        if 2 <= slot <= 1 + self.empty_slots:
            raise QmiError(ERR_DEVICE_NOT_READY)
        raise QmiError(ERR_INVALID_ARGUMENT)

    def _uim_open_logical_channel(self, cid, tlvs):
        self._check_slot(tlvs)
        aid_tlv = tlvs.get(0x10, b'\x00')
        aid = aid_tlv[1:1 + aid_tlv[0]]
        if self.refuse_channel:
            self.counters['channels_refused'] += 1
            raise QmiError(self.refuse_channel)
        if aid != ISDR_AID:
            raise QmiError(ERR_INTERNAL, tlv(0x11, b'\x6A\x82'))
        free = [n for n in range(1, MAX_LOGICAL_CHANNELS + 1) if n not in self.channels]
        if not free:
            raise QmiError(ERR_INSUFFICIENT_RESOURCES, tlv(0x11, b'\x6A\x81'))
        self.channels[free[0]] = Channel(free[0], cid)
        self.counters['channels_opened'] += 1
        return tlv(0x10, bytes([free[0]])) + tlv(0x11, b'\x90\x00') + tlv(0x12, b'\x00')

    def _uim_logical_channel(self, cid, tlvs):
        self._check_slot(tlvs)
        if 0x11 not in tlvs:
            # Without a channel id this is the old "open" form; not modelled.
            raise QmiError(ERR_MISSING_ARGUMENT)
        number = tlvs[0x11][0]
        if number not in self.channels:
            raise QmiError(ERR_INVALID_ARGUMENT)
        del self.channels[number]
        self.counters['channels_closed'] += 1
        return b''

    def _uim_send_apdu(self, cid, tlvs):
        self._check_slot(tlvs)
        apdu_tlv = tlvs[0x02]
        length = struct.unpack_from('<H', apdu_tlv)[0]
        apdu = apdu_tlv[2:2 + length]
        if len(apdu) != length or length < 4:
            raise QmiError(ERR_MALFORMED_MESSAGE)
        number = tlvs[0x10][0] if 0x10 in tlvs else 0
        if number not in self.channels:
            raise QmiError(ERR_INVALID_ARGUMENT)
        response = self._apdu(self.channels[number], apdu)
        return tlv(0x10, struct.pack('<H', len(response)) + response)

    UIM_HANDLERS = {
        0x002E: _uim_register_events,
        0x002F: _uim_get_card_status,
        0x003B: _uim_send_apdu,
        0x003F: _uim_logical_channel,
        0x0042: _uim_open_logical_channel,
        0x0047: _uim_get_slot_status,
    }

    # ------------------------------------------------------------- eUICC

    @staticmethod
    def _cla_channel(cla):
        if cla & 0x40:
            return 4 + (cla & 0x0F)
        return cla & 0x03

    def _apdu(self, channel, apdu):
        self.counters['apdu_total'] += 1
        cla, ins, p1, p2 = apdu[0], apdu[1], apdu[2], apdu[3]
        if ins == 0xE2:
            self.counters['apdu_store_data'] += 1
        elif ins == 0xC0:
            self.counters['apdu_get_response'] += 1
        elif ins == 0xA4:
            self.counters['apdu_select'] += 1
        else:
            self.counters['apdu_other'] += 1
        if self.sw_error is not None and self.sw_error_count:
            sw = self.sw_error
            self.sw_error_count -= 1
            if self.sw_error_count == 0:
                self.sw_error = None
            self.counters['apdu_sw_error'] += 1
            channel.pending = b''
            return struct.pack('>H', sw)
        if self._cla_channel(cla) != channel.number:
            return b'\x68\x81'
        body = apdu[4:]
        if ins == 0xC0:
            if not channel.pending:
                return b'\x69\x85'
            le = (body[0] if body else 0) or 256
            return self._respond(channel, channel.pending, le)
        channel.pending = b''
        if ins == 0xA4:
            return b'\x90\x00'
        if ins != 0xE2:
            return b'\x6D\x00'
        if cla & 0x80 == 0:
            return b'\x6E\x00'
        if not body or len(body) < 1 + body[0]:
            return b'\x67\x00'
        data = body[1:1 + body[0]]
        if p2 != channel.next_block:
            channel.store_data, channel.next_block = b'', 0
            return b'\x6A\x86'
        channel.store_data += data
        if p1 == 0x11:
            channel.next_block += 1
            return b'\x90\x00'
        if p1 != 0x91:
            channel.store_data, channel.next_block = b'', 0
            return b'\x6A\x86'
        command = channel.store_data
        channel.store_data, channel.next_block = b'', 0
        try:
            response = self._es10(command)
        except ValueError as e:
            self._log('bad ES10 command %s: %s', command.hex(), e)
            return b'\x6A\x80'
        if response is None:
            return b'\x6A\x88'
        return self._respond(channel, response, 256)

    def _respond(self, channel, data, le):
        count = min(len(data), le, self.chunk)
        out, channel.pending = data[:count], data[count:]
        if channel.pending:
            return out + bytes([0x61, min(len(channel.pending), 256) & 0xFF])
        return out + b'\x90\x00'

    def _es10(self, command):
        tag, value, end = ber_read_tlv(command, 0)
        if end != len(command):
            raise ValueError('trailing data')
        if tag == b'\xBF\x3E':
            self.counters['es10_get_eid'] += 1
            tags = []
            for child_tag, child in ber_children(value):
                if child_tag == b'\x5C':
                    tags = ber_split_tags(child)
            body = der_tlv(b'\x5A', bytes.fromhex(self.eid)) if b'\x5A' in tags else b''
            return der_tlv(b'\xBF\x3E', body)
        if tag == b'\xBF\x2D':
            self.counters['es10_get_profiles_info'] += 1
            return self._get_profiles_info(value)
        self.counters['es10_other'] += 1
        return None

    def _get_profiles_info(self, request):
        tags = DEFAULT_PROFILE_TAGS
        selected = self.profiles
        for child_tag, child in ber_children(request):
            if child_tag == b'\x5C':
                tags = ber_split_tags(child)
            elif child_tag == b'\xA0':
                criteria = ber_children(child)
                if len(criteria) != 1:
                    return der_tlv(b'\xBF\x2D', der_tlv(b'\x81', b'\x7F'))
                ctag, cvalue = criteria[0]
                if ctag == b'\x5A':
                    selected = [p for p in self.profiles if iccid_to_bcd(p.iccid) == cvalue]
                elif ctag == b'\x4F':
                    selected = [p for p in self.profiles if p.isdp_aid == cvalue]
                elif ctag == b'\x95':
                    selected = [p for p in self.profiles
                                if p.pclass == int.from_bytes(cvalue, 'big', signed=True)]
                else:
                    return der_tlv(b'\xBF\x2D', der_tlv(b'\x81', b'\x7F'))
        body = b''.join(p.encode(tags) for p in selected)
        return der_tlv(b'\xBF\x2D', der_tlv(b'\xA0', body))


def main():
    parser = argparse.ArgumentParser(description='Simulated QMI modem with an eUICC on a pty')
    parser.add_argument('--link', help='symlink to create pointing at the pty slave')
    parser.add_argument('--profiles', help='JSON list of profiles (or @file)')
    parser.add_argument('--eid', default=DEFAULT_EID)
    parser.add_argument('--chunk', type=int, default=255,
                        help='largest R-APDU data before 61xx chaining')
    parser.add_argument('--empty-slots', type=int, default=1)
    parser.add_argument('--verbose', action='store_true', help='log QMUX traffic on stderr')
    args = parser.parse_args()

    profiles = None
    if args.profiles:
        text = args.profiles
        if text.startswith('@'):
            with open(text[1:], encoding='utf-8') as f:
                text = f.read()
        profiles = json.loads(text)

    sim = SimQmi(profiles=profiles, eid=args.eid, chunk=args.chunk, link=args.link,
                 empty_slots=args.empty_slots, log=sys.stderr if args.verbose else None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    path = sim.start()
    try:
        print('READY %s' % path, flush=True)
        for line in sys.stdin:
            print(sim.command(line), flush=True)
    finally:
        sim.close()


if __name__ == '__main__':
    main()
