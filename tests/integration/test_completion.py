#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""saldoctl's shell completions: both load, and bash and zsh offer commands,
options, and from the real saldod on the rig line numbers, ICCIDs and
their last digits, the NetworkManager device and interface of the line's
modem (python-dbusmock's networkmanager template, joined by saldod), rules,
top-ups waiting for an answer and providers."""

import os
import subprocess
import unittest

from saldo_testcase import CLARO, SOURCE_ROOT, main
from test_network_manager import NetworkManagerMock
from test_topup import TopUpTest

COMPLETION = os.path.join(SOURCE_ROOT, 'cli', 'completion')
BASH_COMPLETION = '/usr/share/bash-completion/bash_completion'


class CompletionTest(TopUpTest):

    def env(self):
        # `saldoctl` as typed is the one under test.
        bindir = os.path.dirname(os.path.abspath(self.saldoctl_binary))
        return dict(self.rig.env, PATH=bindir + ':' + os.environ.get('PATH', ''))

    def bash(self, line):
        """What bash offers after `line` (the cursor at its end)."""
        script = '''
source %s
source %s/saldoctl.bash
read -ra COMP_WORDS <<< "$LINE"
[[ $LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE=$LINE
COMP_POINT=${#LINE}
_saldoctl saldoctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%%s\\n' "${COMPREPLY[@]}"
''' % (BASH_COMPLETION, COMPLETION)
        res = subprocess.run(['bash', '--norc', '--noprofile', '-c', script],
                             env=dict(self.env(), LINE=line), capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stderr, '')
        return sorted(w for w in res.stdout.split('\n') if w)

    def zsh(self, line):
        """What zsh offers after `line`, typed with a TAB into an
        interactive zsh (zsh-complete.zsh drives it on a pseudo-terminal)."""
        out = self.rig.path('zsh-offered')
        if os.path.exists(out):
            os.unlink(out)
        res = subprocess.run(['zsh', '-f', os.path.join(os.path.dirname(__file__), 'zsh-complete.zsh'),
                              COMPLETION, out, line],
                             env=self.env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)
        if not os.path.exists(out):
            return []
        with open(out) as f:
            return sorted(set(w for w in f.read().split('\n') if w))

    def test_both_load_and_bash_offers_what_saldod_knows(self):
        # Loading: bash registers the function; zsh's compinit finds _saldoctl
        # for saldoctl, and the function parses.
        res = subprocess.run(['bash', '--norc', '--noprofile', '-c',
                              'source %s; source %s/saldoctl.bash; complete -p saldoctl'
                              % (BASH_COMPLETION, COMPLETION)],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(res.stdout.strip(), 'complete -F _saldoctl saldoctl')
        zdump = self.rig.path('zcompdump')
        res = subprocess.run(['zsh', '-f', '-c',
                              'fpath=(%s $fpath); autoload -Uz compinit; compinit -u -d %s; '
                              'print -r -- $_comps[saldoctl]; autoload +X _saldoctl && '
                              'print -r -- ${+functions[_saldoctl]}' % (COMPLETION, zdump)],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(res.stdout.split(), ['_saldoctl', '1'], res.stderr)

        # Without saldod: commands and options, and no noise.
        self.assertEqual(self.bash('saldoctl ba'), ['balance'])
        self.assertEqual(self.bash('saldoctl balance '), ['--device', '--if-stale', '--json', '--refresh'])
        self.assertEqual(self.bash('saldoctl rules '),
                         ['--json', 'add', 'disable', 'enable', 'list', 'remove', 'test', 'update'])
        self.assertEqual(self.bash('saldoctl status --format '), ['text', 'waybar'])

        self.start_saldod()
        path = self.ready_line('Saldo: S/ 1.00')
        self.add_rule(line=path, kind='threshold', below=500, amount=1000, provider='pay',
                      confirm=True)
        planned = self.wait_state('planned')[0]
        iccid = CLARO['iccid']
        self.assertEqual(self.bash('saldoctl balance '), sorted(['--json', '--refresh', '--if-stale',
                                                                 '--device', '1', iccid[-4:], iccid]))
        self.assertEqual(self.bash('saldoctl balance 00'), [iccid[-4:]])
        self.assertEqual(self.bash('saldoctl topup confirm '), ['--json', planned['id']])
        self.assertEqual(self.bash('saldoctl rules enable '), ['--json', '1'])
        self.assertIn('pay', self.bash('saldoctl topup 1 5 --provider '))
        self.assertIn('refresh-interval=', self.bash('saldoctl line set 1 '))
        # What the completions read, with descriptions for zsh.
        self.assertIn('1\tClaro PE (…0011)\n', self.complete('lines'))

        # NetworkManager's names of the line's modem, as saldod joined them:
        # after --device, and among the LINEs; a Wi-Fi device is no line's.
        nm = NetworkManagerMock(self.rig)
        nm.add_wifi('wlan0', 'wlan0')
        device = nm.add_modem('cdc0', self.lines()[path]['Modem'], 'cdc-wdm0')
        nm.connect(device, 'Claro Internet', 'wwan0')
        self.rig.wait_for(lambda: self.lines()[path]['NetworkInterface'] == 'wwan0', 20, 'the join')
        self.assertEqual(self.bash('saldoctl balance --if-stale --device '), ['cdc-wdm0', 'wwan0'])
        self.assertEqual(self.bash('saldoctl balance --device w'), ['wwan0'])
        self.assertEqual(self.bash('saldoctl rules list c'), ['cdc-wdm0'])
        self.assertEqual(self.bash('saldoctl balance '),
                         sorted(['--json', '--refresh', '--if-stale', '--device', '1', iccid[-4:], iccid,
                                 'cdc-wdm0', 'wwan0']))
        self.assertEqual(self.complete('devices'), 'cdc-wdm0\t{0}\nwwan0\t{0}\n'.format(
            'Claro PE (…0011) · wwan0'))
        self.assertIn('wwan0\tline 1\n', self.complete('lines'))
        # zsh offers the same, typed into an interactive zsh (the names from
        # saldod were missing there: the function asked `balance _complete`).
        self.assertEqual(self.zsh('saldoctl ba'), ['balance'])
        self.assertEqual(self.zsh('saldoctl --json ba'), ['balance'])
        self.assertEqual(self.zsh('saldoctl balance --'), ['--device', '--if-stale', '--json', '--refresh'])
        self.assertEqual(self.zsh('saldoctl rules enable --'), ['--json'])
        self.assertEqual(self.zsh('saldoctl balance --json --'), ['--device', '--if-stale', '--refresh'])
        self.assertEqual(self.zsh('saldoctl balance '), sorted(['1', iccid[-4:], iccid, 'cdc-wdm0', 'wwan0']))
        self.assertEqual(self.zsh('saldoctl balance 00'), [iccid[-4:]])
        self.assertEqual(self.zsh('saldoctl balance --device w'), ['wwan0'])
        self.assertEqual(self.zsh('saldoctl topup confirm '), [planned['id']])
        self.assertEqual(self.zsh('saldoctl rules enable '), ['1'])
        self.assertEqual(self.zsh('saldoctl topup 1 5 --provider '), ['pay'])
        self.assertEqual(self.zsh('saldoctl status --format '), ['text', 'waybar'])

    def complete(self, what):
        res = subprocess.run([self.saldoctl_binary, '_complete', what], env=self.rig.env,
                             capture_output=True, text=True, timeout=30)
        self.assertEqual((res.returncode, res.stderr), (0, ''))
        return res.stdout


def load_tests(loader, tests, pattern):
    return unittest.TestSuite(CompletionTest(name) for name in vars(CompletionTest)
                              if name.startswith('test_'))


if __name__ == '__main__':
    main()
