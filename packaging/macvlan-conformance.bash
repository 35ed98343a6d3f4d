# SPDX-License-Identifier: MIT
# bash completion for macvlan-conformance: flags, subcommands, and the values of --mode, --variant,
# --family and --inject-fault. Everything is read from the program's own --help at completion
# time (a few milliseconds), so the completion cannot fall behind the options.
# Installed as /usr/share/bash-completion/completions/macvlan-conformance.

_macvlan_conformance() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev='' prog=${COMP_WORDS[0]} help sub='' word
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    help=$("$prog" --help 2>/dev/null) || return 0

    # The subcommands are the entries of the "Subcommands:" block, up to the next "Heading:".
    local subcommands
    subcommands=$(awk '/^Subcommands:/ { on = 1; next } on && /^[^ ].*:$/ { exit } on && /^  [a-z]/ { print $1 }' <<<"$help")
    for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
        if [[ $word != -* ]] && grep -qx -- "$word" <<<"$subcommands"; then
            sub=$word
            help=$("$prog" "$sub" --help 2>/dev/null) || return 0
            break
        fi
    done

    # The previous word takes a value: its placeholder in --help says which kind.
    if [[ $prev == --* ]]; then
        local line spec values
        line=$(grep -m 1 -E -- "^  $prev( |$)" <<<"$help") || line=
        spec=${line#"  $prev"}
        spec=${spec# }
        spec=${spec%% *}
        case $spec in
            *:\{*\})  # MODE:{bridge,vepa,...}
                values=${spec#*:\{}
                values=${values%\}}
                mapfile -t COMPREPLY < <(compgen -W "${values//,/ }" -- "$cur")
                return 0 ;;
            VARIANT | FAULT)  # "... (repeatable): plain, hairpin, ...", "... Faults: arp-ignore, delay:MS"
                values=${line##*: }
                mapfile -t COMPREPLY < <(compgen -W "${values//,/ }" -- "$cur")
                return 0 ;;
            FILE* | PATH* | '[FILE]')
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -f -- "$cur")
                return 0 ;;
            DIR*)
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -d -- "$cur")
                return 0 ;;
            IFACE)
                mapfile -t COMPREPLY < <(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")
                return 0 ;;
            [A-Z]*) return 0 ;;  # a number, a glob, USER@HOST: nothing to offer
        esac
    fi

    if [[ $cur == -* ]]; then
        local flags
        flags=$(grep -oE -- '^  (-[a-z],)?--[a-z][a-z0-9-]*' <<<"$help" | sed 's/^ *\(-[a-z],\)\{0,1\}//')
        mapfile -t COMPREPLY < <(compgen -W "$flags" -- "$cur")
    elif [[ -z $sub ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$subcommands" -- "$cur")
    else  # restore's journals, merge's reports
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
    return 0
}
complete -F _macvlan_conformance macvlan-conformance
