# SPDX-License-Identifier: GPL-2.0
# bash completion for insight(8): the subcommands (from `insight help`),
# each one's options (from `insight CMD --help`), pids for --pid, files
# and directories for the options that take them.

_insight_cmds()
{
	insight help 2>/dev/null | awk '/^  [a-z]/ { print $1 }'
}

_insight_opts()
{
	insight "$1" --help 2>/dev/null | awk '/^  --/ { print $1 }'
}

_insight()
{
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_insight_cmds) help" -- "$cur")
		return
	fi
	cmd=${COMP_WORDS[1]}
	case $prev in
	--pid)
		mapfile -t COMPREPLY < <(compgen -W "$(cd /proc && ls -d [0-9]* 2>/dev/null)" -- "$cur")
		return ;;
	--cgroup)
		mapfile -t COMPREPLY < <(compgen -d -- "${cur:-/sys/fs/cgroup/}")
		return ;;
	--record|--trace|--output|-o|--from|--lib|--binary|--man)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	--backend)
		mapfile -t COMPREPLY < <(compgen -W "kmod ptrace" -- "$cur")
		return ;;
	--format)
		mapfile -t COMPREPLY < <(compgen -W "text jsonl chrome" -- "$cur")
		return ;;
	--fd-kind)
		mapfile -t COMPREPLY < <(compgen -W "file socket pipe other" -- "$cur")
		return ;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "$(_insight_opts "$cmd") --help" -- "$cur")
}

complete -F _insight insight
