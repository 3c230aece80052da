package rtkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// Ack is one socket's acknowledgement of an EmitWithAcks.
type Ack[Out any] struct {
	// Socket is the id of the socket that answered.
	Socket string
	// Data is its answer, valid when Err is nil.
	Data Out
	// Err is a VALIDATION_ERROR *Error when the answer does not match
	// Out's schema, or ErrDisconnected when the socket went away first.
	Err error
}

// EmitWithAcks sends a server → client event to every socket r selects, on
// every server the adapter reaches, and gathers their acknowledgements,
// each validated against Out's schema. It returns when every recipient
// answered or disconnected, or when ctx ends (the server's acknowledgement
// timeout applies when ctx has no deadline).
//
// The result holds one Ack per socket that answered or disconnected, this
// server's first, then in arrival order. The error is nil when the result
// is complete; when ctx ended first, it is a TIMEOUT *Error (the result then
// holds what arrived) saying how many sockets and servers did not answer,
// or ctx's error when ctx was cancelled rather than timed out.
// The payload is checked as Emit checks it, and nothing is sent when that
// fails. When the other servers cannot be reached, the sockets of this
// server are still asked and the error wraps the adapter's.
//
// Unlike the Socket.IO broadcast with acknowledgement, no per-packet state
// is shared between goroutines: each socket gets its own emit. It is safe
// for concurrent use.
func EmitWithAcks[In, Out any](ctx context.Context, r Rooms, ev Event[In, Out], payload In) ([]Ack[Out], error) {
	b, err := prepare(r.ns, ev.d, payload)
	if err != nil {
		return nil, err
	}
	if ev.d.out == nil {
		return nil, fmt.Errorf("rtkit: EmitWithAcks: event %s is declared without acknowledgement (NoAck)", ev.d.name)
	}
	srv := r.ns.srv
	ctx, cancel := srv.withWait(ctx)
	defer cancel()

	c := codec[In, Out]{ev.d}
	g := &ackGather[Out]{}
	local := r.ns.localMatches(r.rooms, r.except)
	g.pending = len(local)
	localDone := make(chan struct{})
	if len(local) == 0 {
		close(localDone)
	}
	emitAcks(local, ev.d.name, r.ns.wireArg(ev.d.in, ev.d.name, b), func(s *Socket, v any, gone bool) {
		g.mu.Lock()
		defer g.mu.Unlock()
		var out Out
		var verr *Error
		if !gone {
			out, verr = c.answer(v)
		}
		g.add(s.ID(), out, verr, gone, true)
		g.pending--
		if g.pending == 0 {
			close(localDone)
		}
	})

	var counted, expected, got int // answers of other servers
	remote := func(id string, data json.RawMessage, gone bool) {
		var out Out
		var verr *Error
		if !gone {
			out, verr = c.answerJSON(data)
		}
		g.mu.Lock()
		g.add(id, out, verr, gone, false)
		g.mu.Unlock()
		got++
	}
	servers, remoteErr := r.ns.others().BroadcastWithAck(ctx, Packet{Args: []any{ev.d.name, b}}, r.sel(),
		func(n int) {
			counted++
			expected += n
		},
		func(a AckAnswer) {
			data, err := argJSON(a.Args, 0)
			if err != nil {
				data = json.RawMessage("null") // fails Out's schema unless null is allowed
			}
			remote(a.Socket, data, a.Gone)
		})
	if remoteErr != nil {
		remoteErr = errNotReached(remoteErr)
	}

	select {
	case <-localDone:
	case <-ctx.Done():
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	out := append(g.local, g.remote...)
	if remoteErr != nil {
		return out, remoteErr
	}
	if g.pending > 0 || counted < servers || got < expected {
		if errors.Is(ctx.Err(), context.Canceled) {
			return out, ctx.Err() // the caller gave up: not a timeout
		}
		return out, NewError(CodeTimeout, fmt.Sprintf(
			"acknowledgements missing before the deadline: %d of this server's sockets, %d of other servers' sockets, %d of %d other servers silent",
			g.pending, max(expected-got, 0), servers-counted, servers)).WithCause(context.Cause(ctx))
	}
	return out, nil
}

// ackGather collects the acknowledgements of one EmitWithAcks.
type ackGather[Out any] struct {
	mu      sync.Mutex
	local   []Ack[Out]
	remote  []Ack[Out]
	pending int  // local sockets yet to answer
	closed  bool // the caller returned: later answers are dropped
}

// add records one decoded answer; mu is held.
func (g *ackGather[Out]) add(id string, out Out, verr *Error, gone, local bool) {
	if g.closed {
		return
	}
	a := Ack[Out]{Socket: id}
	if gone {
		a.Err = ErrDisconnected
	} else if verr != nil {
		a.Err = verr
	} else {
		a.Data = out
	}
	if local {
		g.local = append(g.local, a)
	} else {
		g.remote = append(g.remote, a)
	}
}

// emitAcks emits event with payload to each socket with an acknowledgement
// and calls answer once per socket: with the client's first argument, or
// gone when the socket disconnects before answering.
func emitAcks(ss []*Socket, event string, payload any, answer func(s *Socket, v any, gone bool)) {
	for _, s := range ss {
		var once sync.Once
		stop := context.AfterFunc(s.ctx, func() {
			once.Do(func() { answer(s, nil, true) })
		})
		err := s.raw.emitAck([]any{event, payload}, func(args []any) {
			stop()
			var v any
			if len(args) > 0 {
				v = args[0]
			}
			once.Do(func() { answer(s, v, false) })
		})
		if err != nil {
			stop()
			once.Do(func() { answer(s, nil, true) })
		}
	}
}
