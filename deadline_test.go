package rtkit_test

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/proctest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// The events of the deadline tests: hang ignores its context until its
// test releases it; ping answers at once.
var (
	evHang     = rtkit.NewEvent[Empty, Empty]("hang")
	evHangNote = rtkit.NewEvent[Empty, rtkit.NoAck]("hang:note")
	evPing     = rtkit.NewEvent[Question, Answer]("ping")
	// evShort has a deadline of its own, shorter than the server's.
	evShort = rtkit.NewEvent[Empty, Empty]("short", rtkit.HandlerTimeout(300*time.Millisecond))
	// evLong has no deadline, whatever the server's.
	evLong = rtkit.NewEvent[Question, Answer]("long", rtkit.HandlerTimeout(0))
	// evPolite returns when its context ends.
	evPolite = rtkit.NewEvent[Empty, Empty]("polite")
)

// hangServer is a namespace whose hang handlers block until release is
// closed, whatever their context says.
type hangServer struct {
	ts      *rtkittest.Server
	logs    *proctest.Buffer
	release chan struct{}
	started atomic.Int32 // hang handlers that started
	ctxs    chan context.Context
}

func startHang(t *testing.T, opts ...rtkit.ServerOption) *hangServer {
	t.Helper()
	h := &hangServer{logs: &proctest.Buffer{}, release: make(chan struct{}), ctxs: make(chan context.Context, 64)}
	block := func(ctx context.Context) {
		h.started.Add(1)
		h.ctxs <- ctx
		<-h.release // ignores ctx
	}
	ns := rtkit.NewNamespace("/dl")
	rtkit.Handle(ns, evHang, func(ctx context.Context, _ *rtkit.Socket, _ Empty) (Empty, error) {
		block(ctx)
		return Empty{}, nil
	})
	rtkit.Handle(ns, evHangNote, func(ctx context.Context, _ *rtkit.Socket, _ Empty) (rtkit.NoAck, error) {
		block(ctx)
		return rtkit.NoAck{}, nil
	})
	rtkit.Handle(ns, evShort, func(ctx context.Context, _ *rtkit.Socket, _ Empty) (Empty, error) {
		block(ctx)
		return Empty{}, nil
	})
	rtkit.Handle(ns, evPing, func(_ context.Context, _ *rtkit.Socket, q Question) (Answer, error) {
		return Answer{A: len(q.Q)}, nil
	})
	rtkit.Handle(ns, evLong, func(_ context.Context, _ *rtkit.Socket, q Question) (Answer, error) {
		time.Sleep(time.Duration(len(q.Q)) * 100 * time.Millisecond)
		return Answer{A: len(q.Q)}, nil
	})
	rtkit.Handle(ns, evPolite, func(ctx context.Context, _ *rtkit.Socket, _ Empty) (Empty, error) {
		<-ctx.Done()
		return Empty{}, ctx.Err()
	})
	rtkit.Emits(ns, evAsk)
	srv := rtkit.NewServer(append([]rtkit.ServerOption{
		rtkit.WithLogger(slog.New(slog.NewTextHandler(h.logs, nil)))}, opts...)...)
	srv.Mount(ns)
	h.ts = rtkittest.Start(t, srv)
	t.Cleanup(h.free) // before the server closes (cleanups run last first)
	return h
}

// free lets every blocked handler return.
func (h *hangServer) free() {
	select {
	case <-h.release:
	default:
		close(h.release)
	}
}

func (h *hangServer) health() rtkit.Health { return h.ts.RT.Health(context.Background()) }

// ping checks that c's socket answers an event.
func ping(t *testing.T, c *rtkittest.Client) {
	t.Helper()
	out, err := rtkittest.Call(ctx5(t), c, evPing, Question{Q: "abc"})
	require.Nil(t, err, "the socket's next event is answered")
	assert.Equal(t, Answer{A: 3}, out)
}

// requireTimeout checks that err is the server's TIMEOUT, not the test
// client giving up.
func requireTimeout(t *testing.T, err *rtkit.Error) {
	t.Helper()
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeTimeout, err.Code)
	assert.Equal(t, "the handler did not finish in time", err.Message)
}

// newGoroutines reports the goroutines started since before that are not
// idle mailbox workers, as goleak's error text ("" when none).
func newGoroutines(before goleak.Option) string {
	if err := goleak.Find(before, goleak.IgnoreTopFunction("github.com/rtkit-go/rtkit/internal/mailbox.(*Pool).serve")); err != nil {
		return err.Error()
	}
	return ""
}

// inHandlers counts the goroutines running a hangServer handler (a pool
// worker that existed before may be the one that runs it).
func inHandlers() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "rtkit_test.startHang.func") {
			n++
		}
	}
	return n
}

// TestHandlerIgnoringItsContext is the case of a handler that hangs: the
// client gets TIMEOUT at the deadline, the handler's context is cancelled,
// the socket's next event is answered while the handler still runs,
// Health says degraded, and once the handler returns its result is
// dropped (and logged), Health is ok again and the goroutines are those
// of before.
func TestHandlerIgnoringItsContext(t *testing.T) {
	const deadline = 300 * time.Millisecond
	h := startHang(t, rtkit.WithHandlerTimeout(deadline))
	c := h.ts.Dial(t, "/dl")
	ping(t, c) // the socket's queue has run once
	before := goleak.IgnoreCurrent()

	start := time.Now()
	_, err := rtkittest.Call(ctx5(t), c, evHang, Empty{})
	requireTimeout(t, err)
	assert.GreaterOrEqual(t, time.Since(start), deadline, "not before the deadline")
	hctx := <-h.ctxs
	require.Error(t, hctx.Err(), "the handler's context is cancelled at the deadline")
	assert.ErrorIs(t, hctx.Err(), context.DeadlineExceeded)
	assert.ErrorIs(t, context.Cause(hctx), rtkit.ErrHandlerTimeout)

	ping(t, c) // while the handler still runs
	health := h.health()
	assert.Equal(t, "degraded", health.Status)
	assert.Equal(t, []string{"1 handlers past their deadline"}, health.Reasons)
	assert.Equal(t, rtkit.HandlersHealth{Overdue: 1}, health.Handlers)
	assert.Equal(t, 1, inHandlers(), "the hung handler keeps its goroutine")

	h.free()
	require.Eventually(t, func() bool { return h.health().Status == "ok" }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, rtkit.HandlersHealth{}, h.health().Handlers)
	assert.Zero(t, inHandlers())
	require.Eventually(t, func() bool { return newGoroutines(before) == "" }, 5*time.Second, 10*time.Millisecond,
		"goroutines left: %s", newGoroutines(before))
	assert.Contains(t, h.logs.String(), "handler passed its deadline")
	assert.Contains(t, h.logs.String(), "handler returned after its deadline; its result is dropped")
	ping(t, c)
}

// TestHandlerDeadlineWithoutAck: a client that sent no acknowledgement
// callback hears of the deadline through the "error" event.
func TestHandlerDeadlineWithoutAck(t *testing.T) {
	h := startHang(t, rtkit.WithHandlerTimeout(200*time.Millisecond))
	c := h.ts.Dial(t, "/dl")
	errs := rtkittest.ListenErrors(c)
	require.NoError(t, rtkittest.Send(c, evHangNote, Empty{}))
	got, err := errs.Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, rtkit.CodeTimeout, got.Code)
	assert.Equal(t, "hang:note", got.Event)
	ping(t, c)
}

// TestPerEventDeadline: an event's HandlerTimeout overrides the server's,
// shorter or off; a handler that returns its context's error at the
// deadline answers TIMEOUT, not INTERNAL.
func TestPerEventDeadline(t *testing.T) {
	h := startHang(t, rtkit.WithHandlerTimeout(200*time.Millisecond))
	c := h.ts.Dial(t, "/dl")

	out, err := rtkittest.Call(ctx5(t), c, evLong, Question{Q: "abcde"}) // 500 ms, over the server's 200
	require.Nil(t, err, "an event without deadline runs to its end")
	assert.Equal(t, Answer{A: 5}, out)

	_, err = rtkittest.Call(ctx5(t), c, evPolite, Empty{})
	requireTimeout(t, err)
	require.Eventually(t, func() bool { return h.health().Handlers.Overdue == 0 }, 5*time.Second, 5*time.Millisecond)

	h2 := startHang(t, rtkit.WithHandlerTimeout(time.Minute))
	c2 := h2.ts.Dial(t, "/dl")
	start := time.Now()
	_, err = rtkittest.Call(ctx5(t), c2, evShort, Empty{}) // 300 ms, under the server's minute
	requireTimeout(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	dl, ok := (<-h2.ctxs).Deadline()
	require.True(t, ok, "the handler's context carries its deadline")
	assert.WithinDuration(t, start.Add(300*time.Millisecond), dl, 250*time.Millisecond)
}

// TestEmitWithAckIgnoresHandlerDeadline: the server's handler deadline
// neither cuts nor lengthens EmitWithAck, called outside a handler.
func TestEmitWithAckIgnoresHandlerDeadline(t *testing.T) {
	h := startHang(t, rtkit.WithHandlerTimeout(100*time.Millisecond), rtkit.WithAckTimeout(5*time.Second))
	c := h.ts.Dial(t, "/dl")
	rtkittest.Answer(c, evAsk, func(q Question) Answer {
		time.Sleep(400 * time.Millisecond) // longer than a handler may run
		return Answer{A: len(q.Q)}
	})
	var sock *rtkit.Socket
	for s := range h.ts.RT.Sockets() {
		sock = s
	}
	require.NotNil(t, sock)
	out, err := rtkit.EmitWithAck(context.Background(), sock, evAsk, Question{Q: "ab"})
	require.NoError(t, err)
	assert.Equal(t, Answer{A: 2}, out)
}

// TestEmitWithAckInHandlerKeepsAckTimeout: inside a handler, the handler's
// deadline does not stand for the caller's own: WithAckTimeout still
// applies when it is the shorter.
func TestEmitWithAckInHandlerKeepsAckTimeout(t *testing.T) {
	ns := rtkit.NewNamespace("/ask")
	askBack := rtkit.NewEvent[Question, Answer]("ask:back")
	rtkit.Handle(ns, askBack, func(ctx context.Context, s *rtkit.Socket, q Question) (Answer, error) {
		return rtkit.EmitWithAck(ctx, s, evAsk, q)
	})
	rtkit.Emits(ns, evAsk)
	ts := startWithNamespace(t, ns, rtkit.WithHandlerTimeout(time.Minute), rtkit.WithAckTimeout(200*time.Millisecond))
	c := ts.Dial(t, "/ask")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := rtkittest.Call(ctx, c, askBack, Question{Q: "never answered"})
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeTimeout, err.Code)
	assert.Equal(t, "no acknowledgement before the deadline", err.Message, "the ack timeout, not the minute")
}

// TestConcurrencySlotsFreedAtDeadline: with WithMaxConcurrentHandlers(2),
// two hung handlers refuse other sockets only until their deadline; then
// their slots go to handlers in time.
func TestConcurrencySlotsFreedAtDeadline(t *testing.T) {
	h := startHang(t, rtkit.WithMaxConcurrentHandlers(2), rtkit.WithHandlerTimeout(time.Second))
	hung := []*rtkittest.Client{h.ts.Dial(t, "/dl"), h.ts.Dial(t, "/dl")}
	other := h.ts.Dial(t, "/dl")
	results := make(chan *rtkit.Error, 2)
	for _, c := range hung {
		go func() {
			_, err := rtkittest.Call(ctx5(t), c, evHang, Empty{})
			results <- err
		}()
	}
	require.Eventually(t, func() bool { return h.started.Load() == 2 }, 5*time.Second, time.Millisecond)
	_, err := rtkittest.Call(ctx5(t), other, evPing, Question{Q: "x"})
	if err != nil { // the deadline may have passed already on a slow machine
		assert.Equal(t, rtkit.CodeRateLimited, err.Code)
	}
	for range 2 {
		requireTimeout(t, <-results)
	}
	ping(t, other)
	ping(t, hung[0])
	assert.Equal(t, 2, h.health().Handlers.Overdue)
	assert.Equal(t, "degraded", h.health().Status)
}

// TestOverdueHandlersPerSocketAreBounded: a socket whose handlers keep
// hanging is disconnected at its third overdue handler, instead of
// growing the server's goroutines.
func TestOverdueHandlersPerSocketAreBounded(t *testing.T) {
	h := startHang(t, rtkit.WithHandlerTimeout(150*time.Millisecond))
	c := h.ts.Dial(t, "/dl")
	for range 2 {
		_, err := rtkittest.Call(ctx5(t), c, evHang, Empty{})
		requireTimeout(t, err)
		ping(t, c)
	}
	_, err := rtkittest.Call(ctx5(t), c, evHang, Empty{})
	requireTimeout(t, err)
	require.Eventually(t, func() bool { return !c.Connected() }, 5*time.Second, 5*time.Millisecond,
		"the socket is disconnected")
	assert.Equal(t, 3, h.health().Handlers.Overdue, "the overdue handlers are still counted")
	assert.Contains(t, h.logs.String(), "too many overdue handlers and is disconnected")
	h.free()
	require.Eventually(t, func() bool { return h.health().Handlers.Overdue == 0 }, 5*time.Second, 5*time.Millisecond)
}

// TestOverdueHandlersPerEventAreBounded is the attack of a client that
// found a handler that hangs and opens socket after socket to trigger it:
// once the event has WithMaxOverdueHandlers overdue handlers it is refused
// with UNAVAILABLE without running, other events are served, and a socket
// that left before its handler's deadline still counts.
func TestOverdueHandlersPerEventAreBounded(t *testing.T) {
	const bound = 3
	h := startHang(t, rtkit.WithHandlerTimeout(150*time.Millisecond), rtkit.WithMaxOverdueHandlers(bound))

	// One attacker leaves as soon as its event is sent.
	gone := h.ts.Dial(t, "/dl")
	require.NoError(t, rtkittest.Send(gone, evHang, Empty{}))
	require.Eventually(t, func() bool { return h.started.Load() == 1 }, 5*time.Second, time.Millisecond)
	gone.Close()
	require.Eventually(t, func() bool { return h.health().Handlers.Overdue == 1 }, 5*time.Second, 5*time.Millisecond,
		"a handler of a socket that left, still running, is overdue")

	var refused int
	for i := range 10 {
		c := h.ts.Dial(t, "/dl")
		_, err := rtkittest.Call(ctx5(t), c, evHang, Empty{})
		require.NotNil(t, err, "attempt %d", i)
		if err.Code == rtkit.CodeUnavailable {
			refused++
			ping(t, c) // other events of the socket are served
		} else {
			requireTimeout(t, err)
		}
		c.Close()
	}
	assert.Equal(t, int32(bound), h.started.Load(), "no handler ran beyond the bound")
	assert.Equal(t, 10-(bound-1), refused)
	assert.Equal(t, bound, h.health().Handlers.Overdue)

	h.free()
	require.Eventually(t, func() bool { return h.health().Handlers.Overdue == 0 }, 5*time.Second, 5*time.Millisecond)
	c := h.ts.Dial(t, "/dl")
	_, err := rtkittest.Call(ctx5(t), c, evHang, Empty{}) // released: returns at once
	require.Nil(t, err, "the event runs again once its overdue handlers returned")
}

// TestShutdownWaitsForOverdueHandlers: Shutdown waits for handlers past
// their deadline as for the others, until its own context ends.
func TestShutdownWaitsForOverdueHandlers(t *testing.T) {
	h := startHang(t, rtkit.WithHandlerTimeout(100*time.Millisecond))
	c := h.ts.Dial(t, "/dl")
	_, err := rtkittest.Call(ctx5(t), c, evHang, Empty{})
	requireTimeout(t, err)
	done := make(chan error, 1)
	go func() { done <- h.ts.RT.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) while a handler still runs", err)
	case <-time.After(300 * time.Millisecond):
	}
	h.free()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return once the handler did")
	}
}

// TestShutdownAbandonsOverdueHandlersAtItsDeadline: a handler that never
// returns does not hold Shutdown past its context.
func TestShutdownAbandonsOverdueHandlersAtItsDeadline(t *testing.T) {
	h := startHang(t, rtkit.WithHandlerTimeout(100*time.Millisecond))
	c := h.ts.Dial(t, "/dl")
	_, err := rtkittest.Call(ctx5(t), c, evHang, Empty{})
	requireTimeout(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err2 := h.ts.RT.Shutdown(ctx)
	assert.True(t, errors.Is(err2, context.DeadlineExceeded), "got %v", err2)
	assert.Contains(t, h.logs.String(), "overdue=1")
	require.Eventually(t, func() bool { return !c.Connected() }, 5*time.Second, 5*time.Millisecond,
		"the sockets are disconnected all the same")
	assert.Equal(t, 1, h.health().Handlers.Overdue, "still counted until it returns")
}

// TestSpecListsHandlerDeadlines: the contract tells clients each handled
// event's deadline and lists TIMEOUT for it; an event without deadline
// has neither.
func TestSpecListsHandlerDeadlines(t *testing.T) {
	h := startHang(t, rtkit.WithHandlerTimeout(2*time.Second))
	events := map[string]rtkit.EventSpec{}
	for _, e := range h.ts.RT.Spec().Namespaces[0].Events {
		events[e.Name] = e
	}
	assert.Equal(t, int64(2000), events["ping"].TimeoutMs)
	assert.Contains(t, events["ping"].Errors, rtkit.CodeTimeout)
	assert.Equal(t, int64(300), events["short"].TimeoutMs)
	assert.Zero(t, events["long"].TimeoutMs)
	assert.NotContains(t, events["long"].Errors, rtkit.CodeTimeout)
}

// TestTriggerAndLeaveIsBounded is the attack of a client that opens a
// socket, triggers a handler that hangs and leaves at once, again and
// again: each such handler is overdue soon after its socket left, long
// before its deadline, so that WithMaxOverdueHandlers stops the event
// after a few rounds instead of one goroutine piling up per round.
func TestTriggerAndLeaveIsBounded(t *testing.T) {
	const bound = 3
	h := startHang(t, rtkit.WithHandlerTimeout(time.Minute), rtkit.WithMaxOverdueHandlers(bound))
	refused := 0
	for i := range 10 {
		c := h.ts.Dial(t, "/dl")
		errs := rtkittest.ListenErrors(c)
		before := h.started.Load()
		require.NoError(t, rtkittest.Send(c, evHangNote, Empty{}))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		for h.started.Load() == before && errs.Len() == 0 && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		cancel()
		if errs.Len() > 0 {
			e, err := errs.Next(ctx5(t))
			require.NoError(t, err)
			assert.Equal(t, rtkit.CodeUnavailable, e.Code, "round %d", i)
			refused++
			c.Close()
			continue
		}
		require.Greater(t, h.started.Load(), before, "round %d: the handler started", i)
		c.Close()
		want := int(h.started.Load())
		require.Eventually(t, func() bool { return h.health().Handlers.Overdue == want }, 5*time.Second, 5*time.Millisecond,
			"round %d: the hung handler of the socket that left is overdue", i)
	}
	assert.Equal(t, int32(bound), h.started.Load(), "no handler ran beyond the bound")
	assert.Equal(t, 10-bound, refused)
	assert.Equal(t, bound, inHandlers())
	h.free()
	require.Eventually(t, func() bool { return h.health().Handlers.Overdue == 0 && inHandlers() == 0 },
		5*time.Second, 5*time.Millisecond)
}
