package adapter

import (
	"context"
	"fmt"
	"sync"

	rds "github.com/redis/go-redis/v9"
)

// With Options.Pipeline, a namespace's publications wait in its outbox and
// one goroutine at a time sends what waits there as a Redis pipeline: the
// commands in one write, their replies read together. A broadcast returns
// once queued; every other publication still waits for its own reply. One
// queue in order, one pipeline at a time: a publication never overtakes
// one queued before it.

const (
	// pipelineQueue bounds the publications waiting in a namespace's
	// outbox; beyond it they fail at once with ErrUnavailable.
	pipelineQueue = 4096
	// pipelineBatch bounds the commands of one pipeline, so that
	// Options.Timeout bounds a pipeline of ordinary size.
	pipelineBatch = 256
)

// outbox is a namespace's queue of publications (Options.Pipeline).
type outbox struct {
	mu      sync.Mutex
	queue   []outgoing
	spare   []outgoing
	running bool // a goroutine is sending what is queued
}

// outgoing is one publication in the outbox; done, when not nil, gets
// its outcome.
type outgoing struct {
	classic bool
	channel string
	msg     []byte
	done    chan<- sent
}

// sent is the outcome of a publication: the subscribers that received it.
type sent struct {
	receivers int64
	err       error
}

// post queues a publication and starts the sending goroutine if none
// runs. It fails at once, with ErrUnavailable, while Redis is known to be
// unreachable, once the namespace is closed and when the outbox is full.
func (n *nsAdapter) post(classic bool, channel string, msg []byte, done chan<- sent) error {
	if err := n.a.unavailable(); err != nil {
		return err
	}
	if n.ctx.Err() != nil {
		return fmt.Errorf("%w: namespace closed", ErrUnavailable)
	}
	o := &n.out
	o.mu.Lock()
	if len(o.queue) >= pipelineQueue {
		o.mu.Unlock()
		return fmt.Errorf("%w: %d publications waiting for Redis", ErrUnavailable, pipelineQueue)
	}
	o.queue = append(o.queue, outgoing{classic: classic, channel: channel, msg: msg, done: done})
	start := !o.running
	o.running = true
	o.mu.Unlock()
	if start && !n.a.spawn(n.sendQueued) {
		n.fail(fmt.Errorf("%w: adapter closed", ErrUnavailable))
	}
	return nil
}

// postAndWait queues a publication and waits for its outcome (within
// ctx).
func (n *nsAdapter) postAndWait(ctx context.Context, classic bool, channel string, msg []byte) (int64, error) {
	done := make(chan sent, 1)
	if err := n.post(classic, channel, msg, done); err != nil {
		return 0, err
	}
	select {
	case r := <-done:
		return r.receivers, r.err
	case <-ctx.Done():
		return 0, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
}

// sendQueued sends the outbox's publications until it is empty.
func (n *nsAdapter) sendQueued() {
	o := &n.out
	for {
		o.mu.Lock()
		batch := o.queue
		if len(batch) == 0 {
			o.running = false
			o.mu.Unlock()
			return
		}
		o.queue, o.spare = o.spare[:0], nil
		o.mu.Unlock()
		for rest := batch; len(rest) > 0; {
			k := min(len(rest), pipelineBatch)
			n.sendPipeline(rest[:k])
			rest = rest[k:]
		}
		clear(batch)
		o.mu.Lock()
		o.spare = batch[:0]
		o.mu.Unlock()
	}
}

// sendPipeline publishes batch as one pipeline (bounded by
// Options.Timeout, failing at once during an outage) and tells the
// waiting callers each publication's outcome; a failure is reported as
// any Redis error (logged, State unhealthy).
func (n *nsAdapter) sendPipeline(batch []outgoing) {
	// The adapter's context, not the namespace's: a namespace that
	// closes still sends what it queued before. cmds is nil when the
	// pipeline did not return in time (see command).
	cmds, err := command(n.a, n.a.ctx, func(ctx context.Context) ([]*rds.IntCmd, error) {
		cmds := make([]*rds.IntCmd, len(batch))
		_, err := n.a.client.Pipelined(ctx, func(p rds.Pipeliner) error {
			for i, m := range batch {
				if m.classic {
					cmds[i] = p.Publish(ctx, m.channel, m.msg)
				} else {
					cmds[i] = p.SPublish(ctx, m.channel, m.msg)
				}
			}
			return nil
		})
		return cmds, err
	})
	for i, m := range batch {
		if m.done == nil {
			continue
		}
		// A finished pipeline sets every command, and reports the first
		// failed one's error as err.
		if cmds != nil && cmds[i].Err() == nil {
			m.done <- sent{receivers: cmds[i].Val()}
		} else {
			m.done <- sent{err: err}
		}
	}
}

// fail answers every queued publication with err and empties the outbox;
// for an adapter that closed before the sending goroutine could start.
func (n *nsAdapter) fail(err error) {
	o := &n.out
	o.mu.Lock()
	batch := o.queue
	o.queue, o.running = nil, false
	o.mu.Unlock()
	for _, m := range batch {
		if m.done != nil {
			m.done <- sent{err: err}
		}
	}
}
