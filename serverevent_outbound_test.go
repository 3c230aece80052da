package rtkit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/hub"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestServerEventsHonourOutboundValidation: WithOutboundValidation(false)
// covers what a server sends to other servers as it covers what it sends
// to clients. The sender's payload goes out unchecked (and the receiver,
// which validates what it receives, refuses it), and the receiver's
// answer goes out unchecked (and the sender refuses it): both times as the
// same VALIDATION_ERROR a client gets, never the sender's own INTERNAL.
func TestServerEventsHonourOutboundValidation(t *testing.T) {
	for _, tc := range []struct {
		name     string
		outbound bool
		// payload is refused on the sender (plain error) when outbound
		// validation is on, by the receiver (VALIDATION_ERROR) when off.
		payloadCode rtkit.Code
		// a broken answer is refused by the receiver (INTERNAL) when on,
		// by the sender (VALIDATION_ERROR) when off.
		answerCode rtkit.Code
	}{
		{"on", true, "", rtkit.CodeInternal},
		{"off", false, rtkit.CodeValidation, rtkit.CodeValidation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := hub.New()
			var nss []*rtkit.Namespace
			for range 2 {
				ns := newTestNamespace()
				rtkit.HandleServer(ns, evFlush, func(_ context.Context, f Flush) (Flushed, error) {
					return Flushed{Dropped: -1}, nil // breaks minimum=0
				})
				startWithNamespace(t, ns, rtkit.WithAdapter(h.Adapter(false)), rtkit.WithOutboundValidation(tc.outbound))
				nss = append(nss, ns)
			}
			_, err := rtkit.EmitServers(ctx5(t), nss[0], evFlush, Flush{})
			require.Error(t, err)
			if tc.outbound {
				assert.ErrorContains(t, err, "does not match its schema", "refused before sending")
			} else {
				var e *rtkit.Error
				require.ErrorAs(t, err, &e, "sent, refused by the receiver")
				assert.Equal(t, tc.payloadCode, e.Code)
				assert.Equal(t, []rtkit.ErrorDetail{{Path: "/key", Message: "minLength: got 0, want 1"}}, e.Details)
			}

			_, err = rtkit.EmitServers(ctx5(t), nss[0], evFlush, Flush{Key: "k"})
			assert.Equal(t, tc.answerCode, rtkit.CodeOf(err), "%v", err)
			if !tc.outbound {
				var e *rtkit.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, []rtkit.ErrorDetail{{Path: "/dropped", Message: "minimum: got -1, want 0"}}, e.Details)
			}
		})
	}
}

var (
	evCheckIn  = rtkit.NewEvent[Flush, Flushed]("check:in")
	evCheckOut = rtkit.NewEvent[Flush, Flushed]("check:out")
)

// TestEveryPathRefusesTheSameWay: the five places where a typed value
// arrives (a client's payload, another server's payload, a client's
// answer to EmitWithAck, clients' answers to EmitWithAcks on this and
// another server, another server's answer to EmitServers) refuse the same
// invalid value with the same VALIDATION_ERROR.
func TestEveryPathRefusesTheSameWay(t *testing.T) {
	badIn := []rtkit.ErrorDetail{{Path: "/key", Message: "minLength: got 0, want 1"}}
	badOut := []rtkit.ErrorDetail{{Path: "/dropped", Message: "minimum: got -1, want 0"}}
	details := func(t *testing.T, err error) []rtkit.ErrorDetail {
		t.Helper()
		var e *rtkit.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, rtkit.CodeValidation, e.Code)
		assert.Equal(t, "invalid payload", e.Message)
		return e.Details
	}
	h := hub.New()
	var nss []*rtkit.Namespace
	var clients []*rtkittest.Client
	for range 2 {
		ns := newTestNamespace()
		rtkit.Handle(ns, evCheckIn, func(context.Context, *rtkit.Socket, Flush) (Flushed, error) {
			t.Error("handler ran with an invalid payload")
			return Flushed{}, nil
		})
		rtkit.Emits(ns, evCheckOut)
		rtkit.HandleServer(ns, evFlush, func(_ context.Context, f Flush) (Flushed, error) {
			if f.Key == "" {
				t.Error("server handler ran with an invalid payload")
			}
			return Flushed{Dropped: -1}, nil
		})
		// Outbound validation off: the invalid values go out, and each
		// receiving side has to refuse them.
		ts := startWithNamespace(t, ns, rtkit.WithAdapter(h.Adapter(false)), rtkit.WithOutboundValidation(false))
		nss = append(nss, ns)
		c := dialIn(t, ts, "all")
		rtkittest.Answer(c, evCheckOut, func(Flush) Flushed { return Flushed{Dropped: -1} })
		clients = append(clients, c)
	}

	_, werr := rtkittest.Call(ctx5(t), clients[0], evCheckIn, Flush{})
	require.NotNil(t, werr, "Handle")
	assert.Equal(t, badIn, details(t, werr), "Handle")

	_, err := rtkit.EmitServers(ctx5(t), nss[0], evFlush, Flush{})
	assert.Equal(t, badIn, details(t, err), "HandleServer")

	var s *rtkit.Socket
	for x := range nss[0].Sockets() {
		s = x
	}
	require.NotNil(t, s)
	_, err = rtkit.EmitWithAck(ctx5(t), s, evCheckOut, Flush{Key: "k"})
	assert.Equal(t, badOut, details(t, err), "EmitWithAck")

	acks, err := rtkit.EmitWithAcks(ctx5(t), nss[0].To("channel:all"), evCheckOut, Flush{Key: "k"})
	require.NoError(t, err)
	require.Len(t, acks, 2, "this server's socket and the other's")
	for _, a := range acks {
		assert.Equal(t, badOut, details(t, a.Err), "EmitWithAcks")
	}

	_, err = rtkit.EmitServers(ctx5(t), nss[0], evFlush, Flush{Key: "k"})
	assert.Equal(t, badOut, details(t, err), "EmitServers")
}
