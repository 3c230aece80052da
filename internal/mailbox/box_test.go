package mailbox

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBoxRunsInOrderOneAtATime: events run in arrival order, never two at
// once, and the bound counts the running event with the waiting ones.
func TestBoxRunsInOrderOneAtATime(t *testing.T) {
	var p Pool
	defer p.Stop()
	r := newOrderRig(t, &p)
	b := r.box
	require.True(t, b.Push(0, 3))
	assert.False(t, b.Idle())
	require.True(t, b.Push(1, 3))
	require.True(t, b.Push(2, 3))
	assert.False(t, b.Push(3, 3), "one running and two waiting fill a bound of 3")
	close(r.release)
	require.Eventually(t, b.Idle, 5*time.Second, time.Millisecond)
	assert.Equal(t, []int{0, 1, 2}, r.ran())
	assert.True(t, b.Push(4, 0), "no bound")
	require.Eventually(t, b.Idle, 5*time.Second, time.Millisecond)
}

// TestBoxClose: waiting events are dropped, later pushes refused.
func TestBoxClose(t *testing.T) {
	var p Pool
	defer p.Stop()
	release, started := make(chan struct{}), make(chan struct{})
	ran := make(chan int, 3)
	b := &Box[int]{Pool: &p, Run: func(n int) {
		if n == 0 {
			close(started)
			<-release
		}
		ran <- n
	}}
	require.True(t, b.Push(0, 0))
	<-started
	require.True(t, b.Push(1, 0))
	b.Close()
	close(release)
	assert.Equal(t, 0, <-ran, "the running event finishes")
	require.Eventually(t, b.Idle, 5*time.Second, time.Millisecond)
	assert.Empty(t, ran, "the waiting one was dropped")
	assert.False(t, b.Push(2, 0))
}

// Waiting tells a running event whether others are queued behind it.
func TestBoxWaiting(t *testing.T) {
	var p Pool
	defer p.Stop()
	release := make(chan struct{})
	seen := make(chan bool, 2)
	var b *Box[int]
	b = &Box[int]{Pool: &p, Run: func(n int) {
		if n == 0 {
			<-release
		}
		seen <- b.Waiting()
	}}
	assert.False(t, b.Waiting())
	require.True(t, b.Push(0, 0))
	require.True(t, b.Push(1, 0))
	close(release)
	assert.True(t, <-seen, "event 1 waits behind event 0")
	assert.False(t, <-seen, "nothing behind event 1")
	require.Eventually(t, b.Idle, 5*time.Second, time.Millisecond)
}

// TestBoxDetach: a detached event keeps running on its goroutine while the
// box goes on with the waiting events, one at a time and in order; the
// detached event no longer counts against the bound, and its goroutine
// leaves the box when it returns.
func TestBoxDetach(t *testing.T) {
	var p Pool
	defer p.Stop()
	stuck, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var got []int
	running := 0
	b := &Box[int]{Pool: &p}
	b.Run = func(n int) {
		if n == 0 {
			close(stuck)
			<-release
			return // detached: must not count as running
		}
		mu.Lock()
		running++
		require.Equal(t, 1, running, "two events of one box at once")
		mu.Unlock()
		time.Sleep(time.Millisecond)
		mu.Lock()
		running--
		got = append(got, n)
		mu.Unlock()
	}
	require.True(t, b.Push(0, 3))
	<-stuck
	require.True(t, b.Push(1, 3))
	require.True(t, b.Push(2, 3))
	assert.False(t, b.Push(3, 3), "the stuck event and two waiting fill a bound of 3")
	assert.Equal(t, 2, b.Len())
	b.Detach()
	require.Eventually(t, b.Idle, 5*time.Second, time.Millisecond, "the waiting events ran while event 0 is stuck")
	for i := 4; i < 7; i++ {
		require.True(t, b.Push(i, 3), "the stuck event no longer counts")
	}
	require.Eventually(t, b.Idle, 5*time.Second, time.Millisecond)
	mu.Lock()
	assert.Equal(t, []int{1, 2, 4, 5, 6}, got)
	mu.Unlock()
	close(release)
	require.Eventually(t, func() bool { return idleWorkers(&p) == liveWorkers(&p) }, 5*time.Second, time.Millisecond,
		"the detached goroutine left the box and went back to the pool")
	require.True(t, b.Push(8, 3))
	require.Eventually(t, b.Idle, 5*time.Second, time.Millisecond)
	mu.Lock()
	assert.Equal(t, []int{1, 2, 4, 5, 6, 8}, got)
	mu.Unlock()
	b.Detach() // nothing running: no-op
	assert.True(t, b.Idle())
}

// TestBoxStamp: each queued event is stamped with its depth on arrival
// (the running event and those waiting, itself included); a refused one
// is not queued, so not stamped.
func TestBoxStamp(t *testing.T) {
	var p Pool
	defer p.Stop()
	type ev struct{ id, depth int }
	release := make(chan struct{})
	var mu sync.Mutex
	var got []ev
	b := &Box[ev]{Pool: &p, Stamp: func(e *ev, depth int) { e.depth = depth }, Run: func(e ev) {
		if e.id == 0 {
			<-release
		}
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	}}
	require.True(t, b.Push(ev{id: 0}, 3))
	require.Eventually(t, func() bool { return b.Depth() == 1 && !b.Waiting() }, 5*time.Second, time.Millisecond,
		"the first event is running")
	require.True(t, b.Push(ev{id: 1}, 3))
	require.True(t, b.Push(ev{id: 2}, 3))
	require.False(t, b.Push(ev{id: 3}, 3))
	close(release)
	require.Eventually(t, b.Idle, 5*time.Second, time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []ev{{0, 1}, {1, 2}, {2, 3}}, got)
}

// orderRig is a box whose events record the order they ran in and fail
// the test if two run at once; event 0 waits for release.
type orderRig struct {
	box     *Box[int]
	release chan struct{}
	mu      sync.Mutex
	got     []int
	running int
}

func newOrderRig(t *testing.T, p *Pool) *orderRig {
	r := &orderRig{release: make(chan struct{})}
	r.box = &Box[int]{Pool: p, Run: func(n int) {
		r.mu.Lock()
		r.running++
		require.Equal(t, 1, r.running, "two events of one box at once")
		r.mu.Unlock()
		if n == 0 {
			<-r.release
		}
		r.mu.Lock()
		r.running--
		r.got = append(r.got, n)
		r.mu.Unlock()
	}}
	return r
}

// ran returns the events run so far, in the order they ran.
func (r *orderRig) ran() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.got...)
}
