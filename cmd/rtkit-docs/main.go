// Command rtkit-docs writes the documentation of an rtkit server's events
// (Markdown, JSON Schema, AsyncAPI 3.0, TypeScript) from its contract, and
// checks a new contract for changes that break existing clients.
//
// The contract is the JSON encoding of (*rtkit.Server).Spec(). rtkit-docs
// does not build or run your server: let your program print its spec, the
// way it already knows how to build its server, for example behind a flag:
//
//	if *printSpec {
//		json.NewEncoder(os.Stdout).Encode(srv.Spec())
//		return
//	}
//
// and pipe it in, or save it to a file first. A go:generate line keeps the
// docs next to the code:
//
//	//go:generate sh -c "go run . -print-spec | go run github.com/rtkit-go/rtkit/cmd/rtkit-docs -out docs/api -title 'Chat API' -"
//
// Usage:
//
//	rtkit-docs [-out DIR] [-title T] [-version V] [-description D] [-check] SPEC
//	rtkit-docs -breaking OLD [-json] SPEC
//
// SPEC and OLD are spec files; "-" reads standard input.
//
// The first form writes README.md, one Markdown page per namespace,
// asyncapi.json, schemas/<Type>.json, typescript/<namespace>.ts and a copy of
// the spec, spec.json, under DIR (default "docs/api"). Files of a namespace
// that no longer exists stay: delete DIR first to drop them. With -check it
// writes nothing and exits with status 1 if any file under DIR differs
// from what it would write, which makes a drift check for CI.
//
// The second form lists the breaking changes from OLD to SPEC (removed
// namespaces and events, removed or retyped fields, fields that became
// required where clients write them) and exits with status 1 if there are
// any. Keep the spec.json of your last release and compare against it in
// CI:
//
//	go run . -print-spec | go run github.com/rtkit-go/rtkit/cmd/rtkit-docs -breaking docs/api/spec.json -
//
// Exit status: 0 when all is well, 1 for breaking changes or stale docs,
// 2 for usage errors and unreadable input.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/docgen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole command, with its input and outputs passed in so that
// tests can drive it. It returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rtkit-docs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", filepath.Join("docs", "api"), "write the documentation under this `dir`")
	title := fs.String("title", "", "API title in the AsyncAPI document and the Markdown index (default \"Socket.IO API\")")
	version := fs.String("version", "", "API version in the AsyncAPI document (default \"0.0.0\")")
	description := fs.String("description", "", "API description, CommonMark")
	check := fs.Bool("check", false, "write nothing; exit with status 1 if the files under -out are not current")
	breaking := fs.String("breaking", "", "list breaking changes from the spec in `file` to SPEC instead of writing docs")
	asJSON := fs.Bool("json", false, "with -breaking: print the changes as a JSON array")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: rtkit-docs [-out DIR] [-title T] [-version V] [-description D] [-check] SPEC")
		fmt.Fprintln(stderr, "       rtkit-docs -breaking OLD [-json] SPEC")
		fmt.Fprintln(stderr, "SPEC and OLD are JSON encodings of (*rtkit.Server).Spec(); \"-\" reads standard input.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 || (fs.Arg(0) == "-" && *breaking == "-") {
		fs.Usage()
		return 2
	}
	sp, err := readSpec(fs.Arg(0), stdin)
	if err != nil {
		fmt.Fprintln(stderr, "rtkit-docs:", err)
		return 2
	}

	if *breaking != "" {
		old, err := readSpec(*breaking, stdin)
		if err != nil {
			fmt.Fprintln(stderr, "rtkit-docs:", err)
			return 2
		}
		return report(docgen.Diff(old, sp), *asJSON, stdout, stderr)
	}

	files, err := docgen.Generate(sp, docgen.Options{Info: docgen.Info{
		Title: *title, Version: *version, Description: *description,
	}})
	if err != nil {
		fmt.Fprintln(stderr, "rtkit-docs:", err)
		return 2
	}
	if *check {
		stale := staleFiles(*out, files)
		for _, name := range stale {
			fmt.Fprintf(stdout, "%s is not current\n", filepath.Join(*out, filepath.FromSlash(name)))
		}
		if len(stale) > 0 {
			fmt.Fprintln(stderr, "rtkit-docs: documentation is out of date; run rtkit-docs without -check")
			return 1
		}
		return 0
	}
	if err := docgen.WriteFiles(*out, files); err != nil {
		fmt.Fprintln(stderr, "rtkit-docs:", err)
		return 2
	}
	fmt.Fprintf(stdout, "wrote %d files under %s\n", len(files), *out)
	return 0
}

// readSpec reads a spec file, or standard input for "-". Unknown fields
// are refused: they mean a spec of another tool, or a newer rtkit.
func readSpec(name string, stdin io.Reader) (rtkit.Spec, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(stdin)
		name = "standard input"
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return rtkit.Spec{}, err
	}
	var sp rtkit.Spec
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&sp); err != nil {
		return rtkit.Spec{}, fmt.Errorf("%s: not an rtkit spec: %w", name, err)
	}
	if sp.Path == "" || sp.Namespaces == nil {
		return rtkit.Spec{}, fmt.Errorf("%s: not an rtkit spec: no path or namespaces", name)
	}
	return sp, nil
}

// report prints breaking changes and returns 1 if there are any.
func report(changes []docgen.Change, asJSON bool, stdout, stderr io.Writer) int {
	if asJSON {
		if changes == nil {
			changes = []docgen.Change{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(changes)
	} else {
		for _, c := range changes {
			fmt.Fprintln(stdout, c)
		}
	}
	if len(changes) > 0 {
		fmt.Fprintf(stderr, "rtkit-docs: %d breaking changes\n", len(changes))
		return 1
	}
	return 0
}

// staleFiles lists the generated files whose copy under dir is missing or
// different.
func staleFiles(dir string, files map[string][]byte) []string {
	var stale []string
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got, want) {
			stale = append(stale, name)
		}
	}
	slices.Sort(stale)
	return stale
}
