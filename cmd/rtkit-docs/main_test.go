package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/docgen"
)

type joinIn struct {
	Room string `json:"room" jsonschema:"minLength=1"`
}

type joinOut struct {
	Members int `json:"members"`
}

type joinInV2 struct {
	Room  string `json:"room" jsonschema:"minLength=1"`
	Token string `json:"token"`
}

// writeSpec builds a server with one namespace, "/rooms", and saves its
// spec the way a user's program would.
func writeSpec[In any](t *testing.T, dir, name string) string {
	t.Helper()
	ns := rtkit.NewNamespace("/rooms")
	rtkit.Handle(ns, rtkit.NewEvent[In, joinOut]("join", rtkit.Summary("Join a room")),
		func(context.Context, *rtkit.Socket, In) (joinOut, error) { return joinOut{}, nil })
	srv := rtkit.NewServer()
	srv.Mount(ns)
	defer func() { _ = srv.Shutdown(context.Background()) }()
	b, err := json.Marshal(srv.Spec())
	require.NoError(t, err)
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, b, 0o644))
	return path
}

// The tests build rtkit servers to take their specs; none may leave a
// goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestWritesDocsThenChecksThem(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := writeSpec[joinIn](t, dir, "spec.json")
	out := filepath.Join(dir, "api")

	code, stdout, stderr := runCmd(t, "", "-out", out, "-title", "Rooms", spec)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "wrote 9 files under") // with the recovery events' schemas
	for _, f := range []string{"README.md", "rooms.md", "asyncapi.json", "schemas/joinIn.json",
		"schemas/joinOut.json", "typescript/rooms.ts", "spec.json"} {
		assert.FileExists(t, filepath.Join(out, filepath.FromSlash(f)))
	}
	readme, err := os.ReadFile(filepath.Join(out, "README.md"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(readme), "# Rooms\n"))

	code, _, stderr = runCmd(t, "", "-check", "-out", out, "-title", "Rooms", spec)
	assert.Equal(t, 0, code, stderr)

	// A different title, or an edited file, makes the docs stale.
	code, stdout, _ = runCmd(t, "", "-check", "-out", out, spec)
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "README.md is not current")
	require.NoError(t, os.WriteFile(filepath.Join(out, "rooms.md"), []byte("edited"), 0o644))
	code, stdout, stderr = runCmd(t, "", "-check", "-out", out, "-title", "Rooms", spec)
	assert.Equal(t, 1, code)
	assert.Equal(t, filepath.Join(out, "rooms.md")+" is not current\n", stdout)
	assert.Contains(t, stderr, "out of date")
}

// TestCommittedEchoDocsAreCurrent regenerates docs/echo from its committed
// spec.json, through JSON as users run the command.
func TestCommittedEchoDocsAreCurrent(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "docs", "echo")
	code, stdout, stderr := runCmd(t, "", "-check", "-out", dir, "-title", "rtkit echo example", "-version", "1.0.0",
		"-description", `The contract of examples/echo: clients post messages to rooms of the "/chat" namespace.`,
		filepath.Join(dir, "spec.json"))
	assert.Equal(t, 0, code, "%s%s", stdout, stderr)
}

func TestReadsSpecFromStandardInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec, err := os.ReadFile(writeSpec[joinIn](t, dir, "spec.json"))
	require.NoError(t, err)
	out := filepath.Join(dir, "api")
	code, _, stderr := runCmd(t, string(spec), "-out", out, "-")
	require.Equal(t, 0, code, stderr)
	assert.FileExists(t, filepath.Join(out, "rooms.md"))
}

func TestBreakingChanges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v1 := writeSpec[joinIn](t, dir, "v1.json")
	v2 := writeSpec[joinInV2](t, dir, "v2.json")

	code, stdout, stderr := runCmd(t, "", "-breaking", v1, v2)
	assert.Equal(t, 1, code)
	assert.Equal(t, "/rooms join (client-to-server): payload field token is now required\n", stdout)
	assert.Equal(t, "rtkit-docs: 1 breaking changes\n", stderr)

	code, stdout, _ = runCmd(t, "", "-breaking", v1, "-json", v2)
	assert.Equal(t, 1, code)
	var changes []map[string]string
	require.NoError(t, json.Unmarshal([]byte(stdout), &changes))
	assert.Equal(t, []map[string]string{{"kind": "field-required", "severity": "breaking", "namespace": "/rooms", "event": "join",
		"direction": "client-to-server", "part": "payload", "path": "token"}}, changes)

	// Dropping the field again breaks clients of v2, which send it:
	// rtkit refuses unknown fields.
	code, stdout, _ = runCmd(t, "", "-breaking", v2, v1)
	assert.Equal(t, 1, code)
	assert.Equal(t, "/rooms join (client-to-server): payload field token removed\n", stdout)

	code, stdout, _ = runCmd(t, "", "-breaking", v1, "-json", v1)
	assert.Equal(t, 0, code)
	assert.JSONEq(t, `[]`, stdout)

	spec, err := os.ReadFile(v1)
	require.NoError(t, err)
	code, stdout, _ = runCmd(t, string(spec), "-breaking", v1, "-")
	assert.Equal(t, 0, code)
	assert.Empty(t, stdout)
}

// TestExitStatusOfEveryDiffRule runs the cases of docgen's rule table
// (docgen/testdata/diff-rules.json) through the command: status 1 when a
// change breaks clients, 0 when there are only warnings or none, and every
// change printed.
func TestExitStatusOfEveryDiffRule(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "docgen", "testdata", "diff-rules.json"))
	require.NoError(t, err)
	var rules []struct {
		Name      string          `json:"name"`
		Direction rtkit.Direction `json:"direction"`
		Part      string          `json:"part"`
		Old       json.RawMessage `json:"old"`
		New       json.RawMessage `json:"new"`
		Want      []docgen.Change `json:"want"`
	}
	require.NoError(t, json.Unmarshal(b, &rules))
	require.NotEmpty(t, rules)
	dir := t.TempDir()
	write := func(name string, schema json.RawMessage, dirn rtkit.Direction, part string) string {
		ev := rtkit.EventSpec{Name: "ev", Direction: dirn, Payload: schema, PayloadType: "P"}
		if part == "ack" {
			ev.Payload, ev.Ack, ev.AckType = json.RawMessage(`{"type":"object"}`), schema, "A"
		}
		sp := rtkit.Spec{Path: "/socket.io/", Namespaces: []rtkit.NamespaceSpec{{Name: "/t", Events: []rtkit.EventSpec{ev}}},
			ErrorCodes: []rtkit.Code{}}
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, mustJSON(t, sp), 0o644))
		return path
	}
	for i, r := range rules {
		t.Run(r.Name, func(t *testing.T) {
			old := write(fmt.Sprintf("old-%d.json", i), r.Old, r.Direction, r.Part)
			new := write(fmt.Sprintf("new-%d.json", i), r.New, r.Direction, r.Part)
			want := 0
			for _, c := range r.Want {
				if c.Severity == docgen.Breaking {
					want = 1
				}
			}
			code, stdout, stderr := runCmd(t, "", "-breaking", old, new)
			assert.Equal(t, want, code, "stdout %s\nstderr %s", stdout, stderr)
			assert.Equal(t, len(r.Want), strings.Count(stdout, "\n"), stdout)
			if want == 0 && len(r.Want) > 0 {
				assert.Contains(t, stdout, "warning: ")
				assert.Contains(t, stderr, "warnings")
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestRefusesBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"openapi":"3.1.0"}`), 0o644))

	for _, args := range [][]string{
		{},
		{"a.json", "b.json"},
		{"-breaking", "-", "-"},
		{"-nope", "x.json"},
		{filepath.Join(dir, "missing.json")},
		{bad},
	} {
		code, _, stderr := runCmd(t, "{}", args...)
		assert.Equal(t, 2, code, "%q", args)
		assert.NotEmpty(t, stderr, "%q", args)
	}
	code, _, _ := runCmd(t, "", "-h")
	assert.Equal(t, 0, code)
}
