package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"slices"
	"sync"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/client"
)

const listenUsage = `Usage: rtkit listen [flags] URL [EVENT...]

Connects to the namespace URL names and prints every event the server sends
(or only the EVENTs named) as one JSON line each: {"event": …, "data": …}.
The connection is kept: after a drop it reconnects and recovers, so that no
event is missed; when the server cannot replay what was missed, the line of
"rtkit:resync" says so. Connection news go to standard error. With -spec,
an EVENT may be a unique prefix. Flags go before the arguments.

Examples:
  rtkit listen -token "$TOKEN" http://127.0.0.1:3000/notifications
  rtkit listen -count 1 -token "$TOKEN" http://127.0.0.1:3000/notifications notification:new
  rtkit listen -token "$TOKEN" http://127.0.0.1:3000/documents | jq .data.title

Exit status: 0 after -count events or an interrupt, 4 when the connection is
refused, 5 when it cannot be kept.

Flags:
`

func runListen(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("rtkit listen", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var cf connFlags
	cf.register(fs, e)
	count := fs.Int("count", 0, "exit after `n` events (0: run until interrupted)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), listenUsage); fs.PrintDefaults() }
	if code, done := parse(fs, args, e); done {
		return code
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return exitUsage
	}
	url, events := fs.Arg(0), fs.Args()[1:]
	cr, err := cf.credentials()
	if err != nil {
		fmt.Fprintln(e.stderr, "rtkit listen:", clean(err.Error()))
		return exitUsage
	}
	if events, err = cf.completeListened(ctx, e, url, events); err != nil {
		fmt.Fprintln(e.stderr, "rtkit listen:", clean(err.Error()))
		return exitUsage
	}

	p := painterFor(e.stderr, e, cf.noColor)
	o := cf.options(cr)
	o.OnConnect = func(i client.ConnectInfo) {
		switch {
		case !i.Reconnect:
			fmt.Fprintf(e.stderr, "%s %s as %s\n", p.green("connected"), clean(url), clean(i.ID))
		case i.Recovered:
			fmt.Fprintf(e.stderr, "%s, nothing missed\n", p.green("reconnected"))
		default:
			fmt.Fprintf(e.stderr, "%s, new session\n", p.green("reconnected"))
		}
	}
	o.OnDisconnect = func(reason string) {
		fmt.Fprintf(e.stderr, "%s (%s), reconnecting\n", p.red("disconnected"), clean(reason))
	}
	o.OnResync = func(r rtkit.Resync) {
		fmt.Fprintf(e.stderr, "%s (%s): events may have been missed\n", p.red("resync"), clean(string(r.Reason)))
	}
	dctx, cancel := context.WithTimeout(ctx, cf.timeout)
	c, err := client.Dial(dctx, url, o)
	cancel()
	if err != nil {
		fmt.Fprintln(e.stderr, "rtkit listen:", clean(err.Error()))
		return dialStatus(err)
	}
	defer c.Close()

	enough := make(chan struct{})
	var once sync.Once
	n := 0
	out := painterFor(e.stdout, e, cf.noColor)
	c.OnAny(func(event string, payload json.RawMessage) {
		if len(events) > 0 && !slices.Contains(events, event) && event != rtkit.ResyncEvent.Name() {
			return
		}
		if payload == nil {
			payload = json.RawMessage("null")
		}
		name, _ := json.Marshal(event)
		fmt.Fprintf(e.stdout, `{"event":%s,"data":%s}`+"\n", out.green(string(name)), compact(payload))
		if n++; *count > 0 && n >= *count {
			once.Do(func() { close(enough) })
		}
	})
	select {
	case <-ctx.Done():
		return exitOK
	case <-enough:
		return exitOK
	case <-c.Done():
		err := c.Err()
		fmt.Fprintln(e.stderr, "rtkit listen:", clean(err.Error()))
		var ce *client.ConnectError
		if errors.As(err, &ce) || errors.Is(err, client.ErrServerDisconnect) {
			return exitRefused
		}
		return exitNoAnswer
	}
}

// completeListened completes the event names to listen to from -spec.
func (f *connFlags) completeListened(ctx context.Context, e env, url string, events []string) ([]string, error) {
	sp, err := f.loadSpec(ctx, e)
	if err != nil || sp == nil || len(events) == 0 {
		return events, err
	}
	ns := findNamespace(*sp, namespaceOf(url))
	if ns == nil {
		return nil, fmt.Errorf("the spec has no namespace %s", namespaceOf(url))
	}
	out := make([]string, len(events))
	for i, name := range events {
		ev, err := completeEvent(ns, name, rtkit.ServerToClient)
		if err != nil {
			return nil, err
		}
		out[i] = ev.Name
	}
	return out, nil
}

// compact writes JSON on one line.
func compact(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
