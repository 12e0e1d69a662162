#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the seed corpora tests/fuzz/corpus-NAME of the fuzz targets (the
text-file targets' seeds, corpus-config, -provider-file and -sms-multipart,
are written by hand).  Samples follow what the tests' simulators and fakes
send (tests/sim/fakeprovider.py, tests/sim/simqmi.py, tests/integration/test-euicc-reader.c),
the reply corpus tests/data/balance-corpus.txt and the shipped carrier
files.

    /usr/bin/python3 tests/fuzz/make-seeds.py

Each target's first input byte is its mode or hint selector (see the
target's comment); the seeds set it to the value the sample is meant for.
"""

import json
import os
import struct

from gi.repository import GLib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    directory = os.path.join(HERE, 'corpus-' + target)
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(directory, name), 'wb') as f:
        f.write(data)


# ---- provider-json: status selector, then the body ----------------------

STATUS = {200: 0, 201: 1, 202: 2, 204: 3, 400: 4, 401: 5, 403: 6, 404: 7,
          409: 8, 422: 9, 429: 10, 500: 11, 502: 12, 503: 13, 302: 14, 402: 16}


def reply(name, status, body):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    if isinstance(data, str):
        data = data.encode()
    write('provider-json', name, bytes([STATUS[status]]) + data)


TX = {'transactionId': 4711, 'status': 'SUCCESSFUL', 'operatorTransactionId': None,
      'customIdentifier': 'saldo-7f3a9c2e-0001', 'recipientPhone': '51987654321',
      'countryCode': 'PE', 'operatorId': 173, 'operatorName': 'Claro Peru',
      'requestedAmount': 10.0, 'requestedAmountCurrencyCode': 'PEN',
      'deliveredAmount': 10.0, 'deliveredAmountCurrencyCode': 'PEN',
      'transactionDate': '2026-01-05 10:22:31'}


def reloadly_error(code, message, path):
    return {'timeStamp': '2026-01-05 10:22:31', 'message': message, 'path': path,
            'errorCode': code, 'infoLink': None, 'details': []}


def provider_json():
    reply('http-succeeded', 200, {'status': 'succeeded', 'transaction_id': 'hook-1',
                                  'delivered_amount': '10.00', 'currency': 'PEN',
                                  'message': 'ok'})
    reply('http-pending', 202, {'status': 'pending', 'transaction_id': 'hook-2',
                                'delivered_amount': None, 'currency': 'EUR'})
    reply('http-failed', 400, {'status': 'failed', 'message': 'declined',
                               'error_code': 'insufficient_funds'})
    reply('http-duplicate', 409, {'status': 'failed', 'error_code': 'duplicate_reference'})
    reply('http-number-amount', 200, {'status': 'succeeded', 'delivered_amount': 10.5,
                                      'currency': 'USD'})
    reply('http-not-found', 404, {'status': 'not_found'})
    reply('http-html', 502, '<html>oops</html>')
    reply('reloadly-topup', 200, dict(TX, balanceInfo={'oldBalance': 100.0,
                                                       'newBalance': 90.0,
                                                       'currencyCode': 'USD'}))
    reply('reloadly-processing', 200, dict(TX, status='PROCESSING'))
    reply('reloadly-refunded', 200, dict(TX, status='REFUNDED'))
    reply('reloadly-truncated', 200, '{"transactionId": 1, "status": ')
    reply('reloadly-duplicate', 400, reloadly_error(
        'DUPLICATED_CUSTOM_IDENTIFIER', 'customIdentifier has already been used', '/topups'))
    reply('reloadly-funds', 400, reloadly_error(
        'INSUFFICIENT_BALANCE', 'Insufficient balance', '/topups'))
    reply('reloadly-token-expired', 401, reloadly_error(
        'TOKEN_EXPIRED', 'Access token expired', '/topups'))
    reply('reloadly-report', 200, {'content': [TX], 'totalElements': 1, 'totalPages': 1,
                                   'size': 20, 'number': 0})
    reply('reloadly-report-empty', 200, {'content': [], 'totalElements': 0,
                                         'totalPages': 0, 'size': 20, 'number': 0})
    reply('reloadly-token', 200, {'access_token': 'tok-1', 'scope': 'send-topups',
                                  'expires_in': 86400, 'token_type': 'Bearer'})
    reply('reloadly-credentials', 401, reloadly_error(
        'INVALID_CREDENTIALS', 'Access Denied', '/oauth/token'))
    # Found by fuzzing (fixed): an empty body, an amount without currency,
    # a token lifetime beyond the clock's range.
    reply('empty-body', 200, b'')
    reply('status-no-currency', 200, {'status': 'succeeded', 'transaction_id': 'hook-7',
                                      'delivered_amount': '1000'})
    reply('reloadly-token-huge-expiry', 200, '{"access_token": "tok-1", "expires_in": 1e300}')
    # Account queries: the http/command schema and Reloadly's /accounts/balance.
    reply('account', 200, {'balance': '123.45', 'currency': 'PEN'})
    reply('account-expired-card', 402, {'error_code': 'expired_card', 'message': '09/26'})
    reply('reloadly-account', 200, {'balance': 550.75, 'currencyCode': 'USD',
                                    'currencyName': 'US Dollar',
                                    'updatedAt': '2026-01-05 10:22:31'})


# ---- amount: currency selector, then the text ---------------------------

CURRENCY = {'PEN': 0, 'USD': 1, 'JPY': 2, 'CLP': 3, 'BHD': 4, 'KWD': 5, 'CLF': 6, 'UYW': 7,
            'EUR': 8, 'XYZ': 9, 'XAU': 10}


def amount():
    for name, cur, text in (('pen', 'PEN', '10.00'), ('pen-short', 'PEN', '12.5'),
                            ('pen-negative', 'PEN', '-0.29'), ('jpy', 'JPY', '1000'),
                            ('bhd', 'BHD', '1.250'), ('usd', 'USD', '3.70'),
                            ('clf', 'CLF', '0.0001'), ('uyw', 'UYW', '12.3456'),
                            ('too-precise', 'PEN', '0.001'),
                            ('large', 'PEN', '92233720368547758.07'),
                            ('trailing-zeros', 'KWD', '5.5000'),
                            ('unknown-currency', 'XYZ', '10.00'),
                            ('no-money', 'XAU', '1')):
        write('amount', name, bytes([CURRENCY[cur]]) + text.encode())


# ---- voucher-file: amount selector (0 = 10.00 PEN), then the file ------

def voucher_file():
    write('voucher-file', 'vouchers', b'\x00' +
          b'# Claro vouchers bought 2026-01-03\n'
          b'123456789012 10.00\n'
          b'234567890123 10.00\n'
          b'345678901234 5.00\n'
          b'\n'
          b'  456789012345\t20\n'
          b'567890123456 10\r\n')
    write('voucher-file', 'five', b'\x01' + b'9876543210987 5.00\n9876543210988 5\n')
    # Found by fuzzing (fixed): a PIN that is not digits, asked for -0.01.
    write('voucher-file', 'non-digit-pin', b'\x0c\x0c]_\x13\x0c*\t4')


# ---- qmi-uim: mode, then TLVs (type, u16 LE length, value) -------------

def tlv(t, value):
    return struct.pack('<BH', t, len(value)) + value


RESULT_OK = tlv(0x02, struct.pack('<HH', 0, 0))
ISDR_EID = bytes.fromhex('89049032123451234512345678901235')
BCD_ICCID = bytes.fromhex('98151001234567890132')


def qmi_uim():
    write('qmi-uim', 'open-channel', bytes([0]) + RESULT_OK + tlv(0x10, b'\x01') +
          tlv(0x11, b'\x90\x00') + tlv(0x12, b'\x00'))
    write('qmi-uim', 'open-refused', bytes([0]) + tlv(0x02, struct.pack('<HH', 1, 0x0003)) +
          tlv(0x11, b'\x6A\x82'))
    response = bytes.fromhex('BF3E125A10') + ISDR_EID + b'\x90\x00'
    write('qmi-uim', 'send-apdu', bytes([1]) + RESULT_OK +
          tlv(0x10, struct.pack('<H', len(response)) + response))
    write('qmi-uim', 'send-apdu-61xx', bytes([1]) + RESULT_OK +
          tlv(0x10, struct.pack('<H', 2) + b'\x61\x10'))
    write('qmi-uim', 'close-channel', bytes([2]) + RESULT_OK)
    status = bytes([2]) + struct.pack('<IIB', 2, 1, 1) + bytes([len(BCD_ICCID)]) + BCD_ICCID
    status += struct.pack('<IIBB', 1, 0, 0, 0)
    atr = bytes.fromhex('3B9F96801FC78031E073FE211B63F100E6830F900080')
    info = bytes([2]) + struct.pack('<IB', 2, 1) + bytes([len(atr)]) + atr + b'\x01'
    info += struct.pack('<IBBB', 0, 0, 0, 0)
    eids = bytes([2, len(ISDR_EID)]) + ISDR_EID + b'\x00'
    write('qmi-uim', 'slot-status', bytes([3]) + tlv(0x10, status) + tlv(0x11, info) +
          tlv(0x12, eids))
    # The same Open Logical Channel reply as a whole QMUX frame.
    body = RESULT_OK + tlv(0x10, b'\x02')
    service = struct.pack('<BHHH', 0x02, 7, 0x0042, len(body)) + body
    frame = struct.pack('<BHBBB', 0x01, 5 + len(service), 0x80, 0x0B, 0x01) + service
    write('qmi-uim', 'open-channel-frame', bytes([4]) + frame)


# ---- mbim-uicc: mode, then an MBIM message ------------------------------

UUID_UICC = bytes.fromhex('c2f6588e-f037-4bc9-8665-f4d44bd09367'.replace('-', ''))


def command_done(cid, status, info):
    header = struct.pack('<IIIII', 0x80000003, 48 + len(info), 7, 1, 0)
    return header + UUID_UICC + struct.pack('<III', cid, status, len(info)) + info


def mbim_uicc():
    write('mbim-uicc', 'open-ok', b'\x00' + command_done(2, 0, struct.pack('<IIII', 0x90, 1, 0, 0)))
    write('mbim-uicc', 'open-select-failed', b'\x00' + command_done(
        2, 0x87430002, struct.pack('<IIII', 0x826A, 0, 0, 0)))
    response = bytes.fromhex('BF3E125A10') + ISDR_EID
    write('mbim-uicc', 'apdu-data', b'\x00' + command_done(
        4, 0, struct.pack('<III', 0x90, len(response), 12) + response + b'\x00' * 3))
    write('mbim-uicc', 'apdu-61xx', b'\x00' + command_done(4, 0, struct.pack('<III', 0x1061, 0, 0)))
    write('mbim-uicc', 'close-ok', b'\x00' + command_done(3, 0, struct.pack('<I', 0x90)))
    write('mbim-uicc', 'function-error', b'\x00' + struct.pack('<IIII', 0x80000004, 16, 7, 5))


# ---- dbus-options: currency/state selector, then a serialised a{sv} ----

def asv(name, selector, options):
    value = GLib.Variant('a{sv}', options)
    write('dbus-options', name, bytes([selector]) + value.get_data_as_bytes().get_data())


def dbus_options():
    v = GLib.Variant
    line = v('o', '/io/github/saldo/Saldo1/Line/3')
    asv('add-threshold', 0, {'line': line, 'kind': v('s', 'threshold'),
                             'provider': v('s', 'reloadly'), 'amount': v('x', 1000),
                             'below': v('x', 500), 'max-per-day': v('x', 2000),
                             'max-per-month': v('x', 10000), 'confirm': v('b', False)})
    asv('add-schedule', 0, {'line': line, 'kind': v('s', 'schedule'),
                            'provider': v('s', 'claro-vouchers'), 'amount': v('x', 500),
                            'day': v('s', 'last'), 'hour': v('u', 9)})
    asv('add-keep-alive', 2, {'kind': v('s', 'keep-alive'), 'provider': v('s', 'my-backend'),
                              'amount': v('x', 300), 'days-before': v('u', 10),
                              'currency': v('s', 'JPY')})
    asv('update-enable', 8 | 1, {'enabled': v('b', True), 'cooldown': v('u', 600),
                                 'max-attempts-24h': v('u', 3)})
    asv('update-wrong-type', 8, {'amount': v('s', '10.00')})
    asv('configure', 0, {'balance-code': v('s', '*515#'), 'balance-menu': v('s', '1;2'),
                         'refresh-interval': v('u', 3600), 'allow-roaming': v('b', False),
                         'own-number': v('s', '+51987654321'), 'sms-senders': v('s', '515;Claro')})
    asv('history', 0, {'limit': v('u', 100), 'since': v('t', 1767225600)})
    asv('simulate', 0, {'line': line, 'balance': v('x', 250), 'data': v('t', 0),
                        'time': v('t', 1767225600)})


# ---- the older targets: real texts from the test data ------------------

def balance_corpus_texts():
    path = os.path.join(HERE, '..', 'data', 'balance-corpus.txt')
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('text: '):
                yield line[len('text: '):].rstrip('\n').replace('\\n', '\n').replace('\\\\', '\\')


def older_targets():
    texts = list(balance_corpus_texts())
    # Every 8th reply of the corpus, as it came and as UCS2 hex.
    for i, text in enumerate(texts[::8]):
        write('balance-parser', 'reply-%02d' % i, text)
        write('ussd-text', 'ucs2-%02d' % i, text.encode('utf-16-be').hex().upper())
    write('ussd-text', 'gsm7-packed', 'D3B0BB0C6A97E7F3F0B90C')
    carriers = os.path.join(HERE, '..', '..', 'plugin', 'carriers')
    for name in sorted(os.listdir(carriers)):
        if name.endswith('.conf'):
            with open(os.path.join(carriers, name), 'rb') as f:
                write('carrier', name[:-len('.conf')], f.read())


if __name__ == '__main__':
    older_targets()
    provider_json()
    amount()
    voucher_file()
    qmi_uim()
    mbim_uicc()
    dbus_options()
