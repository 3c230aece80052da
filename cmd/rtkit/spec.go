package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/specsrc"
)

const specUsage = `Usage: rtkit spec [flags] SOURCE [NAMESPACE]

Lists the namespaces and events of a contract: → marks what clients send
(with payload → acknowledgement types), ← what the server sends. SOURCE is
a spec file, "-" for standard input, or a running server's live docs.

Examples:
  rtkit spec http://127.0.0.1:3000/docs
  rtkit spec -names http://127.0.0.1:3000/docs /notifications   # for shell completion
  rtkit spec -json docs/workspace/spec.json > spec.json

Flags:
`

func runSpec(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("rtkit spec", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print the spec itself")
	names := fs.Bool("names", false, "print event names only, one per line (for shell completion)")
	noColor := fs.Bool("no-color", false, "never colour the output")
	fs.Usage = func() { fmt.Fprint(fs.Output(), specUsage); fs.PrintDefaults() }
	if code, done := parse(fs, args, e); done {
		return code
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		fs.Usage()
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	sp, err := specsrc.Load(ctx, fs.Arg(0), e.stdin)
	if err != nil {
		fmt.Fprintln(e.stderr, "rtkit spec:", clean(err.Error()))
		return exitNoAnswer
	}
	only := fs.Arg(1)
	if only != "" && findNamespace(sp, only) == nil {
		fmt.Fprintf(e.stderr, "rtkit spec: no namespace %q (have %s)\n", only, clean(strings.Join(namespaceNames(sp), ", ")))
		return exitUsage
	}
	switch {
	case *asJSON:
		b, _ := json.MarshalIndent(sp, "", "  ")
		fmt.Fprintln(e.stdout, string(b))
	case *names:
		for _, ns := range sp.Namespaces {
			if only == "" || ns.Name == only {
				for _, ev := range ns.Events {
					fmt.Fprintln(e.stdout, clean(ev.Name))
				}
			}
		}
	default:
		listSpec(e, sp, only, painterFor(e.stdout, e, *noColor))
	}
	return exitOK
}

// listSpec prints the contract for people.
func listSpec(e env, sp rtkit.Spec, only string, p painter) {
	fmt.Fprintf(e.stdout, "Socket.IO path %s\n", clean(sp.Path))
	for _, ns := range sp.Namespaces {
		if only != "" && ns.Name != only {
			continue
		}
		fmt.Fprintf(e.stdout, "\n%s", p.bold(clean(ns.Name)))
		if ns.Description != "" {
			fmt.Fprintf(e.stdout, "  %s", p.dim(clean(ns.Description)))
		}
		fmt.Fprintln(e.stdout)
		for _, ev := range ns.Events {
			arrow, types := "←", shortType(ev.PayloadType)
			if ev.Direction == rtkit.ClientToServer {
				arrow = "→"
				if ev.AckType != "" {
					types += " → " + shortType(ev.AckType)
				}
			}
			fmt.Fprintf(e.stdout, "  %s %s (%s)", arrow, p.green(clean(ev.Name)), clean(types))
			if ev.Summary != "" {
				fmt.Fprintf(e.stdout, "  %s", p.dim(clean(ev.Summary)))
			}
			fmt.Fprintln(e.stdout)
		}
	}
}

// shortType drops package paths from a Go type name.
func shortType(t string) string {
	if i := strings.LastIndexByte(t, '.'); i >= 0 && !strings.ContainsAny(t, "[]") {
		return t[i+1:]
	}
	return t
}

func findNamespace(sp rtkit.Spec, name string) *rtkit.NamespaceSpec {
	for i := range sp.Namespaces {
		if sp.Namespaces[i].Name == name {
			return &sp.Namespaces[i]
		}
	}
	return nil
}

func namespaceNames(sp rtkit.Spec) []string {
	var out []string
	for _, ns := range sp.Namespaces {
		out = append(out, ns.Name)
	}
	return out
}

// completeEvent finds the event of direction dir named name in ns: the
// exact name, or the only one it is a prefix of.
func completeEvent(ns *rtkit.NamespaceSpec, name string, dir rtkit.Direction) (*rtkit.EventSpec, error) {
	var matches []*rtkit.EventSpec
	var all []string
	for i := range ns.Events {
		ev := &ns.Events[i]
		if ev.Direction != dir {
			continue
		}
		all = append(all, ev.Name)
		if ev.Name == name {
			return ev, nil
		}
		if strings.HasPrefix(ev.Name, name) {
			matches = append(matches, ev)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return nil, fmt.Errorf("namespace %s has no event %q; it has: %s", ns.Name, name, strings.Join(all, ", "))
	default:
		var names []string
		for _, m := range matches {
			names = append(names, m.Name)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("%q is ambiguous in %s: %s", name, ns.Name, strings.Join(names, ", "))
	}
}

// parse parses flags; done reports that the command ends here (help, or
// a usage error) with the status code.
func parse(fs *flag.FlagSet, args []string, e env) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, true
		}
		return exitUsage, true
	}
	return 0, false
}
