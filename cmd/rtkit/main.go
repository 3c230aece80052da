// Command rtkit pokes a running rtkit server from a terminal, the way curl
// does an HTTP API: send one event and print its acknowledgement, print
// the events a namespace sends, show the contract, write the docs.
//
//	rtkit call [flags] URL EVENT [PAYLOAD]   send an event, print the acknowledgement
//	rtkit listen [flags] URL [EVENT...]      print server → client events as JSON lines
//	rtkit spec [flags] SOURCE                list namespaces and events of a contract
//	rtkit docs [flags] SPEC                  write the documentation (was rtkit-docs)
//	rtkit completion bash                    bash completion of commands, flags and event names
//
// URL is the server and namespace, "http://127.0.0.1:3000/notifications".
// SOURCE and SPEC are a spec file, "-" for standard input, or a running
// server's live docs (docgen.Handler): "http://127.0.0.1:3000/docs".
//
// Credentials come from flags or the environment: -token (RTKIT_TOKEN) is
// sent as the handshake's auth.token, -header "Name: value" (repeatable;
// RTKIT_HEADER holds one) and -cookie name=value (repeatable; RTKIT_COOKIE)
// go with the handshake's HTTP requests. -spec (RTKIT_SPEC) names a spec:
// call then validates the payload before sending and completes event
// names from a unique prefix; with RTKIT_SPEC set, the bash completion
// (source <(rtkit completion bash)) completes event names on Tab.
//
// Colour is used only when the output is a terminal and NO_COLOR is unset.
//
// Exit status:
//
//	0  success
//	1  the server answered with an error (NOT_FOUND, RATE_LIMITED, …)
//	2  usage error: bad flags, bad JSON, an event the spec does not have
//	3  the payload is invalid (VALIDATION_ERROR, from the spec or the server)
//	4  refused: the connection (connect_error) or the event (UNAUTHORIZED, FORBIDDEN)
//	5  no answer: the server is unreachable or the deadline passed
//
// `rtkit docs` keeps rtkit-docs's flags and exit status (0, 1 for breaking
// changes or stale docs, 2 for usage errors); cmd/rtkit-docs still works.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rtkit-go/rtkit/internal/docscmd"
)

// Exit statuses.
const (
	exitOK          = 0
	exitServerError = 1
	exitUsage       = 2
	exitInvalid     = 3
	exitRefused     = 4
	exitNoAnswer    = 5
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}))
}

// env is what a command reads and writes besides its arguments, so that
// tests can drive it.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

const usage = `rtkit pokes a running rtkit server from a terminal.

Usage:
  rtkit call [flags] URL EVENT [PAYLOAD]   send an event, print the acknowledgement
  rtkit listen [flags] URL [EVENT...]      print server → client events as JSON lines
  rtkit spec [flags] SOURCE                list namespaces and events of a contract
  rtkit docs [flags] SPEC                  write the documentation of a contract
  rtkit completion bash                    shell completion, event names included

URL is the server and namespace (http://127.0.0.1:3000/notifications).
SOURCE and SPEC are a spec file, "-" for standard input, or a server's live
docs (http://127.0.0.1:3000/docs).

Examples:
  rtkit spec http://127.0.0.1:3000/docs
  RTKIT_TOKEN=$TOKEN rtkit call -spec http://127.0.0.1:3000/docs \
      http://127.0.0.1:3000/notifications subscribe:channel '{"channel":"broadcast"}'
  rtkit listen -token "$TOKEN" http://127.0.0.1:3000/notifications notification:new

Run "rtkit COMMAND -help" for a command's flags. Exit status: 0 success,
1 error answer, 2 usage, 3 invalid payload, 4 refused, 5 no answer.
`

// run dispatches to the subcommand and returns the exit status.
func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "call":
		return runCall(ctx, args[1:], e)
	case "listen":
		return runListen(ctx, args[1:], e)
	case "spec":
		return runSpec(ctx, args[1:], e)
	case "docs":
		return docscmd.Run("rtkit docs", args[1:], e.stdin, e.stdout, e.stderr)
	case "completion":
		return runCompletion(args[1:], e)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(e.stderr, "rtkit: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
}
