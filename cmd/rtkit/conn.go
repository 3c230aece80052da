package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/client"
	"github.com/rtkit-go/rtkit/internal/specsrc"
)

// connFlags are the flags of the commands that connect.
type connFlags struct {
	token   string
	headers multiFlag
	cookies multiFlag
	path    string
	polling bool
	timeout time.Duration
	spec    string
	noColor bool
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func (f *connFlags) register(fs *flag.FlagSet, e env) {
	fs.StringVar(&f.token, "token", e.getenv("RTKIT_TOKEN"), "session `token`, sent as the handshake's auth.token (env RTKIT_TOKEN; prefer it: arguments are visible to other users in ps)")
	fs.Var(&f.headers, "header", "HTTP header `\"Name: value\"` for the handshake, repeatable (env RTKIT_HEADER: one)")
	fs.Var(&f.cookies, "cookie", "cookie `name=value` for the handshake, repeatable (env RTKIT_COOKIE: one)")
	fs.StringVar(&f.path, "path", or(e.getenv("RTKIT_PATH"), "/socket.io"), "Socket.IO endpoint `path` (env RTKIT_PATH)")
	fs.BoolVar(&f.polling, "polling", false, "start with HTTP long-polling and upgrade, as browsers do (default: websocket only)")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "give up after this long without a connection or an answer")
	fs.StringVar(&f.spec, "spec", e.getenv("RTKIT_SPEC"), "spec `source` (file, -, or live docs URL) to validate payloads and complete event names (env RTKIT_SPEC)")
	fs.BoolVar(&f.noColor, "no-color", false, "never colour the output (NO_COLOR in the environment does the same)")
	if h := e.getenv("RTKIT_HEADER"); h != "" {
		f.headers = append(f.headers, h)
	}
	if c := e.getenv("RTKIT_COOKIE"); c != "" {
		f.cookies = append(f.cookies, c)
	}
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// credentials builds the handshake's credentials from the flags.
func (f *connFlags) credentials() (client.Credentials, error) {
	cr := client.Credentials{Token: f.token, Header: http.Header{}}
	for _, h := range f.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return cr, fmt.Errorf("-header %q: want \"Name: value\"", h)
		}
		cr.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	for _, c := range f.cookies {
		name, value, ok := strings.Cut(c, "=")
		if !ok || name == "" {
			return cr, fmt.Errorf("-cookie %q: want name=value", c)
		}
		cr.Cookies = append(cr.Cookies, &http.Cookie{Name: name, Value: value})
	}
	return cr, nil
}

// options builds the client's options.
func (f *connFlags) options(cr client.Credentials) client.Options {
	o := client.Options{Credentials: cr, Path: f.path, Validation: client.ValidateNone}
	if f.polling {
		o.Transports = []client.Transport{client.Polling, client.Websocket}
	}
	return o
}

// loadSpec reads -spec, if given.
func (f *connFlags) loadSpec(ctx context.Context, e env) (*rtkit.Spec, error) {
	if f.spec == "" {
		return nil, nil
	}
	sp, err := specsrc.Load(ctx, f.spec, e.stdin)
	if err != nil {
		return nil, err
	}
	return &sp, nil
}

// dialStatus maps a failed Dial to an exit status.
func dialStatus(err error) int {
	var ce *client.ConnectError
	if errors.As(err, &ce) {
		return exitRefused
	}
	return exitNoAnswer
}

// namespaceOf returns the namespace a connection URL names.
func namespaceOf(rawURL string) string {
	rest := rawURL
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return "/"
	}
	ns := rest[i:]
	if j := strings.IndexAny(ns, "?#"); j >= 0 {
		ns = ns[:j]
	}
	if ns == "" {
		return "/"
	}
	return ns
}
