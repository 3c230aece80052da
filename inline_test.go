package rtkit_test

// Events run on their connection's reader (inline.go): what the mailbox
// promises holds for them too.

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// onReader reports whether the calling handler runs on its connection's
// reader rather than on a worker of the mailbox.
func onReader() bool {
	buf := make([]byte, 64<<10)
	return strings.Contains(string(buf[:runtime.Stack(buf, false)]), "engine.(*wsTransport).runAfter")
}

var (
	evInlineSeq   = rtkit.NewEvent[Note, Answer]("inline:seq")
	evInlineAsk   = rtkit.NewEvent[Question, Answer]("inline:ask")
	evInlineBlock = rtkit.NewEvent[Note, Empty]("inline:block")
	evInlineFree  = rtkit.NewEvent[Note, Answer]("inline:free", rtkit.HandlerTimeout(0))
)

// blockedReturned is what evInlineBlock's handler records in seqs when it
// returns.
const blockedReturned = -1

// inlineRig serves the events above and records what their handlers saw.
type inlineRig struct {
	ts      *rtkittest.Server
	sockets chan *rtkit.Socket
	// started gets whether each blocking handler runs on the reader;
	// release lets it return, unless its context ends first (then ended
	// gets the context's cause).
	started chan bool
	release chan struct{}
	ended   chan error

	mu     sync.Mutex
	seqs   []int
	inline atomic.Int32 // handlers that ran on the reader
}

func startInlineRig(t *testing.T) *inlineRig {
	r := &inlineRig{sockets: make(chan *rtkit.Socket, 8), started: make(chan bool, 8), release: make(chan struct{}), ended: make(chan error, 8)}
	ns := rtkit.NewNamespace("/inline", rtkit.OnConnect(func(_ context.Context, s *rtkit.Socket) { r.sockets <- s }))
	note := func() {
		if onReader() {
			r.inline.Add(1)
		}
	}
	rtkit.Handle(ns, evInlineSeq, func(_ context.Context, _ *rtkit.Socket, in Note) (Answer, error) {
		note()
		r.mu.Lock()
		r.seqs = append(r.seqs, in.Seq)
		r.mu.Unlock()
		return Answer{A: in.Seq}, nil
	})
	rtkit.Handle(ns, evInlineAsk, func(ctx context.Context, s *rtkit.Socket, in Question) (Answer, error) {
		note()
		return rtkit.EmitWithAck(ctx, s, evAsk, in)
	})
	rtkit.Handle(ns, evInlineBlock, func(ctx context.Context, _ *rtkit.Socket, _ Note) (Empty, error) {
		r.started <- onReader()
		select {
		case <-r.release:
		case <-ctx.Done():
			r.ended <- context.Cause(ctx)
		}
		r.mu.Lock()
		r.seqs = append(r.seqs, blockedReturned)
		r.mu.Unlock()
		return Empty{}, nil
	})
	rtkit.Handle(ns, evInlineFree, func(_ context.Context, _ *rtkit.Socket, in Note) (Answer, error) {
		note()
		return Answer{A: in.Seq}, nil
	})
	rtkit.Handle(ns, evPanic, func(context.Context, *rtkit.Socket, Empty) (Empty, error) {
		note()
		panic("inline handler exploded")
	})
	rtkit.Emits(ns, evAsk)
	r.ts = startWithNamespace(t, ns)
	return r
}

// calls makes n sequential calls of evInlineSeq, numbered from first:
// a client in a conversation, whose events find the reader warm.
func (r *inlineRig) calls(t *testing.T, c *rtkittest.Client, first, n int) {
	t.Helper()
	for i := first; i < first+n; i++ {
		out, err := rtkittest.Call(ctx5(t), c, evInlineSeq, Note{Seq: i})
		require.Nil(t, err)
		require.Equal(t, i, out.A)
	}
}

// startWarm starts the rig with one client whose first calls have warmed
// its reader, and the count of handlers on the reader back at zero.
func startWarm(t *testing.T) (*inlineRig, *rtkittest.Client) {
	r := startInlineRig(t)
	c := r.ts.Dial(t, "/inline")
	r.calls(t, c, 0, 5)
	r.inline.Store(0)
	return r, c
}

// blockOnReader starts a blocking handler of c that runs on its
// connection's reader, retrying while the reader was cold; it returns the
// call's result channel.
func (r *inlineRig) blockOnReader(t *testing.T, c *rtkittest.Client) chan *rtkit.Error {
	t.Helper()
	for range 20 {
		r.calls(t, c, 0, 3)
		done := make(chan *rtkit.Error, 1)
		go func() {
			_, err := rtkittest.Call(context.Background(), c, evInlineBlock, Note{})
			done <- err
		}()
		if <-r.started {
			return done
		}
		r.release <- struct{}{} // on a worker: let it go and try again
		require.Nil(t, <-done)
	}
	t.Fatal("no blocking handler ran on the reader")
	return nil
}

// A client's events run in arrival order, whether they run on the reader
// or queue behind one that does.
func TestInlineEventsKeepOrder(t *testing.T) {
	r := startInlineRig(t)
	c := r.ts.Dial(t, "/inline")
	r.calls(t, c, 0, 30)
	for i := 30; i < 230; i++ {
		require.NoError(t, rtkittest.Send(c, evInlineSeq, Note{Seq: i}))
	}
	r.calls(t, c, 230, 1) // answered after the 200 before it
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Len(t, r.seqs, 231)
	for i, s := range r.seqs {
		require.Equal(t, i, s, "events ran out of order")
	}
	assert.Positive(t, r.inline.Load(), "some events ran on the reader")
}

// A handler on the reader that waits for its own client's acknowledgement
// gets it.
func TestInlineHandlerGetsClientAck(t *testing.T) {
	r, c := startWarm(t)
	rtkittest.Answer(c, evAsk, func(q Question) Answer { return Answer{A: len(q.Q)} })
	for i := range 20 {
		q := strings.Repeat("q", i)
		out, err := rtkittest.Call(ctx5(t), c, evInlineAsk, Question{Q: q})
		require.Nil(t, err)
		assert.Equal(t, i, out.A)
	}
	assert.Positive(t, r.inline.Load(), "some handlers waited on the reader")
}

// A handler that blocks on the reader holds up neither another client nor
// its own client's input: another client is served, the blocked socket's
// client answers the server's questions, its next event waits behind the
// blocked one and runs after it.
func TestInlineBlockingHandlerDoesNotStall(t *testing.T) {
	r := startInlineRig(t)
	a := r.ts.Dial(t, "/inline")
	sa := <-r.sockets
	rtkittest.Answer(a, evAsk, func(q Question) Answer { return Answer{A: len(q.Q)} })
	b := r.ts.Dial(t, "/inline")
	<-r.sockets
	blocked := r.blockOnReader(t, a)

	r.calls(t, b, 0, 5)
	for i := range 5 {
		got, err := rtkit.EmitWithAck(ctx5(t), sa, evAsk, Question{Q: strings.Repeat("x", i)})
		require.NoError(t, err, "the blocked socket's client answers")
		assert.Equal(t, Answer{A: i}, got)
	}
	next := make(chan *rtkit.Error, 1)
	go func() {
		_, err := rtkittest.Call(ctx5(t), a, evInlineSeq, Note{Seq: 99})
		next <- err
	}()
	// Released only once the next event waits in the socket's queue: run
	// before the blocked handler returned, it would be recorded first.
	require.Eventually(t, func() bool {
		return r.ts.RT.Health(context.Background()).Handlers.Waiting == 1
	}, 5*time.Second, time.Millisecond, "the next event waits behind the blocked one")
	close(r.release)
	require.Nil(t, <-blocked)
	require.Nil(t, <-next)
	r.mu.Lock()
	assert.Equal(t, []int{blockedReturned, 99}, r.seqs[len(r.seqs)-2:], "the queued event ran after the blocked one")
	r.mu.Unlock()
}

// A client that leaves while its handler blocks on the reader ends the
// handler's context.
func TestInlineBlockedHandlerSeesDisconnect(t *testing.T) {
	r := startInlineRig(t)
	c := r.ts.Dial(t, "/inline")
	<-r.sockets
	r.blockOnReader(t, c)
	c.Close()
	select {
	case err := <-r.ended:
		assert.ErrorIs(t, err, rtkit.ErrDisconnected)
	case <-ctx5(t).Done():
		t.Fatal("the blocked handler's context did not end")
	}
}

// A handler that panics on the reader answers INTERNAL; the socket, its
// reader and the server go on.
func TestInlinePanicContained(t *testing.T) {
	r, c := startWarm(t)
	for i := range 10 {
		_, err := rtkittest.Call(ctx5(t), c, evPanic, Empty{})
		require.NotNil(t, err)
		assert.Equal(t, rtkit.CodeInternal, err.Code)
		r.calls(t, c, i, 1)
	}
	assert.Positive(t, r.inline.Load(), "some panics happened on the reader")
}

// An event without a deadline never runs on the reader: nothing could
// hand the reading over while it runs.
func TestInlineNeedsDeadline(t *testing.T) {
	r, c := startWarm(t)
	for i := range 30 {
		out, err := rtkittest.Call(ctx5(t), c, evInlineFree, Note{Seq: i})
		require.Nil(t, err)
		require.Equal(t, i, out.A)
	}
	assert.Zero(t, r.inline.Load())
}
