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
// plain goroutine per call. A worker waits on its channel alone: one
// timer per pool (armed while workers are idle) ends those idle for too
// long, so that parking after each event costs no timer of its own.
type Pool struct {
	mu      sync.Mutex
	idle    []*worker // most recently used last: in the order they went idle
	stopped bool
	live    int // goroutines serving, idle or busy
	// idleFor is how long a worker waits for work (0: workerIdle).
	idleFor time.Duration
	reaper  *time.Timer // runs reap
	reaping bool        // reaper is armed
}

// worker is one goroutine of the pool; work hands it the next loop, or nil
// to end.
type worker struct {
	work  chan func()
	since time.Time // when it went idle; under Pool.mu
}

const (
	maxIdleWorkers = 256
	workerIdle     = 2 * time.Second
)

func (p *Pool) wait() time.Duration {
	if p.idleFor > 0 {
		return p.idleFor
	}
	return workerIdle
}

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
	if !stopped {
		p.live++
	}
	p.mu.Unlock()
	if stopped {
		go f()
		return
	}
	go p.serve(&worker{work: make(chan func(), 1)}, f)
}

// serve runs f and then whatever Run hands this worker, until reap or
// Stop ends it or the pool is full of idle workers.
func (p *Pool) serve(w *worker, f func()) {
	defer func() {
		p.mu.Lock()
		p.live--
		p.mu.Unlock()
	}()
	for {
		f()
		if !p.park(w) {
			return
		}
		if f = <-w.work; f == nil {
			return
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
	w.since = time.Now()
	p.idle = append(p.idle, w)
	if !p.reaping {
		p.reaping = true
		if p.reaper == nil {
			p.reaper = time.AfterFunc(p.wait(), p.reap)
		} else {
			p.reaper.Reset(p.wait())
		}
	}
	return true
}

// reap ends the workers idle for longer than the pool's wait, and arms
// itself again for the oldest of the others.
func (p *Pool) reap() {
	p.mu.Lock()
	if p.stopped {
		p.reaping = false
		p.mu.Unlock()
		return
	}
	now := time.Now()
	wait := p.wait()
	n := 0
	for n < len(p.idle) && now.Sub(p.idle[n].since) >= wait {
		n++
	}
	old := append([]*worker(nil), p.idle[:n]...)
	rest := copy(p.idle, p.idle[n:])
	clear(p.idle[rest:])
	p.idle = p.idle[:rest]
	if rest > 0 {
		p.reaper.Reset(wait - now.Sub(p.idle[0].since))
	} else {
		p.reaping = false
	}
	p.mu.Unlock()
	for _, w := range old {
		w.work <- nil
	}
}

// Stop ends the idle workers; busy ones end when their loop returns.
func (p *Pool) Stop() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.stopped = true
	if p.reaper != nil {
		p.reaper.Stop()
	}
	p.reaping = false
	p.mu.Unlock()
	for _, w := range idle {
		w.work <- nil
	}
}
