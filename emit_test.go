package rtkit_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/proctest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// startWithNamespace serves one namespace and returns it with the server.
func startWithNamespace(t *testing.T, ns *rtkit.Namespace, opts ...rtkit.ServerOption) *rtkittest.Server {
	t.Helper()
	srv := rtkit.NewServer(append([]rtkit.ServerOption{rtkit.WithLogger(quietLogger())}, opts...)...)
	srv.Mount(ns)
	return rtkittest.Start(t, srv)
}

func TestRoomPolicyAllowAndDeny(t *testing.T) {
	ts, _ := startTest(t)
	c := ts.Dial(t, "/test")
	_, err := rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: "open"})
	require.Nil(t, err)

	_, err = rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: "secret"})
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeForbidden, err.Code)
	assert.Equal(t, "not your channel", err.Message)
}

func TestRoomWithoutPolicyCannotBeJoined(t *testing.T) {
	joined := make(chan error, 1)
	ns := rtkit.NewNamespace("/rooms",
		rtkit.WithRoom("user:{userId}:*", rtkit.Anyone),
		rtkit.OnConnect(func(ctx context.Context, s *rtkit.Socket) {
			joined <- errors.Join(s.Join(ctx, "user:1:inbox"), s.Join(ctx, "user:1:a:b"))
			joined <- s.Join(ctx, "user:1") // "*" needs one more segment
			joined <- s.Join(ctx, "admin")
			joined <- s.Join(ctx, s.ID()) // its own id room is not a policy room
		}))
	ts := startWithNamespace(t, ns)
	ts.Dial(t, "/rooms")
	require.NoError(t, <-joined)
	for range 3 {
		err := <-joined
		require.Error(t, err)
		assert.Equal(t, rtkit.CodeForbidden, rtkit.CodeOf(err))
	}
}

func TestEmitToRoomReachesOnlyItsMembers(t *testing.T) {
	ns := newTestNamespace()
	ts := startWithNamespace(t, ns)
	in := ts.Dial(t, "/test")
	out := ts.Dial(t, "/test")
	_, err := rtkittest.Call(ctx5(t), in, evSubscribe, SubscribeIn{Channel: "news"})
	require.Nil(t, err)
	inBox, outBox := rtkittest.Listen(in, evNote), rtkittest.Listen(out, evNote)

	require.NoError(t, rtkit.Emit(ns.To("channel:news"), evNote, Note{Seq: 1, Text: "hello"}))
	got, err2 := inBox.Next(ctx5(t))
	require.NoError(t, err2)
	assert.Equal(t, Note{Seq: 1, Text: "hello"}, got)

	// A namespace-wide emit reaches both; the room emit must not have
	// reached out before it.
	require.NoError(t, rtkit.Emit(ns, evNote, Note{Seq: 2, Text: "all"}))
	got, err2 = outBox.Next(ctx5(t))
	require.NoError(t, err2)
	assert.Equal(t, 2, got.Seq, "the room emit must not reach a non-member")
	got, err2 = inBox.Next(ctx5(t))
	require.NoError(t, err2)
	assert.Equal(t, 2, got.Seq)
}

func TestEmitToRoomsWithException(t *testing.T) {
	ns := newTestNamespace()
	ts := startWithNamespace(t, ns)
	a, b := ts.Dial(t, "/test"), ts.Dial(t, "/test")
	for _, ch := range []string{"x", "y"} {
		_, err := rtkittest.Call(ctx5(t), a, evSubscribe, SubscribeIn{Channel: ch})
		require.Nil(t, err)
	}
	_, err := rtkittest.Call(ctx5(t), b, evSubscribe, SubscribeIn{Channel: "y"})
	require.Nil(t, err)
	_, err = rtkittest.Call(ctx5(t), b, evSubscribe, SubscribeIn{Channel: "muted"})
	require.Nil(t, err)
	aBox, bBox := rtkittest.Listen(a, evNote), rtkittest.Listen(b, evNote)

	require.NoError(t, rtkit.Emit(ns.To("channel:x", "channel:y").Except("channel:muted"), evNote, Note{Seq: 7}))
	got, err2 := aBox.Next(ctx5(t))
	require.NoError(t, err2)
	assert.Equal(t, 7, got.Seq)
	require.NoError(t, rtkit.Emit(ns, evNote, Note{Seq: 8}))
	got, err2 = bBox.Next(ctx5(t))
	require.NoError(t, err2)
	assert.Equal(t, 8, got.Seq, "b is excluded through channel:muted")
	got, err2 = aBox.Next(ctx5(t))
	require.NoError(t, err2)
	assert.Equal(t, 8, got.Seq, "a got the room emit exactly once")
}

func TestEmitToSocketFromHandler(t *testing.T) {
	ts, _ := startTest(t)
	c := ts.Dial(t, "/test")
	box := rtkittest.Listen(c, evNote)
	require.NoError(t, rtkittest.Send(c, evTrigger, Note{Seq: 3, Text: "me"}))
	got, err := box.Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, Note{Seq: 3, Text: "me"}, got)
}

func TestEmitRefusesInvalidPayloadAndUndeclaredEvent(t *testing.T) {
	ns := newTestNamespace()
	other := rtkit.NewNamespace("/other")
	logs := &proctest.Buffer{}
	srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))

	err := rtkit.Emit(ns, evNote, Note{})
	assert.ErrorIs(t, err, rtkit.ErrNotMounted)

	srv.Mount(ns, other)
	ts := rtkittest.Start(t, srv)
	c := ts.Dial(t, "/test")
	box := rtkittest.Listen(c, evNote)

	err = rtkit.Emit(ns, evNote, Note{Text: string(make([]byte, 101))})
	require.Error(t, err, "maxLength=100 is enforced on the way out")
	assert.Contains(t, err.Error(), "/text")

	err = rtkit.Emit(other, evNote, Note{Seq: 1})
	assert.ErrorIs(t, err, rtkit.ErrNotDeclared)
	assert.Contains(t, logs.String(), `level=ERROR msg="rtkit: emit of an undeclared event, nothing sent" namespace=/other event=note`,
		"the programming error is logged, not only returned")

	err = rtkit.Emit(ns, evSubscribe, SubscribeIn{Channel: "x"})
	assert.ErrorIs(t, err, rtkit.ErrNotDeclared, "a handled event is not an emitted one")

	require.NoError(t, rtkit.Emit(ns, evNote, Note{Seq: 9}))
	got, err2 := box.Next(ctx5(t))
	require.NoError(t, err2)
	assert.Equal(t, 9, got.Seq, "nothing invalid was sent before")
}

func TestEmitWithAck(t *testing.T) {
	sockets := make(chan *rtkit.Socket, 4)
	ns := newTestNamespace(rtkit.OnConnect(func(_ context.Context, s *rtkit.Socket) { sockets <- s }))
	ts := startWithNamespace(t, ns)

	c := ts.Dial(t, "/test")
	rtkittest.Answer(c, evAsk, func(q Question) Answer { return Answer{A: len(q.Q)} })
	s := <-sockets
	got, err := rtkit.EmitWithAck(ctx5(t), s, evAsk, Question{Q: "four"})
	require.NoError(t, err)
	assert.Equal(t, Answer{A: 4}, got)

	t.Run("invalid answer", func(t *testing.T) {
		bad := ts.Dial(t, "/test")
		rtkittest.Answer(bad, evAsk, func(Question) Answer { return Answer{A: -3} })
		s := <-sockets
		_, err := rtkit.EmitWithAck(ctx5(t), s, evAsk, Question{Q: "x"})
		require.Error(t, err)
		assert.Equal(t, rtkit.CodeValidation, rtkit.CodeOf(err))
	})

	t.Run("timeout", func(t *testing.T) {
		silent := ts.Dial(t, "/test")
		rtkittest.Listen(silent, evAsk) // receives, never answers
		s := <-sockets
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := rtkit.EmitWithAck(ctx, s, evAsk, Question{Q: "?"})
		require.Error(t, err)
		assert.Equal(t, rtkit.CodeTimeout, rtkit.CodeOf(err))
	})

	t.Run("disconnect", func(t *testing.T) {
		gone := ts.Dial(t, "/test")
		rtkittest.Listen(gone, evAsk)
		s := <-sockets
		go func() {
			time.Sleep(100 * time.Millisecond)
			gone.Close()
		}()
		_, err := rtkit.EmitWithAck(ctx5(t), s, evAsk, Question{Q: "?"})
		assert.ErrorIs(t, err, rtkit.ErrDisconnected)
	})
}

func TestServerWideRoomsAndAutoJoin(t *testing.T) {
	connected := make(chan *rtkit.Socket, 1)
	srv := rtkit.NewServer(rtkit.WithLogger(quietLogger()), rtkit.WithNamespaceOptions(
		rtkit.WithRoom("everyone", rtkit.Anyone),
		rtkit.AutoJoin(func(context.Context, *rtkit.Socket) []string { return []string{"everyone"} }),
	))
	ns := rtkit.NewNamespace("/wide", rtkit.OnConnect(func(_ context.Context, s *rtkit.Socket) { connected <- s }))
	srv.Mount(ns)
	ts := rtkittest.Start(t, srv)
	ts.Dial(t, "/wide")
	assert.Equal(t, []string{"everyone"}, (<-connected).Rooms())
	require.Len(t, srv.Spec().Namespaces, 1)
	assert.Equal(t, "everyone", srv.Spec().Namespaces[0].Rooms[0].Pattern)
}

func TestWithSetupAndSocketIteration(t *testing.T) {
	ping := rtkit.NewEvent[Empty, Empty]("setup:ping")
	addPing := rtkit.WithSetup(func(ns *rtkit.Namespace) {
		rtkit.Handle(ns, ping, func(context.Context, *rtkit.Socket, Empty) (Empty, error) { return Empty{}, nil })
	})
	srv := rtkit.NewServer(rtkit.WithLogger(quietLogger()), rtkit.WithNamespaceOptions(addPing))
	a, b := rtkit.NewNamespace("/a"), rtkit.NewNamespace("/b")
	srv.Mount(a, b)
	ts := rtkittest.Start(t, srv)
	ca, cb := ts.Dial(t, "/a"), ts.Dial(t, "/b")
	for _, c := range []*rtkittest.Client{ca, cb} {
		_, err := rtkittest.Call(ctx5(t), c, ping, Empty{})
		require.Nil(t, err, "the server-wide setup registered the handler on every namespace")
	}
	ids := map[string]bool{}
	for s := range srv.Sockets() {
		ids[s.Namespace()+" "+s.ID()] = true
	}
	assert.Equal(t, map[string]bool{"/a " + ca.ID(): true, "/b " + cb.ID(): true}, ids)
}
