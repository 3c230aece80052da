package rtkit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// blockingNamespace handles "slow" until release is closed.
func blockingNamespace(name string, started chan<- struct{}, release <-chan struct{}) *rtkit.Namespace {
	ns := rtkit.NewNamespace(name)
	rtkit.Handle(ns, evSlow, func(context.Context, *rtkit.Socket, Empty) (Empty, error) {
		started <- struct{}{}
		<-release
		return Empty{}, nil
	})
	return ns
}

func TestSocketQueueIsBounded(t *testing.T) {
	started := make(chan struct{}, 16)
	release := make(chan struct{})
	ts := startWithNamespace(t, blockingNamespace("/q", started, release), rtkit.WithMaxPending(3))
	rc := sioraw.Dial(t, ts.URL, nil)
	require.True(t, strings.HasPrefix(rc.Connect("/q", nil), "40/q,"))
	for id := 1; id <= 10; id++ {
		rc.Send(fmt.Sprintf(`42/q,%d["slow",{}]`, id))
	}
	<-started
	// 1 running + 2 waiting fit; the 7 others are refused at once, while
	// the handler is still blocked.
	for id := 4; id <= 10; id++ {
		ack := rc.Ack("/q", id)
		assert.Contains(t, ack, `"code":"RATE_LIMITED"`, "event %d", id)
		assert.Contains(t, ack, `"retryAfterMs":250`)
	}
	close(release)
	for id := 1; id <= 3; id++ {
		assert.JSONEq(t, `[{"success":true,"data":{}}]`, rc.Ack("/q", id), "event %d was queued and handled", id)
	}
}

func TestSocketQueueIsBoundedByDefault(t *testing.T) {
	const sent, bound = 300, 256         // bound: the documented default of WithMaxPending
	started := make(chan struct{}, sent) // every handled event signals
	release := make(chan struct{})
	ts := startWithNamespace(t, blockingNamespace("/q", started, release))
	rc := sioraw.Dial(t, ts.URL, nil)
	require.True(t, strings.HasPrefix(rc.Connect("/q", nil), "40/q,"))
	for id := 1; id <= sent; id++ {
		rc.Send(fmt.Sprintf(`42/q,%d["slow",{}]`, id))
	}
	<-started
	// 1 running + 255 waiting fit; every later event is refused while the
	// handler is still blocked.
	for id := bound + 1; id <= sent; id++ {
		assert.Contains(t, rc.Ack("/q", id), `"code":"RATE_LIMITED"`, "event %d", id)
	}
	close(release)
	for id := 1; id <= bound; id++ {
		assert.JSONEq(t, `[{"success":true,"data":{}}]`, rc.Ack("/q", id), "event %d was queued and handled", id)
	}
}

func TestConcurrentHandlersAreBounded(t *testing.T) {
	started := make(chan struct{}, 16)
	release := make(chan struct{})
	ts := startWithNamespace(t, blockingNamespace("/c", started, release), rtkit.WithMaxConcurrentHandlers(2))
	var clients []*rtkittest.Client
	for range 3 {
		clients = append(clients, ts.Dial(t, "/c"))
	}
	results := make(chan *rtkit.Error, 2)
	for _, c := range clients[:2] {
		go func() {
			_, err := rtkittest.Call(ctx5(t), c, evSlow, Empty{})
			results <- err
		}()
	}
	<-started
	<-started
	_, err := rtkittest.Call(ctx5(t), clients[2], evSlow, Empty{})
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeRateLimited, err.Code)
	assert.Equal(t, 250*time.Millisecond, err.RetryAfter, "rtkittest.Call keeps retryAfterMs")
	close(release)
	for range 2 {
		assert.Nil(t, <-results)
	}
	select {
	case <-started:
		t.Fatal("the refused event must not have run")
	case <-time.After(50 * time.Millisecond):
	}
}

func TestEmitWithAckFromTheSocketsOwnHandler(t *testing.T) {
	ns := newTestNamespace()
	askBack := rtkit.NewEvent[Question, Answer]("ask:back")
	rtkit.Handle(ns, askBack, func(ctx context.Context, s *rtkit.Socket, q Question) (Answer, error) {
		// The client's answer arrives while this handler still runs.
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return rtkit.EmitWithAck(ctx, s, evAsk, q)
	})
	ts := startWithNamespace(t, ns)
	c := ts.Dial(t, "/test")
	rtkittest.Answer(c, evAsk, func(q Question) Answer { return Answer{A: len(q.Q) * 10} })
	out, err := rtkittest.Call(ctx5(t), c, askBack, Question{Q: "abc"})
	require.Nil(t, err)
	assert.Equal(t, Answer{A: 30}, out)
}
