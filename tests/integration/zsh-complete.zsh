# SPDX-License-Identifier: GPL-2.0-or-later
# zsh -f zsh-complete.zsh COMPLETION_DIR OUT_FILE LINE
#
# What zsh offers after LINE, as a user sees it: LINE and a TAB are typed
# into an interactive zsh on a pseudo-terminal (zsh/zpty) that has
# saldoctl's completion in its fpath, and every match the completion system
# adds is written to OUT_FILE, one a line.  compadd is wrapped to record
# what is added for display; its internal uses (-O, -A, -D, -E: matching
# into arrays) pass through unrecorded.
zmodload zsh/zpty || exit 2
local dir=$1 out=$2 line=$3 junk
zpty -b saldo zsh -f -i
zpty -w saldo "PS1='' fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w saldo "compadd () {
  local -a hits
  if (( \${argv[(I)-[OADE]]} )); then builtin compadd \"\$@\"; return; fi
  builtin compadd -O hits \"\$@\"
  (( \$#hits )) && print -rl -- \$hits >> ${(q)out}
  builtin compadd \"\$@\"
}"
zpty -w saldo "zstyle ':completion:*' menu no; setopt no_list_beep"
# The quotes keep the echo of the command from matching what it prints.
zpty -w saldo "print READ''Y"
zpty -r saldo junk '*READY*' || exit 3
zpty -w -n saldo "$line"$'\t'
# Keys are read in order: this runs once the completion has finished.
zpty -w -n saldo $'\C-u'"print DO''NE"$'\n'
zpty -r saldo junk '*DONE*' || exit 4
zpty -d saldo
