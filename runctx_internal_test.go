package rtkit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A handler's context is made the first time something needs it
// (runctx.go). These tests drive a run's cancellations in every order
// against that moment, and check that the context then answers as a
// context.WithCancelCause child of the parent made at the start would.

var errGone = errors.New("socket gone")

type valueKey struct{}

// timedRun is a run with a deadline under a cancellable parent that holds
// one value.
func timedRun(t *testing.T) (*handlerRun, context.CancelCauseFunc) {
	t.Helper()
	parent, cancel := context.WithCancelCause(context.WithValue(context.Background(), valueKey{}, "v"))
	t.Cleanup(func() { cancel(nil) })
	return &handlerRun{parent: parent, timed: true, deadline: time.Now().Add(time.Hour)}, cancel
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestRunContextNotMadeUntilNeeded(t *testing.T) {
	r, _ := timedRun(t)
	assert.NoError(t, r.Err())
	d, ok := r.Deadline()
	assert.True(t, ok)
	assert.Equal(t, r.deadline, d)
	assert.Same(t, r, r.Value(runKey{}))
	assert.False(t, r.made.Load(), "Err, Deadline and the run's own key need no context")

	r.cancel(nil) // the handler returned
	assert.False(t, r.made.Load(), "a cancellation before first use is remembered, not made")
	allocs := testing.AllocsPerRun(100, func() {
		r, _ := timedRun(t)
		r.cancel(nil)
	})
	base := testing.AllocsPerRun(100, func() { timedRun(t) })
	assert.Equal(t, base, allocs, "ending a run whose context nobody used allocates nothing")
}

func TestRunContextMadeOnFirstUse(t *testing.T) {
	r, _ := timedRun(t)
	done := r.Done()
	require.True(t, r.made.Load())
	assert.False(t, closed(done))
	assert.Equal(t, "v", r.Value(valueKey{}), "values come from the parent")

	r.cancel(ErrHandlerTimeout)
	assert.True(t, closed(done))
	assert.ErrorIs(t, r.Err(), context.DeadlineExceeded)
	assert.ErrorIs(t, context.Cause(r), ErrHandlerTimeout)

	// A handler that uses its context costs what context.WithCancelCause
	// costs, and no more.
	used := testing.AllocsPerRun(100, func() {
		r, _ := timedRun(t)
		_ = r.Done()
		r.cancel(nil)
	})
	plain := testing.AllocsPerRun(100, func() {
		r, _ := timedRun(t)
		ctx, cancel := context.WithCancelCause(r.parent)
		_ = ctx.Done()
		cancel(nil)
	})
	assert.Equal(t, plain, used)
}

func TestRunCancelledBeforeFirstUse(t *testing.T) {
	t.Run("deadline, then the socket goes", func(t *testing.T) {
		r, cancelParent := timedRun(t)
		r.cancel(ErrHandlerTimeout)
		cancelParent(errGone)
		assert.True(t, closed(r.Done()))
		assert.ErrorIs(t, r.Err(), context.DeadlineExceeded)
		assert.ErrorIs(t, context.Cause(r), ErrHandlerTimeout, "the first cancellation is the cause, as with a context made at the start")
		assert.Equal(t, "v", r.Value(valueKey{}))
	})
	t.Run("the socket goes, then the handler returns", func(t *testing.T) {
		r, cancelParent := timedRun(t)
		cancelParent(errGone)
		assert.ErrorIs(t, r.Err(), context.Canceled, "the parent's cancellation shows before the context is made")
		r.cancel(nil)
		assert.True(t, closed(r.Done()))
		assert.ErrorIs(t, r.Err(), context.Canceled)
		assert.ErrorIs(t, context.Cause(r), errGone)
	})
	t.Run("the handler returns, then the socket goes", func(t *testing.T) {
		r, cancelParent := timedRun(t)
		r.cancel(nil)
		assert.ErrorIs(t, r.Err(), context.Canceled)
		cancelParent(errGone)
		assert.True(t, closed(r.Done()))
		assert.ErrorIs(t, context.Cause(r), context.Canceled)
	})
	t.Run("another cause makes the context at once", func(t *testing.T) {
		r, cancelParent := timedRun(t)
		r.cancel(errGone)
		assert.True(t, r.made.Load())
		cancelParent(ErrHandlerTimeout)
		assert.True(t, closed(r.Done()))
		assert.ErrorIs(t, context.Cause(r), errGone)
	})
	t.Run("a second cancellation changes nothing", func(t *testing.T) {
		r, _ := timedRun(t)
		r.cancel(ErrHandlerTimeout)
		r.cancel(nil)
		assert.ErrorIs(t, context.Cause(r), ErrHandlerTimeout)
	})
}

func TestRunContextDerived(t *testing.T) {
	r, _ := timedRun(t)
	child, cancel := context.WithCancel(r)
	defer cancel()
	after := make(chan struct{})
	stop := context.AfterFunc(r, func() { close(after) })
	defer stop()

	r.cancel(ErrHandlerTimeout)
	<-child.Done()
	<-after
	assert.ErrorIs(t, child.Err(), context.Canceled)
	assert.ErrorIs(t, context.Cause(child), ErrHandlerTimeout)
}

func TestRunWithoutDeadlineIsItsParent(t *testing.T) {
	parent, cancel := context.WithCancelCause(context.Background())
	r := &handlerRun{parent: parent}
	assert.Equal(t, parent.Done(), r.Done())
	_, ok := r.Deadline()
	assert.False(t, ok)
	cancel(errGone)
	assert.ErrorIs(t, r.Err(), context.Canceled)
	assert.ErrorIs(t, context.Cause(r), errGone)
	assert.False(t, r.made.Load())
}

// Readers of the context on several goroutines, a deadline and a return
// at the same time: every reader sees the context cancelled with the
// deadline's cause once both happened (go test -race). Each reader gives
// up after 5 s, so that a lost cancellation fails rather than hangs.
func TestRunContextConcurrentFirstUse(t *testing.T) {
	for range 200 {
		r, _ := timedRun(t)
		var wg sync.WaitGroup
		start := make(chan struct{})
		saw := make([]error, 4)
		for i := range saw {
			wg.Go(func() {
				<-start
				if i == 2 {
					_ = r.Value(valueKey{}) // makes the context, maybe
				}
				for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
					if i == 0 {
						select {
						case <-r.Done():
						case <-time.After(time.Until(end)):
						}
					}
					if err := r.Err(); err != nil {
						saw[i] = context.Cause(r)
						return
					}
					time.Sleep(time.Microsecond)
				}
			})
		}
		close(start)
		r.cancel(ErrHandlerTimeout)
		r.cancel(nil)
		wg.Wait()
		for i, cause := range saw {
			require.ErrorIs(t, cause, ErrHandlerTimeout, "reader %d", i)
		}
		require.True(t, closed(r.Done()))
	}
}
