package mailbox

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goid returns the current goroutine's id, from its stack header.
func goid() uint64 {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, _ := strconv.ParseUint(string(b[:bytes.IndexByte(b, ' ')]), 10, 64)
	return id
}

func idleWorkers(p *Pool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}

func liveWorkers(p *Pool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.live
}

// runAndWait runs f on p and waits until it has run and its worker is idle
// again.
func runAndWait(t *testing.T, p *Pool, f func()) {
	t.Helper()
	done := make(chan struct{})
	p.Run(func() { f(); close(done) })
	<-done
	require.Eventually(t, func() bool { return idleWorkers(p) > 0 }, 5*time.Second, time.Millisecond)
}

// TestWorkersReuseTheirGoroutine runs one job after another: all run on
// the same goroutine, which is what keeps a grown stack.
func TestWorkersReuseTheirGoroutine(t *testing.T) {
	var p Pool
	defer p.Stop()
	ids := map[uint64]bool{}
	for range 50 {
		runAndWait(t, &p, func() { ids[goid()] = true })
	}
	assert.Len(t, ids, 1, "one goroutine ran every job")
	assert.Equal(t, 1, idleWorkers(&p))
	assert.Equal(t, 1, liveWorkers(&p))
}

// TestWorkersRunConcurrently checks that jobs handed out while others run
// get goroutines of their own, and that all of them finish.
func TestWorkersRunConcurrently(t *testing.T) {
	var p Pool
	defer p.Stop()
	const jobs = 64
	release := make(chan struct{})
	var started, finished sync.WaitGroup
	started.Add(jobs)
	finished.Add(jobs)
	for range jobs {
		p.Run(func() {
			started.Done()
			<-release
			finished.Done()
		})
	}
	started.Wait() // would hang if a job waited for another
	close(release)
	finished.Wait()
	require.Eventually(t, func() bool { return idleWorkers(&p) == jobs }, 5*time.Second, time.Millisecond)
}

// TestWorkersEndWhenIdle checks that an idle worker ends after its idle
// time, and that a job after that gets a new one.
func TestWorkersEndWhenIdle(t *testing.T) {
	p := Pool{idleFor: 20 * time.Millisecond}
	defer p.Stop()
	var first, second uint64
	runAndWait(t, &p, func() { first = goid() })
	require.Eventually(t, func() bool { return idleWorkers(&p) == 0 && liveWorkers(&p) == 0 },
		5*time.Second, 5*time.Millisecond, "the idle worker ended")
	runAndWait(t, &p, func() { second = goid() })
	assert.NotEqual(t, first, second)
}

// TestWorkersStop checks that stop ends the idle workers at once and that
// jobs after it still run.
func TestWorkersStop(t *testing.T) {
	// Three jobs that wait for each other get three workers; jobs that
	// did not could be served one after another by one worker. The idle
	// time is long so that no worker ends on its own before stop.
	p := Pool{idleFor: time.Minute}
	var started sync.WaitGroup
	started.Add(3)
	for range 3 {
		p.Run(func() { started.Done(); started.Wait() })
	}
	require.Eventually(t, func() bool { return idleWorkers(&p) == 3 }, 5*time.Second, time.Millisecond)
	p.Stop()
	require.Eventually(t, func() bool { return liveWorkers(&p) == 0 }, 5*time.Second, time.Millisecond,
		"stopped workers end")
	done := make(chan struct{})
	p.Run(func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a job after stop did not run")
	}
	assert.Zero(t, idleWorkers(&p), "nothing is kept after stop")
}
