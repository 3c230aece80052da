package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/pgtest"
	"github.com/rtkit-go/rtkit/internal/redistest"
)

// TestEndToEnd builds the application, runs it as separate processes and
// drives them with the official socket.io-client and headless Chromium
// (the node:test scripts in js/test): the REST contract, both namespaces,
// recovery, the rate limit and other settings, the demo page, graceful
// shutdown, two processes on Redis, the REST-only mode and invalid
// settings. Without node, `npm ci` in js, Chromium or redis-server the
// parts that need them are skipped, or fail under CI or RTKIT_STRICT.
func TestEndToEnd(t *testing.T) {
	node := e2eNode(t)
	bin := binary(t)

	app := startProc(t, "app", nil)
	env := []string{"WORKSPACE_URL=" + app.URL, "WORKSPACE_ADMIN_EMAIL=" + testAdminEmail,
		"WORKSPACE_CORS_ORIGIN=" + app.URL}
	for _, script := range []string{"api", "notifications", "documents", "recovery"} {
		t.Run(script, func(t *testing.T) { e2eRunScript(t, node, script, env) })
	}

	// The same contract on PostgreSQL, alone and with Redis (the adapter,
	// the delivery log and the limits there).
	for _, engine := range []string{"postgres", "postgres+redis"} {
		t.Run(engine, func(t *testing.T) {
			cfg := map[string]string{"DATABASE_URL": pgtest.Start(t).NewDatabase(t)}
			if engine == "postgres+redis" {
				cfg["REDIS_URL"] = redistest.Start(t).URL()
			}
			p := startProc(t, engine, cfg)
			env := []string{"WORKSPACE_URL=" + p.URL, "WORKSPACE_ADMIN_EMAIL=" + testAdminEmail, "WORKSPACE_CORS_ORIGIN=" + p.URL}
			scripts := []string{"api", "notifications", "documents", "recovery"}
			if engine == "postgres+redis" {
				// Not notifications yet: behind the Redis adapter a sign-out
				// does not always send auth:expired before the disconnection
				// (issue 14, item 9, a fix in the library); its script
				// checks that.
				scripts = []string{"api", "documents", "recovery"}
			}
			for _, script := range scripts {
				t.Run(script, func(t *testing.T) { e2eRunScript(t, node, script, env) })
			}
		})
	}

	t.Run("config", func(t *testing.T) {
		cfg := map[string]string{"SOCKET_IO_PATH": "/rt", "SOCKET_RATE_LIMIT": "5/1m", "SESSION_TTL": "4s"}
		custom := startProc(t, "config", cfg)
		e2eRunScript(t, node, "config", []string{"WORKSPACE_CONFIG_URL=" + custom.URL,
			"WORKSPACE_CONFIG_PATH=" + cfg["SOCKET_IO_PATH"], "WORKSPACE_CONFIG_RATE=" + cfg["SOCKET_RATE_LIMIT"],
			"WORKSPACE_CONFIG_TTL=" + cfg["SESSION_TTL"]})
	})

	t.Run("page", func(t *testing.T) {
		chromium := e2eChromium(t)
		shots := os.Getenv("RTKIT_E2E_SCREENSHOT_DIR")
		if shots == "" {
			shots = t.TempDir()
		}
		// A process that cannot find the client script, for the page's
		// "what to run" message.
		missing := filepath.Join(t.TempDir(), "missing.js")
		noClient := startProc(t, "no-client", map[string]string{"SOCKET_IO_CLIENT_JS": missing})
		e2eRunScript(t, node, "page", append(env, "WORKSPACE_CHROMIUM="+chromium, "WORKSPACE_SCREENSHOT_DIR="+shots,
			"WORKSPACE_NOCLIENT_URL="+noClient.URL))
		t.Logf("screenshots of the demo page: %s, %s", filepath.Join(shots, "workspace-demo.png"),
			filepath.Join(shots, "workspace-demo-missing-client.png"))
	})

	t.Run("attack", func(t *testing.T) {
		chromium := e2eChromium(t)
		e2eRunScript(t, node, "attack", append(env, "WORKSPACE_CHROMIUM="+chromium))
	})

	t.Run("shutdown", func(t *testing.T) {
		victim := startProc(t, "shutdown", nil)
		mark := filepath.Join(t.TempDir(), "sigterm")
		e2eRunScript(t, node, "shutdown", []string{
			"WORKSPACE_SHUTDOWN_URL=" + victim.URL,
			"WORKSPACE_SHUTDOWN_PID=" + strconv.Itoa(victim.cmd.Process.Pid),
			"WORKSPACE_SHUTDOWN_MARK=" + mark,
		})
		select {
		case <-victim.done:
		case <-time.After(10 * time.Second):
			t.Fatal("the process still runs 10 s after SIGTERM")
		}
		raw, err := os.ReadFile(mark)
		require.NoError(t, err, "the script records when it sent SIGTERM")
		sentMs, err := strconv.ParseInt(string(raw), 10, 64)
		require.NoError(t, err)
		took := victim.ExitedAt().Sub(time.UnixMilli(sentMs))
		assert.Equal(t, 0, victim.cmd.ProcessState.ExitCode(), "exit status after SIGTERM")
		assert.Less(t, took, 10*time.Second)
		t.Logf("exited with status %d, %v after SIGTERM", victim.cmd.ProcessState.ExitCode(), took.Round(time.Millisecond))
	})

	t.Run("redis", func(t *testing.T) {
		redis := redistest.Start(t)
		cfg := map[string]string{"REDIS_URL": redis.URL(), "DATABASE_URL": pgtest.Start(t).NewDatabase(t)}
		a := startProc(t, "redis-a", cfg)
		b := startProc(t, "redis-b", cfg)
		e2eRunScript(t, node, "cluster", []string{
			"WORKSPACE_CLUSTER_URLS=" + a.URL + "," + b.URL,
			"WORKSPACE_ADMIN_EMAIL=" + testAdminEmail,
		})

		redis.Stop()
		degraded := e2eHealth(t, a.URL, "", http.StatusServiceUnavailable, 10*time.Second)
		assert.Equal(t, "degraded", degraded["status"], "health while Redis is down")
		redis.Restart()
		e2eHealth(t, a.URL, "", http.StatusOK, 10*time.Second)
	})

	t.Run("rest-only", func(t *testing.T) {
		restOnly := startProc(t, "rest-only", map[string]string{"SOCKET_IO_ENABLED": "false"})
		health := e2eHealth(t, restOnly.URL, signInAdmin(t, restOnly.testApp()).Token, http.StatusOK, time.Second)
		sio, _ := health["socketio"].(map[string]any)
		assert.Equal(t, false, sio["enabled"], "health: %v", health)
		res, err := e2eHTTP.Get(restOnly.URL + "/socket.io/?EIO=4&transport=polling")
		require.NoError(t, err)
		_ = res.Body.Close()
		assert.Equal(t, http.StatusNotFound, res.StatusCode, "no Socket.IO endpoint")
		body := `{"email":"rest@e2e.test","password":"correct horse","name":"Rest"}`
		res, err = e2eHTTP.Post(restOnly.URL+"/api/auth/sign-up", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		_ = res.Body.Close()
		assert.Equal(t, http.StatusCreated, res.StatusCode, "the REST API works without Socket.IO")
	})

	t.Run("invalid-config", func(t *testing.T) {
		for name, value := range map[string]string{
			"PORT":              "eighty",
			"SOCKET_IO_ENABLED": "maybe",
			"SOCKET_IO_PATH":    "/api",
			"SOCKET_RATE_LIMIT": "lots",
			"SESSION_TTL":       "forever",
			"LOG_LEVEL":         "loud",
			"REDIS_URL":         "http://127.0.0.1:1",
		} {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			cmd := exec.CommandContext(ctx, bin)
			cmd.Env = e2eEnv(map[string]string{"PORT": "0", name: value})
			out, err := cmd.CombinedOutput()
			cancel()
			assert.Error(t, err, "%s=%q must stop the program", name, value)
			assert.Contains(t, string(out), name, "the message names the variable")
		}
	})
}

// e2eHTTP is the tests' HTTP client. Without keep-alive no connection
// goroutine outlives a request.
var e2eHTTP = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// e2eStrict reports whether missing tools fail the test instead of
// skipping it.
func e2eStrict() bool { return os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" }

func e2eSkip(t *testing.T, why string) {
	t.Helper()
	if e2eStrict() {
		t.Fatalf("%s (required under CI or RTKIT_STRICT; ./.ci/test.sh installs it)", why)
	}
	t.Skipf("%s (./.ci/test.sh installs it)", why)
}

// e2eNode returns the node binary once the test scripts' modules are
// installed.
func e2eNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		e2eSkip(t, "needs node")
	}
	if _, err := os.Stat(filepath.Join("js", "node_modules", "socket.io-client")); err != nil {
		e2eSkip(t, "needs `npm ci --prefix examples/workspace/js`")
	}
	return node
}

// e2eChromium returns the browser the page script drives.
func e2eChromium(t *testing.T) string {
	t.Helper()
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		e2eSkip(t, "needs Debian's chromium")
	}
	if _, err := os.Stat(filepath.Join("js", "node_modules", "playwright-core")); err != nil {
		e2eSkip(t, "needs `npm ci --prefix examples/workspace/js`")
	}
	return chromium
}

// e2eEnv returns the environment of a child process: this process's,
// without the application's own variables, plus set.
func e2eEnv(set map[string]string) []string {
	own := map[string]bool{"PORT": true, "SOCKET_IO_ENABLED": true, "SOCKET_IO_PATH": true, "CORS_ORIGINS": true,
		"REDIS_URL": true, "SOCKET_RATE_LIMIT": true, "SESSION_TTL": true, "ADMIN_EMAILS": true, "LOG_LEVEL": true, "SOCKET_IO_CLIENT_JS": true,
		"DATA_DIR": true, "DATABASE_URL": true, "LISTEN_FDS": true, "LISTEN_PID": true}
	var env []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !own[name] {
			env = append(env, kv)
		}
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}

// e2eHealth polls url/health, with the session token when not empty,
// until it answers status, and returns the decoded body.
func e2eHealth(t *testing.T, url, token string, status int, within time.Duration) map[string]any {
	t.Helper()
	var last string
	deadline := time.Now().Add(within)
	req, err := http.NewRequest("GET", url+"/health", nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for {
		res, err := e2eHTTP.Do(req)
		if err == nil {
			var body map[string]any
			err = json.NewDecoder(res.Body).Decode(&body)
			_ = res.Body.Close()
			if err == nil && res.StatusCode == status {
				return body
			}
			last = fmt.Sprintf("%d %v", res.StatusCode, body)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("/health did not answer %d within %v; last: %s", status, within, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// e2eRunScript runs js/test/NAME.test.mjs with node's test runner and
// the environment env, streams its output into the test log, and fails
// the test when a script test fails.
func e2eRunScript(t *testing.T, node, name string, env []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := &e2eLineLog{t: t}
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", filepath.Join("test", name+".test.mjs"))
	cmd.Dir = "js"
	cmd.Env = append(os.Environ(), append([]string{"NO_COLOR=1"}, env...)...)
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	out.flush()
	require.NoError(t, err, "node --test %s.test.mjs failed (its output is above)", name)
}

// e2eLineLog writes what it is given to the test log, one line at a time.
type e2eLineLog struct {
	t       *testing.T
	mu      sync.Mutex
	pending []byte
}

func (l *e2eLineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = append(l.pending, p...)
	for {
		i := bytes.IndexByte(l.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.t.Log(string(l.pending[:i]))
		l.pending = l.pending[i+1:]
	}
}

func (l *e2eLineLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) > 0 {
		l.t.Log(string(l.pending))
		l.pending = nil
	}
}
