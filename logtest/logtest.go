// Package logtest is the conformance suite for rtkit.DeliveryLog
// implementations, in the spirit of testing/slogtest: whoever writes a
// delivery log runs Run from a test of their own; rtkit's memory log and
// package redislog run it too.
//
// It checks delivery order under concurrent appends, replay ranges,
// transient entries and disconnections (delivered, never replayed),
// Head, sessions (kept with their owner, taken once even when two
// servers race for one, expiring), offsets that are not the log's
// (ErrLogGap) and, for a shared log, that two servers see one log: the
// same entries with the same offsets in the same order, and each other's
// sessions.
package logtest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
)

// Run checks the log that newLog returns, in subtests of t. Each subtest
// calls newLog with its own t; for a shared log (Shared reports true), two
// calls within one subtest must return logs of one store, as two servers'
// would be (the same Redis and prefix, say).
func Run(t *testing.T, newLog func(t *testing.T) rtkit.DeliveryLog) {
	t.Helper()
	t.Run("order and range", func(t *testing.T) { order(t, newLog(t)) })
	t.Run("head", func(t *testing.T) { head(t, newLog(t)) })
	t.Run("sessions", func(t *testing.T) { sessions(t, newLog(t)) })
	t.Run("sessions taken once", func(t *testing.T) { takenOnce(t, newLog(t), newLog(t)) })
	t.Run("foreign offsets", func(t *testing.T) { foreign(t, newLog(t)) })
	t.Run("shared", func(t *testing.T) {
		a := newLog(t)
		if !a.Shared() {
			t.Skip("the log is not shared")
		}
		shared(t, a, newLog(t))
	})
}

// Collector gathers what a log delivers.
type Collector struct {
	mu  sync.Mutex
	got []rtkit.LogEntry
}

func (c *Collector) deliver(e rtkit.LogEntry) {
	c.mu.Lock()
	c.got = append(c.got, e)
	c.mu.Unlock()
}

// Entries returns what was delivered so far, in order.
func (c *Collector) Entries() []rtkit.LogEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]rtkit.LogEntry(nil), c.got...)
}

func (c *Collector) wait(t *testing.T, n int) []rtkit.LogEntry {
	t.Helper()
	var got []rtkit.LogEntry
	require.Eventually(t, func() bool {
		got = c.Entries()
		return len(got) >= n
	}, 5*time.Second, 2*time.Millisecond)
	return got
}

// Open opens namespace ns of l, delivering into a Collector, and closes it
// when the test ends.
func Open(t *testing.T, l rtkit.DeliveryLog, ns string) (rtkit.NamespaceLog, *Collector) {
	t.Helper()
	c := &Collector{}
	nl, err := l.Open(context.Background(), ns, c.deliver)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nl.Close() })
	return nl, c
}

func payload(i int) json.RawMessage { return json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)) }

func order(t *testing.T, l rtkit.DeliveryLog) {
	ctx := context.Background()
	nl, c := Open(t, l, "/order")
	start := nl.Head()
	var wg sync.WaitGroup
	for g := range 4 { // concurrent appenders: one total order
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				e := rtkit.LogEntry{Rooms: []string{fmt.Sprintf("r%d", g)}, Event: "n", Payload: payload(g*100 + i)}
				assert.NoError(t, nl.Append(ctx, e))
			}
		}()
	}
	wg.Wait()
	require.NoError(t, nl.Append(ctx, rtkit.LogEntry{Event: "typing", Payload: json.RawMessage(`"x"`), Transient: true}))
	require.NoError(t, nl.Append(ctx, rtkit.LogEntry{Rooms: []string{"r1"}, Except: []string{"s9"}, Transient: true, Disconnect: true}))
	got := c.wait(t, 102)
	require.Len(t, got, 102, "each entry delivered once")
	d := got[101] // a disconnection, delivered as appended after the entries before it
	assert.True(t, d.Disconnect && d.Transient, "%+v", d)
	assert.Equal(t, []string{"r1"}, d.Rooms)
	assert.Equal(t, []string{"s9"}, d.Except)
	last := map[int]int{}
	for _, e := range got[:100] {
		require.NotEmpty(t, e.Offset)
		var p struct{ N int }
		require.NoError(t, json.Unmarshal(e.Payload, &p))
		g, i := p.N/100, p.N%100
		if prev, ok := last[g]; ok {
			assert.Greater(t, i, prev, "one appender's entries in its order")
		}
		last[g] = i
	}
	assert.True(t, got[100].Transient)

	var all []string
	require.NoError(t, nl.Range(ctx, start, "", func(e rtkit.LogEntry) error {
		all = append(all, e.Offset)
		return nil
	}))
	require.Len(t, all, 100, "transient entries (and disconnections) are not replayed")
	for i, e := range got[:100] {
		assert.Equal(t, e.Offset, all[i], "replay in delivery order")
	}
	var part []string
	require.NoError(t, nl.Range(ctx, got[9].Offset, got[19].Offset, func(e rtkit.LogEntry) error {
		part = append(part, e.Offset)
		return nil
	}))
	assert.Equal(t, all[10:20], part, "(after, through]")
	require.NoError(t, nl.Range(ctx, got[99].Offset, "", nil))
}

func sessions(t *testing.T, l rtkit.DeliveryLog) {
	ctx := context.Background()
	nl, _ := Open(t, l, "/sessions")
	want := rtkit.LogSession{SocketID: "s1", Rooms: []string{"a", "b"}, Owner: "user-1"} // the owner is kept: recovery is refused to anyone else
	require.NoError(t, nl.SaveSession(ctx, "p1", want, time.Minute))
	got, ok, err := nl.TakeSession(ctx, "p1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, want, got)
	_, ok, err = nl.TakeSession(ctx, "p1")
	require.NoError(t, err)
	assert.False(t, ok, "taken once")
	_, ok, err = nl.TakeSession(ctx, "never")
	require.NoError(t, err)
	assert.False(t, ok)
	require.NoError(t, nl.SaveSession(ctx, "p2", want, 30*time.Millisecond))
	time.Sleep(80 * time.Millisecond)
	_, ok, err = nl.TakeSession(ctx, "p2")
	require.NoError(t, err)
	assert.False(t, ok, "expired")
}

func foreign(t *testing.T, l rtkit.DeliveryLog) {
	ctx := context.Background()
	nl, c := Open(t, l, "/foreign")
	require.NoError(t, nl.Append(ctx, rtkit.LogEntry{Event: "n", Payload: payload(1)}))
	c.wait(t, 1)
	for _, off := range []string{"", "garbage", "999999999999999-0", "x-1"} {
		assert.ErrorIs(t, nl.Range(ctx, off, "", nil), rtkit.ErrLogGap, "offset %q", off)
	}
}

func head(t *testing.T, l rtkit.DeliveryLog) {
	ctx := context.Background()
	nl, c := Open(t, l, "/head")
	start := nl.Head()
	require.NoError(t, nl.Range(ctx, start, "", nil), "the starting point is replayable from")
	for i := range 3 {
		require.NoError(t, nl.Append(ctx, rtkit.LogEntry{Event: "n", Payload: payload(i)}))
	}
	got := c.wait(t, 3)
	var after []string
	require.NoError(t, nl.Range(ctx, start, "", func(e rtkit.LogEntry) error { after = append(after, e.Offset); return nil }))
	assert.Equal(t, []string{got[0].Offset, got[1].Offset, got[2].Offset}, after,
		"deliver starts right after Head")

	// A second server opening now starts after the three entries.
	l2, c2 := Open(t, l, "/head")
	if l.Shared() {
		assert.Equal(t, got[2].Offset, l2.Head())
	}
	require.NoError(t, l2.Append(ctx, rtkit.LogEntry{Event: "n", Payload: payload(9)}))
	got2 := c2.wait(t, 1)
	assert.JSONEq(t, `{"n":9}`, string(got2[0].Payload), "nothing before Head is delivered")
}

// takenOnce: two servers racing for one session, as two reconnections
// with one pid would: exactly one gets it.
func takenOnce(t *testing.T, a, b rtkit.DeliveryLog) {
	ctx := context.Background()
	la, _ := Open(t, a, "/race")
	lb := la
	if a.Shared() {
		lb, _ = Open(t, b, "/race")
	}
	for i := range 20 {
		pid := fmt.Sprint("pid-", i)
		require.NoError(t, la.SaveSession(ctx, pid, rtkit.LogSession{SocketID: "s"}, time.Minute))
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := 0
		for _, l := range []rtkit.NamespaceLog{la, lb, la, lb} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, ok, err := l.TakeSession(ctx, pid)
				assert.NoError(t, err)
				if ok {
					mu.Lock()
					got++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, 1, got, "session %s taken by exactly one", pid)
	}
}

// shared: two servers' logs of one store deliver the same entries, with
// the same offsets, in the same order, and share sessions.
func shared(t *testing.T, a, b rtkit.DeliveryLog) {
	ctx := context.Background()
	la, ca := Open(t, a, "/shared")
	lb, cb := Open(t, b, "/shared")
	var wg sync.WaitGroup
	for g, l := range []rtkit.NamespaceLog{la, lb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				assert.NoError(t, l.Append(ctx, rtkit.LogEntry{Event: "n", Payload: payload(g*100 + i)}))
			}
		}()
	}
	wg.Wait()
	ga, gb := ca.wait(t, 60), cb.wait(t, 60)
	require.Len(t, ga, 60)
	require.Len(t, gb, 60)
	for i := range ga {
		assert.Equal(t, ga[i].Offset, gb[i].Offset, "entry %d: one order, one offset", i)
		assert.JSONEq(t, string(ga[i].Payload), string(gb[i].Payload))
	}
	require.NoError(t, la.SaveSession(ctx, "p-shared", rtkit.LogSession{SocketID: "s1", Owner: "u"}, time.Minute))
	s, ok, err := lb.TakeSession(ctx, "p-shared")
	require.NoError(t, err)
	require.True(t, ok, "a session saved on one server is taken on another")
	assert.Equal(t, "u", s.Owner)
	n := 0
	require.NoError(t, lb.Range(ctx, ga[9].Offset, "", func(rtkit.LogEntry) error { n++; return nil }))
	assert.Equal(t, 50, n, "an offset of one server replays on the other")
}
