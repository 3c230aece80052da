package client

import "sync"

// queue runs callbacks one at a time, in the order they were pushed, on a
// goroutine of its own: the Socket.IO client's goroutine only pushes, so a
// slow or blocking callback (one that makes a Call, say) never holds up
// the acknowledgements and events behind it.
//
// It is unbounded: delivery is lossless and the server bounds what it
// sends; an application whose callbacks cannot keep up grows memory.
type queue struct {
	mu      sync.Mutex
	items   []func()
	wake    chan struct{}
	stopped bool
	quit    chan struct{}
	exited  chan struct{}
}

func newQueue() *queue {
	q := &queue{wake: make(chan struct{}, 1), quit: make(chan struct{}), exited: make(chan struct{})}
	go q.serve()
	return q
}

// push adds f; after stop it is dropped.
func (q *queue) push(f func()) {
	q.mu.Lock()
	if q.stopped {
		q.mu.Unlock()
		return
	}
	q.items = append(q.items, f)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue) serve() {
	defer close(q.exited)
	for {
		q.mu.Lock()
		items := q.items
		q.items = nil
		q.mu.Unlock()
		for _, f := range items {
			select {
			case <-q.quit:
				return
			default:
			}
			f()
		}
		select {
		case <-q.wake:
		case <-q.quit:
			return
		}
	}
}

// stop drops what is still queued and waits for the running callback.
func (q *queue) stop() {
	q.mu.Lock()
	if q.stopped {
		q.mu.Unlock()
		return
	}
	q.stopped = true
	q.items = nil
	q.mu.Unlock()
	close(q.quit)
	<-q.exited
}
