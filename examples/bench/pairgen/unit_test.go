package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfigRefuses: the generator loads only this machine, within
// bounds; each refusal comes before any connection is opened.
func TestConfigRefuses(t *testing.T) {
	ok := smallRun([2]string{"ws://127.0.0.1:1", "ws://[::1]:2"}, [3]int{})
	require.NoError(t, ok.check())
	for name, mod := range map[string]func(*config){
		"another host":      func(c *config) { c.urls[1] = "ws://10.0.0.1:3912" },
		"a name":            func(c *config) { c.urls[0] = "ws://localhost:3911" },
		"another scheme":    func(c *config) { c.urls[0] = "wss://127.0.0.1:3911" },
		"a path":            func(c *config) { c.urls[0] = "ws://127.0.0.1:3911/x" },
		"a query":           func(c *config) { c.urls[0] = "ws://127.0.0.1:3911?EIO=3" },
		"no port":           func(c *config) { c.urls[0] = "ws://127.0.0.1" },
		"too many sockets":  func(c *config) { c.n = maxSockets + 1 },
		"one socket":        func(c *config) { c.n = 1 },
		"too long a burst":  func(c *config) { c.n, c.burst = 10_000, maxBurstMsgs/10_000+1 },
		"no single":         func(c *config) { c.singles = 0 },
		"no run limit":      func(c *config) { c.timeout = 0 },
		"too long a run":    func(c *config) { c.timeout = maxRunTimeout + time.Second },
		"no step limit":     func(c *config) { c.step = 0 },
		"a negative PID":    func(c *config) { c.pids[2] = -1 },
		"a bad namespace":   func(c *config) { c.nsp = "bench" },
		"no dial at a time": func(c *config) { c.dialConc = 0 },
	} {
		t.Run(name, func(t *testing.T) {
			c := ok
			mod(&c)
			require.Error(t, c.check())
			_, err := measure(context.Background(), c, quiet)
			require.Error(t, err, "refused by measure too")
		})
	}
}

func TestNotificationSeq(t *testing.T) {
	for in, want := range map[string]int{
		`["notification",{"type":"notification","seq":12,"body":"x"}]`: 12,
		`["notification",{"seq":0}]`:                                   0,
		`["notification",{"seq":123456789}]`:                           123456789,
	} {
		got, ok := notificationSeq([]byte(in))
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{
		`["other",{"seq":1}]`,
		`["notification",{"seq":-1}]`,
		`["notification",{"seq":1.5}]`,
		`["notification",{"seq":1e3}]`,
		`["notification",{"seq":1234567890}]`, // more digits than any run's seq
		`["notification",{"seq":99999999999999999999999}]`,
		`["notification",{"seq":"1"}]`,
		`["notification",{}]`,
		`["notification",{"seq":`,
		``,
	} {
		_, ok := notificationSeq([]byte(in))
		assert.False(t, ok, in)
	}
}

// FuzzNotificationSeq: any frame a server may send is either refused or
// gives a seq in range, without panicking.
func FuzzNotificationSeq(f *testing.F) {
	f.Add([]byte(`["notification",{"seq":7}]`))
	f.Add([]byte(`["notification",{"seq":999999999999}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		seq, ok := notificationSeq(b)
		if ok && (seq < 0 || seq >= 1e9) {
			t.Fatalf("seq %d out of range", seq)
		}
	})
}

// TestTrackerCounts: repeats, strays and unknown broadcasts are counted
// apart and never complete a broadcast that did not reach every socket.
func TestTrackerCounts(t *testing.T) {
	tr := newTracker([2]int{2, 1}, 3, 2)
	note := func(seq int) []byte { return []byte(`["notification",{"seq":` + string(rune('0'+seq)) + `}]`) }
	a0, a1, b0 := -1, -1, -1
	tr.deliver(0, &a0, note(0))
	tr.deliver(0, &a0, note(0)) // the same socket again
	tr.deliver(0, &a1, note(9)) // no such broadcast
	tr.deliver(0, &a1, []byte(`["other",{}]`))
	tr.deliver(1, &b0, note(0))
	select {
	case <-tr.rounds[0].done:
		t.Fatal("broadcast 0 reached 2 of 3 sockets, not all")
	default:
	}
	assert.EqualValues(t, 1, tr.extra.Load())
	assert.EqualValues(t, 2, tr.stray.Load())
	tr.deliver(0, &a1, note(0))
	<-tr.rounds[0].done
	assert.Positive(t, tr.allAt(0))
	assert.Equal(t, tr.rounds[0].last[1].Load(), tr.rounds[0].first[1].Load(), "one socket on the second server")

	for _, s := range []struct {
		server int
		last   *int
	}{{0, &a0}, {0, &a1}, {1, &b0}} {
		tr.deliver(s.server, s.last, note(2))
	}
	<-tr.burstDone
	assert.EqualValues(t, 3, tr.burstGot.Load())
}

// TestProcFigures reads this process's own CPU and memory, and refuses a
// process that is not there.
func TestProcFigures(t *testing.T) {
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) { // at least one 10 ms tick
		if c, err := procCPU(os.Getpid()); err == nil && c > 0 {
			break
		}
	}
	c, err := procCPU(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, c)
	rss, err := procRSS(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, rss)
	_, err = procCPU(1 << 30)
	assert.Error(t, err)
	_, err = procRSS(1 << 30)
	assert.Error(t, err)
	m := startMeter([3]int{os.Getpid(), 1 << 30, 0})
	u := m.stop()
	assert.Zero(t, u.server[1], "a process that is not there used nothing")
}

func TestSummarize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.jsonl")
	lines := strings.Join([]string{
		`{"server":"node","scenario":"fanout n=1000","rep":1,"complete":true,"metrics":{"single_all_p50_ms":40,"burst_server_cpu_us_per_msg":10}}`,
		`not a result`,
		`{"server":"rtkit","scenario":"fanout n=1000","rep":1,"complete":true,"metrics":{"single_all_p50_ms":10,"burst_server_cpu_us_per_msg":5}}`,
		`{"server":"rtkit","scenario":"fanout n=1000","rep":2,"complete":false,"metrics":{"single_all_p50_ms":30,"burst_server_cpu_us_per_msg":5}}`,
	}, "\n")
	require.NoError(t, os.WriteFile(path, []byte(lines), 0o600))
	var out bytes.Buffer
	require.NoError(t, summarize(&out, "rtkit", []string{path}))
	s := out.String()
	assert.Contains(t, s, "| 1000 | 1 broadcast: all N delivered, ms | 40.0 [40.0–40.0] (1) | 20.0 [10.0–30.0] (2) | 0.50× |")
	assert.Contains(t, s, "| 1000 | burst: server CPU µs / delivered message (both) | 10.0 [10.0–10.0] (1) | 5.00 [5.00–5.00] (2) | 0.50× |")
	assert.Contains(t, s, "WARNING: rtkit, fanout n=1000: 1 run(s) incomplete")

	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	assert.Error(t, summarize(&out, "rtkit", []string{empty}))
}
