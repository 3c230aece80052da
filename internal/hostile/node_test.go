package hostile_test

import (
	"os/exec"
	"testing"
	"time"

	"github.com/rtkit-go/rtkit/internal/proctest"
)

// nodeBinary is internal/soak, built once per test binary: its -serve mode
// runs this package's server (NewServer, key of the soak) as a process.
var nodeBinary = proctest.NewBinary("github.com/rtkit-go/rtkit/internal/soak")

// binDir is removed when the tests end (TestMain).
var binDir = nodeBinary.Dir()

// soakKey is the key the soak's server checks tokens with.
var soakKey = []byte("soak-key-0123456789abcdef0123456789")

const (
	// nodeStartWait bounds a node's start (its "listening" line).
	nodeStartWait = 10 * time.Second
	// nodeStopWait is how long a node gets to exit after SIGTERM before it
	// is killed.
	nodeStopWait = 10 * time.Second
)

// node is a server process.
type node struct {
	*proctest.Proc
	url string
}

// startNode runs a server process, called name in the test log, on
// 127.0.0.1 and stops it when the test ends (SIGTERM, then SIGKILL after
// nodeStopWait). With -watch-stdin it also ends with the test binary,
// even if that is killed.
func startNode(t *testing.T, name string) *node {
	t.Helper()
	cmd := exec.Command(nodeBinary.Path(t), "-serve", "-watch-stdin")
	p, addr := proctest.StartListening(t, name, cmd, nodeStartWait, nodeStopWait)
	return &node{Proc: p, url: "http://" + addr}
}
