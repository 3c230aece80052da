package rtkit

import (
	"context"
	"time"
)

// A handler's context. A handler with a deadline gets a context of its
// own, cancelled at the deadline (cause ErrHandlerTimeout) and when the
// handler returns. Most handlers never look at it: making it costs two
// allocations, and cancelling it a lock of the socket's context, on every
// event (docs/performance.md, 2026-12-06 "handler contexts on first use").
// So the run is the handler's context, and the cancellable one behind it
// is made the first time something needs it: Done, a Value other than the
// run's, or an Err after a cancellation. Until then the run answers from
// its parent, which is what the context made then would answer:
//
//   - Err is the parent's while neither the deadline nor the return has
//     cancelled the run;
//   - a cancellation that comes first is remembered (ended), unless the
//     parent is already cancelled, and the context made later is made
//     cancelled with it, whatever its parent does afterwards;
//   - once made, the context is a plain context.WithCancelCause child of
//     the parent, so that context.Cause, context.AfterFunc and contexts
//     derived from the handler's see the context package's own.

// Causes a run remembers when it is cancelled before its context exists
// (handlerRun.ended): the only two its callers give.
const (
	endedNot      uint8 = iota // not cancelled
	endedReturned              // the handler returned: context.Canceled
	endedTimeout               // its deadline passed: ErrHandlerTimeout
)

// handlerCtx returns the context Done, Err and Value answer from: the
// parent for a handler without deadline, the run's own context otherwise,
// made now if it does not exist yet.
func (r *handlerRun) handlerCtx() context.Context {
	if !r.timed {
		return r.parent
	}
	if !r.made.Load() {
		r.cmu.Lock()
		if !r.made.Load() {
			r.makeLocked()
		}
		r.cmu.Unlock()
	}
	return r.ownCtx // written before made was set
}

// makeLocked makes the run's own context (under cmu, once).
func (r *handlerRun) makeLocked() {
	switch r.ended {
	case endedNot:
		r.ownCtx, r.ownCancel = context.WithCancelCause(r.parent)
	default:
		// Cancelled before it existed: cancelled with that cause, not
		// with whatever its parent got later.
		r.ownCtx, r.ownCancel = context.WithCancelCause(context.WithoutCancel(r.parent))
		cause := context.Canceled
		if r.ended == endedTimeout {
			cause = ErrHandlerTimeout
		}
		r.ownCancel(cause)
	}
	r.made.Store(true)
}

// cancel cancels the handler's context with cause (nil means
// context.Canceled), as the cancel function of context.WithCancelCause
// does.
func (r *handlerRun) cancel(cause error) {
	if !r.made.Load() {
		r.cmu.Lock()
		kept := !r.made.Load() && r.rememberLocked(cause)
		if !kept && !r.made.Load() {
			r.makeLocked() // a cause it cannot remember
		}
		r.cmu.Unlock()
		if kept {
			return
		}
	}
	r.ownCancel(cause)
}

// rememberLocked records a cancellation that comes before the context
// exists (under cmu); false for a cause it cannot keep.
func (r *handlerRun) rememberLocked(cause error) bool {
	switch {
	case r.ended != endedNot || r.parent.Err() != nil:
		// Already cancelled; or a context made from a cancelled parent
		// is cancelled with the parent's cause: nothing to remember.
	case cause == nil || cause == context.Canceled:
		r.ended = endedReturned
	case cause == ErrHandlerTimeout:
		r.ended = endedTimeout
	default:
		return false
	}
	return true
}

// Deadline returns the handler's deadline (the parent's, should it come
// first).
func (r *handlerRun) Deadline() (time.Time, bool) {
	d, ok := r.parent.Deadline()
	if !r.timed || ok && d.Before(r.deadline) {
		return d, ok
	}
	return r.deadline, true
}

// Done returns the channel closed when the handler's context is
// cancelled.
func (r *handlerRun) Done() <-chan struct{} { return r.handlerCtx().Done() }

// Err returns context.DeadlineExceeded once the deadline has cancelled
// the context. (The context is a plain cancellable one, cancelled by the
// socket's deadline timer: a context of its own with a timer would cost a
// second timer per event. Contexts derived from it report
// context.Canceled, with the same cause.)
func (r *handlerRun) Err() error {
	if !r.timed {
		return r.parent.Err()
	}
	if !r.made.Load() {
		r.cmu.Lock()
		ended := r.ended
		r.cmu.Unlock()
		if ended == endedNot {
			return r.parent.Err()
		}
	}
	ctx := r.handlerCtx()
	err := ctx.Err()
	if err != nil && context.Cause(ctx) == ErrHandlerTimeout {
		return context.DeadlineExceeded
	}
	return err
}

// Value returns the run for runKey, the context's values otherwise.
// Every other key makes the handler's own context: context.Cause asks it
// for the context package's own key, which cannot be told apart here.
func (r *handlerRun) Value(key any) any {
	if key == (runKey{}) {
		return r
	}
	return r.handlerCtx().Value(key)
}
