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
// The second form lists the changes from OLD to SPEC that clients written
// against OLD would notice, reasoning like a client (see docgen.Diff): what
// clients send may not be constrained more (tighter bounds, lengths,
// patterns, formats, fewer enum values, closed objects, new required
// fields, null refused); what they receive may not be missing, null or
// retyped; removed and renamed events and fields, and events whose
// direction changed, break both. Values clients receive that they were not
// promised (a wider enum, a looser bound) are printed as warnings. It exits
// with status 1 if any change breaks clients, 0 when there are only
// warnings or none. Keep the spec.json of your last release and compare
// against it in CI:
//
//	go run . -print-spec | go run github.com/rtkit-go/rtkit/cmd/rtkit-docs -breaking docs/api/spec.json -
//
// Exit status: 0 when all is well (warnings included), 1 for breaking
// changes or stale docs,
// 2 for usage errors and unreadable input.
package main

import (
	"io"
	"os"

	"github.com/rtkit-go/rtkit/internal/docscmd"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole command; `rtkit docs` runs the same code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return docscmd.Run("rtkit-docs", args, stdin, stdout, stderr)
}
