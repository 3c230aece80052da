package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/leakcheck"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// The command's connections end with it; none may leave a goroutine.
func TestMain(m *testing.M) { leakcheck.Main(m) }

type sayIn struct {
	Text string `json:"text"`
}

// hostileServer answers every event with an error whose text carries
// terminal escape sequences, as a malicious or broken server might.
func hostileServer(t *testing.T) string {
	t.Helper()
	ns := rtkit.NewNamespace("/h")
	rtkit.Handle(ns, rtkit.NewEvent[sayIn, sayIn]("say"), func(context.Context, *rtkit.Socket, sayIn) (sayIn, error) {
		e := rtkit.NewError("\x1b]0;pwned\x07BAD", "red \x1b[31malert\x1b[0m\r\nforged line")
		e.Details = []rtkit.ErrorDetail{{Path: "/\x1b[2J", Message: "clear\x1b[2Jscreen"}}
		return sayIn{}, e
	})
	srv := rtkit.NewServer()
	srv.Mount(ns)
	return rtkittest.Start(t, srv).URL + "/h"
}

func TestServerTextCannotDriveTheTerminal(t *testing.T) {
	t.Parallel()
	url := hostileServer(t)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"call", url, "say", `{"text":"x"}`},
		env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut})
	assert.Equal(t, exitServerError, code)
	require.NotContains(t, errOut.String(), "\x1b", errOut.String())
	require.NotContains(t, errOut.String(), "\r")
	assert.Contains(t, errOut.String(), `red \x1b[31malert`)
	// Standard output is JSON: control characters are escaped there.
	assert.NotContains(t, out.String(), "\x1b")
	assert.Contains(t, out.String(), `\u001b[31malert`)
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"nope"}, {"call"}, {"call", "http://127.0.0.1:1/x"}, {"listen"}, {"spec"}, {"completion", "zsh"}} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut})
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.NotEmpty(t, errOut.String(), "%v", args)
	}
}
