// Package chaos drives the official socket.io-client (interop/js/chaos.mjs)
// against rtkit servers while they emit numbered events, and checks that
// every client got each number exactly once, in order, across repeated
// transport drops: rtkit's recovery tests.
package chaos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Config describes one chaos invocation.
type Config struct {
	// URLs are the servers' base URLs; each client switches to the next one
	// before every reconnect.
	URLs []string
	// Namespace is the namespace the clients connect to.
	Namespace string
	// Total is the number of events emitted (1..Total).
	Total int
	// Drops is how many times each client drops its transport.
	Drops int
	// Clients is the number of clients, each an independent run.
	Clients int
	// Polling starts each connection with long-polling, then upgrades;
	// otherwise websocket only.
	Polling bool
	// Interval is the pause between two emits.
	Interval time.Duration
	// Failover makes each client try the next URL at every reconnection
	// attempt, as behind a load balancer when a server goes away.
	Failover bool
}

// Result is what one client reports.
type Result struct {
	ID        int      `json:"id"`
	Got       []int    `json:"got"`
	Resyncs   []string `json:"resyncs"`
	Connects  int      `json:"connects"`
	Recovered int      `json:"recovered"`
	Drops     int      `json:"drops"`
	Trace     []string `json:"trace,omitempty"`
}

// Node returns the node binary, skipping the test when node or the npm
// packages are missing (failing in CI, where they are required).
func Node(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil || !exists(filepath.Join(jsDir(), "node_modules", "socket.io-client")) {
		if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
			t.Fatal("node and interop/js/node_modules are required in CI (./.ci/test.sh installs them)")
		}
		t.Skip("needs node and `npm ci` in interop/js (./.ci/test.sh does both)")
	}
	return node
}

func jsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "interop", "js")
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Run starts the clients, calls emit(1..Total) every Interval once they are
// all connected, and returns each client's report.
func Run(t testing.TB, cfg Config, emit func(n int) error) []Result {
	t.Helper()
	node := Node(t)
	mode := "websocket"
	if cfg.Polling {
		mode = "polling"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(jsDir(), "chaos.mjs"),
		strings.Join(cfg.URLs, ","), cfg.Namespace, strconv.Itoa(cfg.Total),
		strconv.Itoa(cfg.Drops), strconv.Itoa(cfg.Clients), mode)
	if cfg.Failover {
		cmd.Env = append(os.Environ(), "CHAOS_FAILOVER=1")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	emitted := make(chan error, 1)
	var results []Result
	ready := 0
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var line struct {
			Step  string          `json:"step"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("chaos.mjs printed %.200q…: %v", sc.Text(), err)
		}
		switch line.Step {
		case "ready":
			if ready++; ready == cfg.Clients {
				go func() { emitted <- emitAll(ctx, cfg, emit) }()
			}
		case "result":
			var r Result
			if err := json.Unmarshal(line.Value, &r); err != nil {
				t.Fatal(err)
			}
			results = append(results, r)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("chaos.mjs: %v: %s", err, stderr.String())
	}
	if ready < cfg.Clients {
		t.Fatalf("only %d of %d clients connected: %s", ready, cfg.Clients, stderr.String())
	}
	if err := <-emitted; err != nil {
		t.Fatalf("emit: %v", err)
	}
	return results
}

func emitAll(ctx context.Context, cfg Config, emit func(int) error) error {
	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	for n := 1; n <= cfg.Total; n++ {
		if err := emit(n); err != nil {
			return fmt.Errorf("event %d: %w", n, err)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Stats counts what went wrong for one client.
type Stats struct {
	Missing, Duplicates, OutOfOrder int
}

// Check compares what a client got with 1..total.
func Check(got []int, total int) Stats {
	var st Stats
	seen := make(map[int]int, len(got))
	last := 0
	for _, n := range got {
		seen[n]++
		if seen[n] > 1 {
			st.Duplicates++
			continue
		}
		if n < last {
			st.OutOfOrder++
		}
		last = max(last, n)
	}
	for n := 1; n <= total; n++ {
		if seen[n] == 0 {
			st.Missing++
		}
	}
	return st
}

// Verify fails t unless every client got 1..Total exactly once and in
// order, dropped its transport at least Drops times, was recovered on every
// reconnect and was never told to resync. It logs the totals.
func Verify(t testing.TB, cfg Config, results []Result) {
	t.Helper()
	if len(results) != cfg.Clients {
		t.Fatalf("%d results for %d clients", len(results), cfg.Clients)
	}
	var sum Stats
	drops, recovered := 0, 0
	for _, r := range results {
		st := Check(r.Got, cfg.Total)
		sum.Missing += st.Missing
		sum.Duplicates += st.Duplicates
		sum.OutOfOrder += st.OutOfOrder
		drops += r.Drops
		recovered += r.Recovered
		if st != (Stats{}) {
			t.Errorf("client %d: %d missing, %d duplicates, %d out of order (got %d events)",
				r.ID, st.Missing, st.Duplicates, st.OutOfOrder, len(r.Got))
			if len(r.Trace) > 0 {
				t.Logf("client %d trace around the first problem: %v", r.ID, around(r.Trace, r.Got))
			}
		}
		if r.Drops < cfg.Drops {
			t.Errorf("client %d dropped its transport %d times, want %d", r.ID, r.Drops, cfg.Drops)
		}
		if len(r.Resyncs) > 0 {
			t.Errorf("client %d was told to resync: %v", r.ID, r.Resyncs)
		}
		if r.Recovered != r.Connects-1 {
			t.Errorf("client %d: %d of %d reconnects recovered", r.ID, r.Recovered, r.Connects-1)
		}
	}
	t.Logf("%d runs, %d events each, %d drops, %d recovered reconnects: %d missing, %d duplicates, %d out of order",
		len(results), cfg.Total, drops, recovered, sum.Missing, sum.Duplicates, sum.OutOfOrder)
}

// around returns the part of a trace near the first duplicate or gap.
func around(trace []string, got []int) []string {
	last, at := 0, -1
	for i, n := range got {
		if n != last+1 {
			at = i
			break
		}
		last = n
	}
	if at < 0 {
		return nil
	}
	// find the trace index of the at-th tick
	ticks := 0
	for i, s := range trace {
		if s == "" || s[0] < '0' || s[0] > '9' {
			continue // not a tick
		}
		if ticks == at {
			return trace[max(0, i-40):min(len(trace), i+10)]
		}
		ticks++
	}
	return nil
}
