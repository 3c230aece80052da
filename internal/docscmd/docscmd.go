// Package docscmd is the documentation command shared by `rtkit docs` and
// the older rtkit-docs: it writes the documentation of an rtkit server's
// contract and lists breaking changes between two contracts. See the
// documentation of cmd/rtkit-docs for its flags.
package docscmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/docgen"
	"github.com/rtkit-go/rtkit/internal/specsrc"
)

// Run is the whole command, named name in its messages, with its input and
// outputs passed in so that tests can drive it. It returns the exit
// status.
func Run(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", filepath.Join("docs", "api"), "write the documentation under this `dir`")
	title := fs.String("title", "", "API title in the AsyncAPI document and the Markdown index (default \"Socket.IO API\")")
	version := fs.String("version", "", "API version in the AsyncAPI document (default \"0.0.0\")")
	description := fs.String("description", "", "API description, CommonMark")
	check := fs.Bool("check", false, "write nothing; exit with status 1 if the files under -out are not current")
	breaking := fs.String("breaking", "", "list the changes from the spec in `file` to SPEC that clients notice (breaking ones and warnings), instead of writing docs")
	asJSON := fs.Bool("json", false, "with -breaking: print the changes as a JSON array")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: "+name+" [-out DIR] [-title T] [-version V] [-description D] [-check] SPEC")
		fmt.Fprintln(stderr, "       "+name+" -breaking OLD [-json] SPEC")
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
		fmt.Fprintln(stderr, name+":", err)
		return 2
	}

	if *breaking != "" {
		old, err := readSpec(*breaking, stdin)
		if err != nil {
			fmt.Fprintln(stderr, name+":", err)
			return 2
		}
		return report(name, docgen.Diff(old, sp), *asJSON, stdout, stderr)
	}

	files, err := docgen.Generate(sp, docgen.Options{Info: docgen.Info{
		Title: *title, Version: *version, Description: *description,
	}})
	if err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return 2
	}
	if *check {
		stale := staleFiles(*out, files)
		for _, name := range stale {
			fmt.Fprintf(stdout, "%s is not current\n", filepath.Join(*out, filepath.FromSlash(name)))
		}
		if len(stale) > 0 {
			fmt.Fprintln(stderr, name+": documentation is out of date; run "+name+" without -check")
			return 1
		}
		return 0
	}
	if err := docgen.WriteFiles(*out, files); err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return 2
	}
	fmt.Fprintf(stdout, "wrote %d files under %s\n", len(files), *out)
	return 0
}

// readSpec reads a spec file, standard input for "-", or a running
// server's live docs for an http(s) URL.
func readSpec(name string, stdin io.Reader) (rtkit.Spec, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return specsrc.Load(ctx, name, stdin)
}

// report prints the changes and returns 1 if any of them breaks clients
// (warnings alone return 0).
func report(name string, changes []docgen.Change, asJSON bool, stdout, stderr io.Writer) int {
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
	breaking := 0
	for _, c := range changes {
		if c.Severity != docgen.Warning {
			breaking++
		}
	}
	if warnings := len(changes) - breaking; warnings > 0 {
		fmt.Fprintf(stderr, "%s: %d warnings\n", name, warnings)
	}
	if breaking > 0 {
		fmt.Fprintf(stderr, "%s: %d breaking changes\n", name, breaking)
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
