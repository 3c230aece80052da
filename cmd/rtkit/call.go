package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/client"
)

const callUsage = `Usage: rtkit call [flags] URL EVENT [PAYLOAD]

Sends EVENT with PAYLOAD (JSON; "-" reads standard input; {} when absent) to
the namespace URL names and prints the acknowledgement's data as JSON. A
failure is printed as {"error": {code, message, details, retryAfterMs}} on
standard output and explained on standard error. With -spec, the payload
is validated before anything is sent, and EVENT may be a unique prefix.
Flags go before the arguments.

Examples:
  rtkit call -token "$TOKEN" http://127.0.0.1:3000/notifications \
      subscribe:channel '{"channel":"broadcast"}'
  echo '{"channel":"broadcast"}' | RTKIT_TOKEN=$TOKEN rtkit call \
      -spec http://127.0.0.1:3000/docs http://127.0.0.1:3000/notifications subscribe -
  rtkit call -cookie rtkit_session=$TOKEN http://127.0.0.1:3000/documents \
      document:subscribe '{"documentId":"…"}'

Exit status: 0 success, 1 error answer, 2 usage, 3 invalid payload,
4 refused (connection, UNAUTHORIZED, FORBIDDEN), 5 no answer.

Flags:
`

func runCall(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("rtkit call", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var cf connFlags
	cf.register(fs, e)
	fs.Usage = func() { fmt.Fprint(fs.Output(), callUsage); fs.PrintDefaults() }
	if code, done := parse(fs, args, e); done {
		return code
	}
	if fs.NArg() < 2 || fs.NArg() > 3 {
		fs.Usage()
		return exitUsage
	}
	url, event := fs.Arg(0), fs.Arg(1)
	p := painterFor(e.stderr, e, cf.noColor)
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintln(e.stderr, "rtkit call:", clean(fmt.Sprintf(format, a...)))
		return code
	}
	payload, err := readPayload(fs.Arg(2), e.stdin)
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	cr, err := cf.credentials()
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, cf.timeout)
	defer cancel()

	sp, err := cf.loadSpec(ctx, e)
	if err != nil {
		return fail(exitUsage, "-spec: %v", err)
	}
	if sp != nil {
		ns := findNamespace(*sp, namespaceOf(url))
		if ns == nil {
			return fail(exitUsage, "the spec has no namespace %s", namespaceOf(url))
		}
		ev, err := completeEvent(ns, event, rtkit.ClientToServer)
		if err != nil {
			return fail(exitUsage, "%v", err)
		}
		event = ev.Name
		schema, err := rtkit.CompileSchema(ev.Payload)
		if err != nil {
			return fail(exitUsage, "the spec's schema of %s: %v", event, err)
		}
		if verr := schema.Validate(payload); verr != nil {
			fmt.Fprintf(e.stderr, "rtkit call: not sent: the payload does not match the schema of %s\n", clean(event))
			return reportError(verr, e.stdout, e.stderr, p)
		}
	}

	o := cf.options(cr)
	o.NoReconnect = true
	c, err := client.Dial(ctx, url, o)
	if err != nil {
		fmt.Fprintln(e.stderr, "rtkit call:", clean(err.Error()))
		return dialStatus(err)
	}
	defer c.Close()
	data, err := c.CallJSON(ctx, event, payload)
	var re *rtkit.Error
	switch {
	case err == nil:
		if len(data) > 0 {
			printJSON(e.stdout, data)
		}
		return exitOK
	case errors.As(err, &re):
		return reportError(re, e.stdout, e.stderr, p)
	default:
		fmt.Fprintln(e.stderr, "rtkit call:", clean(err.Error()))
		return exitNoAnswer
	}
}

// readPayload reads the payload argument: JSON, "-" for standard input,
// {} when absent. It must be one JSON value.
func readPayload(arg string, stdin io.Reader) (json.RawMessage, error) {
	b := []byte(arg)
	switch arg {
	case "":
		b = []byte("{}")
	case "-":
		var err error
		if b, err = io.ReadAll(io.LimitReader(stdin, 16<<20)); err != nil {
			return nil, err
		}
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("the payload is not JSON: %v", err)
	}
	return json.RawMessage(b), nil
}
