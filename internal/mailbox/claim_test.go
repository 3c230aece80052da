package mailbox

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBoxClaimKeepsOrderAndBound: a claimed event runs on the caller's
// goroutine and counts as the running event: events pushed meanwhile wait
// behind it, under the bound, and then run in order on the pool.
func TestBoxClaimKeepsOrderAndBound(t *testing.T) {
	var p Pool
	defer p.Stop()
	r := newOrderRig(t, &p)
	b := r.box
	ev, ok := b.Claim(0)
	require.True(t, ok)
	assert.False(t, b.Idle())
	_, ok = b.Claim(9)
	assert.False(t, ok, "a box with a running event cannot be claimed")
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.RunClaimed(ev)
	}()
	require.True(t, b.Push(1, 3))
	require.True(t, b.Push(2, 3))
	assert.False(t, b.Push(3, 3), "the claimed event and two waiting fill a bound of 3")
	close(r.release)
	<-done
	require.Eventually(t, b.Idle, 5*time.Second, time.Millisecond)
	assert.Equal(t, []int{0, 1, 2}, r.ran())
}

// TestBoxClaimIdle: a box claimed and run with nothing pushed meanwhile is
// idle again at once, without any goroutine of the pool.
func TestBoxClaimIdle(t *testing.T) {
	var p Pool
	defer p.Stop()
	var ran []int
	b := &Box[int]{Pool: &p, Run: func(n int) { ran = append(ran, n) }}
	for i := range 3 {
		ev, ok := b.Claim(i)
		require.True(t, ok)
		b.RunClaimed(ev)
		assert.True(t, b.Idle())
	}
	assert.Equal(t, []int{0, 1, 2}, ran)
	p.mu.Lock()
	assert.Zero(t, p.live, "no worker started")
	p.mu.Unlock()
}

// TestBoxClaimStamp: a claimed event is stamped with depth 1.
func TestBoxClaimStamp(t *testing.T) {
	var p Pool
	defer p.Stop()
	b := &Box[[2]int]{Pool: &p, Run: func([2]int) {}, Stamp: func(ev *[2]int, depth int) { ev[1] = depth }}
	ev, ok := b.Claim([2]int{7, 0})
	require.True(t, ok)
	assert.Equal(t, [2]int{7, 1}, ev)
	b.RunClaimed(ev)
}

// TestBoxClaimClosedAndDetach: a closed box cannot be claimed; a claimed
// event detached while it runs lets the waiting events go on without it.
func TestBoxClaimClosedAndDetach(t *testing.T) {
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
	ev, ok := b.Claim(0)
	require.True(t, ok)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.RunClaimed(ev)
	}()
	<-started
	require.True(t, b.Push(1, 0))
	b.Detach()
	assert.Equal(t, 1, <-ran, "the waiting event runs while the detached one still runs")
	close(release)
	assert.Equal(t, 0, <-ran)
	<-done
	require.Eventually(t, b.Idle, 5*time.Second, time.Millisecond)

	b.Close()
	_, ok = b.Claim(2)
	assert.False(t, ok, "closed")
}
