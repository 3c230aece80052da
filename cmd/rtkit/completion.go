package main

import (
	"fmt"
)

// bashCompletion completes subcommands and flags, and the EVENT argument of
// call and listen from the spec in RTKIT_SPEC (or the -spec flag on the
// line), through `rtkit spec -names SPEC NAMESPACE`.
const bashCompletion = `# bash completion for rtkit; load with: source <(rtkit completion bash)
_rtkit() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "call listen spec docs completion help" -- "$cur")); return
  fi
  local sub=${COMP_WORDS[1]} spec=$RTKIT_SPEC url="" i args=()
  for ((i = 2; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -spec) spec=${COMP_WORDS[i+1]}; i=$((i+1)) ;;
      -token|-header|-cookie|-path|-timeout|-count) i=$((i+1)) ;;
      -*) ;;
      *) args+=("${COMP_WORDS[i]}") ;;
    esac
  done
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "-token -header -cookie -path -polling -timeout -spec -no-color -count -help" -- "$cur")); return
  fi
  if [[ ($sub == call || $sub == listen) && ${#args[@]} -ge 1 && -n $spec ]]; then
    url=${args[0]#*://}; local ns="/${url#*/}"; [ "$ns" = "/$url" ] && ns=/
    COMPREPLY=($(compgen -W "$(rtkit spec -names "$spec" "${ns%%\?*}" 2>/dev/null)" -- "$cur"))
  fi
}
complete -o default -F _rtkit rtkit
`

// runCompletion prints the completion script of a shell.
func runCompletion(args []string, e env) int {
	if len(args) != 1 || args[0] != "bash" {
		fmt.Fprintln(e.stderr, "usage: rtkit completion bash   (then: source <(rtkit completion bash))")
		return exitUsage
	}
	fmt.Fprint(e.stdout, bashCompletion)
	return exitOK
}
