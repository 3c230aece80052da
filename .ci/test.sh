#!/usr/bin/env bash
# The whole test suite of rtkit:
#
#   ./.ci/test.sh
#
# It runs on a fresh Debian machine that has Go 1.26, as root or as a user
# who may sudo: first it installs what the tests need beyond Go (nothing
# yet; see "What the tests need" below), then it runs these checks:
#
#   tracked files   no built program and no file over 1 MB in git
#   gofmt -l        no output allowed
#   go vet ./...
#   staticcheck     honnef.co/go/tools, the version pinned below
#   go build ./...
#   go test -race   every package; the seed corpora of fuzz targets run as
#                   ordinary tests; then internal/engine again with a
#                   reader goroutine per websocket instead of epoll
#
# Every check runs even when an earlier one failed. A summary at the end
# lists them all, and the exit status is non-zero if any failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# ---------------------------------------------------------------------------
# What the tests need beyond Go. Add to these lists; the set-up below
# installs only what is missing, so a second run is quick.

# Debian packages: redis-server for the Redis store's tests (they start
# their own server on a free port).
APT_PACKAGES=()
if ! command -v redis-server >/dev/null 2>&1; then
	APT_PACKAGES+=(redis-server)
fi
# redis-cli creates the Redis Cluster of the adapter's cluster test.
if ! command -v redis-cli >/dev/null 2>&1; then
	APT_PACKAGES+=(redis-tools)
fi
# Node.js runs the official socket.io-client in the interop tests, and the
# better-auth service the auth tests authenticate against.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	APT_PACKAGES+=(nodejs npm)
fi
# PostgreSQL: the example application's tests start their own server
# (initdb and postgres from /usr/lib/postgresql/<version>/bin, run as the
# postgres user when the tests run as root) on a Unix socket of its own.
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
	APT_PACKAGES+=(postgresql)
fi
# Chromium shows the example application's demo page in its end-to-end
# test (driven by playwright-core).
if [ ! -x /usr/bin/chromium ]; then
	APT_PACKAGES+=(chromium)
fi

# Folders, relative to the repository root, with a committed
# package-lock.json: `npm ci` installs exactly what it pins.
NPM_DIRS=(interop/js tools/docscheck examples/workspace/js auth/testdata/betterauth internal/engine/testdata/js adapter/testdata/node examples/workspace/adminui)

# staticcheck runs with `go run` at this version (staticcheck.conf at the
# root says which checks and why).
STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2

# ---------------------------------------------------------------------------
# Set-up.

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "test.sh: need root or sudo to run: $*" >&2
		return 1
	fi
}

install_apt_packages() {
	local missing=() p
	for p in "${APT_PACKAGES[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
			missing+=("$p")
		fi
	done
	if [ "${#missing[@]}" -eq 0 ]; then
		return 0
	fi
	echo "==> apt-get install ${missing[*]}"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_npm_dirs() {
	local d
	for d in "${NPM_DIRS[@]}"; do
		echo "==> npm ci in $d"
		(cd "$d" && npm ci --no-audit --no-fund)
	done
}

if ! command -v go >/dev/null 2>&1; then
	echo "test.sh: go is not on PATH; the tests need Go 1.26" >&2
	exit 1
fi
echo "==> $(go version)"

install_apt_packages
install_npm_dirs
# Tests that need what was installed above fail instead of skipping.
export RTKIT_STRICT=1
# Services the tests need (redis-server, …) start here, once installed.

echo "==> go mod download"
go mod download

# ---------------------------------------------------------------------------
# Checks.

results=()
failures=0
test_counts=""

# check NAME COMMAND...: runs COMMAND and records whether it passed.
check() {
	local name=$1 start=$SECONDS
	shift
	echo
	echo "==> $name"
	if "$@"; then
		results+=("PASS  $name ($((SECONDS - start))s)")
	else
		results+=("FAIL  $name ($((SECONDS - start))s)")
		failures=$((failures + 1))
	fi
}

check_gofmt() {
	local out
	out=$(gofmt -l .) || return 1
	if [ -n "$out" ]; then
		echo "gofmt would change these files (run gofmt -w on them):"
		sed 's/^/  /' <<<"$out"
		return 1
	fi
	echo "all files formatted"
}

# run_tests runs go test verbosely into a log, shows it without the lines
# of passing tests, and counts tests, subtests and examples.
run_tests() {
	local log status passed failed skipped
	log=$(mktemp)
	go test -race -count=1 -timeout 15m -v ./... 2>&1 | tee "$log" |
		grep -v -E '^[[:space:]]*(=== (RUN|PAUSE|CONT|NAME)|--- PASS)'
	status=${PIPESTATUS[0]}
	passed=$(grep -c -E '^[[:space:]]*--- PASS' "$log" || true)
	failed=$(grep -c -E '^[[:space:]]*--- FAIL' "$log" || true)
	skipped=$(grep -c -E '^[[:space:]]*--- SKIP' "$log" || true)
	rm -f "$log"
	test_counts="tests: $passed passed, $failed failed, $skipped skipped"
	return "$status"
}

check "tracked files" ./.ci/tracked-files.sh
check "gofmt -l" check_gofmt
check "go vet ./..." go vet ./...
check "staticcheck ./..." go run "$STATICCHECK" ./...
check "go build ./..." go build ./...
check "go test -race ./..." run_tests
# The engine's tests once more with a reader goroutine per websocket
# instead of its epoll poller (engine.Options.DisableEpoll).
check "engine, goroutine readers" env RTKIT_ENGINE_READERS=goroutine go test -race -count=1 ./internal/engine

echo
echo "==> Summary"
printf '%s\n' "${results[@]}"
if [ -n "$test_counts" ]; then
	echo "$test_counts"
fi
if [ "$failures" -ne 0 ]; then
	echo "FAILED: $failures of ${#results[@]} checks"
	exit 1
fi
echo "OK: all ${#results[@]} checks passed"
