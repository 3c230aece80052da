package main

import (
	"context"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/config"
	"github.com/rtkit-go/rtkit/internal/proctest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// appBinary is the application, built once per test run for the tests
// that run it as a separate process; TestMain removes it.
var appBinary = proctest.NewBinary("github.com/rtkit-go/rtkit/examples/workspace")

// binary builds the application (once per test run) and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	return appBinary.Path(t)
}

// procStopWait is how long the application gets to exit after SIGTERM
// before it is killed.
const procStopWait = 12 * time.Second

// proc is the application running as a child process.
type proc struct {
	*proctest.Proc
	URL string
	// cmd and done are Proc.Cmd and Proc.Done(), under the names the
	// tests of this package use.
	cmd  *exec.Cmd
	done <-chan struct{}
}

// startProc runs the application, called name in the test log, on a free
// port of 127.0.0.1 with env added to a clean application environment
// (admin testAdminEmail, CORS for its own origin, debug logs), waits until
// /health answers 200, and stops it by its PID when the test ends; its
// output is shown if the test failed.
//
// The test binds the port and hands the listening socket to the process
// (socket activation, LISTEN_FDS=1): a port chosen, released and bound
// again by the process could be taken by another in between.
func startProc(t *testing.T, name string, env map[string]string) *proc {
	t.Helper()
	bin := binary(t)
	sock, addr := listenFile(t)
	url := "http://" + addr
	set := maps.Clone(testEnv)
	maps.Copy(set, map[string]string{"LISTEN_FDS": "1", "CORS_ORIGINS": url, "LOG_LEVEL": "debug", "PATH": os.Getenv("PATH"),
		"DATA_DIR": t.TempDir()})
	maps.Copy(set, env)
	cmd := exec.Command(bin)
	for k, v := range set {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.ExtraFiles = []*os.File{sock} // file descriptor 3
	pp := proctest.Start(t, name, cmd, procStopWait)
	require.NoError(t, sock.Close(), "the process holds the socket now")
	p := &proc{Proc: pp, URL: url, cmd: cmd, done: pp.Done()}

	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("%s exited at start", name)
		default:
		}
		if res, err := testHTTP.Get(p.URL + "/health"); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		require.True(t, time.Now().Before(deadline), "%s: /health did not answer 200 within 15 s", name)
		time.Sleep(30 * time.Millisecond)
	}
}

// listenFile returns a listening socket on a free port of 127.0.0.1, as a
// file for a child process to inherit, and its address.
func listenFile(t *testing.T) (*os.File, string) {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer func() { _ = ln.Close() }() // the file is a duplicate of the socket
	f, err := ln.File()
	require.NoError(t, err)
	return f, ln.Addr().String()
}

// testApp returns a handle for the helpers that take one.
func (p *proc) testApp() *testApp {
	return &testApp{URL: p.URL, cfg: config.Config{SocketIOPath: "/socket.io"}}
}

// sio returns the rtkittest handle for dialling the process.
func (p *proc) sio() *rtkittest.Server { return rtkittest.Remote(p.URL, "/socket.io/") }

// logged reports whether the process logged a line containing s.
func (p *proc) logged(s string) bool { return strings.Contains(p.Output.String(), s) }

// runBinary runs the binary to completion with env and returns its
// output; it fails the test if the binary still runs after 10 s.
func runBinary(t *testing.T, env ...string) (string, error) {
	t.Helper()
	bin := binary(t) // built first: the deadline is the run's alone
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin) // killed by its PID at the deadline
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatal("the binary did not stop")
	}
	return string(out), err
}
