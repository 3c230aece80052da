package rtkit_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
)

// sharedLog is a DeliveryLog that several servers of one test process
// share, each with its own delivery goroutine, which a test can hold: a
// server whose delivery lags the others', as one behind Redis can.
type sharedLog struct {
	mu       sync.Mutex
	entries  []rtkit.LogEntry
	sessions map[string]rtkit.LogSession
	views    []*sharedView
}

func newSharedLog() *sharedLog { return &sharedLog{sessions: map[string]rtkit.LogSession{}} }

func (l *sharedLog) Shared() bool { return true }

func (l *sharedLog) Open(_ context.Context, _ string, deliver func(rtkit.LogEntry)) (rtkit.NamespaceLog, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v := &sharedView{l: l, deliver: deliver, next: len(l.entries), start: len(l.entries),
		stop: make(chan struct{}), done: make(chan struct{})}
	l.views = append(l.views, v)
	go v.run()
	return v, nil
}

func (l *sharedLog) view(i int) *sharedView {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.views[i]
}

type sharedView struct {
	l       *sharedLog
	deliver func(rtkit.LogEntry)
	next    int // index of the next entry to deliver; only run touches it
	held    atomic.Bool
	stop    chan struct{}
	done    chan struct{}
	start   int // entries before Open: Head
}

func (v *sharedView) run() {
	defer close(v.done)
	for {
		select {
		case <-v.stop:
			return
		case <-time.After(time.Millisecond):
		}
		if v.held.Load() {
			continue
		}
		v.l.mu.Lock()
		batch := append([]rtkit.LogEntry(nil), v.l.entries[v.next:]...)
		v.l.mu.Unlock()
		for _, e := range batch {
			v.deliver(e)
			v.next++
		}
	}
}

func (v *sharedView) Append(_ context.Context, e rtkit.LogEntry) error {
	v.l.mu.Lock()
	defer v.l.mu.Unlock()
	e.Offset = strconv.Itoa(len(v.l.entries) + 1)
	v.l.entries = append(v.l.entries, e)
	return nil
}

func (v *sharedView) Head() string { return strconv.Itoa(v.start) }

func (v *sharedView) Range(_ context.Context, after, through string, fn func(rtkit.LogEntry) error) error {
	from, err := strconv.Atoi(after)
	if err != nil {
		return rtkit.ErrLogGap
	}
	v.l.mu.Lock()
	to := len(v.l.entries)
	if through != "" {
		if to, err = strconv.Atoi(through); err != nil {
			v.l.mu.Unlock()
			return rtkit.ErrLogGap
		}
	}
	if from > len(v.l.entries) {
		v.l.mu.Unlock()
		return rtkit.ErrLogGap
	}
	var out []rtkit.LogEntry
	for i := from; i < min(to, len(v.l.entries)); i++ {
		if !v.l.entries[i].Transient {
			out = append(out, v.l.entries[i])
		}
	}
	v.l.mu.Unlock()
	if fn == nil {
		return nil
	}
	for _, e := range out {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (v *sharedView) SaveSession(_ context.Context, pid string, s rtkit.LogSession, _ time.Duration) error {
	v.l.mu.Lock()
	defer v.l.mu.Unlock()
	v.l.sessions[pid] = s
	return nil
}

func (v *sharedView) TakeSession(_ context.Context, pid string) (rtkit.LogSession, bool, error) {
	v.l.mu.Lock()
	defer v.l.mu.Unlock()
	s, ok := v.l.sessions[pid]
	delete(v.l.sessions, pid)
	return s, ok, nil
}

func (v *sharedView) Close() error {
	close(v.stop)
	<-v.done
	return nil
}

// A client recovering on a server whose delivery lags the server it came
// from (its offset is ahead of that server's head) gets neither a
// duplicate nor a gap: the socket waits out of deliveries until the server
// has caught up, then joins its rooms.
func TestRecoveryOnALaggingServer(t *testing.T) {
	log := newSharedLog()
	nsA, nsB := feedNamespace("/m"), feedNamespace("/m")
	tsA := startWithNamespace(t, nsA, rtkit.WithDeliveryLog(log))
	tsB := startWithNamespace(t, nsB, rtkit.WithDeliveryLog(log))

	rc, s := joinRaw(t, tsA, "/m", nil)
	require.NoError(t, rtkit.Emit(nsA.To("feed"), evNote, Note{Seq: 1}))
	require.Equal(t, 1, readNote(t, rc, "/m", &s))
	require.NoError(t, rtkit.Emit(nsB.To("feed"), evNote, Note{Seq: 2})) // opens B's log, at 1
	require.Equal(t, 2, readNote(t, rc, "/m", &s))

	b := log.view(1)
	b.held.Store(true) // B stops delivering
	require.NoError(t, rtkit.Emit(nsA.To("feed"), evNote, Note{Seq: 3}))
	require.NoError(t, rtkit.Emit(nsA.To("feed"), evNote, Note{Seq: 4}))
	require.Equal(t, 3, readNote(t, rc, "/m", &s))
	require.Equal(t, 4, readNote(t, rc, "/m", &s))
	away(t, rc, tsA, "/m")

	go func() {
		time.Sleep(100 * time.Millisecond)
		b.held.Store(false) // B catches up while the client is recovering
	}()
	rc2, s2 := joinRaw(t, tsB, "/m", map[string]any{"pid": s.pid, "offset": s.offset})
	assert.Equal(t, s.pid, s2.pid, "recovered on B")
	require.NoError(t, rtkit.Emit(nsA.To("feed"), evNote, Note{Seq: 5}))
	assert.Equal(t, 5, readNote(t, rc2, "/m", &s), "3 and 4 are not delivered again")
}
