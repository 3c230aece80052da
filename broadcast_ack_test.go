package rtkit_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// dialIn connects a client of /test and makes it join channel:name.
func dialIn(t *testing.T, ts *rtkittest.Server, name string) *rtkittest.Client {
	t.Helper()
	c := ts.Dial(t, "/test")
	_, err := rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: name})
	require.Nil(t, err)
	return c
}

func TestEmitWithAcks(t *testing.T) {
	ns := newTestNamespace()
	ts := startWithNamespace(t, ns)
	var want []int
	for i := range 3 {
		c := dialIn(t, ts, "go")
		rtkittest.Answer(c, evAsk, func(q Question) Answer { return Answer{A: len(q.Q) + i} })
		want = append(want, 3+i)
	}
	outside := ts.Dial(t, "/test")
	asked := rtkittest.Answer(outside, evAsk, func(Question) Answer { return Answer{A: 99} })

	acks, err := rtkit.EmitWithAcks(ctx5(t), ns.To("channel:go"), evAsk, Question{Q: "abc"})
	require.NoError(t, err)
	var got []int
	for _, a := range acks {
		require.NoError(t, a.Err)
		assert.NotEmpty(t, a.Socket)
		got = append(got, a.Data.A)
	}
	slices.Sort(got)
	assert.Equal(t, want, got)
	assert.Zero(t, asked.Len(), "a socket outside the room was asked")

	t.Run("whole namespace", func(t *testing.T) {
		acks, err := rtkit.EmitWithAcks(ctx5(t), ns.To(), evAsk, Question{Q: "abc"})
		require.NoError(t, err)
		assert.Len(t, acks, 4)
	})
	t.Run("nobody", func(t *testing.T) {
		acks, err := rtkit.EmitWithAcks(ctx5(t), ns.To("channel:empty"), evAsk, Question{Q: "abc"})
		require.NoError(t, err)
		assert.Empty(t, acks)
	})
	t.Run("NoAck event", func(t *testing.T) {
		_, err := rtkit.EmitWithAcks(ctx5(t), ns.To(), evNote, Note{Text: "x"})
		require.Error(t, err)
	})
	t.Run("not declared", func(t *testing.T) {
		_, err := rtkit.EmitWithAcks(ctx5(t), ns.To(), evUpdate, UpdateIn{})
		assert.ErrorIs(t, err, rtkit.ErrNotDeclared)
	})
	t.Run("not mounted", func(t *testing.T) {
		_, err := rtkit.EmitWithAcks(ctx5(t), newTestNamespace().To(), evAsk, Question{Q: "x"})
		assert.ErrorIs(t, err, rtkit.ErrNotMounted)
	})
}

// TestEmitWithAcksPartial: a silent socket makes the call end at the
// deadline with TIMEOUT and the answers that arrived; an invalid answer
// and a disconnection are reported per socket.
func TestEmitWithAcksPartial(t *testing.T) {
	ns := newTestNamespace()
	ts := startWithNamespace(t, ns)
	good := dialIn(t, ts, "p")
	rtkittest.Answer(good, evAsk, func(Question) Answer { return Answer{A: 1} })
	bad := dialIn(t, ts, "p")
	rtkittest.Answer(bad, evAsk, func(Question) Answer { return Answer{A: -1} })
	gone := dialIn(t, ts, "p")
	goneID := gone.ID() // the client forgets it once closed
	rtkittest.Listen(gone, evAsk)
	silent := dialIn(t, ts, "p")
	rtkittest.Listen(silent, evAsk)

	go func() {
		time.Sleep(100 * time.Millisecond)
		gone.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	began := time.Now()
	acks, err := rtkit.EmitWithAcks(ctx, ns.To("channel:p"), evAsk, Question{Q: "?"})
	assert.GreaterOrEqual(t, time.Since(began), 550*time.Millisecond)
	assert.Equal(t, rtkit.CodeTimeout, rtkit.CodeOf(err), "err = %v", err)
	assert.Contains(t, err.Error(), "1 of this server's sockets")
	require.Len(t, acks, 3)
	bySocket := map[string]rtkit.Ack[Answer]{}
	for _, a := range acks {
		bySocket[a.Socket] = a
	}
	assert.Equal(t, Answer{A: 1}, bySocket[good.ID()].Data)
	assert.NoError(t, bySocket[good.ID()].Err)
	assert.Equal(t, rtkit.CodeValidation, rtkit.CodeOf(bySocket[bad.ID()].Err))
	assert.ErrorIs(t, bySocket[goneID].Err, rtkit.ErrDisconnected)
}

// TestEmitWithAcksConcurrent runs acknowledged emits to one room from
// several goroutines at once: under -race, this is where the Socket.IO
// broadcast-with-acknowledgement race would show.
func TestEmitWithAcksConcurrent(t *testing.T) {
	ns := newTestNamespace()
	ts := startWithNamespace(t, ns)
	for range 3 {
		c := dialIn(t, ts, "busy")
		rtkittest.Answer(c, evAsk, func(q Question) Answer { return Answer{A: len(q.Q)} })
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*10)
	for g := range 8 {
		wg.Go(func() {
			for i := range 10 {
				q := Question{Q: string(make([]byte, g+i))}
				acks, err := rtkit.EmitWithAcks(ctx5(t), ns.To("channel:busy"), evAsk, q)
				if err == nil && len(acks) != 3 {
					err = errors.New("not 3 acks")
				}
				for _, a := range acks {
					if err == nil && (a.Err != nil || a.Data.A != g+i) {
						err = errors.New("wrong answer")
					}
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCountAndFetchLocal(t *testing.T) {
	ns := newTestNamespace()
	ts := startWithNamespace(t, ns)
	a, b := dialIn(t, ts, "x"), dialIn(t, ts, "y")
	ts.Dial(t, "/test")
	count := func(r rtkit.Rooms) int {
		n, err := r.Count(ctx5(t))
		require.NoError(t, err)
		return n
	}
	assert.Equal(t, 3, count(ns.To()))
	assert.Equal(t, 2, count(ns.To("channel:x", "channel:y")))
	assert.Equal(t, 1, count(ns.To("channel:x", "channel:y").Except("channel:y")))
	assert.Equal(t, 1, count(ns.To(a.ID())), "a socket id selects that socket")

	infos, err := ns.To("channel:x", "channel:y").Fetch(ctx5(t))
	require.NoError(t, err)
	require.Len(t, infos, 2)
	byID := map[string]rtkit.SocketInfo{}
	for _, in := range infos {
		byID[in.ID] = in
		assert.True(t, in.Local)
		assert.Contains(t, in.RemoteAddr, "127.0.0.1")
		assert.WithinDuration(t, time.Now(), in.Connected, time.Minute)
	}
	assert.Equal(t, []string{"channel:x"}, byID[a.ID()].Rooms)
	assert.Equal(t, []string{"channel:y"}, byID[b.ID()].Rooms)

	_, err = newTestNamespace().To().Count(ctx5(t))
	assert.ErrorIs(t, err, rtkit.ErrNotMounted)
}
