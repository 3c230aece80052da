package rtkit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
)

// needInteropJS returns node, or skips (fails in CI) without node and
// interop/js/node_modules.
func needInteropJS(t *testing.T, pkg string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil || !exists(filepath.Join("interop", "js", "node_modules", pkg)) {
		if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
			t.Fatalf("node and interop/js/node_modules are required in CI (./.ci/test.sh installs them)")
		}
		t.Skip("needs node and `npm ci` in interop/js (./.ci/test.sh does both)")
	}
	return node
}

// serveFiles serves the "/files" contract, the browser page and the
// official client's browser build on 127.0.0.1.
func serveFiles(t *testing.T, opts ...rtkit.ServerOption) string {
	t.Helper()
	srv := rtkit.NewServer(append([]rtkit.ServerOption{rtkit.WithLogger(quietLogger())}, opts...)...)
	srv.Mount(filesNamespace())
	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv.Handler())
	mux.HandleFunc("/binary.html", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("interop", "js", "binary.html"))
	})
	mux.HandleFunc("/socket.io.min.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("interop", "js", "node_modules", "socket.io-client", "dist", "socket.io.min.js"))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = hs.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}

func runScript(t *testing.T, node string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second) // a bound, not a speed check
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node: %s\n%s", stderr.String(), out)
	return out
}

const (
	wantInvalidBinary = `{"success":false,"error":{"code":"VALIDATION_ERROR","message":"invalid payload",
		"details":[{"path":"/data","message":"expected binary data (a Socket.IO binary attachment: ArrayBuffer, Buffer or typed array)"}]}}`
	wantTooLarge = `{"success":false,"error":{"code":"VALIDATION_ERROR","message":"invalid payload",
		"details":[{"path":"/%s","message":"binary data larger than 64 bytes in total"}]}}`
	wantNotHere = `{"success":false,"error":{"code":"VALIDATION_ERROR","message":"invalid payload",
		"details":[{"path":"/name","message":"binary data is not accepted here; send JSON"}]}}`
)

// TestOfficialJavaScriptClientBinary runs the official socket.io-client in
// Node.js against typed binary payloads, over websocket and long-polling,
// with recovery on (emits go through the delivery log) and off: uploads
// with a binary acknowledgement, a broadcast with attachments, EmitWithAck
// answered with binary, and hostile payloads refused with VALIDATION_ERROR
// while the socket stays usable. Node delivers attachments as Buffers.
func TestOfficialJavaScriptClientBinary(t *testing.T) {
	node := needInteropJS(t, "socket.io-client")
	for name, opts := range map[string][]rtkit.ServerOption{
		"recovery": nil,
		"plain":    {rtkit.WithRecovery(0)},
	} {
		t.Run(name, func(t *testing.T) {
			url := serveFiles(t, opts...)
			steps := map[string]json.RawMessage{}
			sc := bufio.NewScanner(bytes.NewReader(runScript(t, node, filepath.Join("interop", "js", "binary.mjs"), url)))
			for sc.Scan() {
				var line struct {
					Step  string          `json:"step"`
					Value json.RawMessage `json:"value"`
				}
				require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "line %q", sc.Text())
				steps[line.Step] = line.Value
			}
			require.Contains(t, steps, "done")
			offset := `"string"`
			if name == "plain" {
				offset = `"undefined"`
			}
			for _, tr := range []string{"websocket", "polling"} {
				assert.JSONEq(t, `{"success":true,"name":"a.bin","size":4,"echo":{"buffer":true,"arrayBuffer":false,"bytes":[255,2,1,0]}}`, string(steps[tr+":upload"]), tr)
				assert.JSONEq(t, `{"name":"b","data":{"buffer":true,"arrayBuffer":false,"bytes":[9,8,7]},
					"thumb":{"buffer":true,"arrayBuffer":false,"bytes":[1]},"offset":`+offset+`}`, string(steps[tr+":shared"]), tr)
				assert.JSONEq(t, `{"success":true,"data":{"text":"file x"}}`, string(steps[tr+":asked"]), tr)
				assert.JSONEq(t, wantInvalidBinary, string(steps[tr+":stringForBinary"]), tr)
				assert.JSONEq(t, wantNotHere, string(steps[tr+":binaryForString"]), tr)
				assert.JSONEq(t, fmtJSON(wantTooLarge, "thumb"), string(steps[tr+":tooLarge"]), tr)
				assert.JSONEq(t, wantInvalidBinary, string(steps[tr+":placeholderForged"]), tr)
				assert.JSONEq(t, `{"success":true,"size":2,"connected":true}`, string(steps[tr+":after"]), tr)
			}
		})
	}
}

// TestChromiumBinary runs the same exchanges from a page in headless
// Chromium with the official client's browser build: the browser sends an
// ArrayBuffer (from a Blob) and a Uint8Array and receives ArrayBuffers.
func TestChromiumBinary(t *testing.T) {
	node := needInteropJS(t, "playwright-core")
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
			t.Fatalf("chromium is required in CI")
		}
		t.Skip("needs Debian's chromium")
	}
	url := serveFiles(t)
	out := runScript(t, node, filepath.Join("interop", "js", "binary-browser.mjs"), chromium, url+"/binary.html")
	var got map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(bytes.TrimSpace(out), &got), "%s", out)
	require.NotContains(t, got, "error", "%s", got["error"])
	for _, tr := range []string{"websocket", "polling"} {
		assert.JSONEq(t, `{"success":true,"size":4,"echo":{"arrayBuffer":true,"bytes":[255,2,1,0]}}`, string(got[tr+":upload"]), tr)
		assert.JSONEq(t, `{"name":"b","data":{"arrayBuffer":true,"bytes":[9,8,7]},"thumb":{"arrayBuffer":true,"bytes":[1]}}`, string(got[tr+":shared"]), tr)
		assert.JSONEq(t, `{"success":true,"data":{"text":"file x"}}`, string(got[tr+":asked"]), tr)
		assert.JSONEq(t, wantInvalidBinary, string(got[tr+":stringForBinary"]), tr)
		assert.JSONEq(t, fmtJSON(wantTooLarge, "data"), string(got[tr+":tooLarge"]), tr)
	}
}

func fmtJSON(format, field string) string { return fmt.Sprintf(format, field) }
