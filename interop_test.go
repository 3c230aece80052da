package rtkit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestOfficialJavaScriptClient runs the official socket.io-client (npm,
// pinned by interop/js/package-lock.json) against an rtkit server: the
// envelope, the error event, emits with the recovery offset, long-polling
// with upgrade, and connect_error as a TypeScript application sees them.
func TestOfficialJavaScriptClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil || !exists(filepath.Join("interop", "js", "node_modules", "socket.io-client")) {
		if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
			t.Fatalf("node and interop/js/node_modules are required in CI (./.ci/test.sh installs them)")
		}
		t.Skip("needs node and `npm ci` in interop/js (./.ci/test.sh does both)")
	}

	private := rtkit.NewNamespace("/private", rtkit.WithConnectFunc(func(ctx context.Context, s *rtkit.Socket) (context.Context, error) {
		if s.Handshake().Auth["token"] != "good" {
			return nil, rtkit.NewError(rtkit.CodeUnauthorized, "Authentication required")
		}
		return ctx, nil
	}))
	srv := rtkit.NewServer(rtkit.WithLogger(quietLogger()))
	srv.Mount(newTestNamespace(), private)
	ts := rtkittest.Start(t, srv)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, node, filepath.Join("interop", "js", "client.mjs"), ts.URL)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node: %s", stderr.String())

	steps := map[string]json.RawMessage{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var line struct {
			Step  string          `json:"step"`
			Value json.RawMessage `json:"value"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "line %q", sc.Text())
		steps[line.Step] = line.Value
	}
	require.Contains(t, steps, "done", "the script ran to the end: %s", out)

	assert.JSONEq(t, `{"success":true,"data":{"channel":"js","joined":true}}`, string(steps["valid"]))
	assert.JSONEq(t, `{"success":false,"error":{"code":"VALIDATION_ERROR","message":"invalid payload",
		"details":[{"path":"/channel","message":"minLength: got 0, want 1"}]}}`, string(steps["invalid"]))
	assert.JSONEq(t, `{"success":false,"error":{"code":"UNKNOWN_EVENT","message":"unknown event"}}`, string(steps["unknown"]))
	assert.JSONEq(t, `{"code":"VALIDATION_ERROR","message":"invalid payload","event":"subscribe",
		"details":[{"path":"/channel","message":"got number, want string"}]}`, string(steps["errorEvent"]))

	var note []json.RawMessage
	require.NoError(t, json.Unmarshal(steps["note"], &note))
	require.Len(t, note, 2, "payload, then the recovery offset")
	assert.JSONEq(t, `{"seq":7,"text":"hi"}`, string(note[0]))

	assert.JSONEq(t, `{"success":true,"data":{"channel":"poll","joined":true}}`, string(steps["polling"]))
	assert.JSONEq(t, `{"message":"Authentication required","data":{"code":"UNAUTHORIZED"}}`, string(steps["connectError"]))
	assert.JSONEq(t, `true`, string(steps["authenticated"]))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
