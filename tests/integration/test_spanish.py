#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Saldo in Spanish (es_PE): saldoctl's messages and tables (status,
balance, rules, providers, report), amounts and dates as Peru writes them
(S/ 20.00, 30/12/2026), the agent's notification and its buttons, the
polkit action messages — and --json output that is the same byte for byte
in any language."""

import json
import os
import re
import subprocess
import time
import unittest

from saldo_testcase import main
from test_agent import BUILD, AgentTest

LABEL = 'Claro PE (…0011)'


class SpanishTest(AgentTest):

    def env(self, lang):
        env = dict(self.rig.env, LOCPATH=self.locales(),
                   SALDO_LOCALEDIR=os.path.join(BUILD, 'po'), LANG=lang)
        for var in ('LANGUAGE', 'LC_ALL', 'LC_MESSAGES', 'LC_MONETARY', 'LC_TIME'):
            env.pop(var, None)
        return env

    def ctl(self, lang, *args, check=True):
        res = subprocess.run([self.saldoctl_binary] + list(args), env=self.env(lang),
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        if check:
            self.assertEqual(res.returncode, 0, res.stderr)
        return res

    def es(self, *args, check=True):
        return self.ctl('es_PE.UTF-8', *args, check=check)

    def test_spanish_saldoctl_agent_and_polkit(self):
        self.start_saldod()
        self.start_notifications()
        self.start_agent(LANG='es_PE.UTF-8', LOCPATH=self.locales())
        path = self.ready_line('Claro: Tu saldo recarga es S/ 12.50 y vence el 30/12/2026.')
        self.add_rule(line=path, kind='threshold', below=500, amount=2000, provider='pay',
                      enabled=False)

        status = self.es('status').stdout
        self.assertIn('líneas: 1 conocidas, 1 activas', status)
        self.assertRegex(status, r'LÍNEA +ICCID +IMSI +ACTIVA +OPER +NOMBRE +ORIGEN CÓDIGO +RED +MÓDEM\n')
        self.assertRegex(status, r'\n1 +8951100000000000011 +716100000000011 +sí +71610 +Claro PE +\S+ +- +/')
        balance = self.es('balance').stdout
        self.assertRegex(balance, r'^línea 1 \(8951100000000000011, claro-pe\)\n')
        self.assertRegex(balance, r'\n  saldo: +S/ 12\.50 \(ussd, \d\d/\d\d/\d{4} \d\d:\d\d\)\n')
        self.assertIn('\n  vence:    30/12/2026\n', balance)
        rules = self.es('rules', 'list').stdout
        self.assertRegex(rules, r'REGLA +LÍNEA +TIPO +ACT +PREG +PROVEEDOR +MONTO +CUÁNDO')
        self.assertRegex(rules, r'\n1 +1 +threshold +no +no +pay +S/ 20\.00 +saldo < S/ 5\.00 ')
        bar = json.loads(self.es('status', '--format', 'waybar').stdout)
        self.assertEqual(bar['text'], 'S/ 12.50')
        self.assertEqual(bar['tooltip'], LABEL + ': S/ 12.50, vence el 30/12/2026')
        err = self.es('balance', '9999', check=False)
        self.assertEqual(err.stderr, 'saldoctl: no existe la línea «9999» (ver saldoctl lines)\n')

        # --json is for programs: the same bytes in Spanish and in English,
        # errors included.
        for args in (('status',), ('balance',), ('rules', 'list'), ('history', '--balance'),
                     ('balance', '9999')):
            es = self.ctl('es_PE.UTF-8', '--json', *args, check=False)
            en = self.ctl('C.UTF-8', '--json', *args, check=False)
            self.assertEqual((es.stdout, es.stderr, es.returncode),
                             (en.stdout, en.stderr, en.returncode), args)
        self.assertIn('"balance" : "12.50"', self.ctl('es_PE.UTF-8', '--json', 'balance').stdout)
        self.assertIn("no line '9999'", self.ctl('es_PE.UTF-8', '--json', 'balance', '9999',
                                                 check=False).stderr)

        # The agent asks in Spanish, with Peru's money on its buttons.
        self.add_rule(line=path, kind='threshold', below=2000, amount=1000, provider='pay',
                      confirm=True)
        n = self.notes.wait_for(lambda n: n.summary == '¿Recargar %s?' % LABEL, what='la pregunta')
        self.assertEqual(n.action_list, ['confirm', 'Recargar S/ 10.00', 'reject', 'Ahora no'])
        self.assertEqual(n.body, 'El saldo es S/ 12.50, menos de S/ 20.00. '
                                 'Saldo pregunta antes de gastar S/ 10.00 con pay.')

        # The owner says yes: the provider and the month's report in Spanish,
        # with Peru's money and dates; their --json the same in any language.
        self.sim.set_ussd('*777#', 'Claro: Tu saldo recarga es S/ 22.50 y vence el 30/12/2026.')
        self.es('topup', 'confirm', self.wait_state('planned')[0]['id'])
        created = time.localtime(self.wait_state('verified')[0]['created'])
        day = time.strftime('%d/%m/%Y', created)
        month = '%s de %d' % (('enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio',
                               'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre')
                              [created.tm_mon - 1], created.tm_year)
        # (the values line up after the widest label, counted in characters)
        self.assertRegex(self.es('providers').stdout,
                         r'^proveedor 1: pay \(http\), operativo\n  este mes:            S/ 10\.00\n'
                         r'  último éxito:        %s \d\d:\d\d\n$' % re.escape(day))
        report = self.es('report').stdout
        self.assertTrue(report.startswith('Reporte de %s\nlínea 1 (8951100000000000011)\n' % month),
                        report)
        for row in ('recargas:         1 intento, S/ 10.00 gastados — verificada 1 (S/ 10.00)',
                    'saldo bajo:       1 día por debajo de S/ 20.00',
                    'día de más gasto: S/ 10.00 (%s)' % day):
            self.assertIn('\n  %s\n' % row, report)
        self.assertTrue(report.endswith('\nproveedores:\n  pay (http): operativo, gastado S/ 10.00\n'),
                        report)
        for args in (('providers',), ('report',)):
            es = self.ctl('es_PE.UTF-8', '--json', *args)
            self.assertEqual(es.stdout, self.ctl('C.UTF-8', '--json', *args).stdout, args)

        # What the polkit agent shows when the button asks for the password.
        policy = open(os.path.join(BUILD, 'policy', 'io.github.saldo.Saldo1.policy'),
                      encoding='utf-8').read()
        self.assertRegex(policy, re.escape('<message xml:lang="es">Se necesita autenticación para '
                                           'gastar dinero recargando una línea móvil</message>'))


def load_tests(loader, tests, pattern):
    return unittest.TestSuite(SpanishTest(name) for name in vars(SpanishTest)
                              if name.startswith('test_'))


if __name__ == '__main__':
    main()
