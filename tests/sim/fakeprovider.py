#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fake top-up provider for Saldo's tests.

Serves, over real TLS on 127.0.0.1, the subset of the Reloadly airtime API
that saldo's reloadly provider uses, and the JSON webhook of the http
provider. It records every charge so tests can assert exactly one charge per
reference, and can be scripted to misbehave.

Usage: fakeprovider.py --dir TMPDIR
  Generates a test CA and a server certificate into TMPDIR with the openssl
  CLI, then prints one JSON line: {"port", "plain_port", "ca", "other_ca"}.
  Afterwards it reads one JSON command per line on stdin and answers each
  with one JSON line on stdout. It exits when stdin closes, or after
  --max-seconds in any case.

Commands:
  {"op": "state"}                     charges, counters, tokens
  {"op": "fault", "path": "/topups", "action": ..., "count": 1, ...}
      actions: "status" (reply "http" with "body"), "error" (Reloadly error
      {"errorCode"} with "http", default 400), "token_expired",
      "malformed_after_charge", "hang_after_charge", "hang",
      "reset_after_charge", "processing" (charge as PROCESSING; the first
      lookup then finds it SUCCESSFUL), "pending", "failed" (webhook
      statuses; "error_code" optional), "slow" (sleep "seconds" then serve)
  {"op": "expire_tokens"}             every issued token becomes invalid
  {"op": "config", ...}               client_id, client_secret, hmac_secret,
                                      expires_in, funds (the Reloadly account's
                                      USD, 1000 at start), hook_funds (the
                                      webhook backend's, in hook_currency, PEN),
                                      report_page_size (the Reloadly report
                                      then lists every transaction in pages
                                      of that size)

Both accounts pay for their charges: a top-up that costs more than is left
is refused (Reloadly INSUFFICIENT_BALANCE, the webhook 402
insufficient_funds) and charges nothing.  GET /accounts/balance (Reloadly)
and GET /hook/account (signed over the URL) tell what is left.
"""

import argparse
import hashlib
import hmac
import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

ACCEPT = 'application/com.reloadly.topups-v1+json'
AUDIENCES = ('https://topups.reloadly.com', 'https://topups-sandbox.reloadly.com')


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.config = {
            'client_id': 'test-client',
            'client_secret': 'test-secret',
            'hmac_secret': 'hook-secret',
            'expires_in': 5184000,
            'funds': 1000.0,
            'hook_funds': 1000.0,
            'hook_currency': 'PEN',
        }
        self.tokens = set()
        self.token_counter = 0
        self.counters = {'token_requests': 0, 'autodetect_requests': 0,
                         'topup_posts': 0, 'lookups': 0, 'hook_posts': 0,
                         'hook_lookups': 0, 'hmac_failures': 0, 'account_requests': 0,
                         'hook_account_requests': 0}
        self.charges = []
        self.transactions = {}   # customIdentifier -> transaction dict
        self.hook_replies = {}   # reference -> (status, body)
        self.faults = []
        self.next_id = 1000

    def take_fault(self, path):
        with self.lock:
            for fault in self.faults:
                if path.startswith(fault['path']):
                    fault['count'] -= 1
                    if fault['count'] <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def snapshot(self):
        with self.lock:
            return {'charges': list(self.charges), 'counters': dict(self.counters),
                    'faults': len(self.faults)}


STATE = State()


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = 'fakeprovider/1'

    def log_message(self, fmt, *args):
        sys.stderr.write('fakeprovider: ' + (fmt % args) + '\n')

    # ---- helpers ----

    def reply(self, status, body, content_type='application/json'):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def reloadly_error(self, status, code, message):
        self.reply(status, {'timeStamp': time.strftime('%Y-%m-%d %H:%M:%S'),
                            'message': message, 'path': self.path,
                            'errorCode': code, 'infoLink': None, 'details': []})

    def read_body(self):
        length = int(self.headers.get('Content-Length', '0'))
        return self.rfile.read(length) if length > 0 else b''

    def hang(self, fault):
        # Accept but never answer; the client gives up first. Bounded so the
        # server always ends by itself.
        time.sleep(float(fault.get('seconds', 20)))
        self.close_connection = True

    def reset(self):
        # RST instead of FIN: the client sees a reset connection.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   b'\x01\x00\x00\x00\x00\x00\x00\x00')
        self.close_connection = True
        try:
            self.connection.unwrap() if isinstance(self.connection, ssl.SSLSocket) else None
        except (OSError, ssl.SSLError):
            pass
        self.connection.close()

    def generic_fault(self, fault):
        """Faults that need no knowledge of the endpoint. True if handled."""
        action = fault['action']
        if action == 'status':
            body = fault.get('body', {})
            self.reply(int(fault.get('http', 500)),
                       body.encode() if isinstance(body, str) else body)
            return True
        if action == 'error':
            self.reloadly_error(int(fault.get('http', 400)), fault['errorCode'],
                                fault.get('message', fault['errorCode']))
            return True
        if action == 'token_expired':
            self.reloadly_error(401, 'TOKEN_EXPIRED', 'Access token expired')
            return True
        if action == 'hang':
            self.hang(fault)
            return True
        if action == 'slow':
            time.sleep(float(fault.get('seconds', 1)))
        return False

    def bearer_ok(self):
        auth = self.headers.get('Authorization', '')
        if not auth.startswith('Bearer ') or auth[7:] not in STATE.tokens:
            self.reloadly_error(401, 'TOKEN_EXPIRED', 'Access token is invalid or expired')
            return False
        if self.headers.get('Accept') != ACCEPT:
            self.reloadly_error(406, 'INVALID_ACCEPT_HEADER', 'Wrong Accept header')
            return False
        return True

    # ---- dispatch ----

    COUNTERS = (('/oauth/token', 'token_requests'),
                ('/accounts/balance', 'account_requests'),
                ('/hook/account', 'hook_account_requests'),
                ('/operators/auto-detect/', 'autodetect_requests'),
                ('/topups/reports/', 'lookups'),
                ('/topups', 'topup_posts'),
                ('/hook/topup', 'hook_posts'),
                ('/hook/status/', 'hook_lookups'))

    def count(self, path):
        # Counted before any fault so tests see every request that arrived.
        for prefix, name in self.COUNTERS:
            if path.startswith(prefix):
                with STATE.lock:
                    STATE.counters[name] = STATE.counters.get(name, 0) + 1
                return

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        self.count(url.path)
        fault = STATE.take_fault(url.path)
        if fault is not None and self.generic_fault(fault):
            return
        if url.path.startswith('/operators/auto-detect/phone/'):
            return self.autodetect(url)
        if url.path == '/topups/reports/transactions':
            return self.report(url)
        if url.path.startswith('/hook/status/'):
            return self.hook_status(url)
        if url.path == '/accounts/balance':
            return self.account()
        if url.path == '/hook/account':
            return self.hook_account()
        self.reply(404, {'message': 'no such endpoint'})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        body = self.read_body()
        self.count(url.path)
        fault = STATE.take_fault(url.path)
        if fault is not None and fault['action'] not in (
                'malformed_after_charge', 'hang_after_charge', 'reset_after_charge',
                'processing', 'pending', 'failed') and self.generic_fault(fault):
            return
        if url.path == '/oauth/token':
            return self.token(body)
        if url.path == '/topups':
            return self.topup(body, fault)
        if url.path == '/hook/topup':
            return self.hook_topup(body, fault)
        self.reply(404, {'message': 'no such endpoint'})

    # ---- Reloadly ----

    def token(self, body):
        try:
            req = json.loads(body)
        except ValueError:
            return self.reloadly_error(400, 'INVALID_REQUEST', 'Malformed JSON')
        cfg = STATE.config
        if (req.get('client_id') != cfg['client_id'] or
                req.get('client_secret') != cfg['client_secret'] or
                req.get('grant_type') != 'client_credentials'):
            return self.reloadly_error(401, 'INVALID_CREDENTIALS', 'Access Denied')
        if req.get('audience') not in AUDIENCES:
            return self.reloadly_error(400, 'INVALID_AUDIENCE', 'Unknown audience')
        with STATE.lock:
            STATE.token_counter += 1
            token = 'tok-%d' % STATE.token_counter
            STATE.tokens.add(token)
        self.reply(200, {'access_token': token, 'scope': 'send-topups',
                         'expires_in': cfg['expires_in'], 'token_type': 'Bearer'})

    def autodetect(self, url):
        if not self.bearer_ok():
            return
        parts = url.path.split('/')
        # /operators/auto-detect/phone/{phone}/countries/{iso}
        if len(parts) != 7 or parts[5] != 'countries':
            return self.reply(404, {'message': 'bad path'})
        phone = urllib.parse.unquote(parts[4])
        iso = parts[6]
        if iso == 'PE' and phone.startswith('+51'):
            return self.reply(200, {
                'id': 173, 'operatorId': 173, 'name': 'Claro Peru', 'bundle': False,
                'data': False, 'denominationType': 'RANGE',
                'senderCurrencyCode': 'USD', 'destinationCurrencyCode': 'PEN',
                'minAmount': 1.0, 'maxAmount': 60.0,
                'localMinAmount': 3.0, 'localMaxAmount': 200.0,
                'country': {'isoName': 'PE', 'name': 'Peru'},
                'fx': {'rate': 3.7, 'currencyCode': 'PEN'}})
        self.reloadly_error(404, 'COULD_NOT_AUTO_DETECT_OPERATOR',
                            'Could not auto detect operator for given phone number')

    def topup(self, body, fault):
        if not self.bearer_ok():
            return
        try:
            req = json.loads(body)
            ref = req['customIdentifier']
            amount = req['amount']
            local = req['useLocalAmount']
            phone = req['recipientPhone']
            if not isinstance(amount, (int, float)) or not isinstance(local, bool):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return self.reloadly_error(400, 'INVALID_REQUEST', 'Malformed top-up request')
        if req.get('operatorId') != 173:
            return self.reloadly_error(400, 'INVALID_OPERATOR', 'Unknown operator')
        cost = round(amount / 3.7, 2) if local else amount
        with STATE.lock:
            poor = ref not in STATE.transactions and cost > STATE.config['funds']
            if not poor and ref not in STATE.transactions:
                STATE.config['funds'] = round(STATE.config['funds'] - cost, 2)
        if poor:
            return self.reloadly_error(400, 'INSUFFICIENT_BALANCE',
                                       'Your balance is not sufficient for this transaction')
        with STATE.lock:
            if ref in STATE.transactions:
                dup = True
            else:
                dup = False
                STATE.next_id += 1
                status = 'PROCESSING' if fault and fault['action'] == 'processing' else 'SUCCESSFUL'
                tx = {
                    'transactionId': STATE.next_id, 'status': status,
                    'operatorTransactionId': None, 'customIdentifier': ref,
                    'recipientPhone': phone.get('number'),
                    'countryCode': phone.get('countryCode'),
                    'operatorId': 173, 'operatorName': 'Claro Peru',
                    'requestedAmount': amount,
                    'requestedAmountCurrencyCode': 'PEN' if local else 'USD',
                    'deliveredAmount': amount if local else round(amount * 3.7, 2),
                    'deliveredAmountCurrencyCode': 'PEN',
                    'transactionDate': time.strftime('%Y-%m-%d %H:%M:%S'),
                }
                STATE.transactions[ref] = tx
                STATE.charges.append({'provider': 'reloadly', 'reference': ref,
                                      'amount': amount, 'useLocalAmount': local,
                                      'number': phone.get('number'),
                                      'countryCode': phone.get('countryCode')})
        if dup:
            return self.reloadly_error(400, 'DUPLICATED_CUSTOM_IDENTIFIER',
                                       'customIdentifier has already been used')
        if fault and fault['action'] == 'malformed_after_charge':
            return self.reply(200, b'{"transactionId": 1, "status": ')
        if fault and fault['action'] == 'hang_after_charge':
            return self.hang(fault)
        if fault and fault['action'] == 'reset_after_charge':
            return self.reset()
        self.reply(200, dict(tx, balanceInfo={'oldBalance': 100.0, 'newBalance': 90.0,
                                              'currencyCode': 'USD'}))

    def account(self):
        if not self.bearer_ok():
            return
        with STATE.lock:
            funds = STATE.config['funds']
        self.reply(200, {'balance': funds, 'currencyCode': 'USD', 'currencyName': 'US Dollar',
                         'updatedAt': time.strftime('%Y-%m-%d %H:%M:%S')})

    def report(self, url):
        if not self.bearer_ok():
            return
        query = urllib.parse.parse_qs(url.query)
        ref = query.get('customIdentifier', [''])[0]
        with STATE.lock:
            tx = STATE.transactions.get(ref)
            if tx and tx['status'] == 'PROCESSING':
                tx['status'] = 'SUCCESSFUL'
            page_size = STATE.config.get('report_page_size')
            if page_size:
                # A report that lists every transaction, page by page
                # (page numbers from 1), whatever the filter says.
                everything = [dict(t) for t in STATE.transactions.values()]
                page = int(query.get('page', ['1'])[0])
                content = everything[(page - 1) * page_size:page * page_size]
                pages = (len(everything) + page_size - 1) // page_size
                return self.reply(200, {'content': content, 'totalElements': len(everything),
                                        'totalPages': pages, 'size': page_size,
                                        'number': page - 1})
            content = [dict(tx)] if tx else []
        self.reply(200, {'content': content, 'totalElements': len(content),
                         'totalPages': 1 if content else 0, 'size': 20, 'number': 0})

    # ---- http provider webhook ----

    def signature_ok(self, data):
        expected = 'sha256=' + hmac.new(STATE.config['hmac_secret'].encode(), data,
                                        hashlib.sha256).hexdigest()
        if not hmac.compare_digest(self.headers.get('X-Saldo-Signature', ''), expected):
            with STATE.lock:
                STATE.counters['hmac_failures'] += 1
            self.reply(401, {'status': 'failed', 'message': 'bad signature'})
            return False
        return True

    def hook_topup(self, body, fault):
        if not self.signature_ok(body):
            return
        try:
            req = json.loads(body)
            ref = req['reference']
            amount = req['amount']
            currency = req['currency']
            if not isinstance(amount, str):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return self.reply(400, {'status': 'failed', 'message': 'malformed request'})
        if self.headers.get('Idempotency-Key') != ref:
            return self.reply(400, {'status': 'failed', 'message': 'Idempotency-Key mismatch'})
        with STATE.lock:
            stored = STATE.hook_replies.get(ref)
            if stored is None:
                action = fault['action'] if fault else None
                cost = float(amount) if currency == STATE.config['hook_currency'] else 0.0
                if action is None and cost > STATE.config['hook_funds']:
                    action = 'failed'
                    fault = {'action': 'failed', 'error_code': 'insufficient_funds'}
                elif action != 'failed':
                    STATE.config['hook_funds'] = round(STATE.config['hook_funds'] - cost, 2)
                if action == 'failed':
                    stored = (402, {'status': 'failed', 'message': 'declined',
                                    'error_code': fault.get('error_code', 'insufficient_funds')})
                else:
                    STATE.next_id += 1
                    STATE.charges.append({'provider': 'http', 'reference': ref,
                                          'amount': amount, 'currency': currency,
                                          'phone': req.get('phone'), 'iccid': req.get('iccid')})
                    stored = (200, {'status': 'pending' if action == 'pending' else 'succeeded',
                                    'transaction_id': 'hook-%d' % STATE.next_id,
                                    'delivered_amount': amount, 'currency': currency,
                                    'message': 'ok'})
                STATE.hook_replies[ref] = stored
        if fault and fault['action'] == 'malformed_after_charge':
            return self.reply(200, b'<html>oops</html>', 'text/html')
        if fault and fault['action'] == 'hang_after_charge':
            return self.hang(fault)
        self.reply(*stored)

    def hook_account(self):
        url = '%s://%s%s' % (self.server.scheme, self.headers.get('Host', ''), self.path)
        if not self.signature_ok(url.encode()):
            return
        with STATE.lock:
            funds = STATE.config['hook_funds']
            currency = STATE.config['hook_currency']
        self.reply(200, {'balance': '%.2f' % funds, 'currency': currency})

    def hook_status(self, url):
        ref = urllib.parse.unquote(url.path[len('/hook/status/'):])
        if not self.signature_ok(ref.encode()):
            return
        with STATE.lock:
            stored = STATE.hook_replies.get(ref)
        if stored is None:
            return self.reply(404, {'status': 'not_found'})
        self.reply(200, stored[1])


def make_certs(directory):
    def run(*args):
        subprocess.run(['openssl'] + list(args), check=True, cwd=directory,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    for name in ('ca', 'other-ca'):
        run('req', '-x509', *ec, '-keyout', name + '.key', '-out', name + '.pem',
            '-days', '2', '-subj', '/CN=Saldo test %s' % name,
            '-addext', 'basicConstraints=critical,CA:TRUE',
            '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    with open(os.path.join(directory, 'server.ext'), 'w') as f:
        f.write('subjectAltName=IP:127.0.0.1,DNS:localhost\n'
                'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n')
    run('req', '-new', *ec, '-keyout', 'server.key', '-out', 'server.csr',
        '-subj', '/CN=localhost')
    run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
        '-CAcreateserial', '-days', '2', '-out', 'server.pem', '-extfile', 'server.ext')


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--dir', required=True)
    parser.add_argument('--max-seconds', type=float, default=600)
    args = parser.parse_args()

    make_certs(args.dir)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(args.dir, 'server.pem'),
                        os.path.join(args.dir, 'server.key'))

    http.server.ThreadingHTTPServer.daemon_threads = True
    tls = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
    tls.scheme = 'https'
    plain = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    plain.scheme = 'http'
    serve(tls)
    serve(plain)

    # Never outlive a crashed test by more than --max-seconds.
    threading.Timer(args.max_seconds, lambda: os._exit(3)).start()

    print(json.dumps({'port': tls.server_address[1], 'plain_port': plain.server_address[1],
                      'ca': os.path.join(args.dir, 'ca.pem'),
                      'other_ca': os.path.join(args.dir, 'other-ca.pem')}), flush=True)

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            op = cmd.get('op')
            if op == 'state':
                reply = STATE.snapshot()
            elif op == 'fault':
                fault = dict(cmd)
                fault.setdefault('count', 1)
                with STATE.lock:
                    STATE.faults.append(fault)
                reply = {'ok': True}
            elif op == 'expire_tokens':
                with STATE.lock:
                    STATE.tokens.clear()
                reply = {'ok': True}
            elif op == 'config':
                with STATE.lock:
                    for key in ('client_id', 'client_secret', 'hmac_secret', 'expires_in',
                                'funds', 'hook_funds', 'hook_currency', 'report_page_size'):
                        if key in cmd:
                            STATE.config[key] = cmd[key]
                reply = {'ok': True}
            else:
                reply = {'error': 'unknown op %r' % op}
        except (ValueError, KeyError) as e:
            reply = {'error': str(e)}
        print(json.dumps(reply), flush=True)
    os._exit(0)


if __name__ == '__main__':
    main()
