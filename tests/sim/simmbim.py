#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Simulated MBIM modem with an eUICC, served on a pseudo-terminal.

libmbim (and mbim-proxy) open the slave side of the pty as if it were a
/dev/cdc-wdm port: the ioctl asking for the maximum control transfer fails
on a pty, there is no cdc_mbim sysfs entry, and libmbim falls back to its
4096-byte default.  This module answers on the master side with MBIM
control messages: open/close, the Basic Connect device caps and subscribe
list the proxy sends, and the Microsoft UICC low-level access service
(open channel, APDU, close channel) in front of the same ISD-R model as
tests/sim/simqmi.py, which this module reuses rather than duplicates.

Standalone it prints ``READY <path>`` and reads one command per line on
stdin, with the same commands as simqmi.py; end of stdin stops it.
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

# Import the sibling simulator without leaving bytecode in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simqmi  # noqa: E402

MSG_OPEN = 0x00000001
MSG_CLOSE = 0x00000002
MSG_COMMAND = 0x00000003
MSG_HOST_ERROR = 0x00000004
MSG_OPEN_DONE = 0x80000001
MSG_CLOSE_DONE = 0x80000002
MSG_COMMAND_DONE = 0x80000003
MSG_FUNCTION_ERROR = 0x80000004

UUID_BASIC_CONNECT = bytes.fromhex('a289cc33bcbb8b4fb6b0133ec2aae6df')
UUID_MS_UICC_LOW_LEVEL_ACCESS = bytes.fromhex('c2f6588ef0374bc98665f4d44bd09367')

CID_BASIC_CONNECT_DEVICE_CAPS = 1
CID_BASIC_CONNECT_DEVICE_SERVICE_SUBSCRIBE_LIST = 19
CID_UICC_OPEN_CHANNEL = 2
CID_UICC_CLOSE_CHANNEL = 3
CID_UICC_APDU = 4

COMMAND_TYPE_QUERY = 0
COMMAND_TYPE_SET = 1

STATUS_NONE = 0
STATUS_FAILURE = 2
STATUS_NO_DEVICE_SUPPORT = 9
STATUS_INVALID_PARAMETERS = 21
STATUS_OPERATION_NOT_ALLOWED = 28
# Microsoft UICC low-level access status codes
STATUS_MS_NO_LOGICAL_CHANNELS = 0x87430001
STATUS_MS_SELECT_FAILED = 0x87430002
STATUS_MS_INVALID_LOGICAL_CHANNEL = 0x87430003

PROTOCOL_ERROR_NOT_OPENED = 5

# Same names as simqmi's refuse-channel, mapped to what MBIM firmware
# answers instead of the QMI errors.
REFUSAL_NAMES = {
    'access-denied': STATUS_OPERATION_NOT_ALLOWED,
    'not-supported': STATUS_NO_DEVICE_SUPPORT,
    'internal': STATUS_FAILURE,
    'no-logical-channels': STATUS_MS_NO_LOGICAL_CHANNELS,
    'select-failed': STATUS_MS_SELECT_FAILED,
}


def sw_to_status(sw1, sw2):
    # The UICC status field carries SW1 in its lowest byte and SW2 in the
    # next one, as field-tested clients read it.
    return sw1 | (sw2 << 8)


def uicc_byte_array(buf, pos, base):
    """Read a size-then-offset pair at pos; offsets count from base."""
    size, offset = struct.unpack_from('<II', buf, pos)
    start = base + offset
    if size and (offset < 0 or start + size > len(buf)):
        raise ValueError('byte array out of bounds')
    return bytes(buf[start:start + size])


def pad4(data):
    return data + b'\x00' * (-len(data) % 4)


class SimMbim:
    """A simulated MBIM modem on a pty, served from a background thread."""

    def __init__(self, profiles=None, eid=simqmi.DEFAULT_EID, chunk=255, link=None, log=None):
        # The card: simqmi's ISD-R and its counters, driven through our channels.
        self.card = simqmi.SimQmi(profiles=profiles, eid=eid, chunk=chunk, log=log)
        self.lock = self.card.lock
        self.link = link
        self.log = log
        self.master = -1
        self.slave = -1
        self.slave_path = None
        self.thread = None
        self.wake_r, self.wake_w = -1, -1
        self.rx = bytearray()
        self.opened = False
        self.refuse_channel = STATUS_NONE
        self.counters = {
            'mbim_open': 0,
            'mbim_close': 0,
            'mbim_unknown': 0,
            'mbim_device_caps': 0,
        }

    @property
    def path(self):
        return self.link or self.slave_path

    def start(self):
        self.master, self.slave = os.openpty()
        # Raw mode: MBIM is binary.  Our own slave fd stays open so the master
        # never reads EIO while the proxy closes and reopens the port.
        tty.setraw(self.slave, termios.TCSANOW)
        self.slave_path = os.ttyname(self.slave)
        if self.link:
            try:
                os.unlink(self.link)
            except FileNotFoundError:
                pass
            os.symlink(self.slave_path, self.link)
        self.wake_r, self.wake_w = os.pipe()
        self.thread = threading.Thread(target=self._run, name='simmbim', daemon=True)
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
        if error in (None, '', 'none', 0):
            code = STATUS_NONE
        elif isinstance(error, str) and not error.isdigit():
            code = REFUSAL_NAMES[error]
        else:
            code = int(error)
        with self.lock:
            self.refuse_channel = code

    def get_counters(self):
        with self.lock:
            out = dict(self.card.counters)
            out.update(self.counters)
            out['channels_open'] = len(self.card.channels)
            return out

    def command(self, line):
        """Same control commands as simqmi (ping, refuse-channel, sw-error,
        chunk, switch-profile, counters)."""
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
                self.card.set_sw_error(args[0], int(args[1]) if len(args) > 1 else 1)
                return 'OK'
            if cmd == 'chunk':
                self.card.set_chunk(int(args[0]))
                return 'OK'
            if cmd == 'switch-profile':
                self.card.switch_profile(args[0])
                return 'OK'
            if cmd == 'counters':
                return 'OK ' + ' '.join('%s=%d' % kv for kv in sorted(self.get_counters().items()))
        except (IndexError, KeyError, ValueError) as e:
            return 'ERROR %s: %r' % (cmd, e)
        return 'ERROR unknown command %s' % cmd

    # ----------------------------------------------------------- plumbing

    def _log(self, fmt, *args):
        if self.log:
            self.log.write('simmbim: ' + (fmt % args) + '\n')
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
        while len(self.rx) >= 12:
            msg_type, length, tid = struct.unpack_from('<III', self.rx, 0)
            if length < 12 or length > 65536:
                self._log('dropping garbage, bad length %d', length)
                self.rx.clear()
                return
            if len(self.rx) < length:
                return
            message = bytes(self.rx[:length])
            del self.rx[:length]
            try:
                self._handle(msg_type, tid, message)
            except (ValueError, struct.error) as e:
                self._log('malformed message %s: %s', message.hex(), e)

    def _write(self, data):
        self._log('>> %s', data.hex())
        os.write(self.master, data)

    def _send(self, msg_type, tid, body):
        self._write(struct.pack('<III', msg_type, 12 + len(body), tid) + body)

    def _command_done(self, tid, service, cid, status, info=b''):
        body = struct.pack('<II', 1, 0) + service + struct.pack('<III', cid, status, len(info)) + info
        self._send(MSG_COMMAND_DONE, tid, body)

    def _handle(self, msg_type, tid, message):
        self._log('<< %s', message.hex())
        with self.lock:
            if msg_type == MSG_OPEN:
                self.opened = True
                self.counters['mbim_open'] += 1
                self._send(MSG_OPEN_DONE, tid, struct.pack('<I', STATUS_NONE))
                return
            if msg_type == MSG_CLOSE:
                self.opened = False
                self.counters['mbim_close'] += 1
                # Like a modem function reset: the card's channels go away.
                self.card.counters['channels_reclaimed'] += len(self.card.channels)
                self.card.channels.clear()
                self._send(MSG_CLOSE_DONE, tid, struct.pack('<I', STATUS_NONE))
                return
            if msg_type != MSG_COMMAND:
                self._log('ignoring message type 0x%08x', msg_type)
                return
            if not self.opened:
                self._send(MSG_FUNCTION_ERROR, tid, struct.pack('<I', PROTOCOL_ERROR_NOT_OPENED))
                return
            total, current = struct.unpack_from('<II', message, 12)
            if total != 1 or current != 0:
                raise ValueError('fragmented commands are not modelled')
            service = message[20:36]
            cid, command_type, info_len = struct.unpack_from('<III', message, 36)
            info = message[48:48 + info_len]
            if len(info) != info_len:
                raise ValueError('truncated information buffer')
            handler = self.HANDLERS.get((service, cid, command_type))
            if handler is None:
                self.counters['mbim_unknown'] += 1
                self._command_done(tid, service, cid, STATUS_NO_DEVICE_SUPPORT)
                return
            try:
                status, reply = handler(self, info)
            except (ValueError, struct.error, IndexError) as e:
                self._log('bad command %d: %r', cid, e)
                status, reply = STATUS_INVALID_PARAMETERS, b''
            self._command_done(tid, service, cid, status, reply)

    # -------------------------------------------------------- basic connect

    def _device_caps(self, info):
        self.counters['mbim_device_caps'] += 1
        device_id = pad4('SIMMBIM0'.encode('utf-16-le'))
        # type embedded, GSM cellular class, no voice, logical UICC, LTE data,
        # SMS PDU, reg manual; 1 session; strings after the 64-byte header
        fixed = struct.pack('<8I', 1, 1, 1, 2, 0x20, 0x3, 0x1, 1)
        strings = struct.pack('<8I', 0, 0, 64, len('SIMMBIM0') * 2, 0, 0, 0, 0)
        return STATUS_NONE, fixed + strings + device_id

    def _subscribe_list(self, info):
        return STATUS_NONE, info

    # ----------------------------------------------- UICC low-level access

    def _open_channel(self, info):
        aid = uicc_byte_array(info, 0, 0)
        _select_p2, _group = struct.unpack_from('<II', info, 8)
        if self.refuse_channel:
            self.card.counters['channels_refused'] += 1
            return self.refuse_channel, b''
        if aid != simqmi.ISDR_AID:
            return STATUS_MS_SELECT_FAILED, struct.pack('<IIII', sw_to_status(0x6A, 0x82), 0, 0, 0)
        free = [n for n in range(1, simqmi.MAX_LOGICAL_CHANNELS + 1) if n not in self.card.channels]
        if not free:
            return STATUS_MS_NO_LOGICAL_CHANNELS, b''
        self.card.channels[free[0]] = simqmi.Channel(free[0], 0)
        self.card.counters['channels_opened'] += 1
        # Status, Channel, Response (size, offset): no SELECT response data
        return STATUS_NONE, struct.pack('<IIII', sw_to_status(0x90, 0x00), free[0], 0, 0)

    def _close_channel(self, info):
        number, _group = struct.unpack_from('<II', info, 0)
        if number not in self.card.channels:
            return STATUS_MS_INVALID_LOGICAL_CHANNEL, b''
        del self.card.channels[number]
        self.card.counters['channels_closed'] += 1
        return STATUS_NONE, struct.pack('<I', sw_to_status(0x90, 0x00))

    def _apdu(self, info):
        number, secure, class_type = struct.unpack_from('<III', info, 0)
        command = uicc_byte_array(info, 12, 0)
        if secure != 0 or class_type not in (0, 1):
            return STATUS_INVALID_PARAMETERS, b''
        if number not in self.card.channels:
            return STATUS_MS_INVALID_LOGICAL_CHANNEL, b''
        if len(command) < 4:
            return STATUS_INVALID_PARAMETERS, b''
        rapdu = self.card._apdu(self.card.channels[number], command)
        data, sw1, sw2 = rapdu[:-2], rapdu[-2], rapdu[-1]
        # Status, Response (size, offset 12 from the start of the buffer), data
        return STATUS_NONE, struct.pack('<III', sw_to_status(sw1, sw2), len(data), 12 if data else 0) + pad4(data)

    HANDLERS = {
        (UUID_BASIC_CONNECT, CID_BASIC_CONNECT_DEVICE_CAPS, COMMAND_TYPE_QUERY): _device_caps,
        (UUID_BASIC_CONNECT, CID_BASIC_CONNECT_DEVICE_SERVICE_SUBSCRIBE_LIST, COMMAND_TYPE_SET): _subscribe_list,
        (UUID_MS_UICC_LOW_LEVEL_ACCESS, CID_UICC_OPEN_CHANNEL, COMMAND_TYPE_SET): _open_channel,
        (UUID_MS_UICC_LOW_LEVEL_ACCESS, CID_UICC_CLOSE_CHANNEL, COMMAND_TYPE_SET): _close_channel,
        (UUID_MS_UICC_LOW_LEVEL_ACCESS, CID_UICC_APDU, COMMAND_TYPE_SET): _apdu,
    }


def main():
    parser = argparse.ArgumentParser(description='Simulated MBIM modem with an eUICC on a pty')
    parser.add_argument('--link', help='symlink to create pointing at the pty slave')
    parser.add_argument('--profiles', help='JSON list of profiles (or @file)')
    parser.add_argument('--eid', default=simqmi.DEFAULT_EID)
    parser.add_argument('--chunk', type=int, default=255,
                        help='largest R-APDU data before 61xx chaining')
    parser.add_argument('--verbose', action='store_true', help='log MBIM traffic on stderr')
    args = parser.parse_args()

    profiles = None
    if args.profiles:
        text = args.profiles
        if text.startswith('@'):
            with open(text[1:], encoding='utf-8') as f:
                text = f.read()
        profiles = json.loads(text)

    sim = SimMbim(profiles=profiles, eid=args.eid, chunk=args.chunk, link=args.link,
                  log=sys.stderr if args.verbose else None)
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
