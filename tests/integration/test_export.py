#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Saldo's lines in the engines fleets already run: the real
prometheus-node-exporter reads saldod's metrics file, promtool checks it;
a real mosquitto broker on loopback gets each line's retained state and
Home Assistant's discovery configs over TLS, and keeps them across its own
restart.  The forecast and the top-up providers go both ways too."""

import calendar
import datetime
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
import types
import urllib.request

import paho.mqtt.client as mqtt

from fakeprovider import make_certs
from saldo_testcase import CLARO, MOVISTAR, SaldoTestCase, main
from test_forecast_report import CLARO_DEACTIVATION_DAYS, DAY, add_reading, add_topup
from test_topup import FakeProvider, add_http_provider

NODE_EXPORTER = '/usr/bin/prometheus-node-exporter'
PROMTOOL = '/usr/bin/promtool'
# Names come from the network: quotes and backslashes must reach
# Prometheus as text, never break the file.
# (Control characters are checked in test-export.c: ModemManager's AT
# parser cannot carry them together with a quote.)
HOSTILE_NAME = 'Movi"star\\PE'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def samples(text, name):
    """{frozenset(labels): value} of every sample of metric `name`."""
    found = {}
    for line in text.splitlines():
        m = re.match(r'^%s\{(.*)\} (\S+)$' % re.escape(name), line)
        if m:
            labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(1)))
            found[labels] = m.group(2)
    return found


class Broker:
    """Debian's mosquitto on 127.0.0.1:port with TLS and passwords, its
    configuration written here; retained messages persist across restarts."""

    def __init__(self, rig, user, password):
        self.rig = rig
        self.dir = rig.path('broker')
        os.mkdir(self.dir)
        make_certs(self.dir)
        self.ca = os.path.join(self.dir, 'ca.pem')
        self.other_ca = os.path.join(self.dir, 'other-ca.pem')
        self.port = free_port()
        passwd = os.path.join(self.dir, 'passwd')
        subprocess.run(['mosquitto_passwd', '-c', '-b', passwd, user, password], check=True,
                       capture_output=True)
        os.chmod(passwd, 0o600)
        self.conf = os.path.join(self.dir, 'mosquitto.conf')
        with open(self.conf, 'w') as f:
            f.write('\n'.join([
                'user root',
                'persistence true',
                'persistence_location %s/' % self.dir,
                'log_dest stdout',
                'log_type all',
                'allow_anonymous false',
                'password_file %s' % passwd,
                'listener %d 127.0.0.1' % self.port,
                'cafile %s' % self.ca,
                'certfile %s' % os.path.join(self.dir, 'server.pem'),
                'keyfile %s' % os.path.join(self.dir, 'server.key'),
                '']))
        self.runs = 0

    def start(self):
        self.runs += 1
        self.name = 'mosquitto-%d' % self.runs
        self.proc = self.rig.spawn(self.name, ['mosquitto', '-c', self.conf])

        def listening():
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=1):
                    return True
            except OSError:
                if self.proc.poll() is not None:
                    raise AssertionError('mosquitto exited: ' + self.rig.log_text(self.name))
                return False
        self.rig.wait_for(listening, 15, 'mosquitto on port %d' % self.port)

    def stop(self):
        # SIGTERM: mosquitto saves its retained messages, then exits.
        self.rig.stop(self.name)


class Subscriber:
    """paho (python3-paho-mqtt) subscribed to everything: the last payload
    of every topic, retained ones included ("" for an emptied one)."""

    count = 0

    def __init__(self, broker, user, password):
        Subscriber.count += 1
        self.messages = {}
        self.lock = threading.Lock()
        self.subscribed = threading.Event()
        self.marker = 'test/sync/%d' % Subscriber.count
        self.syncs = 0
        self.client = mqtt.Client(client_id='test-subscriber-%d-%d' % (os.getpid(), Subscriber.count))
        self.client.username_pw_set(user, password)
        self.client.tls_set(ca_certs=broker.ca)
        self.client.on_connect = lambda c, u, f, rc: c.subscribe('#', qos=1)
        self.client.on_subscribe = lambda c, u, mid, qos: self.subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect('127.0.0.1', broker.port, keepalive=30)
        self.client.loop_start()

    def _on_message(self, client, userdata, message):
        with self.lock:
            self.messages[message.topic] = message.payload.decode()

    def retained(self, rig):
        """Everything the broker held when this subscriber came: mosquitto
        queues a new subscription's retained messages before anything
        published after it, so they are all in once a message this
        subscriber publishes afterwards is back."""
        rig.wait_for(self.subscribed.is_set, 15, 'the subscription')
        self.syncs += 1
        marker = '%s/%d' % (self.marker, self.syncs)
        self.client.publish(marker, 'sync', qos=1)
        rig.wait_for(lambda: self.get(marker) == 'sync', 15, 'the retained messages')
        with self.lock:
            return {t: p for t, p in self.messages.items() if not t.startswith('test/sync/')}

    def get(self, topic):
        with self.lock:
            return self.messages.get(topic)

    def topics(self, prefix):
        with self.lock:
            return sorted(t for t in self.messages if t.startswith(prefix))

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def value_for(text, name, **labels):
    want = set(labels.items())
    values = [v for k, v in samples(text, name).items() if want <= k]
    return values[0] if len(values) == 1 else None


class ExportTest(SaldoTestCase):

    def claro_line_up(self):
        """ModemManager, polkit, and a registered Claro modem that answers
        its balance code with S/ 12.50."""
        self.rig.start_mm()
        self.start_polkit()
        claro = self.add_registered_modem('claro', **CLARO)
        claro.set_ussd('*777#', 'Claro: Tu saldo es S/ 12.50, vence el 30/12/2026.')
        return claro

    def inode(self, path):
        try:
            return os.stat(path).st_ino
        except FileNotFoundError:
            return None

    def wait_metrics(self, path, predicate, what, timeout=15.0):
        def check():
            try:
                with open(path) as f:
                    text = f.read()
            except FileNotFoundError:
                return None
            return text if predicate(text) else None
        return self.rig.wait_for(check, timeout, what)

    def promtool_check(self, path):
        with open(path, 'rb') as f:
            res = subprocess.run([PROMTOOL, 'check', 'metrics'], stdin=f, capture_output=True,
                                 text=True, timeout=60)
        self.assertEqual(res.returncode, 0, 'promtool check metrics: %s%s' % (res.stdout, res.stderr))
        self.assertEqual(res.stdout.strip() + res.stderr.strip(), '', 'promtool lint findings')

    def test_metrics_file_through_node_exporter(self):
        textfile_dir = self.rig.path('textfile')
        os.mkdir(textfile_dir)
        metrics = os.path.join(textfile_dir, 'saldo.prom')
        self.write_config(MetricsFile=metrics)
        claro = self.claro_line_up()
        movistar = self.add_ready_modem('movistar', **dict(MOVISTAR, operator_name=HOSTILE_NAME),
                                        registration='roaming')
        self.rig.enable_modem(movistar)
        self.start_saldod()
        claro_path, _ = self.wait_line(CLARO['iccid'], Active=True)
        self.wait_line(MOVISTAR['iccid'], Active=True, OperatorName=HOSTILE_NAME)

        # Two lines, neither read: no balance is claimed for either.
        text = self.wait_metrics(metrics, lambda t: t.count('saldo_line_active{') == 2 and
                                 value_for(t, 'saldo_line_roaming', iccid_suffix='0022') == '1',
                                 'both lines, Movistar roaming')
        self.assertNotIn('saldo_line_balance{', text)
        self.assertNotIn('saldo_line_last_reading_timestamp_seconds{', text)
        self.assertNotIn(CLARO['iccid'], text, 'the whole ICCID is not exported unless asked for')
        self.assertIn('operator_name="Movi\\"star\\\\PE"', text)
        self.assertEqual(value_for(text, 'saldo_line_roaming', iccid_suffix='0011'), '0')
        self.assertEqual(value_for(text, 'saldo_line_topups_total', iccid_suffix='0011',
                                   state='succeeded'), '0')
        self.promtool_check(metrics)

        # A reading is in the file within the coalescing interval.
        self.refresh(claro_path)
        text = self.wait_metrics(metrics, lambda t: 'saldo_line_balance{' in t, 'the balance', 10)
        self.assertEqual(value_for(text, 'saldo_line_balance', line='1', currency='PEN',
                                   operator='71610', carrier='claro-pe'), '12.50')
        self.assertEqual(value_for(text, 'saldo_line_balance_expiry_timestamp_seconds', line='1'),
                         str(calendar.timegm((2026, 12, 30, 0, 0, 0))))
        read_at = int(value_for(text, 'saldo_line_last_reading_timestamp_seconds', line='1'))
        self.assertLessEqual(abs(read_at - time.time()), 60)
        self.promtool_check(metrics)

        # Nothing changes, nothing is written: no timer runs (past one
        # coalescing interval, for whatever the refresh still changed).
        time.sleep(2.5)
        inode = self.inode(metrics)
        time.sleep(3)
        self.assertEqual(self.inode(metrics), inode)

        # A failed check counts, and the last balance stays.
        claro.set_ussd('*777#', no_reply=True)
        self.assert_dbus_error('io.github.saldo.Saldo1.Error.TimedOut', self.refresh, claro_path)
        text = self.wait_metrics(metrics, lambda t: value_for(
            t, 'saldo_line_refresh_failures_total', line='1') == '1', 'one failure', 10)
        self.assertEqual(value_for(text, 'saldo_line_balance', line='1'), '12.50')
        self.assertEqual(value_for(text, 'saldo_line_last_check_failed', line='1'), '1')

        # The real node_exporter reads the file and serves the series.
        port = free_port()
        exporter = self.rig.spawn('node-exporter', [
            NODE_EXPORTER, '--web.listen-address=127.0.0.1:%d' % port,
            '--collector.disable-defaults', '--collector.textfile',
            '--collector.textfile.directory=' + textfile_dir])

        def scrape():
            try:
                with urllib.request.urlopen('http://127.0.0.1:%d/metrics' % port, timeout=5) as r:
                    return r.read().decode()
            except OSError:
                if exporter.poll() is not None:
                    self.fail('node_exporter exited: %s' % self.rig.log_text('node-exporter'))
                return None
        scraped = self.rig.wait_for(scrape, 20, 'node_exporter on port %d' % port)
        self.assertIn('node_textfile_scrape_error 0', scraped)
        self.assertEqual(float(value_for(scraped, 'saldo_line_balance', line='1', currency='PEN')),
                         12.5)
        self.assertEqual(value_for(scraped, 'saldo_line_active', line='2',
                                   operator_name='Movi\\"star\\\\PE'), '1')
        self.assertEqual(value_for(scraped, 'saldo_line_refresh_failures_total', line='1'), '1')
        self.assertRegex(scraped, r'(?m)^saldo_modem_manager_running 1$')
        # Too little history for a forecast: no date, no rate, not 0.
        self.assertNotIn('saldo_line_runs_out_timestamp_seconds{', scraped)
        self.assertNotIn('saldo_line_spend_per_day{', scraped)

        # Its history, built while saldod is stopped: two weeks of S/ 2.00 a
        # day up to the S/ 12.50 it read, and a top-up 10 days ago; and an
        # http provider whose account answers.
        self.stop_saldod()
        fake = FakeProvider(self.rig)
        self.addCleanup(fake.close)
        # Its card ended last month (UTC, saldod's zone here) and it should
        # keep S/ 5000, more than its S/ 1000: two warnings.
        providers = add_http_provider(self.config_path, fake)
        this_month = datetime.datetime.now(datetime.timezone.utc).replace(
            day=1, hour=0, minute=0, second=0, microsecond=0)
        last_month = (this_month - datetime.timedelta(days=1)).strftime('%Y-%m')
        with open(os.path.join(providers, 'pay.conf'), 'a') as f:
            f.write('AccountUrl=https://127.0.0.1:%d/hook/account\nPaymentExpires=%s\n'
                    'FundsWarnBelow=5000 PEN\n' % (fake.port, last_month))
        db = sqlite3.connect(os.path.join(self.state_dir, 'saldo.db'))
        for k in range(1, 57):
            add_reading(db, read_at - k * 6 * 3600, 1250 + 50 * k)
        topped_up = read_at - 10 * DAY + 1800
        add_topup(db, '0001', topped_up, 'verified', 2000)
        # And S/ 7.00 through it a minute ago, for line 2 (line 1's forecast
        # counts from its recharge 10 days ago).
        db.execute("INSERT INTO topups (reference, line_id, origin, provider, amount, currency, state,"
                   " created, updated, finished) VALUES ('saldo-test-0002', 2, 'manual', 'pay', 700,"
                   " 'PEN', 'succeeded', ?, ?, ?)", (read_at - 60,) * 3)
        db.commit()
        db.close()
        self.start_saldod(extra_env={'TZ': 'UTC'})
        self.wait_metrics(metrics, lambda t: value_for(t, 'saldo_provider_funds', provider='pay')
                          and value_for(t, 'saldo_line_runs_out_timestamp_seconds', line='1')
                          and value_for(t, 'saldo_provider_warning', provider='pay',
                                        warning='funds-low') == '1',
                          'the forecast, the funds and their warning')
        self.promtool_check(metrics)
        scraped = self.rig.wait_for(lambda: (lambda t: t if t and 'saldo_provider_funds{' in t else None)(
            scrape()), 10, 'the new series through node_exporter')
        self.assertAlmostEqual(float(value_for(scraped, 'saldo_line_spend_per_day', line='1',
                                               currency='PEN')), 2.00, delta=0.02)
        self.assertAlmostEqual(float(value_for(scraped, 'saldo_line_runs_out_timestamp_seconds',
                                               line='1')), read_at + 6.25 * DAY, delta=DAY)
        self.assertEqual(float(value_for(scraped, 'saldo_line_deactivation_timestamp_seconds',
                                         line='1')), topped_up + CLARO_DEACTIVATION_DAYS * DAY)
        self.assertIsNone(value_for(scraped, 'saldo_line_runs_out_timestamp_seconds', line='2'))
        self.assertEqual(float(value_for(scraped, 'saldo_provider_funds', provider='pay',
                                         type='http', currency='PEN')), 1000)
        self.assertEqual(value_for(scraped, 'saldo_provider_state', provider='pay', state='ok'), '1')
        self.assertEqual(value_for(scraped, 'saldo_provider_state', provider='pay',
                                   state='needs-attention'), '0')
        # What issue 13's providers tell: the warnings (a state set), what
        # was spent through it this month, and when its card stops working
        # (the first second after its month).
        for warning, value in (('funds-low', '1'), ('funds-short', '0'),
                               ('payment-expires-soon', '0'), ('payment-expired', '1')):
            self.assertEqual(value_for(scraped, 'saldo_provider_warning', provider='pay', type='http',
                                       warning=warning), value, warning)
        spent = sum(amount for created, amount in ((topped_up, 20.00), (read_at - 60, 7.00))
                    if created >= this_month.timestamp())
        self.assertEqual(float(value_for(scraped, 'saldo_provider_spent_this_month', provider='pay',
                                         currency='PEN') or 0), spent)
        self.assertEqual(float(value_for(scraped, 'saldo_provider_payment_expiry_timestamp_seconds',
                                         provider='pay', type='http')), this_month.timestamp())

        # The backend stops taking saldod's signature: a check finds the
        # provider needing attention, and the file follows by itself.
        fake.command({'op': 'config', 'hmac_secret': 'rotated-on-the-server'})
        self.saldoctl('providers', 'check', 'pay')
        self.wait_metrics(metrics, lambda t: value_for(
            t, 'saldo_provider_state', provider='pay', state='needs-attention') == '1',
            'pay needing attention', 10)
        scraped = self.rig.wait_for(lambda: (lambda t: t if t and value_for(
            t, 'saldo_provider_state', provider='pay', state='needs-attention') == '1' else None)(
            scrape()), 10, 'needs-attention through node_exporter')
        self.assertEqual(value_for(scraped, 'saldo_provider_state', provider='pay', state='ok'), '0')
        self.assertEqual(value_for(scraped, 'saldo_provider_attention', provider='pay',
                                   reason='credentials-rejected'), '1')
        self.assertEqual(value_for(scraped, 'saldo_provider_attention', provider='pay',
                                   reason='insufficient-funds'), '0')

    # ---- MQTT and Home Assistant ----------------------------------------------

    MQTT_USER = 'saldo'
    MQTT_PASSWORD = 'n0t-in-the-config'

    def mqtt_setup(self):
        """A broker, and saldod's password in a root-only file beside its
        configuration; returns the file's path."""
        self.broker = Broker(self.rig, self.MQTT_USER, self.MQTT_PASSWORD)
        self.broker.start()
        secret = self.rig.path('mqtt.secret')
        with open(secret, 'w') as f:
            f.write(self.MQTT_PASSWORD + '\n')
        os.chmod(secret, 0o600)
        self.write_mqtt_config()
        return secret

    def write_mqtt_config(self, ca=None, **daemon):
        # saldo-mqtt.so as built, not as installed.
        self.write_config(ModuleDirectory=os.environ['SALDO_MODULE_DIR'], **daemon)
        with open(self.config_path, 'a') as f:
            f.write('\n[Mqtt]\nHost=127.0.0.1\nPort=%d\nNodeId=gw1\nUsername=%s\n'
                    'PasswordFile=mqtt.secret\nCAFile=%s\n'
                    % (self.broker.port, self.MQTT_USER, ca or self.broker.ca))

    def subscribe(self):
        sub = Subscriber(self.broker, self.MQTT_USER, self.MQTT_PASSWORD)
        self.addCleanup(sub.close)
        return sub

    def wait_state(self, sub, line, predicate, what, timeout=20.0):
        topic = 'saldo/gw1/line/%d/state' % line

        def check():
            payload = sub.get(topic)
            state = json.loads(payload) if payload else None
            return state if state is not None and predicate(state) else None
        return self.rig.wait_for(check, timeout, what)

    def test_mqtt_home_assistant_over_tls(self):
        self.mqtt_setup()
        # A provider that cannot tell its funds (no AccountUrl): its state is
        # published, its funds are not.
        add_http_provider(self.config_path, types.SimpleNamespace(port=1, ca=self.broker.ca))
        claro = self.claro_line_up()
        self.start_saldod()
        path, _ = self.wait_line(CLARO['iccid'], Active=True)
        sub = self.subscribe()

        # A line seen a second ago: its state says nothing is known yet.
        state = self.wait_state(sub, 1, lambda s: s['active'], 'line 1 active')
        self.assertIsNone(state['balance'])
        self.assertIsNone(state['days_left'])
        self.assertEqual(state['iccid_suffix'], '0011')
        self.rig.wait_for(lambda: sub.get('saldo/gw1/status') == 'online', 10, 'online status')

        self.refresh(path)
        state = self.wait_state(sub, 1, lambda s: s['balance'] is not None, 'the balance')
        self.assertEqual(state['balance'], '12.50')
        self.assertEqual(state['balance_minor'], 1250)
        self.assertEqual(state['currency'], 'PEN')
        self.assertEqual(state['expiry'], '2026-12-30T00:00:00Z')
        days = (calendar.timegm((2026, 12, 30, 0, 0, 0)) - int(time.time())) // 86400
        self.assertIn(state['days_left'], (days, days + 1))
        # One reading is no forecast: nothing made up.
        self.assertIsNone(state['spend_per_day'])
        self.assertIsNone(state['runs_out_on'])
        self.assertIsNone(state['deactivation_on'])
        first_reading = state['last_reading']
        # Home Assistant's discovery: sensors without YAML.
        configs = sub.topics('homeassistant/')
        self.assertIn('homeassistant/sensor/saldo_gw1/line1_balance/config', configs)
        self.assertIn('homeassistant/sensor/saldo_gw1/line1_days_left/config', configs)
        self.assertIn('homeassistant/binary_sensor/saldo_gw1/line1_roaming/config', configs)
        for key in ('runs_out', 'deactivation'):
            config = json.loads(sub.get('homeassistant/sensor/saldo_gw1/line1_%s/config' % key))
            self.assertEqual(config['device_class'], 'timestamp')
        spend = self.rig.wait_for(lambda: (lambda c: c if c.get('unit_of_measurement') else None)(
            json.loads(sub.get('homeassistant/sensor/saldo_gw1/line1_spend_per_day/config'))), 10,
            'the spending config with its currency')
        self.assertEqual(spend['unit_of_measurement'], 'PEN/d')
        self.assertEqual(spend['value_template'], '{{ value_json.spend_per_day }}')
        # The provider: a device of its own.
        [provider_topic] = sub.topics('saldo/gw1/provider/')
        number = provider_topic.split('/')[3]
        provider = json.loads(sub.get(provider_topic))
        self.assertEqual((provider['provider'], provider['type'], provider['state'], provider['funds']),
                         ('pay', 'http', 'unknown', None))
        attention = json.loads(sub.get('homeassistant/binary_sensor/saldo_gw1/provider%s_needs_attention/'
                                       'config' % number))
        self.assertEqual((attention['device_class'], attention['state_topic']),
                         ('problem', provider_topic))
        self.assertIn('homeassistant/sensor/saldo_gw1/provider%s_funds/config' % number, configs)
        balance = self.rig.wait_for(lambda: (lambda c: c if c.get('unit_of_measurement') else None)(
            json.loads(sub.get('homeassistant/sensor/saldo_gw1/line1_balance/config'))), 10,
            'the balance config with its currency')
        self.assertEqual(balance['unit_of_measurement'], 'PEN')
        self.assertEqual(balance['device_class'], 'monetary')
        self.assertEqual(balance['state_topic'], 'saldo/gw1/line/1/state')
        self.assertEqual(balance['availability_topic'], 'saldo/gw1/status')
        self.assertEqual(balance['device']['name'], 'Claro PE …0011')
        for topic in sub.topics(''):
            self.assertNotIn(CLARO['iccid'], sub.get(topic), topic)
        self.assertNotIn(self.MQTT_PASSWORD, self.saldod_text())

        # The broker goes away; the line is recharged meanwhile; it comes back
        # (with what it persisted) and gets the latest state, retained, with
        # the carrier's deactivation date counted from the recharge.
        sub.close()
        self.broker.stop()
        claro.set_ussd('*777#', 'Claro: Tu saldo es S/ 17.25, vence el 30/12/2026.')
        self.refresh(path)
        self.broker.start()
        late = self.subscribe()
        state = self.wait_state(late, 1, lambda s: s['balance'] == '17.25',
                                'the balance read while the broker was down', timeout=30)
        recharged = datetime.datetime.fromisoformat(first_reading.replace('Z', '+00:00'))
        self.assertEqual(state['deactivation_on'], (
            recharged + datetime.timedelta(days=CLARO_DEACTIVATION_DAYS)).strftime('%Y-%m-%dT%H:%M:%SZ'))
        self.rig.wait_for(lambda: late.get('saldo/gw1/status') == 'online', 10, 'online again')
        self.rig.wait_for(lambda: late.get('homeassistant/sensor/saldo_gw1/line1_balance/config'), 10,
                          'the discovery configs, retained')

        # saldod says goodbye: "offline", retained, for Home Assistant.
        self.stop_saldod()
        self.rig.wait_for(lambda: late.get('saldo/gw1/status') == 'offline', 10, 'offline status')

    def test_mqtt_clears_what_saldod_no_longer_has(self):
        self.mqtt_setup()
        providers = add_http_provider(self.config_path, types.SimpleNamespace(port=1, ca=self.broker.ca))
        shutil.copy(os.path.join(providers, 'pay.conf'), os.path.join(providers, 'spare.conf'))
        # What others keep on the broker, some of it under saldod's own
        # prefixes or shapes: another machine's saldod, a payload saldod did
        # not write, an entity it did not make.  Never touched.
        foreign = {
            'saldo/gw2/line/1/state': json.dumps({'line': 1, 'iccid_suffix': '0099'}),
            'homeassistant/sensor/saldo_gw2/line1_balance/config': json.dumps(
                {'unique_id': 'saldo_gw2_line1_balance', 'state_topic': 'saldo/gw2/line/1/state'}),
            'saldo/gw1/line/7/state': 'written by hand',
            'homeassistant/sensor/saldo_gw1/line7_balance/config': json.dumps(
                {'unique_id': 'my_own_sensor', 'state_topic': 'saldo/gw1/line/7/state'}),
            'saldo/gw1/notes': 'kept',
            'homeassistant/sensor/kitchen/temperature/config': json.dumps(
                {'unique_id': 'kitchen_t', 'state_topic': 'kitchen/t'}),
        }
        owner = self.subscribe()
        for topic, payload in foreign.items():
            owner.client.publish(topic, payload, qos=1, retain=True).wait_for_publish()
        self.rig.start_mm()
        self.add_registered_modem('claro', **CLARO)
        self.start_saldod()
        self.wait_line(CLARO['iccid'], Active=True)

        def devices(messages):
            """{device: its topics}: line1, and each provider by its id."""
            found = {}
            for topic, payload in messages.items():
                if not payload or topic in foreign:
                    continue
                state = json.loads(payload) if payload.startswith('{') else {}
                m = re.match(r'^saldo/gw1/(line|provider)/(\d+)/state$', state.get('state_topic', topic))
                if m:
                    found.setdefault(m.group(1) + m.group(2), set()).add(topic)
            ids = {'provider' + t.split('/')[3]: json.loads(p)['provider'] for t, p in messages.items()
                   if p and re.match(r'^saldo/gw1/provider/\d+/state$', t)}
            return {ids.get(k, k): v for k, v in found.items()}

        # Line 1 and both providers, each a state and its discovery configs.
        sub = self.subscribe()
        first = self.rig.wait_for(lambda: (lambda d: d if set(d) == {'line1', 'pay', 'spare'} and len(
            d['spare']) == 4 and len(d['line1']) == 12 else None)(devices(sub.retained(self.rig))),
            20, 'line 1, pay and spare on the broker')

        # spare's file is removed while saldod is stopped: on its next start
        # spare's state and entities are emptied, and nothing else.
        self.stop_saldod()
        os.remove(os.path.join(providers, 'spare.conf'))
        self.start_saldod()
        self.rig.wait_for(lambda: all(sub.get(t) == '' for t in first['spare']), 20,
                          "spare's topics emptied")
        held = self.subscribe().retained(self.rig)
        self.assertEqual(devices(held), {'line1': first['line1'], 'pay': first['pay']})
        self.assertEqual([t for t in first['spare'] if t in held], [])
        self.assertEqual({t: held.get(t) for t in foreign}, foreign)
        self.assertIn('/config cleared', self.saldod_text())

        # While saldod and the broker are both down, the state database is
        # started afresh and the SIM is gone: line 1 is no more.  saldod
        # starts first; the broker, back, gets line 1 cleared.
        self.stop_saldod()
        self.broker.stop()
        self.rig.stop_mm()
        self.state_dir = self.rig.path('state-afresh')
        self.start_saldod()
        self.assertFalse(self.lines())
        self.broker.start()
        late = self.subscribe()
        self.rig.wait_for(lambda: late.get('saldo/gw1/status') == 'online', 20, 'saldod connected again')
        self.rig.wait_for(lambda: 'line1' not in devices(late.retained(self.rig)), 20,
                          "line 1's topics cleared")
        held = self.subscribe().retained(self.rig)
        self.assertEqual(set(devices(held)), {'pay'})
        self.assertEqual([t for t in first['line1'] if t in held], [])
        self.assertEqual({t: held.get(t) for t in foreign}, foreign)

    def test_mqtt_refuses_open_secrets_and_untrusted_brokers(self):
        secret = self.mqtt_setup()
        metrics = self.rig.path('saldo.prom')
        # A password file others can read is refused, as a provider's secret
        # would be; saldod runs on and writes its metrics file.
        os.chmod(secret, 0o644)
        self.write_mqtt_config(MetricsFile=metrics)
        self.start_saldod()
        self.rig.wait_for(lambda: 'chmod 600' in self.saldod_text(), 10, 'the refusal in the log')
        self.assertIn('nothing is published over MQTT', self.saldod_text())
        self.rig.wait_for(lambda: os.path.exists(metrics), 10, 'the metrics file')
        self.stop_saldod()

        # A broker whose certificate another CA signed is not talked to.
        os.chmod(secret, 0o600)
        self.write_mqtt_config(ca=self.broker.other_ca)
        sub = self.subscribe()
        self.start_saldod()
        # The warning names OpenSSL's reason.
        warning = re.compile(r'WARNING \*\*: [0-9:.]+: MQTT broker 127.0.0.1:%d: A TLS error '
                             r'occurred. \(.*certificate verify failed\)' % self.broker.port)
        self.rig.wait_for(lambda: warning.search(self.saldod_text()), 15, 'the TLS failure in the log')
        time.sleep(1)
        self.assertIsNone(sub.get('saldo/gw1/status'))
        self.assertEqual(sub.topics('homeassistant/'), [])

if __name__ == '__main__':
    main()
