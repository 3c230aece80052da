package main

import (
	"bytes"
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
	URL  string
	cmd  *exec.Cmd
	done chan struct{} // closed once the process exited
	logs *syncBuffer
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

// startProc runs the application on a free port of 127.0.0.1 with env
// added to a clean application environment, waits until /health answers
// 200, and stops it by its PID when the test ends.
func startProc(t *testing.T, env map[string]string) *proc {
	t.Helper()
	bin := binary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())

	p := &proc{URL: "http://127.0.0.1:" + port, done: make(chan struct{}), logs: &syncBuffer{}}
	vars := []string{"PORT=" + port, "ADMIN_EMAILS=" + testAdminEmail, "LOG_LEVEL=debug", "PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	p.cmd = exec.Command(bin)
	p.cmd.Env = vars
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	require.NoError(t, p.cmd.Start())
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("output of pid %d:\n%s", p.cmd.Process.Pid, p.logs.String())
		}
	})

	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("the application exited at start:\n%s", p.logs.String())
		default:
		}
		if res, err := testHTTP.Get(p.URL + "/health"); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		require.True(t, time.Now().Before(deadline), "/health did not answer 200 within 15 s:\n%s", p.logs.String())
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
