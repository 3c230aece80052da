package client_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/client"
)

func TestCallDecodesAcknowledgementsAndErrors(t *testing.T) {
	t.Parallel()
	ts := startServer(t, 0)
	c := dial(t, ts, client.Options{})

	out, err := client.Call(ctx(t), c, evEcho, echoIn{Text: "hi"})
	require.NoError(t, err)
	assert.Equal(t, echoOut{Text: "hi", N: 1}, out)

	// Refused locally: nothing reaches the server (its counter stays).
	_, err = client.Call(ctx(t), c, evEcho, echoIn{Text: ""})
	e := client.AsError(err)
	require.Equal(t, rtkit.CodeValidation, e.Code)
	assert.Equal(t, "/text", e.Details[0].Path)
	out, err = client.Call(ctx(t), c, evEcho, echoIn{Text: "again"})
	require.NoError(t, err)
	assert.Equal(t, 2, out.N, "the invalid payload was not sent")

	// Every field of the server's error.
	for _, code := range []rtkit.Code{rtkit.CodeUnauthorized, rtkit.CodeForbidden, rtkit.CodeNotFound, rtkit.CodeRateLimited, rtkit.CodeValidation, "APP_SPECIFIC"} {
		_, err := client.Call(ctx(t), c, evFail, failIn{Code: string(code), Details: true})
		var re *rtkit.Error
		require.True(t, errors.As(err, &re), "%s: %v", code, err)
		assert.Equal(t, code, re.Code)
		assert.Equal(t, "failed with "+string(code), re.Message)
		assert.Equal(t, []rtkit.ErrorDetail{{Path: "/x", Message: "bad x"}}, re.Details)
		if code == rtkit.CodeRateLimited {
			assert.Equal(t, 1500*time.Millisecond, re.RetryAfter)
		} else {
			assert.Zero(t, re.RetryAfter)
		}
	}
	_, err = client.Call(ctx(t), c, rtkit.NewEvent[echoIn, echoOut]("nope"), echoIn{Text: "x"})
	assert.Equal(t, rtkit.CodeUnknownEvent, rtkit.CodeOf(err))

	// The acknowledgement of another version of the contract.
	_, err = client.Call(ctx(t), c, evBroken, echoIn{Text: "x"})
	assert.Equal(t, rtkit.CodeValidation, rtkit.CodeOf(err))
	assert.Contains(t, err.Error(), "the server's acknowledgement breaks its schema")

	// A deadline that passes first.
	short, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-short.Done()
	_, err = client.Call(short, c, evEcho, echoIn{Text: "late"})
	assert.Equal(t, rtkit.CodeTimeout, rtkit.CodeOf(err))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestValidationCanBeSwitchedOff(t *testing.T) {
	t.Parallel()
	ts := startServer(t, 0)
	c := dial(t, ts, client.Options{Validation: client.ValidateNone})
	// The server's own verdict, with its details.
	_, err := client.Call(ctx(t), c, evEcho, echoIn{Text: ""})
	e := client.AsError(err)
	require.Equal(t, rtkit.CodeValidation, e.Code)
	assert.Equal(t, "invalid payload", e.Message)
	assert.Equal(t, "/text", e.Details[0].Path)
	// The broken acknowledgement decodes as far as Go allows.
	_, err = client.Call(ctx(t), c, evBroken, echoIn{Text: "x"})
	assert.NoError(t, err)

	spoofs := make(chan spoofed, 1)
	client.On(c, evSpoof, func(s spoofed) { spoofs <- s })
	require.NoError(t, rtkit.Emit(ts.ns, evSpoofServer, tick{Seq: 7}))
	require.NoError(t, rtkit.Emit(ts.ns, evTick, tick{Seq: 1})) // a barrier
	select {
	case <-spoofs:
		t.Fatal("a number decoded into a string")
	case <-time.After(300 * time.Millisecond): // the decoding failed, as Go's would
	}
}

func TestIncomingPayloadThatBreaksItsSchemaIsDropped(t *testing.T) {
	t.Parallel()
	ts := startServer(t, 0)
	invalid := make(chan string, 4)
	c := dial(t, ts, client.Options{OnInvalid: func(ev string, e *rtkit.Error) { invalid <- ev + " " + string(e.Code) }})
	got := make(chan any, 4)
	client.On(c, evSpoof, func(s spoofed) { got <- s })
	client.On(c, evTick, func(tk tick) { got <- tk })
	require.NoError(t, rtkit.Emit(ts.ns, evSpoofServer, tick{Seq: 7}))
	require.NoError(t, rtkit.Emit(ts.ns, evTick, tick{Seq: 8}))
	assert.Equal(t, "spoof VALIDATION_ERROR", <-invalid)
	assert.Equal(t, tick{Seq: 8}, <-got, "the spoofed event never reaches its listener")
}

func TestEmitFailureArrivesAsErrorEvent(t *testing.T) {
	t.Parallel()
	ts := startServer(t, 0)
	c := dial(t, ts, client.Options{})
	type failure struct {
		event string
		err   *rtkit.Error
	}
	failures := make(chan failure, 1)
	client.OnError(c, func(ev string, err *rtkit.Error) { failures <- failure{ev, err} })
	require.NoError(t, client.Emit(c, evFail, failIn{Code: "NOT_FOUND"}))
	f := <-failures
	assert.Equal(t, "fail", f.event)
	assert.Equal(t, rtkit.CodeNotFound, f.err.Code)
	assert.Equal(t, "failed with NOT_FOUND", f.err.Message)
}

func TestAnswerServerQuestion(t *testing.T) {
	t.Parallel()
	ts := startServer(t, 0)
	c := dial(t, ts, client.Options{})
	client.Answer(c, evAsk, func(in askIn) (askOut, error) { return askOut{A: in.Q * 2}, nil })
	out, err := client.Call(ctx(t), c, evStart, askIn{Q: 21})
	require.NoError(t, err)
	assert.Equal(t, 42, out.A)
}

func TestDialRefused(t *testing.T) {
	t.Parallel()
	ts := startServer(t, 0)
	_, err := client.Dial(ctx(t), ts.url(), client.Options{Credentials: client.Credentials{Token: "bad"}})
	var ce *client.ConnectError
	require.True(t, errors.As(err, &ce), "got %v", err)
	assert.Equal(t, rtkit.CodeUnauthorized, ce.Code)
	assert.Equal(t, "bad token", ce.Message)
}

// Many goroutines share one client; run with -race.
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	ts := startServer(t, 0)
	c := dial(t, ts, client.Options{})
	const workers, calls = 32, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*calls)
	seen := sync.Map{}
	for w := range workers {
		wg.Go(func() {
			for i := range calls {
				text := string(rune('a'+w%26)) + string(rune('a'+i%26))
				out, err := client.Call(ctx(t), c, evEcho, echoIn{Text: text})
				if err != nil {
					errs <- err
					continue
				}
				if out.Text != text {
					errs <- errors.New("answer of another call: " + out.Text + " for " + text)
				}
				if _, dup := seen.LoadOrStore(out.N, true); dup {
					errs <- errors.New("two calls got the same answer")
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
