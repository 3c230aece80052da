package engine_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/engine"
)

// TestOfficialEngineIOClient runs the official engine.io-client (npm,
// pinned by testdata/js/package-lock.json) against the engine: long-polling
// upgraded to websocket, websocket only, long-polling only; text, UTF-8,
// binary and a 100 kB message, each echoed in order.
func TestOfficialEngineIOClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if _, statErr := os.Stat(filepath.Join("testdata", "js", "node_modules", "engine.io-client")); err != nil || statErr != nil {
		if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
			t.Fatalf("node and internal/engine/testdata/js/node_modules are required in CI (./.ci/test.sh installs them)")
		}
		t.Skip("needs node and `npm ci` in internal/engine/testdata/js (./.ci/test.sh does both)")
	}
	for _, tc := range []struct{ transports, first, last string }{
		{"polling,websocket", "polling", "websocket"},
		{"websocket", "websocket", "websocket"},
		{"polling", "polling", "polling"},
	} {
		t.Run(tc.transports, func(t *testing.T) {
			rec := newRecorder(t, true)
			s := newTestServer(t, rec, engine.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "js", "client.mjs"), s.http.URL, tc.transports)
			cmd.Stderr = os.Stderr
			out, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			steps := map[string]map[string]any{}
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				var step map[string]any
				require.NoError(t, json.Unmarshal(sc.Bytes(), &step), sc.Text())
				steps[step["step"].(string)] = step
			}
			require.NoError(t, cmd.Wait())
			require.Equal(t, tc.first, steps["open"]["transport"])
			require.Equal(t, []any{"hello", "héllo €", "bin:1,2,3", "big:100000"}, steps["echoed"]["received"])
			require.Equal(t, tc.last, steps["echoed"]["transport"])
			if strings.Contains(tc.transports, ",") {
				require.Equal(t, "websocket", steps["upgrade"]["transport"])
			}
			c := rec.nextOpen(t)
			require.Equal(t, engine.ReasonTransportClose, rec.nextClose(t).reason)
			require.Equal(t, tc.last, c.Transport())
		})
	}
}
