package mailbox

import (
	"sync"
	"time"
)

// Pool runs mailbox loops on goroutines that outlive one burst of
// events.
//
// A client that waits for each acknowledgement before sending the next
// event gives its mailbox one event per burst. Started afresh each time, a
// goroutine begins with a small stack and grows it on every event (schema
// validation is deep): in a CPU profile of that load, copying stacks was
// 15 % of the server's time. A worker that has run a handler keeps its
// grown stack for the next one.
//
// Idle workers wait, newest first, for at most workerIdle, and at most
// maxIdleWorkers of them; Stop ends them all, and after it Run starts a
// plain goroutine per call.
type Pool struct {
	mu      sync.Mutex
	idle    []*worker // most recently used last
	stopped bool
	live    int // goroutines serving, idle or busy
	// idleFor is how long a worker waits for work (0: workerIdle).
	idleFor time.Duration
}

// worker is one goroutine of the pool; work hands it the next loop.
type worker struct{ work chan func() }

const (
	maxIdleWorkers = 256
	workerIdle     = 2 * time.Second
)

// Run runs f on an idle worker, or on a new one.
func (p *Pool) Run(f func()) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.work <- f // buffered: the worker may still be on its way to read
		return
	}
	stopped := p.stopped
	p.mu.Unlock()
	if stopped {
		go f()
		return
	}
	p.mu.Lock()
	p.live++
	p.mu.Unlock()
	go p.serve(&worker{work: make(chan func(), 1)}, f)
}

// serve runs f and then whatever run hands this worker, until it has been
// idle for workerIdle, the pool is full, or the pool stops.
func (p *Pool) serve(w *worker, f func()) {
	wait := p.idleFor
	if wait <= 0 {
		wait = workerIdle
	}
	idle := time.NewTimer(wait)
	defer func() {
		idle.Stop()
		p.mu.Lock()
		p.live--
		p.mu.Unlock()
	}()
	for {
		f()
		if !p.park(w) {
			return
		}
		idle.Reset(wait)
		select {
		case f = <-w.work:
			if f == nil {
				return // stop
			}
		case <-idle.C:
			if p.unpark(w) {
				return
			}
			// run took this worker just as it timed out: its work is
			// on the way.
			if f = <-w.work; f == nil {
				return
			}
		}
	}
}

// park puts w on the idle list; false when it should end instead.
func (p *Pool) park(w *worker) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped || len(p.idle) >= maxIdleWorkers {
		return false
	}
	p.idle = append(p.idle, w)
	return true
}

// unpark takes w off the idle list; false when run already took it.
func (p *Pool) unpark(w *worker) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.idle {
		if x == w {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			return true
		}
	}
	return false
}

// Stop ends the idle workers; busy ones end when their loop returns.
func (p *Pool) Stop() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.stopped = true
	p.mu.Unlock()
	for _, w := range idle {
		w.work <- nil
	}
}
