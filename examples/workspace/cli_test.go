package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/app"
	"github.com/rtkit-go/rtkit/internal/proctest"
)

// cliBinary is the rtkit command, built once per test run for the tests
// that run it; TestMain removes it.
var cliBinary = proctest.NewBinary("github.com/rtkit-go/rtkit/cmd/rtkit")

// cliResult is what one run of the command gave.
type cliResult struct {
	code           int
	stdout, stderr string
}

// rtkitCLI runs the command to completion with args and env (on top of a
// clean environment) and returns its exit status and output.
func rtkitCLI(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	bin := cliBinary.Path(t) // built first: the deadline is the run's alone
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...) // killed by its PID at the deadline
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "rtkit %v did not end: %s", args, errOut.String())
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return cliResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

// errorOf decodes the {"error": …} the command prints for a failure.
func (r cliResult) errorOf(t *testing.T) (code, message string) {
	t.Helper()
	var v struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &v), "stdout: %s", r.stdout)
	return v.Error.Code, v.Error.Message
}

func TestCLICallSignedIn(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ann := signUp(t, ta, "ann@example.com")
	ns := ta.URL + "/notifications"

	// The three ways to present the session, and the environment.
	for name, tc := range map[string]struct {
		env  []string
		args []string
	}{
		"-token":  {nil, []string{"-token", ann.Token}},
		"-header": {nil, []string{"-header", "Authorization: Bearer " + ann.Token}},
		"-cookie": {nil, []string{"-cookie", "rtkit_session=" + ann.Token}},
		"env":     {[]string{"RTKIT_TOKEN=" + ann.Token}, nil},
	} {
		args := append(append([]string{"call"}, tc.args...), ns, "subscribe:channel", `{"channel":"broadcast"}`)
		r := rtkitCLI(t, tc.env, args...)
		require.Equal(t, 0, r.code, "%s: %s", name, r.stderr)
		assert.JSONEq(t, `{"channel":"broadcast"}`, r.stdout, name)
	}

	// The payload from standard input is not tested here (no terminal);
	// an acknowledgement with data: mark:read of a real notification.
	res := call(t, "POST", ta.URL+"/api/notifications", ann.Token, map[string]any{"type": "info", "title": "T", "message": "M"})
	var note struct{ ID string }
	res.Decode(t, &note)
	r := rtkitCLI(t, nil, "call", "-token", ann.Token, ns, "mark:read", `{"notificationId":"`+note.ID+`"}`)
	require.Equal(t, 0, r.code, r.stderr)
	var out struct {
		ID   string `json:"id"`
		Read bool   `json:"read"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
	assert.Equal(t, note.ID, out.ID)
	assert.True(t, out.Read)
}

func TestCLIExitCodes(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ann, bob := signUp(t, ta, "ann@example.com"), signUp(t, ta, "bob@example.com")
	ns := ta.URL + "/notifications"
	docs := ta.URL + "/docs"

	// Refused connection: no session, a bad one.
	r := rtkitCLI(t, nil, "call", ns, "subscribe:channel", `{"channel":"broadcast"}`)
	assert.Equal(t, 4, r.code, r.stderr)
	assert.Contains(t, r.stderr, "Authentication required")
	r = rtkitCLI(t, nil, "call", "-token", "nope", ns, "subscribe:channel", `{"channel":"broadcast"}`)
	assert.Equal(t, 4, r.code, r.stderr)
	assert.Contains(t, r.stderr, "UNAUTHORIZED")

	// Refused event: another user's channel.
	r = rtkitCLI(t, nil, "call", "-token", ann.Token, ns, "subscribe:channel", `{"channel":"user:`+bob.ID+`"}`)
	assert.Equal(t, 4, r.code, r.stderr)
	code, msg := r.errorOf(t)
	assert.Equal(t, "FORBIDDEN", code)
	assert.Equal(t, "channel not allowed", msg)

	// Validation, by the server.
	r = rtkitCLI(t, nil, "call", "-token", ann.Token, ns, "subscribe:channel", `{"channel":""}`)
	assert.Equal(t, 3, r.code, r.stderr)
	code, _ = r.errorOf(t)
	assert.Equal(t, "VALIDATION_ERROR", code)
	assert.Contains(t, r.stderr, "/channel")

	// Validation before sending, with the live spec; the event name is
	// completed from a prefix. Nothing is sent: the server logs no refusal.
	r = rtkitCLI(t, nil, "call", "-spec", docs, "-token", ann.Token, ns, "subscribe", `{"channel":"", "extra": 1}`)
	assert.Equal(t, 3, r.code, r.stderr)
	assert.Contains(t, r.stderr, "not sent")
	assert.Contains(t, r.stderr, "/extra")
	r = rtkitCLI(t, nil, "call", "-spec", docs, "-token", ann.Token, ns, "subscribe", `{"channel":"broadcast"}`)
	assert.Equal(t, 0, r.code, r.stderr)

	// An error answer: a notification that does not exist.
	r = rtkitCLI(t, nil, "call", "-token", ann.Token, ns, "mark:read", `{"notificationId":"`+uuid.NewString()+`"}`)
	assert.Equal(t, 1, r.code, r.stderr)
	code, _ = r.errorOf(t)
	assert.Equal(t, "NOT_FOUND", code)

	// Usage: bad JSON, an event the spec lacks, an ambiguous prefix, a
	// namespace the spec lacks.
	for _, args := range [][]string{
		{"call", "-token", ann.Token, ns, "subscribe:channel", `{"channel":`},
		{"call", "-spec", docs, "-token", ann.Token, ns, "nope:nothing", `{}`},
		{"call", "-spec", docs, "-token", ann.Token, ns, "", `{}`},
		{"call", "-spec", docs, "-token", ann.Token, ta.URL + "/elsewhere", "x", `{}`},
		{"frobnicate"},
	} {
		r = rtkitCLI(t, nil, args...)
		assert.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
	}
	r = rtkitCLI(t, nil, "call", "-spec", docs, "-token", ann.Token, ns, "nope:nothing", `{}`)
	assert.Contains(t, r.stderr, "subscribe:channel", "the events it has are listed")

	// No answer: nothing listens there.
	r = rtkitCLI(t, nil, "call", "-timeout", "2s", "http://127.0.0.1:1/notifications", "x", `{}`)
	assert.Equal(t, 5, r.code, r.stderr)
}

func TestCLIListenPrintsNotificationCreatedOverREST(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ann := signUp(t, ta, "ann@example.com")

	bin := cliBinary.Path(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "listen", "-count", "1", "-spec", ta.URL+"/docs",
		"-token", ann.Token, ta.URL+"/notifications", "notification:n")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	connected := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "connected") {
				connected <- sc.Text()
			}
		}
	}()
	select {
	case line := <-connected:
		assert.NotContains(t, line, "\x1b[", "no colour outside a terminal")
	case <-ctx.Done():
		t.Fatal("rtkit listen did not connect")
	}

	res := call(t, "POST", ta.URL+"/api/notifications", ann.Token, map[string]any{"type": "info", "title": "Hello", "message": "from REST"})
	require.Equal(t, 201, res.Status, string(res.Body))
	out, err := io.ReadAll(stdout)
	require.NoError(t, err)
	require.NoError(t, cmd.Wait(), "exit status 0 after -count 1")

	var line struct {
		Event string `json:"event"`
		Data  struct {
			Title, Message, Type string
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(out, &line), "%s", out)
	assert.Equal(t, "notification:new", line.Event)
	assert.Equal(t, "Hello", line.Data.Title)
	assert.Equal(t, "from REST", line.Data.Message)
	assert.Equal(t, 1, strings.Count(string(out), "\n"), "one JSON line")
}

func TestCLISpecAndHelp(t *testing.T) {
	t.Parallel()
	ta := startApp(t, defaultConnectionLimits)
	r := rtkitCLI(t, nil, "spec", ta.URL+"/docs")
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{"/notifications", "/documents", "→ subscribe:channel (ChannelIn → ChannelOut)", "← notification:new (Notification)"} {
		assert.Contains(t, r.stdout, want)
	}
	assert.NotContains(t, r.stdout, "\x1b[")
	r = rtkitCLI(t, nil, "spec", "-names", "../../docs/workspace/spec.json", "/documents")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, strings.Fields(r.stdout), "document:subscribe")
	assert.NotContains(t, r.stdout, "subscribe:channel")

	for _, cmd := range []string{"call", "listen", "spec"} {
		r = rtkitCLI(t, nil, cmd, "-help")
		assert.Equal(t, 0, r.code, cmd)
		assert.Contains(t, r.stderr, "Examples:", cmd)
	}
	// Tab completion of event names, from the live spec.
	script := `source <(rtkit completion bash); COMP_WORDS=(rtkit call -token x ` + ta.URL + `/notifications sub); COMP_CWORD=5; _rtkit; echo "${COMPREPLY[@]}"`
	bash := exec.Command("bash", "-c", script)
	bash.Env = []string{"PATH=" + filepath.Dir(cliBinary.Path(t)) + ":" + os.Getenv("PATH"), "RTKIT_SPEC=" + ta.URL + "/docs"}
	completed, err := bash.CombinedOutput()
	require.NoError(t, err, "%s", completed)
	assert.Equal(t, "subscribe:channel\n", string(completed))

	// rtkit docs reads the live spec: the committed docs are current.
	r = rtkitCLI(t, nil, "docs", "-check", "-out", "../../docs/workspace", "-title", app.DocsInfo.Title,
		"-version", app.DocsInfo.Version, "-description", app.DocsInfo.Description, ta.URL+"/docs")
	assert.Equal(t, 0, r.code, "%s%s", r.stdout, r.stderr)
}
