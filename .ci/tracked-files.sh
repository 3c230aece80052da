#!/usr/bin/env bash
# Fails when the git index tracks a built executable or a file over 1 MB.
#
#   ./.ci/tracked-files.sh
#
# Built programs belong in a temporary directory (go build -o "$(mktemp -d)/…"),
# never in the repository; large files bloat every clone forever. A built
# executable is recognised by its first bytes (ELF, Mach-O, Windows PE), not
# by its mode bits, so shell scripts with the executable bit stay allowed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

limit=$((1024 * 1024))

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "not a git checkout: no tracked files to check"
	exit 0
fi

bad=0
# %(objectsize) is the size of the blob as staged, so a file that is
# tracked but deleted or truncated in the work tree is still judged.
while IFS=' ' read -r size name; do
	if [ "$size" -gt "$limit" ]; then
		echo "tracked file over 1 MB: $name ($size bytes)"
		bad=1
	fi
	magic=$({ git cat-file blob ":$name" 2>/dev/null || true; } | head -c 4 | od -An -tx1 | tr -d ' \n')
	case "$magic" in
	7f454c46) kind="ELF executable" ;;
	cffaedfe | cefaedfe | feedfacf | feedface | cafebabe) kind="Mach-O executable" ;;
	4d5a*) kind="Windows executable" ;;
	*) kind="" ;;
	esac
	if [ -n "$kind" ]; then
		echo "tracked built program ($kind): $name"
		bad=1
	fi
done < <(git ls-files --format='%(objectname) %(path)' |
	git cat-file --batch-check='%(objectsize) %(rest)')

if [ "$bad" -ne 0 ]; then
	echo "remove these from the index (git rm --cached) and ignore them in .gitignore"
	exit 1
fi
echo "no built programs and no file over 1 MB tracked"
