package adapter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
)

// requests are this server's requests waiting for answers, by request id.
// The receive loops add answers; the requesting goroutine takes them and
// calls its callbacks itself, so that they are serialized and none runs
// after the request returned.
type requests struct {
	mu sync.Mutex
	m  map[string]*pending
}

// pending is one request's queue of answers.
type pending struct {
	mu     sync.Mutex
	queue  []any
	notify chan struct{} // capacity 1: something was queued
}

func (r *requests) add(id string) *pending {
	p := &pending{notify: make(chan struct{}, 1)}
	r.mu.Lock()
	if r.m == nil {
		r.m = map[string]*pending{}
	}
	r.m[id] = p
	r.mu.Unlock()
	return p
}

func (r *requests) remove(id string) {
	r.mu.Lock()
	delete(r.m, id)
	r.mu.Unlock()
}

// deliver queues answer for request id; answers to unknown (or finished)
// requests are dropped.
func (r *requests) deliver(id string, answer any) {
	r.mu.Lock()
	p := r.m[id]
	r.mu.Unlock()
	if p == nil {
		return
	}
	p.mu.Lock()
	p.queue = append(p.queue, answer)
	p.mu.Unlock()
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

// wait passes queued answers to fn until fn reports that the request is
// complete, or ctx (or done) ends.
func (p *pending) wait(ctx context.Context, done <-chan struct{}, fn func(answer any) (complete bool)) {
	for {
		p.mu.Lock()
		q := p.queue
		p.queue = nil
		p.mu.Unlock()
		for _, a := range q {
			if fn(a) {
				return
			}
		}
		select {
		case <-p.notify:
		case <-ctx.Done():
			return
		case <-done:
			return
		}
	}
}

// newID returns a random identifier of 16 hex digits (the form Node's
// cluster adapter uses for server and request ids).
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
