package rtkit_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/sioraw"
	"github.com/rtkit-go/rtkit/rtkittest"
)

type napIn struct {
	Ms int `json:"ms"`
}

type napOut struct {
	Ms int `json:"ms"`
}

var evNap = rtkit.NewEvent[napIn, napOut]("nap")

// TestShutdownAnswersQueuedEvents: events waiting behind a running handler
// when Shutdown begins, events that arrive while it drains, and events a
// client sends as soon as it has its last answer (before it could hear of
// the shutdown) are all answered (the running one with its result, the
// others UNAVAILABLE) before the socket is disconnected.
func TestShutdownAnswersQueuedEvents(t *testing.T) {
	for range 10 {
		shutdownWithQueue(t)
	}
}

func shutdownWithQueue(t *testing.T) {
	ns := rtkit.NewNamespace("/nap")
	rtkit.Handle(ns, evNap, func(_ context.Context, _ *rtkit.Socket, in napIn) (napOut, error) {
		time.Sleep(time.Duration(in.Ms) * time.Millisecond)
		return napOut(in), nil
	})
	srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.DiscardHandler)))
	srv.Mount(ns)
	ts := rtkittest.Start(t, srv)
	c := sioraw.Join(t, ts.URL, "/nap", nil)
	for i := 1; i <= 5; i++ {
		c.Send(fmt.Sprintf(`42/nap,%d["nap",{"ms":100}]`, i))
	}
	time.Sleep(30 * time.Millisecond) // the first handler is running
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	require.Eventually(t, func() bool { return srv.Health(context.Background()).Status == "shutting_down" },
		time.Second, time.Millisecond)
	c.Send(`42/nap,6["nap",{"ms":1}]`) // arrives while Shutdown drains

	answers := map[int]string{}
	for len(answers) < 7 {
		f, err := c.TryRead(3 * time.Second)
		require.NoError(t, err, "answers so far: %v", answers)
		var id int
		var rest string
		if _, err := fmt.Sscanf(f, "43/nap,%d%s", &id, &rest); err == nil {
			answers[id] = rest
			if id == 1 {
				c.Send(`42/nap,7["nap",{"ms":1}]`) // before hearing of the shutdown
			}
		}
	}
	assert.True(t, strings.HasPrefix(answers[1], `[{"success":true`), answers[1])
	for id := 2; id <= 5; id++ { // queued before or after Shutdown began, depending on the machine
		if !strings.HasPrefix(answers[id], `[{"success":true`) {
			assert.Contains(t, answers[id], `"code":"UNAVAILABLE"`, "event %d", id)
		}
	}
	for id := 6; id <= 7; id++ {
		assert.Contains(t, answers[id], `"code":"UNAVAILABLE"`, "event %d", id)
	}
	require.NoError(t, <-done)
	ts.Close()
}
