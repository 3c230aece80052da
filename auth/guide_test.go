package auth_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/proctest"
)

// guidePath is the guide the test keeps true.
var guidePath = filepath.Join("..", "docs", "better-auth.md")

// guideCommands is the "Try it" block of the guide: the test runs these
// commands, with free ports instead of 3000 and 3001.
const guideCommands = `cd auth/testdata/betterauth && npm ci
PORT=3000 node server.mjs
BETTER_AUTH_URL=http://127.0.0.1:3000 REVALIDATE_EVERY=2s SESSION_CACHE_TTL=2s go run ./rtkitserver
OUTAGE_WAIT_MS=6000 node client.mjs http://127.0.0.1:3000 http://127.0.0.1:3001`

// TestGuideCodeIsTheRepository: every code block of the guide marked
// <!-- region FILE NAME --> is the region NAME of FILE, and the "Try it"
// block is the commands this package's TestGuide runs.
func TestGuideCodeIsTheRepository(t *testing.T) {
	raw, err := os.ReadFile(guidePath)
	require.NoError(t, err)
	doc := string(raw)
	marked := regexp.MustCompile("<!-- region (\\S+) (\\S+) -->\n```\\w*\n((?s:.*?))```")
	blocks := marked.FindAllStringSubmatch(doc, -1)
	require.NotEmpty(t, blocks)
	for _, b := range blocks {
		file, name, text := b[1], b[2], b[3]
		src, err := os.ReadFile(filepath.Join("..", file))
		require.NoError(t, err, "the guide quotes %s", file)
		assert.Equal(t, dedent(region(t, string(src), file, name)), text, "region %s of %s", name, file)
	}
	assert.Contains(t, doc, "<!-- commands -->\n```sh\n"+guideCommands+"\n```", "the guide's commands")
}

// region returns the lines between "#region name" and "#endregion name".
func region(t *testing.T, src, file, name string) string {
	t.Helper()
	begin := regexp.MustCompile(`(?m)^.*#region ` + regexp.QuoteMeta(name) + `\n`).FindStringIndex(src)
	end := regexp.MustCompile(`(?m)^.*#endregion ` + regexp.QuoteMeta(name) + `\n`).FindStringIndex(src)
	require.True(t, begin != nil && end != nil && begin[1] <= end[0], "region %s in %s", name, file)
	return src[begin[1]:end[0]]
}

// dedent removes the indentation all non-empty lines share.
func dedent(s string) string {
	lines := strings.SplitAfter(s, "\n")
	prefix, first := "", true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		ws := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			prefix, first = ws, false
		}
		for !strings.HasPrefix(ws, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, prefix)
	}
	return strings.Join(lines, "")
}

// TestGuide runs the guide's commands: the Hono + better-auth application,
// the rtkit server, and the client with the official socket.io-client:
// sign-up → connected over websocket (token) and polling (cookie);
// sign-out → auth:expired (revoked) and disconnected within the interval,
// the token refused at the next handshake; better-auth stopped → the live
// socket stays, a new handshake gets UNAVAILABLE.
func TestGuide(t *testing.T) {
	ba := startBetterAuth(t) // PORT=… node server.mjs
	node := nodeFor(t, betterAuthDir)
	bin := proctest.Build(t, "./testdata/betterauth/rtkitserver")
	server := exec.Command(bin)
	server.Env = append(os.Environ(), "BETTER_AUTH_URL="+ba.base, "ADDR=127.0.0.1:0",
		"REVALIDATE_EVERY=2s", "SESSION_CACHE_TTL=2s")
	_, addr := proctest.StartListening(t, "rtkitserver", server, 30*time.Second, 10*time.Second)

	client := exec.Command(node, "client.mjs", ba.base, "http://"+addr)
	client.Dir = betterAuthDir
	client.Env = append(os.Environ(), "OUTAGE_WAIT_MS=6000")
	stdin, err := client.StdinPipe()
	require.NoError(t, err)
	stdout, err := client.StdoutPipe()
	require.NoError(t, err)
	stderr := &proctest.Buffer{}
	client.Stderr = stderr
	require.NoError(t, client.Start())
	t.Cleanup(func() {
		_ = client.Process.Kill() // by its PID; it exits by itself when the steps pass
		_ = client.Wait()
		if t.Failed() {
			t.Logf("client stderr:\n%s", stderr.String())
		}
	})

	steps := readSteps(t, stdout, stdin, ba)
	want := []string{
		`connected {"connected":true}`,
		`connected {"connected":true}`,
		`me {"success":true,"data":{"userId":"*","email":"alice-*","role":"user"}}`,
		`me {"success":true,"data":{"userId":"*","email":"alice-*","role":"user"}}`,
		`sign-out 200`,
		`auth:expired "revoked"`,
		`auth:expired "revoked"`,
		`disconnected "io server disconnect"`,
		`disconnected "io server disconnect"`,
		`ended after ms *`,
		`reconnect after sign-out {"connected":false,"message":"Invalid session","code":"UNAUTHORIZED"}`,
		`connected {"connected":true}`,
		`stop better-auth true`,
		`still connected true`,
		`me {"success":true,"data":{"userId":"*","email":"bob-*","role":"user"}}`,
		`new handshake during outage {"connected":false,"message":"Authentication unavailable","code":"UNAVAILABLE"}`,
		`done true`,
	}
	require.Len(t, steps, len(want), "steps: %s", strings.Join(steps, "\n"))
	for i, w := range want {
		assert.True(t, matches(w, steps[i]), "step %d: got %s, want %s", i, steps[i], w)
	}
}

// readSteps reads the client's steps until it is done, stopping
// better-auth when asked to; it fails the test if the client stops
// printing for a minute.
func readSteps(t *testing.T, stdout io.Reader, stdin io.Writer, ba *betterAuth) []string {
	t.Helper()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var steps []string
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return steps
			}
			var s struct {
				Step  string
				Value json.RawMessage
			}
			require.NoError(t, json.Unmarshal([]byte(line), &s), "client printed %q", line)
			steps = append(steps, s.Step+" "+string(s.Value))
			switch s.Step {
			case "ended after ms":
				t.Logf("the sockets ended %s ms after the sign-out (interval 2 s)", s.Value)
			case "stop better-auth":
				ba.stop()
				_, err := fmt.Fprintln(stdin, "stopped")
				require.NoError(t, err)
			case "done":
				return steps
			}
		case <-time.After(time.Minute):
			t.Fatalf("the client printed nothing for a minute; steps so far:\n%s", strings.Join(steps, "\n"))
		}
	}
}

// matches reports whether got equals want, where each * in want stands
// for any run of characters other than a quote.
func matches(want, got string) bool {
	parts := strings.Split(want, "*")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile("^" + strings.Join(parts, `[^"]*`) + "$").MatchString(got)
}
