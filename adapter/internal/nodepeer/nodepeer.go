// Package nodepeer runs a Node.js socket.io server with the official
// @socket.io/redis-adapter (adapter/testdata/node/peer.mjs) for the Redis
// adapter's tests, and drives it through JSON lines on its standard input.
package nodepeer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtkit-go/rtkit/internal/proctest"
)

// Config says how the peer reaches Redis.
type Config struct {
	// RedisURL is one redis-server's URL; Cluster, the node addresses of a
	// Redis Cluster, replaces it.
	RedisURL string
	Cluster  []string
	// Classic selects the classic adapter (Pub/Sub); sharded otherwise.
	Classic bool
	// Prefix is the channel prefix ("socket.io" when empty).
	Prefix string
	// Env adds environment variables (DEBUG=socket.io*, say).
	Env []string
}

// Peer is a running Node.js server.
type Peer struct {
	// UID is its namespace /chat adapter's server id.
	UID string
	// URL is http://127.0.0.1:PORT.
	URL string

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *proctest.Buffer
	sse    chan []json.RawMessage

	mu      sync.Mutex
	next    int
	pending map[int]chan reply
	done    chan struct{}
}

type reply struct {
	Result json.RawMessage
	Err    string
}

// startWait bounds the peer's start.
const startWait = 20 * time.Second

// Dir is the folder of the Node.js fixture.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "node")
}

// Need returns the node binary, skipping t when node or the fixture's npm
// packages are missing (failing when CI or RTKIT_STRICT is set).
func Need(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	_, statErr := os.Stat(filepath.Join(Dir(), "node_modules", "@socket.io", "redis-adapter"))
	if err != nil || statErr != nil {
		if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
			t.Fatal("node and adapter/testdata/node/node_modules are required (./.ci/test.sh installs them)")
		}
		t.Skip("needs node and `npm ci` in adapter/testdata/node (./.ci/test.sh does both)")
	}
	return node
}

// Start starts a peer; it is stopped when t ends.
func Start(t testing.TB, cfg Config) *Peer {
	t.Helper()
	node := Need(t)
	cmd := exec.Command(node, filepath.Join(Dir(), "peer.mjs"))
	cmd.Dir = Dir()
	mode := "sharded"
	if cfg.Classic {
		mode = "classic"
	}
	cmd.Env = append(os.Environ(), "MODE="+mode, "PORT=0")
	if cfg.Prefix != "" {
		cmd.Env = append(cmd.Env, "PREFIX="+cfg.Prefix)
	}
	if len(cfg.Cluster) > 0 {
		cmd.Env = append(cmd.Env, "REDIS_CLUSTER="+strings.Join(cfg.Cluster, ","))
	} else {
		cmd.Env = append(cmd.Env, "REDIS_URL="+cfg.RedisURL)
	}
	cmd.Env = append(cmd.Env, cfg.Env...)
	p := &Peer{cmd: cmd, stderr: &proctest.Buffer{}, sse: make(chan []json.RawMessage, 64),
		pending: map[int]chan reply{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop(t) })
	ready := make(chan error, 1)
	go p.read(stdout, ready)
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("node peer: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(startWait):
		t.Fatalf("node peer did not start within %v\n%s", startWait, p.stderr.String())
	}
	return p
}

func (p *Peer) read(r io.Reader, ready chan<- error) {
	defer close(p.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	started := false
	for sc.Scan() {
		var line struct {
			Ready  *int              `json:"ready"`
			UID    string            `json:"uid"`
			ID     *int              `json:"id"`
			Result json.RawMessage   `json:"result"`
			Error  *string           `json:"error"`
			SSE    []json.RawMessage `json:"sse"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			continue
		}
		switch {
		case line.Ready != nil && !started:
			started = true
			p.UID, p.URL = line.UID, "http://127.0.0.1:"+strconv.Itoa(*line.Ready)
			ready <- nil
		case line.ID != nil:
			rep := reply{Result: line.Result}
			if line.Error != nil {
				rep.Err = *line.Error
			}
			p.mu.Lock()
			ch := p.pending[*line.ID]
			delete(p.pending, *line.ID)
			p.mu.Unlock()
			if ch != nil {
				ch <- rep
			}
		case line.SSE != nil:
			select {
			case p.sse <- line.SSE:
			default:
			}
		}
	}
	if !started {
		ready <- errors.New("exited before it was ready")
	}
}

// Do runs op on the peer with the fields of args, and returns its result.
func (p *Peer) Do(ctx context.Context, op string, args map[string]any) (json.RawMessage, error) {
	cmd := map[string]any{"op": op}
	for k, v := range args {
		cmd[k] = v
	}
	ch := make(chan reply, 1)
	p.mu.Lock()
	p.next++
	id := p.next
	cmd["id"] = id
	p.pending[id] = ch
	b, err := json.Marshal(cmd)
	if err == nil {
		_, err = p.stdin.Write(append(b, '\n'))
	}
	p.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("node peer: %s: %w", op, err)
	}
	select {
	case r := <-ch:
		if r.Err != "" {
			return nil, fmt.Errorf("node peer: %s: %s", op, r.Err)
		}
		return r.Result, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("node peer: %s: %w", op, ctx.Err())
	case <-p.done:
		return nil, fmt.Errorf("node peer: %s: exited\n%s", op, p.stderr.String())
	}
}

// Must runs op within 10 s and fails t on an error.
func (p *Peer) Must(t testing.TB, op string, args map[string]any) json.RawMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := p.Do(ctx, op, args)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// ServerEvents receives the arguments of each server-side event the peer
// got (the event name first).
func (p *Peer) ServerEvents() <-chan []json.RawMessage { return p.sse }

// Stderr returns what the peer wrote to its standard error.
func (p *Peer) Stderr() string { return p.stderr.String() }

// stop closes the peer's standard input (it exits), kills it by its PID
// if it has not exited within 3 s, and waits for it.
func (p *Peer) stop(t testing.TB) {
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		_ = p.cmd.Process.Kill()
	}
	_ = p.cmd.Wait()
	if t.Failed() {
		t.Logf("node peer stderr:\n%s", p.stderr.String())
	}
}
