package main

import (
	"bytes"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/config"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// The application binary, built once for the tests that run it as a
// separate process.
var (
	buildOnce sync.Once
	builtDir  string
	builtBin  string
	buildErr  error
)

// binary builds the application (once per test run) and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		builtDir, buildErr = os.MkdirTemp("", "workspace-bin-")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(builtDir, "workspace")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			builtBin = string(out)
		}
	})
	require.NoError(t, buildErr, "go build: %s", builtBin)
	return builtBin
}

// removeBuiltBinary deletes what binary built; TestMain calls it last.
func removeBuiltBinary() {
	if builtDir != "" {
		_ = os.RemoveAll(builtDir)
	}
}

// proc is the application running as a child process.
type proc struct {
	URL      string
	name     string
	cmd      *exec.Cmd
	done     chan struct{} // closed once the process exited
	exitedAt time.Time     // set before done is closed
	logs     *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the child's writes and the
// test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startProc runs the application, called name in the test log, on a free
// port of 127.0.0.1 with env added to a clean application environment
// (admin testAdminEmail, CORS for its own origin, debug logs), waits until
// /health answers 200, and stops it by its PID when the test ends; its
// output is shown if the test failed.
func startProc(t *testing.T, name string, env map[string]string) *proc {
	t.Helper()
	bin := binary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())

	p := &proc{URL: "http://127.0.0.1:" + port, name: name, done: make(chan struct{}), logs: &syncBuffer{}}
	set := map[string]string{"PORT": port, "ADMIN_EMAILS": testAdminEmail, "CORS_ORIGINS": p.URL,
		"LOG_LEVEL": "debug", "PATH": os.Getenv("PATH")}
	maps.Copy(set, env)
	var vars []string
	for k, v := range set {
		vars = append(vars, k+"="+v)
	}
	p.cmd = exec.Command(bin)
	p.cmd.Env = vars
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	require.NoError(t, p.cmd.Start())
	go func() {
		_ = p.cmd.Wait()
		p.exitedAt = time.Now()
		close(p.done)
	}()
	t.Cleanup(func() {
		start := time.Now()
		p.stop()
		t.Logf("%s stopped in %v", name, time.Since(start).Round(time.Millisecond))
		if t.Failed() {
			t.Logf("output of %s (pid %d):\n%s", name, p.cmd.Process.Pid, p.logs.String())
		}
	})

	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("%s exited at start:\n%s", name, p.logs.String())
		default:
		}
		if res, err := testHTTP.Get(p.URL + "/health"); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		require.True(t, time.Now().Before(deadline), "%s: /health did not answer 200 within 15 s:\n%s", name, p.logs.String())
		time.Sleep(30 * time.Millisecond)
	}
}

// testApp returns a handle for the helpers that take one.
func (p *proc) testApp() *testApp {
	return &testApp{URL: p.URL, cfg: config.Config{SocketIOPath: "/socket.io"}}
}

// sio returns the rtkittest handle for dialling the process.
func (p *proc) sio() *rtkittest.Server { return rtkittest.Remote(p.URL, "/socket.io/") }

// stop sends SIGTERM, then SIGKILL after 12 s, and waits for the exit.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(12 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// logged reports whether the process logged a line containing s.
func (p *proc) logged(s string) bool { return strings.Contains(p.logs.String(), s) }

// runBinary runs the binary to completion with env and returns its output.
func runBinary(t *testing.T, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary(t))
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() {
		out, err = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("the binary did not stop")
	}
	return string(out), err
}
