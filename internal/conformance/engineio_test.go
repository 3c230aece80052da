package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// The Engine.IO server has the reference configuration that the official
// test suite checks: its open packet, and CORS for any origin.
func TestEngineIOReferenceConfiguration(t *testing.T) {
	srv := engineIOServer()
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	hs := httptest.NewServer(mux)
	defer hs.Close()
	defer func() { require.NoError(t, srv.Close(context.Background())) }()

	do := func(method, query, body string) string {
		req, err := http.NewRequest(method, hs.URL+"/engine.io/?"+query, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Origin", "https://anywhere.example")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	var o struct {
		Sid          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int      `json:"pingInterval"`
		PingTimeout  int      `json:"pingTimeout"`
		MaxPayload   int      `json:"maxPayload"`
	}
	open := do(http.MethodGet, "EIO=4&transport=polling", "")
	require.NoError(t, json.Unmarshal([]byte(open[1:]), &o))
	require.Equal(t, []string{"websocket"}, o.Upgrades)
	require.Equal(t, 300, o.PingInterval)
	require.Equal(t, 200, o.PingTimeout)
	require.Equal(t, 1_000_000, o.MaxPayload)
	// (The echo itself is one line; checking it here would race the
	// configuration's 300 ms + 200 ms heartbeat on a loaded machine.)
}
