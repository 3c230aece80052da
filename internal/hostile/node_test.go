package hostile_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// nodeBinary builds internal/soak once per test binary: its -serve mode
// runs this package's server (NewServer, key of the soak) as a process.
var nodeBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "rtkit-hostile-node")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "node")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/rtkit-go/rtkit/internal/soak").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// binDir is removed when the tests end (TestMain).
var binDir string

// soakKey is the key the soak's server checks tokens with.
var soakKey = []byte("soak-key-0123456789abcdef0123456789")

// node is a server process.
type node struct {
	cmd  *exec.Cmd
	url  string
	done chan error
}

// startNode runs a server process on 127.0.0.1 and stops it (SIGKILL if
// still running) when the test ends.
func startNode(t *testing.T) *node {
	t.Helper()
	bin, err := nodeBinary()
	require.NoError(t, err)
	cmd := exec.Command(bin, "-serve", "-watch-stdin")
	cmd.Stderr = os.Stderr
	// The node ends with the test binary, even if it is killed: its
	// standard input is a pipe closed when this process exits.
	_, err = cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	require.True(t, ok, line)
	n := &node{cmd: cmd, url: "http://" + addr, done: make(chan error, 1)}
	go func() { n.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-n.done
	})
	return n
}

// wait returns the process's exit error, or fails after d.
func (n *node) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case err := <-n.done:
		n.done <- err // for the cleanup
		return err
	case <-time.After(d):
		t.Fatalf("node %s still running after %v", n.url, d)
		return nil
	}
}
