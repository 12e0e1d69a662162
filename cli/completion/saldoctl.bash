# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for saldoctl: commands, options, and from saldod (when it
# runs) line numbers, ICCIDs and their last digits, the NetworkManager
# devices and interfaces of the lines' modems, rules, top-ups waiting for an
# answer, providers.

# Candidates from saldod, through the saldoctl being completed.
_saldoctl_from_saldod()
{
    "$1" _complete "$2" 2>/dev/null | cut -f1
}

_saldoctl()
{
    local cur prev words cword
    _init_completion || return

    local ctl=${words[0]}
    local commands='status lines balance history topup rules line profiles providers report parse monitor'
    local i cmd= cmd_at=0 sub=
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -*) ;;
            *)
                if [[ -z $cmd ]]; then
                    cmd=${words[i]} cmd_at=$i
                elif [[ -z $sub ]]; then
                    sub=${words[i]}
                fi
                ;;
        esac
    done

    case $prev in
        --format)
            COMPREPLY=($(compgen -W 'waybar text' -- "$cur"))
            return ;;
        --provider)
            COMPREPLY=($(compgen -W "$(_saldoctl_from_saldod "$ctl" providers)" -- "$cur"))
            return ;;
        --device)
            COMPREPLY=($(compgen -W "$(_saldoctl_from_saldod "$ctl" devices)" -- "$cur"))
            return ;;
        --kind)
            COMPREPLY=($(compgen -W 'threshold data keep-alive schedule forecast' -- "$cur"))
            return ;;
        --day)
            COMPREPLY=($(compgen -W "$(seq 1 28) last" -- "$cur"))
            return ;;
        --amount | --below | --data-below | --max-per-topup | --max-per-day | --max-per-month | \
        --max-attempts | --cooldown | --days-before | --days | --hour | --limit | --balance | --data | \
        --country | --carrier | --currency | --month)
            return ;;
    esac

    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$commands --json --help --version" -- "$cur"))
        return
    fi

    local rule_options='--amount --kind --below --data-below --provider --confirm --disabled
        --max-per-topup --max-per-day --max-per-month --max-attempts --cooldown --days-before
        --days --day --hour'
    local words_now=
    case $cmd in
        status) words_now='--format' ;;
        lines | profiles) ;;
        monitor) words_now='--format' ;;
        balance) words_now="--refresh --if-stale --device $(_saldoctl_from_saldod "$ctl" lines)" ;;
        history) words_now="--balance --csv --limit $(_saldoctl_from_saldod "$ctl" lines)" ;;
        topup)
            case $sub in
                '') words_now="confirm reject $(_saldoctl_from_saldod "$ctl" lines)" ;;
                confirm | reject) words_now="$(_saldoctl_from_saldod "$ctl" pending)" ;;
                *) words_now='--provider' ;;
            esac ;;
        rules)
            case $sub in
                '') words_now="list add update remove enable disable test" ;;
                list | test)
                    words_now="$(_saldoctl_from_saldod "$ctl" lines)"
                    [[ $sub == test ]] && words_now+=' --balance --data' ;;
                add) words_now="$rule_options $(_saldoctl_from_saldod "$ctl" lines)" ;;
                update) words_now="$rule_options --no-confirm --enabled $(_saldoctl_from_saldod "$ctl" rules)" ;;
                remove | enable | disable) words_now="$(_saldoctl_from_saldod "$ctl" rules)" ;;
            esac ;;
        line)
            if [[ -z $sub ]]; then
                words_now='set'
            elif (( cword == cmd_at + 2 )); then
                words_now="$(_saldoctl_from_saldod "$ctl" lines)"
            else
                compopt -o nospace 2>/dev/null   # (outside a completion: a test)
                words_now='balance-code= balance-menu= refresh-interval= allow-roaming=
                    own-number= sms-senders='
            fi ;;
        parse) words_now='--country --carrier --currency --explain -' ;;
        providers)
            case $sub in
                '') words_now='list check' ;;
                check) words_now="$(_saldoctl_from_saldod "$ctl" providers)" ;;
            esac ;;
        report) words_now="--month --csv $(_saldoctl_from_saldod "$ctl" lines)" ;;
    esac
    COMPREPLY=($(compgen -W "$words_now --json" -- "$cur"))
}
complete -F _saldoctl saldoctl
